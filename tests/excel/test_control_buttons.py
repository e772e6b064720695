"""The Allocate and Transfer buttons as Excel for Windows runs them (the COM stand-in):
their inputs typed into the Pixie sheet's blocks, the rows they write in the Budgets table,
then Save budgets sending them to a live service (a transfer named so in the audit)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pixie_xl.excel import macros
from pixie_xl.sheets import layout
from tests.cli.conftest import client, env  # noqa: F401 - the live service's fixtures
from tests.excel.test_macros import _alerts, _calling

PIXIE, CELLS = layout.PIXIE_SHEET, layout.PIXIE_CELLS


def _rows(book) -> list[dict]:
    t = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    return [dict(zip(t.header, r, strict=True)) for r in t.rows if any(r)]


def _type(book, **values) -> None:
    for key, value in values.items():
        book.set_value(PIXIE, CELLS[key], value)


@pytest.fixture
def calling(env, windows_excel, workbook_copy, client):  # noqa: F811
    book, com = _calling(windows_excel, workbook_copy, env)
    before = {b["id"] for b in client.budgets()}
    yield book, com
    for b in client.budgets():
        if b["id"] not in before:
            client.delete_budget(str(b["id"]), b["version"])


def test_allocate_then_transfer_then_save_through_the_buttons(calling, client):  # noqa: F811
    book, com = calling
    _type(
        book,
        alloc_parent="DEPT-ROADS",
        alloc_activity="ROAD",
        alloc_kind="cost",
        alloc_amount=100,
        alloc_from=date(2050, 1, 1),
        alloc_to=date(2050, 12, 31),
        alloc_by="even",
    )
    macros.allocate()
    assert _alerts(com) == []
    got = _rows(book)
    assert [(r["Object"], Decimal(str(r["Cost budget"]))) for r in got] == [
        ("P-100", Decimal("33.34")),
        ("P-200", Decimal("33.33")),
        ("P-300", Decimal("33.33")),
    ]
    macros.save_budgets()
    assert _alerts(com) == []
    bid = _rows(book)[0]["Budget ID"]
    assert bid

    _type(
        book,
        transfer_budget=bid,
        transfer_from="ROAD",
        transfer_to="DESIGN",
        transfer_kind="cost",
        transfer_amount=10.5,
    )
    macros.transfer()
    assert _alerts(com) == []
    assert book.get_value(PIXIE, CELLS["pending_transfers"]) == bid
    mine = {
        r["Activity"]: Decimal(str(r["Cost budget"])) for r in _rows(book) if r["Budget ID"] == bid
    }
    assert mine == {"ROAD": Decimal("22.84"), "DESIGN": Decimal("10.50")}
    macros.save_budgets()
    assert _alerts(com) == []
    assert book.get_value(PIXIE, CELLS["pending_transfers"]) in (None, "")
    lines = {ln["activity"]: Decimal(ln["cost"]) for ln in client.budget(bid)["lines"]}
    assert lines == {"ROAD": Decimal("22.84"), "DESIGN": Decimal("10.50")}
    entries = client.get("/api/v1/audit", entity="budget", entity_id=bid)["entries"]
    assert entries[-1]["after"]["reason"] == "transfer"
    assert com.Application.StatusBar is False


def test_a_blank_input_is_an_alert_naming_the_cell(calling):
    book, com = calling
    macros.allocate()
    assert _alerts(com) == ["Pixie!B19: fill in Allocate: parent first"]
    _type(book, transfer_budget="B-1", transfer_from="ROAD", transfer_to="DESIGN")
    _type(book, transfer_kind="cost", transfer_amount=5)
    macros.transfer()
    assert _alerts(com)[-1] == "the Budgets table has no rows of budget B-1"
    assert _rows(book) == []
