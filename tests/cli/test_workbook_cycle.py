"""The workbook actions on real .xlsm files against a live service (SPEC §3, §5).

Validate → Checks with cells; save → IDs and versions written back; saving again changes
nothing; refresh → the Variance table equals the service's ``/api/v1/variance``; the
formulas equal the Variance rows and roll up parents.
"""

from __future__ import annotations

import contextlib
import csv
from datetime import date
from decimal import Decimal

import pytest

from pixie_xl.core.findings import Severity
from pixie_xl.demo import dataset

FROM, TO = date(2026, 1, 1), date(2026, 12, 31)


def budget_rows(rows):
    """Demo CSV rows as sheet values (dates as dates, amounts as numbers where they are)."""
    out = []
    for r in rows:
        vals = list(r)
        for i in (3, 4):
            with contextlib.suppress(ValueError):
                vals[i] = date.fromisoformat(vals[i])
        for i in (6, 7):
            with contextlib.suppress(ValueError):
                vals[i] = float(vals[i]) if vals[i] else None
        out.append(vals)
    return out


def open_with(path, rows):
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.tables import write_budgets

    book = FileBook.open(path)
    write_budgets(book, budget_rows(rows))
    book.save()
    return FileBook.open(path)


def table_dicts(book, sheet, table):
    t = book.read_table(sheet, table)
    return [dict(zip(t.header, row, strict=True)) for row in t.rows]


def test_validate_lists_every_mistake_with_its_cell(workbook, client):
    from pixie_xl.excel import actions
    from pixie_xl.sheets import layout

    book = open_with(workbook, dataset.generate().bad_budgets)
    findings = actions.validate(book, client)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    assert any('"12,5O"' in f.message and f.source.sheet == "Budgets" for f in errors)
    assert any("MAINTENANCE" in f.message for f in errors)
    assert len({f.code for f in errors}) >= 5  # text amount, activity, dates, duplicate, overlap
    book.save()
    checks = table_dicts(book, layout.CHECKS_SHEET, layout.CHECKS_TABLE)
    cells = {str(c.get("Cell")) for c in checks}
    assert {str(f.source.cell) for f in errors if f.source} <= cells


