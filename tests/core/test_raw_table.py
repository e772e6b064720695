"""The columnar rows a reader hands to the checks (issue 12 item 3): the same findings and
budgets as the same rows one record at a time, and records made fast equal to their own."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixie_xl.core.fast_records import budget_line, budget_lines, source_ref, source_refs
from pixie_xl.core.findings import SourceRef
from pixie_xl.core.money import Money
from pixie_xl.core.raw_table import RawTable
from pixie_xl.core.records import (
    BUDGET_COLUMNS,
    Activity,
    BudgetLine,
    CrmObject,
    Formula,
    ObjectKind,
    RawRow,
)
from pixie_xl.core.validation import Context
from pixie_xl.sheets.budget_cells import validate_table
from tests.builders import at, history, line, version

CONTEXT = Context(
    activities=[
        Activity("ROAD", "Road"),
        Activity("MAINT", "Maint"),
        Activity("OLD", "Old", False),
    ],
    objects=[
        CrmObject("P1", "Bridge", ObjectKind.PROJECT),
        CrmObject("P2", "Tunnel", ObjectKind.PROJECT),
        CrmObject("P3", "Tokyo", ObjectKind.PROJECT, currency="JPY"),
    ],
    profiles=frozenset({"Summer"}),
)
# with the service's budgets and time: B1 a locked master, B2 an editable one (version 3)
ONLINE = replace(
    CONTEXT,
    budgets={
        "B1": history(version("B1", lines=[line("ROAD", cost="1000.00"), line("OLD")])),
        "B2": history(version("B2", object="P2", created_at="2026-02-01T08:00+00:00", revision=3)),
    },
    now=at("2026-02-01T10:00+00:00"),
    timezone="Europe/Copenhagen",
)


def test_a_raw_table_is_a_sequence_of_raw_rows():
    t = RawTable("b.xlsx", [2, 5], {"object": "C", "cost": "H"}, {"object": ["P1", None],
                 "cost": [1.5, "#REF!"]})  # fmt: skip
    assert len(t) == 2 and t[-1] == t[1] == RawRow(
        "b.xlsx", 5, {"object": None, "cost": "#REF!"}, {"object": "C", "cost": "H"}
    )
    assert list(t) == t[:] == [t[0], t[1]]
    (first, _second) = t
    assert str(first.ref("cost")) == "b.xlsx!H2" and str(first.ref()) == "b.xlsx!C2"
    with pytest.raises(IndexError):
        t[2]


def test_a_raw_table_refuses_columns_of_unequal_length():
    with pytest.raises(ValueError, match="one cell per row"):
        RawTable("Budgets", [2, 3], {"cost": "H"}, {"cost": [1.0]})
    with pytest.raises(ValueError, match="columns"):
        RawTable("Budgets", [2], {"cost": "H"}, {"income": [1.0]})


def test_fast_records_equal_the_ones_their_constructors_make():
    ref = SourceRef("Budgets", "A14")
    m = Money(1250, "EUR")
    made, built = (
        budget_line("ROAD", m, m, "days", "n", ref),
        BudgetLine("ROAD", m, m, "days", "n", ref),
    )
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert made.source is ref
    assert source_ref("Budgets", "A14") == ref and repr(source_ref("B", "")) == repr(SourceRef("B"))
    assert [f.name for f in fields(BudgetLine)] == ["activity", "income", "cost", "phasing",
                                                    "note", "source"]  # fmt: skip


def test_the_column_makers_make_what_the_record_makers_make():
    a, b = Money(1250, "EUR"), Money(0, "EUR")
    refs = source_refs("Budgets", ["A2", "A3"])
    assert refs == [SourceRef("Budgets", "A2"), SourceRef("Budgets", "A3")]
    lines = budget_lines(["ROAD", "PAVE"], [a, b], [b, a], ["days", "months"], ["", "n"], refs)
    assert lines == [BudgetLine("ROAD", a, b, "days", "", refs[0]),
                     BudgetLine("PAVE", b, a, "months", "n", refs[1])]  # fmt: skip
    assert [ln.source for ln in lines] == refs and repr(lines[1]) == repr(
        BudgetLine("PAVE", b, a, "months", "n", refs[1])
    )
    assert budget_lines([], [], [], [], [], []) == [] and source_refs("B", []) == []
    with pytest.raises(ValueError, match="columns of"):  # a short column: no half-made line
        budget_lines(["ROAD"], [a], [a], ["days"], [""], [])


# a cell of each kind a sheet holds: clean ones, and ones that give findings
_TEXT = st.sampled_from(["P1", "P2", "P3", " P1 ", "P9", "p1", "", None, "#REF!", 1042.0, True])
_ACT = st.sampled_from(["ROAD", "MAINT", "OLD", "road", None, "#N/A", Formula("=A1")])
_DAY = st.sampled_from([date(2026, 1, 1), date(2026, 12, 31), datetime(2026, 6, 1),
                        datetime(2026, 6, 1, 9), "2026-03-31", "31/01/2026", 46023, None, "#VALUE!",
                        date(2025, 12, 31)])  # fmt: skip
_AMOUNT = st.sampled_from([0.5, 12.25, 100, "12,5O", -3.0, None, 0.1 + 0.2, float("nan"),
                           "#DIV/0!", 1e20, True, "99.999", Formula("=600*2")])  # fmt: skip
_ROW = st.fixed_dictionaries(
    {
        "budget_id": st.sampled_from([None, None, "B1", "B2", "B9"]),
        "version": st.sampled_from([None, 1.0, 3, "x", 0]),
        "object": _TEXT,
        "start": _DAY,
        "end": _DAY,
        "activity": _ACT,
        "income": _AMOUNT,
        "cost": _AMOUNT,
        "phasing": st.sampled_from([None, "days", "Months", "summer", "weekly", 3.0]),
        "note": st.sampled_from([None, "", "a note", 7.0]),
    }
)

# rows that read cleanly (the column path), of budgets that the rules then decide about
_CLEAN_ROW = st.fixed_dictionaries(
    {
        "budget_id": st.sampled_from([None, "B1", "B2"]),
        "version": st.sampled_from([None, 1.0, 3.0]),
        "object": st.sampled_from(["P1", "P2"]),
        "start": st.just(date(2026, 1, 1)),
        "end": st.sampled_from([date(2026, 12, 31), date(2026, 6, 30)]),
        "activity": st.sampled_from(["ROAD", "MAINT", "OLD"]),
        "income": st.sampled_from([0.5, 12.25, None]),
        "cost": st.sampled_from([1000.0, 12.25, 7]),
        "phasing": st.sampled_from([None, "days", "Summer"]),
        "note": st.sampled_from([None, "a note"]),
    }
)


def _as_table(rows: list[dict], keys: tuple[str, ...]) -> tuple[RawTable, list[RawRow]]:
    columns = {k: "ABCDEFGHIJ"[list(BUDGET_COLUMNS).index(k)] for k in keys}
    numbers = [2 + 2 * i for i in range(len(rows))]  # a blank row between each
    table = RawTable("b.xlsx", numbers, columns, {k: [r[k] for r in rows] for k in keys})
    listed = [RawRow("b.xlsx", n, {k: r[k] for k in keys}, columns) for n, r in zip(numbers, rows,
              strict=True)]  # fmt: skip
    return table, listed


def _outcome(result):
    return (
        [(str(f), f.code, f.severity) for f in result.findings],
        result.drafts,
        [[str(ln.source) for ln in d.lines] for d in result.drafts],
        [str(d.source) for d in result.drafts],
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(_CLEAN_ROW, _CLEAN_ROW, _ROW), min_size=1, max_size=12),
    st.sampled_from([tuple(BUDGET_COLUMNS), ("object", "start", "end", "activity", "income",
                     "cost"), ("cost", "activity", "end", "start", "object", "income", "note")]),
)  # fmt: skip
def test_columns_and_rows_give_the_same_findings_and_budgets(rows, keys):
    table, listed = _as_table(rows, keys)
    for ctx in (CONTEXT, ONLINE):
        by_table, by_rows = validate_table(table, ctx), validate_table(listed, ctx)
        assert _outcome(by_table) == _outcome(by_rows)
        assert by_table.decisions == by_rows.decisions


def test_a_new_files_budgets_are_its_objects_wherever_their_lines_stand():
    """No IDs and one period (a new file): grouped by object in runs; a budget whose lines
    are apart on the sheet is still one budget, its lines in sheet order."""
    objs = ["P1", "P2", "P2", "P1"]
    acts = ["ROAD", "ROAD", "MAINT", "MAINT"]
    rows = [{"object": o, "start": date(2026, 1, 1), "end": date(2026, 12, 31), "activity": a,
             "income": 1.0, "cost": 2.0} for o, a in zip(objs, acts, strict=True)]  # fmt: skip
    table, listed = _as_table(rows, ("object", "start", "end", "activity", "income", "cost"))
    by_table, by_rows = validate_table(table, CONTEXT), validate_table(listed, CONTEXT)
    assert _outcome(by_table) == _outcome(by_rows)
    assert [(d.object, [ln.activity for ln in d.lines]) for d in by_table.drafts] == [
        ("P1", ["ROAD", "MAINT"]),
        ("P2", ["ROAD", "MAINT"]),
    ]
    assert [str(ln.source) for ln in by_table.drafts[0].lines] == ["b.xlsx!C2", "b.xlsx!C8"]
