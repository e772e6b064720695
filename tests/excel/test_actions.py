"""The actions on an in-memory book, offline: checked against the cache's last copy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pixie_xl.core.findings import Severity
from pixie_xl.demo import dataset
from pixie_xl.excel import actions
from pixie_xl.excel import cache as cache_mod
from pixie_xl.excel.refreshing import refresh_budgets
from pixie_xl.sheets import layout
from pixie_xl.sheets.fakebook import FakeBook
from pixie_xl.sheets.tables import write_budgets

URL = "http://offline:1"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("PIXIE_SERVER", raising=False)
    ds = dataset.generate()
    c = cache_mod.Cache(URL)
    c.fill(
        settings={"timezone": "Europe/Amsterdam", "currency": "EUR"},
        objects=[
            dict(zip(["id", "name", "kind", "parent"], o[:4], strict=True)) for o in ds.objects
        ],
        activities=[{"code": a[0], "name": a[1], "active": a[2] == "true"} for a in ds.activities],
        lines=[],
    )
    return c


def test_offline_validation_marks_the_bad_cells(cache):
    book = FakeBook.new(server_url=URL)
    write_budgets(book, dataset.generate().bad_budgets)
    findings = actions.validate(book)  # no client: the cache's master data
    errors = {str(f.source) for f in findings if f.severity is Severity.ERROR}
    assert {"Budgets!H2", "Budgets!F5", "Budgets!E7"} <= errors
    assert {"H2", "F5", "E7"} <= set(book.marks[layout.BUDGETS_SHEET])
    checks = book.read_table(layout.CHECKS_SHEET, layout.CHECKS_TABLE)
    assert len(checks.rows) == len(findings)
    assert "see the Checks sheet" in book.statuses[-1]


def test_a_clean_sheet_clears_the_marks(cache):
    book = FakeBook.new(server_url=URL)
    write_budgets(book, dataset.generate().bad_budgets)
    actions.validate(book)
    write_budgets(book, dataset.generate().good_budgets)
    assert actions.validate(book) == []
    assert book.marks[layout.BUDGETS_SHEET] == {}
    assert book.statuses[-1] == "Budgets checked: no problems"


def test_the_report_period_comes_from_the_pixie_sheet(cache):
    book = FakeBook.new(server_url=URL)
    today = date(2026, 11, 2)
    assert actions.report_period(book, today) == (date(2026, 1, 1), date(2026, 12, 31))
    book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["report_from"], date(2026, 4, 1))
    book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["report_to"], 46203.0)  # a serial
    assert actions.report_period(book, today) == (date(2026, 4, 1), date(2026, 6, 30))
    assert actions.report_period(book, today, date(2026, 5, 1)) == (
        date(2026, 5, 1),
        date(2026, 6, 30),
    )


def test_build_variance_offline_writes_the_three_sheets(cache):
    book = FakeBook.new(server_url=URL)
    out = actions.build_variance(book, cache, date(2026, 1, 1), date(2026, 12, 31))
    assert out["rows"] == []  # no lines, no budgets in this cache
    assert book.get_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["last_refresh"]) is not None


# --- the Budgets table as a view of the service (issue 8) -----------------------------------


def _budget(bid="B1", version=1, cost="100.00", created="2026-11-02T09:00:00+01:00", seq=0):
    return {
        "id": bid, "object": "P-100", "start": "2026-01-01", "end": "2026-12-31",
        "version": version, "kind": "master" if seq == 0 else "correction", "seq": seq,
        "created_at": created, "locked": False,
        "lines": [{"activity": "ROAD", "income": "0", "cost": cost, "phasing": "days",
                   "note": ""}],
    }  # fmt: skip


def _row(bid="B1", version=1, cost=100.0, delete=None):
    return [bid, version, "P-100", date(2026, 1, 1), date(2026, 12, 31), "ROAD", None, cost,
            "days", None, None, delete]  # fmt: skip


def _history(*versions):
    from pixie_xl import client as wire

    return {versions[0]["id"]: wire.history_from_json(list(versions))}


def _refreshed(cache, rows, service, before=None):
    cache.fill(settings={"timezone": "Europe/Amsterdam", "currency": "EUR"}, objects=[],
               activities=[], lines=[], budgets=service)  # fmt: skip
    book = FakeBook.new(server_url=URL)
    book.add_rows(layout.BUDGETS_TABLE, rows)
    findings = refresh_budgets(book, cache, before)
    table = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    return [list(r) for r in table.rows], findings


def test_refresh_brings_a_row_left_at_an_older_version_up_to_date(cache):
    old = _budget(version=1, cost="100.00")
    rows, findings = _refreshed(cache, [_row(version=1)], [[_budget(version=2, cost="150.00")]],
                                before=_history(old))  # fmt: skip
    assert findings == []
    assert rows[0][:2] == ["B1", 2] and rows[0][7] == 150


def test_an_edit_under_a_change_on_the_service_is_a_conflict_with_both_figures(cache):
    old = _budget(version=1, cost="100.00")
    service = [[_budget(version=2, cost="150.00")]]
    rows, findings = _refreshed(cache, [_row(version=1, cost=120.0)], service, _history(old))
    (f,) = findings
    assert (str(f.source), f.code, f.severity) == ("Budgets!H2", "conflict", Severity.WARNING)
    assert "Cost budget here 120.00, on the service 150.00" in f.message
    assert rows[0][1] == 2 and rows[0][7] == 120  # kept, and saved from the service's version
    assert rows[0][10].startswith("conflict")


def test_a_budget_deleted_on_the_service_leaves_the_table_unless_edited(cache):
    before = _history(_budget(version=1))
    rows, findings = _refreshed(cache, [_row(version=1)], [], before=before)
    assert rows == [] and findings == []
    rows, findings = _refreshed(cache, [_row(version=1, cost=5.0)], [], before=before)
    assert [f.code for f in findings] == ["budget_gone"] and rows[0][7] == 5


def test_a_budget_on_the_service_appears_with_its_status(cache):
    rows, findings = _refreshed(cache, [], [[_budget(version=3, seq=0)]])
    assert findings == []
    assert rows[0][:2] == ["B1", 3]
    assert rows[0][10] in ("master, locked", "master, editable until 2026-11-02 24:00")


def test_a_delete_mark_on_a_locked_budget_is_refused_at_its_cell(cache):
    locked = _budget(created="2020-01-01T09:00:00+01:00")
    cache.fill(settings={"timezone": "Europe/Amsterdam", "currency": "EUR"}, objects=[],
               activities=[], lines=[], budgets=[[locked]])  # fmt: skip
    book = FakeBook.new(server_url=URL)
    book.add_rows(layout.BUDGETS_TABLE, [_row(delete="x"), _row(bid=None, version=None,
                                                                 delete="x")])  # fmt: skip
    findings = {f.code: f for f in actions.validate(book)}
    assert str(findings["delete_locked"].source) == "Budgets!L2"
    assert "locked since 2020-01-02 00:00 Europe/Amsterdam" in findings["delete_locked"].message
    assert str(findings["delete_new_rows"].source) == "Budgets!A3"


def test_refresh_keeps_a_delete_mark(cache):
    rows, findings = _refreshed(cache, [_row(version=1, delete="x")], [[_budget(version=1)]])
    assert rows[0][11] == "x" and rows[0][10] == "marked for deletion"
    assert [f.code for f in findings] == ["unsaved_rows"]


def test_an_import_keeps_the_status_and_delete_cells_of_the_rows_there(cache, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text(
        ",".join(dataset.BUDGET_HEADER) + "\n,,P-200,2026-01-01,2026-12-31,MAINT,,10.50,days,\n"
    )
    book = FakeBook.new(server_url=URL)
    row = ["", None, "P-100", date(2026, 1, 1), date(2026, 12, 31), "ROAD", None, 5.0, "days"]
    book.add_rows(layout.BUDGETS_TABLE, [[*row, None, "typed", "x"]])
    findings = actions.import_budgets(book, path)
    assert not [f for f in findings if f.is_error]
    table = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    assert [r[10:] for r in table.rows] == [("typed", "x"), (None, None)]
    assert table.rows[1][2] == "P-200" and table.rows[1][7] == Decimal("10.50")


def test_refresh_keeps_a_bad_line_typed_into_a_saved_budget(cache):
    bad = _row(cost="12,5O")
    bad[5] = "DESIGN"
    rows, findings = _refreshed(cache, [_row(version=1), bad], [[_budget(version=1)]])
    assert [r[7] for r in rows] == [100, "12,5O"]
    assert [(f.code, "rows 2, 3 have problems" in f.message) for f in findings] == [
        ("unsaved_rows", True)
    ]


def test_a_history_replaces_the_one_written_before():
    from pixie_xl.excel.history import history_grid, write_history

    book = FakeBook.new(server_url=URL)
    v1 = _budget(version=1)
    v3 = _budget(version=3, cost="120.00", seq=1)
    write_history(book, history_grid("B1", [v1, v3]))
    assert book.get_value("History", "E4") == "correction 1 (version 3) cost"
    write_history(book, history_grid("B1", [v1]))
    assert book.get_value("History", "E4") is None
    assert book.get_value("History", "C5") == Decimal("100.00")
