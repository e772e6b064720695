"""The button entry points as Excel for Windows runs them: ``xw.Book.caller()`` answers the
workbook open in the COM stand-in (xlwings' own ``Book.set_mock_caller``), and every cell
goes through xlwings' conversion layer and ``xlwings._xlwindows``.
"""

from __future__ import annotations

from datetime import date

import pytest

from pixie_xl.demo import dataset
from pixie_xl.demo.run import free_port
from pixie_xl.excel import macros
from pixie_xl.sheets import layout, tables
from pixie_xl.sheets.xlwings_book import XlwingsBook
from tests.cli.conftest import client, env  # noqa: F401 - the live service's fixtures

PIXIE, CELLS = layout.PIXIE_SHEET, layout.PIXIE_CELLS
#: every button of the workbook and its entry point (new buttons are covered as they come)
BUTTONS = {
    caption: getattr(macros, layout.MACRO_FUNCTIONS[sub]) for caption, sub in layout.MACROS.items()
}


def _calling(windows_excel, path, server_url):
    """The workbook at ``path`` open in Excel and calling Python, pointing at a server."""
    xw_book = windows_excel.open(path)
    book = XlwingsBook(xw_book)
    book.set_value(PIXIE, CELLS["server"], server_url)
    windows_excel.call(xw_book)
    return book, windows_excel.com(xw_book)


@pytest.fixture
def offline(windows_excel, workbook_copy, monkeypatch, tmp_path):
    """A workbook pointing at a server that does not answer, and no cache yet."""
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PIXIE_SERVER", raising=False)
    monkeypatch.setattr("pixie_xl.client.RETRIES", 0)
    return _calling(windows_excel, workbook_copy, f"http://127.0.0.1:{free_port()}")


def _alerts(com):
    return [text for _title, text in com.Application.alerts]


def test_build_variance_without_a_refresh_says_what_to_do(offline):
    _, com = offline
    macros.build_variance()
    assert _alerts(com) == ["no data yet: press Refresh actuals first"]
    assert com.Application.StatusBar is False  # given back to Excel


def test_refresh_with_the_server_down_is_an_alert_not_a_traceback(offline):
    book, com = offline
    macros.refresh_actuals()
    assert len(_alerts(com)) == 1 and "does not answer" in _alerts(com)[0]
    assert str(book.get_value(PIXIE, CELLS["status"])).startswith("failed:")
    assert com.Application.status_history[-1] is False


def test_validate_offline_without_a_cache_explains(offline):
    _, com = offline
    macros.validate()
    assert "refresh once" in _alerts(com)[0]


def test_import_without_a_file_asks_for_one(offline):
    _, com = offline
    com.Application.open_filename = False  # the Open dialog cancelled
    macros.import_budgets()
    assert "Import file" in _alerts(com)[0]
    assert com.Application.calls["GetOpenFilename"] == 1


@pytest.mark.parametrize("button", sorted(BUTTONS))
def test_every_button_gives_the_status_bar_back(offline, button):
    _, com = offline
    BUTTONS[button]()
    assert com.Application.StatusBar is False


def test_the_buttons_against_a_live_service(
    env,  # noqa: F811
    windows_excel,
    workbook_copy,
    tmp_path,
    client,  # noqa: F811
):
    book, com = _calling(windows_excel, workbook_copy, env)
    files = dataset.write(dataset.generate(), tmp_path / "data")
    book.set_value(PIXIE, CELLS["import_file"], str(files["budgets"]))
    book.set_value(PIXIE, CELLS["report_from"], date(2026, 1, 1))
    book.set_value(PIXIE, CELLS["report_to"], date(2026, 6, 30))
    try:
        macros.import_budgets()
        imported = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
        assert len(imported.rows) > 3
        macros.validate()
        macros.save_budgets()
        assert _alerts(com) == []
        budgets = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
        assert len(budgets.rows) == len(imported.rows)
        assert len({row[0] for row in budgets.rows}) == len(client.budgets())
        assert all(row[0] and row[1] for row in budgets.rows)  # IDs and versions back
        assert com.saves == 1

        macros.refresh_actuals()
        variance = book.read_table(layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
        assert len(variance.rows) == len(client.variance(date(2026, 1, 1), date(2026, 6, 30)))
        assert len(variance.rows) > 0
        assert book.get_value(PIXIE, CELLS["last_refresh"]) is not None
        assert com.Application.recalculations == ["CalculateFull"]
        charts = com.sheets[layout.VARIANCE_SHEET].ws._charts
        assert len(charts) == 2  # each pointed at its helper range, series by column
        assert all(c.pixie_source[0].startswith("Lists!$") for c in charts)
        assert all(c.pixie_source[1] == 2 for c in charts)  # xlColumns
        macros.build_variance()
        assert book.read_table(layout.VARIANCE_SHEET, layout.VARIANCE_TABLE) == variance
        assert _alerts(com) == [] and com.Application.StatusBar is False
    finally:
        for b in client.budgets():
            client.delete_budget(str(b["id"]), b["version"])


def test_import_appends_to_the_rows_already_there(
    env,  # noqa: F811
    windows_excel,
    workbook_copy,
    tmp_path,
):
    """Import budgets adds the file's rows under those of the sheet, never erasing them;
    the file comes from Excel's Open dialog."""
    book, com = _calling(windows_excel, workbook_copy, env)
    ds = dataset.generate()
    files = dataset.write(ds, tmp_path / "data")
    # two lines of a 2027 budget, which the file (2026) does not overlap
    tables.write_budgets(
        book, [[*r[:3], "2027-01-01", "2027-12-31", *r[5:]] for r in ds.good_budgets[:2]]
    )
    before = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE).rows
    assert len(before) == 2
    com.Application.open_filename = str(files["budgets"])
    macros.import_budgets()
    assert _alerts(com) == []
    after = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE).rows
    assert after[:2] == before and len(after) > 2
