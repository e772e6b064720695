"""The button entry points, with the calling workbook played by a FakeBook.

``xw.Book.caller()`` needs Excel; everything under it is the same code, so the tests swap
the one function that asks xlwings for the book.
"""

from __future__ import annotations

from datetime import date

import pytest

from pixie_xl.demo import dataset
from pixie_xl.demo.run import free_port
from pixie_xl.excel import macros
from pixie_xl.sheets import layout
from pixie_xl.sheets.fakebook import FakeBook
from tests.cli.conftest import client, env, live_service  # noqa: F401 - the live service


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """A workbook pointing at a server that does not answer, and no cache yet."""
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PIXIE_SERVER", raising=False)
    monkeypatch.setattr("pixie_xl.client.RETRIES", 0)
    book = FakeBook.new(server_url=f"http://127.0.0.1:{free_port()}")
    monkeypatch.setattr(macros, "_book", lambda: book)
    return book


def test_build_variance_without_a_refresh_says_what_to_do(offline):
    macros.build_variance()
    assert offline.alerts == ["no data yet: press Refresh actuals first"]


def test_refresh_with_the_server_down_is_an_alert_not_a_traceback(offline):
    macros.refresh_actuals()
    assert len(offline.alerts) == 1 and "does not answer" in offline.alerts[0]
    assert offline.statuses[-1].startswith("failed:")


def test_validate_offline_without_a_cache_explains(offline):
    macros.validate()
    assert "refresh once" in offline.alerts[0]


def test_import_without_a_file_asks_for_one(offline):
    macros.import_budgets()
    assert "Import file" in offline.alerts[0]


def test_the_buttons_against_a_live_service(env, monkeypatch, tmp_path, client):  # noqa: F811
    book = FakeBook.new(server_url=env)
    monkeypatch.setattr(macros, "_book", lambda: book)
    files = dataset.write(dataset.generate(), tmp_path / "data")
    book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["import_file"], str(files["budgets"]))
    book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["report_from"], date(2026, 1, 1))
    book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["report_to"], date(2026, 6, 30))

    macros.import_budgets()
    macros.validate()
    macros.save_budgets()
    assert book.alerts == [], book.alerts
    budgets = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    assert all(row[0] and row[1] for row in budgets.rows)  # IDs and versions written back

    macros.refresh_actuals()
    variance = book.read_table(layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
    assert len(variance.rows) == len(client.variance(date(2026, 1, 1), date(2026, 6, 30)))
    assert book.get_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["last_refresh"]) is not None
    for b in client.budgets():
        client.delete_budget(str(b["id"]), b["version"])
