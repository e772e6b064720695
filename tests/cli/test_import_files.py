"""Import files read like the sheet (issue 8 item 4): ``pixie-xl import`` of an .xlsx or
.csv with Excel errors gives the findings ``validate`` gives for the same cells on the
Budgets sheet, each as ``file!Cell``, and imports nothing (rc 1)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from tests.excel.test_readers import HEADER, ROWS, write_csv, write_error_xlsx

ERRORS = {"Object": "#REF!", "Activity": "#N/A", "Cost budget": "#DIV/0!"}


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def error_lines(output: str, where: str) -> set[tuple[str, str]]:
    """(column letter, message) of each printed ``where!C12: message`` line."""
    pattern = re.compile(rf"^{re.escape(where)}!([A-Z]+)\d+: (.*)$", re.M)
    return {(m.group(1), m.group(2)) for m in pattern.finditer(output)}


@pytest.fixture
def sheet_findings(workbook):
    """What ``validate`` prints for the error row typed on the Budgets sheet."""
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.tables import write_budgets

    row = list(ROWS[0])
    for header, err in ERRORS.items():
        row[HEADER.index(header)] = err
    book = FileBook.open(workbook)
    write_budgets(book, [row])
    book.save()
    result = invoke("validate", workbook)
    assert result.exit_code == 1, result.output
    return error_lines(result.output, "Budgets")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_import_file_gives_the_sheets_findings_at_the_same_cells(
    env, tmp_path, sheet_findings, kind
):
    from pixie_xl.excel.builder import build_workbook

    if kind == "xlsx":
        path = write_error_xlsx(tmp_path / "errors.xlsx")
    else:
        row = list(ROWS[0])
        for header, err in ERRORS.items():
            row[HEADER.index(header)] = err
        path = write_csv(tmp_path / "errors.csv", rows=[row])
    fresh = tmp_path / "Fresh.xlsm"
    build_workbook(fresh, server_url=env)
    result = invoke("import", path, "--into", fresh)
    assert result.exit_code == 1, result.output
    assert "nothing imported" in result.output
    from_file = error_lines(result.output, path.name)
    assert from_file == sheet_findings
    assert {c for c, m in from_file if "Excel error" in m} == {"C", "F", "H"}


def test_a_csv_with_a_stray_quote_is_refused_naming_the_line(env, workbook, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(
        ",".join(HEADER) + "\n" + ",".join(ROWS[0][:9]) + ',"unclosed\n' + ",".join(ROWS[1]) + "\n"
    )
    before = workbook.read_bytes()
    result = invoke("import", path, "--into", workbook)
    assert result.exit_code == 1, result.output
    assert "quote.csv line 2: the line does not parse as CSV" in result.output
    assert workbook.read_bytes() == before


def test_ingest_findings_name_the_cell_like_the_sheet(env, tmp_path):
    header = "line_id,task_id,object,activity,task_created,kind,date,amount,reference"
    path = tmp_path / "march.csv"
    path.write_text(
        f"{header}\n"
        "L-x1,T-x1,NOPE,ROAD,2026-03-01,cost,2026-03-02,12.50,r\n"
        "L-x2,T-x2,NOPE,ROAD,2026-03-01,cost,2026-03-02,x,r\n"
    )
    result = invoke("ingest", path)
    assert result.exit_code == 1, result.output
    assert "march.csv!C2:" in result.output  # the unknown object, at its cell
    assert "march.csv!H3:" in result.output  # the amount that is not a number
    assert "row 2, " not in result.output and "row 3, " not in result.output
