"""LibreOffice as a second client: it opens the built and the refreshed workbook and, made to
recalculate on load (NOTES.md), its SUBTOTAL totals equal the sums Python wrote, to the cent.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pixie_xl.excel.builder import build_workbook
from pixie_xl.sheets import layout
from tests.conftest import soffice_path
from tests.excel.test_book import refresh
from tests.excel.test_writers import sample_months, sample_variance

RECALC_ON_LOAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""  # noqa: E501


def convert(soffice: str, files: list[Path], out: Path, profile: Path) -> list[Path]:
    """Open each file in LibreOffice (recalculating) and save it again as .xlsx."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ON_LOAD)
    out.mkdir(exist_ok=True)
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
        *map(str, files),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240, check=False)
    converted = [out / f"{f.stem}.xlsx" for f in files]
    missing = [p.name for p in converted if not p.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {done.stdout} {done.stderr}"
    return converted


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    soffice = soffice_path()
    tmp = tmp_path_factory.mktemp("libreoffice")
    fresh = build_workbook(tmp / "fresh.xlsm")
    refreshed = tmp / "refreshed.xlsm"
    refreshed.write_bytes(fresh.read_bytes())
    refresh(refreshed)
    a, b = convert(soffice, [fresh, refreshed], tmp / "out", tmp / "profile")
    return {"fresh": a, "refreshed": b}


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_libreoffice_opens_the_built_workbook(converted):
    wb = openpyxl.load_workbook(converted["fresh"], data_only=True)
    assert {"Pixie", "Budgets", "Variance", "xlwings.conf"} <= set(wb.sheetnames)
    assert wb["Pixie"][layout.PIXIE_CELLS["server"]].value == "http://127.0.0.1:8750"
    assert wb["Variance"]["G3"].value == 0  # the empty table's total, recalculated


def test_libreoffice_totals_equal_the_sums_python_wrote(converted):
    ws = openpyxl.load_workbook(converted["refreshed"], data_only=True)["Variance"]
    rows = sample_variance()
    total_row = 2 + len(rows)
    header = [c.value for c in ws[1]]
    assert ws.cell(total_row, 1).value == "Total"
    sums = {
        "Original budget": sum(r.original.decimal for r in rows),
        "Current budget": sum(r.current.decimal for r in rows),
        "Actual": sum(r.actual.decimal for r in rows),
        "Committed": sum(r.committed.decimal for r in rows if r.committed is not None),
        "Variance": sum(r.variance.decimal for r in rows),
        "Available": sum(r.available.decimal for r in rows if r.available is not None),
        "Forecast": sum(r.forecast.decimal for r in rows),
    }
    assert sums["Actual"] == Decimal("2515.50")  # 850 + 620.40 + 900 + 45.10 + 100
    for name, expected in sums.items():
        got = ws.cell(total_row, header.index(name) + 1).value
        assert isinstance(got, int | float), f"{name}: {got!r} (not recalculated?)"
        assert _cents(got) == expected, name


def test_libreoffice_month_totals_too(converted):
    ws = openpyxl.load_workbook(converted["refreshed"], data_only=True)["Variance by month"]
    months = sample_months()
    total_row = 2 + len(months)
    assert _cents(ws.cell(total_row, 6).value) == sum(m.budget.decimal for m in months)
    assert _cents(ws.cell(total_row, 7).value) == sum(m.actual.decimal for m in months)