@pytest.mark.usefixtures("clean")
def test_save_writes_back_ids_and_a_second_save_changes_nothing(workbook, client):
    from pixie_xl.excel import actions
    from pixie_xl.sheets import layout

    book = open_with(workbook, [r for r in dataset.generate().good_budgets if r[2] == "P-300"])
    outcome = actions.save(book, client)
    assert outcome.ok, outcome.findings
    assert len(outcome.saved) == 1
    book.save()
    rows = table_dicts(book, layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    ids = {r["Budget ID"] for r in rows}
    assert len(ids) == 1 and None not in ids
    assert {r["Version"] for r in rows} == {outcome.saved[0]["version"]}
    before = client.versions(str(ids.pop()))

    again = actions.save(book, client)
    assert again.ok and again.saved == []
    assert not [f for f in again.findings if "correction" in f.message.lower()]
    assert client.versions(str(rows[0]["Budget ID"])) == before


def money(x):
    return None if x in (None, "") else Decimal(str(x)).quantize(Decimal("0.01"))


@pytest.mark.usefixtures("clean")
def test_refresh_writes_the_services_variance(workbook, client):
    from pixie_xl.excel import actions
    from pixie_xl.sheets import layout

    book = open_with(workbook, [r for r in dataset.generate().good_budgets if r[2] == "P-100"])
    assert actions.save(book, client).ok
    result = actions.refresh(book, client, FROM, TO)
    book.save()
    ours = {
        (r["Object"], r["Activity"], r["Kind"]): (
            money(r["Current budget"]),
            money(r["Actual"]),
            money(r["Committed"]),
            r["Status"],
        )
        for r in table_dicts(book, layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
        if r["Object"]
    }
    theirs = {
        (r["object"], r["activity"], r["kind"]): (
            money(r["current"]),
            money(r["actual"]),
            money(r.get("committed")),
            r["status"],
        )
        for r in client.variance(FROM, TO)
    }
    assert ours == theirs
    assert len(result["rows"]) == len(theirs)


@pytest.mark.usefixtures("clean")
def test_formulas_equal_the_variance_rows_and_roll_up(workbook, client):
    from pixie_xl.excel import actions, udfs

    book = open_with(workbook, [r for r in dataset.generate().good_budgets if r[2] == "P-200"])
    assert actions.save(book, client).ok
    rows = actions.refresh(book, client, FROM, TO)["rows"]
    for r in rows:
        args = (r.object, r.activity, FROM, TO, str(r.kind))
        assert money(udfs.PIXIE_ACTUAL(*args)) == r.actual.decimal
        assert money(udfs.PIXIE_BUDGET(*args)) == r.current.decimal
        assert money(udfs.PIXIE_VARIANCE(*args)) == r.variance.decimal
        assert udfs.PIXIE_STATUS(*args) == str(r.status)
        if r.committed is not None:
            assert money(udfs.PIXIE_COMMITTED(*args[:4])) == r.committed.decimal
            assert money(udfs.PIXIE_AVAILABLE(*args[:4])) == r.available.decimal
    # a parent's figures include its descendants
    children = [r for r in rows if r.object in ("P-100", "P-200", "P-300") and r.kind == "cost"]
    dept = money(udfs.PIXIE_ACTUAL("DEPT-ROADS", "*", FROM, TO, "cost"))
    assert dept == sum((r.actual.decimal for r in children), Decimal(0))
    assert money(udfs.PIXIE_ACTUAL("*", "*", FROM, TO, "cost")) >= dept
    table = udfs.PIXIE_TABLE("DEPT-ROADS", FROM, TO)
    assert table[0][0] == "Object" and len(table) > 1
    assert {row[0] for row in table[1:]} <= {"DEPT-ROADS", "P-100", "P-200", "P-300"}


def test_a_bad_formula_argument_reads_as_text(env, client, workbook):
    from pixie_xl.excel import actions, udfs
    from pixie_xl.sheets.filebook import FileBook

    actions.refresh(FileBook.open(workbook), client, FROM, TO)
    assert udfs.PIXIE_ACTUAL("P-9", "*", FROM, TO, "cost") == '#PIXIE! unknown object "P-9"'
    assert udfs.PIXIE_ACTUAL("P-100", "NOPE", FROM, TO) == '#PIXIE! unknown activity "NOPE"'
    assert udfs.PIXIE_ACTUAL("P-100", "*", "soon", TO).startswith("#PIXIE! from date")
    assert udfs.PIXIE_ACTUAL("P-100", "*", TO, FROM).startswith("#PIXIE! to date is before")
    assert udfs.PIXIE_BUDGET("P-100", "*", FROM, TO, "cost", "draft").startswith("#PIXIE!")
    assert udfs.PIXIE_ACTUAL("P-100", "*", 46023.0, 46387.0) == udfs.PIXIE_ACTUAL(
        "P-100", "*", FROM, TO
    )  # Excel serial numbers are dates too
    assert isinstance(udfs.PIXIE_LAST_REFRESH(), object)


def test_import_is_all_or_nothing(workbook, client, tmp_path):
    from pixie_xl.excel import actions
    from pixie_xl.sheets import layout
    from pixie_xl.sheets.filebook import FileBook

    files = dataset.write(dataset.generate(), tmp_path / "data")
    book = FileBook.open(workbook)
    findings = actions.import_budgets(book, files["budgets_with_mistakes"], client)
    assert any(f.is_error for f in findings)
    assert table_dicts(book, layout.BUDGETS_SHEET, layout.BUDGETS_TABLE) in ([], [{}]) or all(
        not any(v not in (None, "") for v in r.values())
        for r in table_dicts(book, layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    )
    findings = actions.import_budgets(book, files["budgets"], client)
    assert not any(f.is_error for f in findings)
    with files["budgets"].open() as fh:
        expected = sum(1 for _ in csv.reader(fh)) - 1
    rows = table_dicts(book, layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    assert len([r for r in rows if r.get("Object")]) == expected


@pytest.mark.usefixtures("clean")
def test_a_change_made_meanwhile_on_the_service_is_refused_at_its_row(workbook, client):
    """R6 decided by the service: someone saved the budget between our check and our save."""
    from pixie_xl import client as wire
    from pixie_xl.excel import actions
    from pixie_xl.sheets import layout

    book = open_with(workbook, [r for r in dataset.generate().good_budgets if r[2] == "P-300"])
    assert actions.save(book, client).ok
    rows = table_dicts(book, layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    bid, version = str(rows[0]["Budget ID"]), rows[0]["Version"]
    book.set_value(layout.BUDGETS_SHEET, f"H{2}", 61_000)

    class Meanwhile(wire.Client):
        def save_batch(self, budgets):
            other = client.budget(bid)
            other["lines"][0]["note"] = "changed by a colleague"
            client.save_batch([other])
            return super().save_batch(budgets)

    outcome = actions.save(book, Meanwhile(client.base_url))
    assert not outcome.ok and outcome.saved == []
    refused = [f for f in outcome.findings if f.is_error]
    assert refused and refused[0].source is not None
    assert str(refused[0].source) == "Budgets!A2"
    assert client.budget(bid)["version"] == version + 1  # only the colleague's save


def test_a_second_refresh_moves_only_what_changed(client, tmp_path):
    from pixie_xl.excel.cache import Cache

    cache = Cache(client.base_url)
    first = cache.refresh(client)
    assert first.lines >= len(dataset.generate().lines)
    assert cache.refresh(client).lines == 0
    extra = tmp_path / "late.csv"
    extra.write_text(
        "line_id,task_id,object,activity,task_created,kind,date,amount,reference\n"
        "L-LATE,T-LATE,P-300,SURVEY,2026-10-30T09:00:00+01:00,cost,2026-10-30,123.45,EXP-LATE\n"
    )
    client.ingest(extra)
    third = cache.refresh(client)
    assert third.lines == 1
    lk = cache.lookup()
    day = date(2026, 10, 30).toordinal()
    assert lk.amount("P-300", "SURVEY", day, day, "cost") >= 12345


def test_a_refusal_of_the_second_budgets_second_line_lands_on_its_cell(workbook, client):
    """The service refuses line 1 of budget 1 of the batch (its activity was made inactive
    between our check and our save): the finding names item, line and field, and the
    workbook puts it on that line's Activity cell, not on the first row of the batch."""
    from pixie_xl import client as wire
    from pixie_xl.excel import actions
    from pixie_xl.sheets import layout

    late = workbook.parent / "late_activity.csv"
    late.write_text("code,name,active\nZLATE,Late activity,true\n")
    client.ingest(late)
    row = ["", "", "P-300", "2051-01-01", "2051-12-31", "DESIGN", "", "100.00", "days", ""]
    rows = [row, [*row[:2], "P-400", *row[3:]], [*row[:2], "P-400", *row[3:5], "ZLATE", *row[6:]]]
    book = open_with(workbook, rows)

    class Meanwhile(wire.Client):
        def save_batch(self, budgets):
            late.write_text("code,name,active\nZLATE,Late activity,false\n")
            client.ingest(late)
            return super().save_batch(budgets)

    outcome = actions.save(book, Meanwhile(client.base_url))
    assert not outcome.ok and outcome.saved == []
    refused = [f for f in outcome.findings if f.is_error]
    assert [(str(f.source), f.code) for f in refused] == [("Budgets!F4", "inactive_activity")]
    book.save()
    checks = table_dicts(book, layout.CHECKS_SHEET, layout.CHECKS_TABLE)
    assert any(c.get("Cell") == "F4" and c.get("Code") == "inactive_activity" for c in checks)
    assert not [b for b in client.budgets() if b["start"] == "2051-01-01"]  # all or nothing
