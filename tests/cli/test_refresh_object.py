"""``pixie-xl refresh --object OBJ`` and the Parents sheet (issue 11 item 2), against a live
service: the roll-up equals the sums of what the service's ``object=`` filter answers."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from pixie_xl.sheets import layout

FROM, TO = date(2026, 1, 1), date(2026, 12, 31)


def _invoke(*args, code=0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def _rows(path, sheet, table):
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    c1, c2 = ws.tables[table].ref.split(":")
    cells = list(ws[f"{c1}:{c2}"])
    header = [c.value for c in cells[0]]
    return [dict(zip(header, (c.value for c in r), strict=True)) for r in cells[1:] if r[0].value]


def _cents(v) -> Decimal:
    return Decimal(str(v or 0)).quantize(Decimal("0.01"))


@pytest.mark.usefixtures("env")
def test_refresh_object_limits_the_report_and_rolls_up_the_parent(workbook, client):
    _invoke("refresh", workbook, "--from", FROM, "--to", TO, "--object", "DEPT-ROADS")
    theirs: dict[tuple, Decimal] = defaultdict(Decimal)
    subtree = set()
    for r in client.variance(FROM, TO, object="DEPT-ROADS"):
        theirs[(r["activity"], r["kind"])] += _cents(r["actual"])
        subtree.add(r["object"])
    assert theirs, "the live service has actuals under DEPT-ROADS"
    variance = _rows(workbook, layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
    assert {r["Object"] for r in variance} == subtree  # nothing outside the subtree
    parents = _rows(workbook, layout.PARENTS_SHEET, layout.PARENTS_TABLE)
    assert {r["Object"] for r in parents} == {"DEPT-ROADS"}
    ours = {(r["Activity"], r["Kind"]): _cents(r["Actual"]) for r in parents}
    assert ours == {k: v for k, v in theirs.items() if v or k in ours}


@pytest.mark.usefixtures("env")
def test_refresh_of_an_unknown_object_says_so(workbook):
    out = _invoke("refresh", workbook, "--from", FROM, "--to", TO, "--object", "NOPE", code=1)
    assert "NOPE" in out
