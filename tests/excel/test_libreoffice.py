"""LibreOffice as a second client: it opens the built and the refreshed workbook and, made to
recalculate on load (NOTES.md), its SUBTOTAL totals equal the sums Python wrote, to the cent.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from pixie_xl.core.months_across import OWN, months_across
from pixie_xl.core.variance import parent_rows
from pixie_xl.excel.builder import build_workbook
from pixie_xl.sheets import layout
from pixie_xl.sheets.filebook import FileBook
from pixie_xl.sheets.months_writer import write_months_across
from pixie_xl.sheets.writers import write_parents
from tests.conftest import soffice_path
from tests.core.test_months_across import UP_TO_JUNE
from tests.core.test_variance import BUDGETS, POS, YEAR, facts
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


def months_report():
    """The Months table's report on the small tables: actuals up to June, parents."""
    return months_across(facts(BUDGETS, UP_TO_JUNE, POS), *YEAR)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    soffice = soffice_path()
    tmp = tmp_path_factory.mktemp("libreoffice")
    fresh = build_workbook(tmp / "fresh.xlsm")
    refreshed = tmp / "refreshed.xlsm"
    refreshed.write_bytes(fresh.read_bytes())
    refresh(refreshed)
    book = FileBook.open(refreshed)
    write_months_across(book, months_report())
    write_parents(book, parent_rows(facts(BUDGETS, UP_TO_JUNE, POS), *YEAR, YEAR[1]))
    book.save()
    # the same workbook with the first Variance row hidden, as a filter hides it
    filtered = tmp / "filtered.xlsm"
    wb = openpyxl.load_workbook(refreshed, keep_vba=True)
    wb["Variance"].row_dimensions[2].hidden = True
    wb.save(filtered)
    a, b, c = convert(soffice, [fresh, refreshed, filtered], tmp / "out", tmp / "profile")
    return {"fresh": a, "refreshed": b, "filtered": c}


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_libreoffice_opens_the_built_workbook(converted):
    wb = openpyxl.load_workbook(converted["fresh"], data_only=True)
    assert {"Pixie", "Budgets", "Variance", "xlwings.conf"} <= set(wb.sheetnames)
    assert wb["Pixie"][layout.PIXIE_CELLS["server"]].value == "http://127.0.0.1:8750"
    assert wb["Variance"].tables["Variance"].ref == "A1:R2"  # no total row: kinds apart


MONEY = ("Original budget", "Current budget", "Actual", "Committed", "Variance", "Available",
         "Forecast")  # fmt: skip


def _kind_sums(rows, kind: str) -> dict[str, Decimal]:
    """Each money column summed by hand over the rows of one kind (blank cells as 0)."""
    attrs = dict(zip(MONEY, ("original", "current", "actual", "committed", "variance",
                             "available", "forecast"), strict=True))  # fmt: skip
    return {
        name: sum(
            (getattr(r, a).decimal for r in rows if r.kind.value == kind and getattr(r, a)),
            Decimal("0.00"),
        )
        for name, a in attrs.items()
    }


def _shown_totals(path: Path, n_rows: int) -> dict[str, dict[str, object]]:
    ws = openpyxl.load_workbook(path, data_only=True)["Variance"]
    header = [c.value for c in ws[1]]
    first = 1 + n_rows + 2  # the header, the rows, a blank row
    out = {}
    for r in range(first, first + 3):
        out[ws.cell(r, 1).value] = {h: ws.cell(r, header.index(h) + 1).value for h in MONEY}
    return out


def _check(shown: dict[str, object], expected: dict[str, Decimal | None], label: str) -> None:
    for name, want in expected.items():
        got = shown[name]
        if want is None:
            assert got is None, f"{label} {name}: {got!r}"
            continue
        assert isinstance(got, int | float), f"{label} {name}: {got!r} (not recalculated?)"
        assert _cents(got) == want, f"{label} {name}"


def test_libreoffice_totals_are_income_cost_and_net_never_their_sum(converted):
    rows = sample_variance()
    shown = _shown_totals(converted["refreshed"], len(rows))
    assert list(shown) == ["Income total", "Cost total", "Net (income − cost)"]
    income, cost = _kind_sums(rows, "income"), _kind_sums(rows, "cost")
    assert income["Current budget"] == Decimal("2000.00")  # P-2 ROAD, by hand
    assert cost["Current budget"] == Decimal("1800.00")  # 1000 + 500 + 0 + 300
    assert cost["Actual"] == Decimal("1615.50")  # 850 + 620.40 + 45.10 + 100
    net = {k: income[k] - cost[k] for k in MONEY}
    net["Variance"] = income["Variance"] + cost["Variance"]  # margin: actual − budget
    assert net["Variance"] == net["Actual"] - net["Current budget"]
    net["Available"] = None  # a cost figure: no net
    _check(shown["Income total"], income, "income")
    _check(shown["Cost total"], cost, "cost")
    _check(shown["Net (income − cost)"], net, "net")
    assert _cents(shown["Net (income − cost)"]["Current budget"]) == Decimal("200.00")


