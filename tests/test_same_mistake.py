"""One mistake, one code and one message on every path (issue 10 item 1).

Each mistake is made three ways against the live service: typed on the Budgets sheet of a
workbook that ``pixie-xl workbook new`` built (``pixie-xl validate``), in a CSV file
imported with ``pixie-xl import --into``, and as JSON posted to ``/api/v1/budgets/batch``.
Each path must answer with the same error code and the same message after its location
prefix (``Budgets!F2: ``, ``mistake.csv!F2: ``, ``budgets[0].lines[0].activity: ``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from pixie_xl.core.errors import PixieError
from tests.cli.conftest import env  # noqa: F401 - the live service's environment
from tests.excel.test_readers import HEADER

#: a period no other test uses, so that no budget of the shared service overlaps it
START, END = "2047-01-01", "2047-12-31"
#: one good line: Budget ID, Version, Object, Period start, Period end, Activity, Income,
#: Cost, Phasing, Note
GOOD = ["", "", "P-300", START, END, "ROAD", "0", "100.00", "days", ""]
_COLUMNS = ("id", "version", "object", "start", "end", "activity", "income", "cost", "phasing")


def rows_with(**changes) -> list[list[str]]:
    row = list(GOOD)
    for key, value in changes.items():
        row[_COLUMNS.index(key)] = value
    return [row]


#: (mistake, the rows that make it, the code every path must give)
MISTAKES = [
    ("unknown-object", rows_with(object="p-300"), "unknown_object"),
    ("unknown-activity", rows_with(activity="road"), "unknown_activity"),
    ("inactive-activity-on-a-new-line", rows_with(activity="LEGACY"), "inactive_activity"),
    ("unknown-phasing", rows_with(phasing="weekly"), "unknown_phasing"),
    ("duplicate-activity", rows_with() * 2, "duplicate_activity"),
    ("end-before-start", rows_with(start=END, end=START), "end_before_start"),
    ("negative-amount", rows_with(cost="-5"), "negative_amount"),
    ("not-a-number", rows_with(cost="12,5O"), "not_a_number"),
    ("unknown-budget", rows_with(id="B-NOSUCHBUDGET", version="1"), "unknown_budget"),
    ("stale-version", None, "stale_version"),
]


def invoke(*args) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1, result.output
    return result.output


def checks_table(path: Path) -> list[tuple[str, str]]:
    """(code, message after ``sheet!cell: ``) of each error on the workbook's Checks sheet."""
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.layout import CHECKS_SHEET, CHECKS_TABLE

    table = FileBook.open(path).read_table(CHECKS_SHEET, CHECKS_TABLE)
    assert table.header[:5] == ("Sheet", "Cell", "Code", "Message", "Severity"), table.header
    return [
        (code, str(message).removeprefix(f"{sheet}!{cell}: "))
        for sheet, cell, code, message, severity, *_ in table.rows
        if severity == "error"
    ]


def through_workbook(tmp_path: Path, rows: list[list[str]]) -> list[tuple[str, str]]:
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.tables import write_budgets

    path = tmp_path / "Typed.xlsm"
    invoke_ok("workbook", "new", path)
    book = FileBook.open(path)
    write_budgets(book, rows)
    book.save()
    invoke("validate", path)
    return checks_table(path)


def through_import(tmp_path: Path, rows: list[list[str]]) -> list[tuple[str, str]]:
    path = tmp_path / "mistake.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    into = tmp_path / "Into.xlsm"
    invoke_ok("workbook", "new", into)
    assert "nothing imported" in invoke("import", path, "--into", into)
    return checks_table(into)


def through_api(client, rows: list[list[str]]) -> list[tuple[str, str]]:
    first = dict(zip(_COLUMNS, rows[0], strict=False))
    budget: dict = {"object": first["object"], "start": first["start"], "end": first["end"]}
    if first["id"]:
        budget.update(id=first["id"], version=int(first["version"]))
    budget["lines"] = [
        dict(zip(("activity", "income", "cost", "phasing"), r[5:9], strict=True)) for r in rows
    ]
    with pytest.raises(PixieError) as refused:
        client.post("/api/v1/budgets/batch", json={"budgets": [budget]})
    out = []
    for f in refused.value.findings:
        cell = f.source.cell if f.source else ""
        out.append((f.code, f.message.removeprefix(f"{cell}: ")))
    return out


def invoke_ok(*args) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def stale_rows(client) -> list[list[str]]:
    """A budget saved and then edited (version 2), given as the rows of its version 1."""
    line = {"activity": "ROAD", "income": "0", "cost": "100.00", "phasing": "days"}
    made = client.save_batch([{"object": "P-400", "start": START, "end": END, "lines": [line]}])
    bid = made[0]["id"]
    edit = {**made[0], "lines": [{**line, "cost": "150.00"}]}
    assert client.save_batch([edit])[0]["version"] == 2
    return [[bid, "1", "P-400", START, END, "ROAD", "0", "120.00", "days", ""]]


@pytest.mark.parametrize(("rows", "code"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_the_same_mistake_gets_the_same_code_and_message_on_every_path(env, tmp_path, rows, code):  # noqa: F811
    from pixie_xl import client as wire

    client = wire.Client(env)
    if rows is None:
        rows = stale_rows(client)
    workbook = through_workbook(tmp_path, rows)
    imported = through_import(tmp_path, rows)
    api = through_api(client, rows)
    assert [c for c, _ in workbook] == [code], workbook
    assert imported == workbook
    assert api == workbook
