"""The Budgets sheet through the CLI on a real .xlsm (issue 8): rows typed under the table
join it, a cell Pixie will not read is reported, Refresh keeps unsaved rows and says so."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from pixie_xl.sheets.filebook import FileBook

START, END = date(2026, 1, 1), date(2026, 12, 31)


@pytest.fixture
def run(env):
    def invoke(*args, code=0):
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return invoke


@pytest.fixture
def cleanup(client):
    """Delete whatever budgets of P-300 a test saved."""
    yield
    for b in client.budgets(object="P-300"):
        client.delete_budget(str(b["id"]), b["version"])


def type_cells(path, cells: dict) -> None:
    book = FileBook.open(path)
    ws = book.wb["Budgets"]
    for ref, value in cells.items():
        ws[ref].value = value
    book.save()


def typed_line(row: int, activity: str, cost, obj="P-300") -> dict:
    return {f"C{row}": obj, f"D{row}": START, f"E{row}": END, f"F{row}": activity,
            f"H{row}": cost}  # fmt: skip


def budgets_rows(path):
    t = FileBook.open(path).read_table("Budgets", "Budgets")
    return [dict(zip(t.header, r, strict=True)) for r in t.rows]


def test_a_bad_row_typed_under_the_table_is_validated(run, workbook):
    # the built table spans row 2; rows 3 and 4 are typed under it
    type_cells(workbook, {**typed_line(2, "ROAD", 100), **typed_line(3, "DESIGN", "12,5O"),
                          **typed_line(4, "SURVEY", 5)})  # fmt: skip
    out = run("validate", workbook, code=1)
    assert 'Budgets!H3: Cost budget "12,5O" is not a number' in out
    assert FileBook.open(workbook).wb["Budgets"].tables["Budgets"].ref == "A1:L4"


def test_rows_typed_under_the_table_are_saved(run, workbook, client, cleanup):
    type_cells(workbook, {**typed_line(2, "ROAD", 100), **typed_line(3, "DESIGN", 20),
                          **typed_line(4, "SURVEY", 5)})  # fmt: skip
    out = run("save", workbook)
    assert "saved 1 budget(s)" in out
    (saved,) = client.budgets(object="P-300")
    assert sorted(ln["activity"] for ln in saved["lines"]) == ["DESIGN", "ROAD", "SURVEY"]
    assert {r["Budget ID"] for r in budgets_rows(workbook)} == {str(saved["id"])}


def test_a_cell_outside_the_table_is_reported_not_ignored(run, workbook):
    type_cells(workbook, {**typed_line(2, "ROAD", 100), "N4": "remember Q3", "B9": 300})
    out = run("validate", workbook)
    assert (
        "[warning] Budgets!N4: this cell is outside the Budgets table; Pixie does not read it"
        " — move it into the table or clear it"
    ) in out
    assert "[warning] Budgets!B9: this cell is outside the Budgets table" in out


def test_save_reports_a_stray_cell_too(run, workbook, cleanup):
    type_cells(workbook, {**typed_line(2, "ROAD", 100), "A6": "P-300 SURVEY 5"})
    out = run("save", workbook)
    assert "[warning] Budgets!A6: this cell is outside the Budgets table" in out


@pytest.mark.usefixtures("clean")
def test_refresh_keeps_new_and_edited_rows_and_names_them(run, workbook, client, cleanup):
    type_cells(workbook, {**typed_line(2, "ROAD", 100), **typed_line(3, "DESIGN", 20)})
    run("save", workbook)
    # an edit not saved yet, and a new budget's row typed under the table
    type_cells(workbook, {"H3": 25, **typed_line(4, "ROAD", 7, obj="P-100")})
    out = run("refresh", workbook)
    assert "[info] Budgets!A2: Budget" in out and "rows 2, 3 have changes not saved yet" in out
    assert "[info] Budgets!A4: row 4: new, not saved yet; kept as typed" in out
    rows = budgets_rows(workbook)
    mine = [r for r in rows if r["Object"] in ("P-300", "P-100")]
    assert [(r["Activity"], r["Cost budget"], r["Status"]) for r in mine] == [
        ("ROAD", 100, "unsaved changes"),
        ("DESIGN", 25, "unsaved changes"),
        ("ROAD", 7, None),
    ]
    # the edit can still be saved from there
    out = run("save", workbook)
    assert "saved 2 budget(s)" in out


def test_refresh_shows_a_budget_saved_elsewhere_with_its_status(run, workbook, client, cleanup):
    line = {"activity": "ROAD", "income": "0", "cost": "42.50"}
    client.save_batch([{"object": "P-300", "start": "2026-01-01", "end": "2026-12-31",
                        "lines": [line]}])  # fmt: skip
    run("refresh", workbook)
    (row,) = [r for r in budgets_rows(workbook) if r["Object"] == "P-300"]
    assert row["Cost budget"] == 42.5 and row["Version"] == 1
    assert row["Status"] == "master, editable until 2026-11-02 24:00"


def test_a_cell_beside_the_profiles_table_is_reported(run, workbook):
    book = FileBook.open(workbook)
    book.wb["Profiles"]["P2"].value = "peak in June"
    book.save()
    out = run("validate", workbook)
    assert "[warning] Profiles!P2: this cell is outside the Profiles table" in out


def test_import_and_refresh_report_a_stray_cell_too(run, workbook, tmp_path):
    from pixie_xl.demo import dataset

    path = tmp_path / "one.csv"
    path.write_text(
        ",".join(dataset.BUDGET_HEADER) + "\n,,P-300,2026-01-01,2026-12-31,ROAD,,1.00,days,\n"
    )
    type_cells(workbook, {"Q7": "ask Anna"})
    out = run("import", path, "--into", workbook)
    assert "[warning] Budgets!Q7: this cell is outside the Budgets table" in out
    out = run("refresh", workbook)
    assert "[warning] Budgets!Q7: this cell is outside the Budgets table" in out


def test_a_delete_the_service_refuses_is_named_at_its_cell(workbook, client, cleanup):
    from pixie_xl.excel import budget_deletes
    from pixie_xl.excel.budget_view import Marks

    (saved,) = client.save_batch([{"object": "P-300", "start": "2026-01-01", "end": "2026-12-31",
                                   "lines": [{"activity": "ROAD", "cost": "1.00"}]}])  # fmt: skip
    bid = str(saved["id"])
    book = FileBook.open(workbook)
    # a mark made from a version the service has moved past (another accountant's edit)
    marks = Marks({bid: ("L2", 7)}, [], set())
    refused, deleted = budget_deletes.apply(book, client, marks, None, "Europe/Amsterdam")
    assert deleted == []
    (f,) = refused
    assert (str(f.source), f.code) == ("Budgets!L2", "delete_stale_version")
    assert f.message.endswith("; clear the Delete cell")
    assert client.budget(bid)["version"] == saved["version"]