def test_libreoffice_totals_follow_the_filter(converted):
    rows = sample_variance()
    shown = _shown_totals(converted["filtered"], len(rows))
    cost = _kind_sums(rows[1:], "cost")  # the first row (P-1 ROAD cost) hidden
    assert cost["Actual"] == Decimal("765.50")
    _check(shown["Cost total"], cost, "cost")
    _check(shown["Income total"], _kind_sums(rows, "income"), "income")


def test_libreoffice_month_totals_too_per_kind_never_their_sum(converted):
    ws = openpyxl.load_workbook(converted["refreshed"], data_only=True)["Variance by month"]
    months = sample_months()
    first = 1 + len(months) + 2  # the header, the rows, a blank row
    shown = {ws.cell(r, 1).value: (ws.cell(r, 6).value, ws.cell(r, 7).value) for r in
             range(first, first + 3)}  # fmt: skip
    by_kind = {
        kind: (
            sum(m.budget.decimal for m in months if m.kind.value == kind),
            sum(m.actual.decimal for m in months if m.kind.value == kind),
        )
        for kind in ("income", "cost")
    }
    assert by_kind["cost"] == (Decimal("1300.00"), Decimal("950.00"))  # by hand
    assert tuple(map(_cents, shown["Income total"])) == by_kind["income"]
    assert tuple(map(_cents, shown["Cost total"])) == by_kind["cost"]
    net = tuple(map(_cents, shown["Net (income − cost)"]))
    assert net == (Decimal("700.00"), Decimal("-50.00"))  # 2000 − 1300, 900 − 950


def test_libreoffice_months_across_totals_count_own_rows_per_kind(converted):
    ws = openpyxl.load_workbook(converted["refreshed"], data_only=True)["Months"]
    report = months_report()
    header = [c.value for c in ws[1]]
    assert header[5:8] == ["2026-01 budget", "2026-01 actual", "2026-01 variance"]
    first = 1 + len(report.rows) + 2
    shown = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(first, first + 3)}
    assert list(shown) == ["Income total", "Cost total", "Net (income − cost)"]
    own = [r for r in report.rows if r.scope == OWN]  # subtree rows repeat them: not counted
    for m in (2, 5, 8):  # March (actuals), June (the last booked), September (none yet)
        col = 5 + 3 * m
        by_kind = {}
        for kind in ("income", "cost"):
            rows = [r for r in own if r.kind.value == kind]
            by_kind[kind] = (
                sum(r.budgets[m].decimal for r in rows),
                sum((r.actuals[m].decimal for r in rows if r.actuals[m]), Decimal("0.00")),
            )
        for label, kind in (("Income total", "income"), ("Cost total", "cost")):
            assert _cents(shown[label][col]) == by_kind[kind][0], (label, header[col])
            assert _cents(shown[label][col + 1]) == by_kind[kind][1], (label, header[col + 1])
        net = shown["Net (income − cost)"]
        assert _cents(net[col]) == by_kind["income"][0] - by_kind["cost"][0], header[col]
    # a row's September: its budget shown, its actual and variance blank (not booked yet)
    assert ws.cell(2, 6 + 3 * 8).value and ws.cell(2, 7 + 3 * 8).value is None
    assert ws.cell(2, 8 + 3 * 8).value is None


def test_libreoffice_shows_each_departments_roll_up(converted):
    ws = openpyxl.load_workbook(converted["refreshed"], data_only=True)["Parents"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    shown = {(r["Object"], r["Activity"], r["Kind"]): r for r in rows if r["Object"]}
    # ROOT holds P1, P2 and P3: ROAD cost budgets 1000 (P1) + 1000 (P2), actuals by hand
    road = shown[("ROOT", "ROAD", "cost")]
    assert _cents(road["Current budget"]) == Decimal("2000.00")
    assert _cents(road["Actual"]) == Decimal("1400.00")  # 500 (P1) + 900 (P2)
    assert _cents(shown[("P2", "SNOW", "cost")]["Actual"]) == Decimal("50.00")  # P3's
    assert _cents(shown[("ROOT", "ROAD", "income")]["Actual"]) == Decimal("1500.00")
    assert {o for o, _, _ in shown} == {"ROOT", "P2"}  # the parents only
