"""The actions on an in-memory book, offline: checked against the cache's last copy."""

from __future__ import annotations

from datetime import date

import pytest

from pixie_xl.core.findings import Severity
from pixie_xl.demo import dataset
from pixie_xl.excel import actions
from pixie_xl.excel import cache as cache_mod
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
