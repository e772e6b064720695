"""Issue 11, done when: the demo's workbook, refreshed from a real service, recalculated in
LibreOffice, shows per-kind and net totals, each department's roll-up, the Months sheet's
figures and blanks and the print headers equal to what this test works out itself from the
demo's input lines (summed here with Decimal, not through Pixie's functions)."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from decimal import Decimal

import openpyxl
import pytest

from pixie_xl.demo import dataset
from tests.conftest import soffice_path
from tests.excel.test_libreoffice import convert

#: the demo raises its first budget row's cost by this much (a correction)
RAISE = Decimal("10000.00")
DEPARTMENTS = {"DEPT-ROADS": ("P-100", "P-200", "P-300"), "C-PORT": ("P-400",)}
REPORT_SHEETS = ("Variance", "Parents", "Variance by month", "Months", "Alerts")


def expected():
    """Budgets and actuals by (object, activity, kind), and actuals by month, from the
    demo's input rows."""
    ds = dataset.generate()
    budget: dict[tuple, Decimal] = defaultdict(Decimal)
    for i, row in enumerate(ds.good_budgets):
        obj, activity, income, cost = row[2], row[5], row[6], row[7]
        budget[(obj, activity, "cost")] += Decimal(cost) + (RAISE if i == 0 else 0)
        if income:
            budget[(obj, activity, "income")] += Decimal(income)
    actual: dict[tuple, Decimal] = defaultdict(Decimal)
    monthly: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in ds.lines:
        obj, activity, kind, day, amount = line[2], line[3], line[5], line[6], Decimal(line[7])
        actual[(obj, activity, kind)] += amount
        monthly[(obj, activity, kind, int(day[5:7]))] += amount
    return budget, actual, monthly


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo run (service, workbook, import, save, correction, refresh), then the
    workbook as LibreOffice recalculates it."""
    from pixie_xl.demo.run import run

    soffice = soffice_path()
    tmp = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("PIXIE_SERVER", raising=False)
        mp.delenv("PIXIE_TOKEN", raising=False)
        summary = run(tmp / "demo", say=lambda _text: None)
    book = summary["workbook"]
    (shown,) = convert(soffice, [book], tmp / "out", tmp / "profile")
    return {
        "book": book,
        "shown": openpyxl.load_workbook(shown, data_only=True),
        "laid": openpyxl.load_workbook(shown),
    }


def _cents(value) -> Decimal:
    assert isinstance(value, int | float), f"{value!r}: not a recalculated number"
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _table(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    out = []
    for row in ws.iter_rows(min_row=2):
        values = [c.value for c in row]
        if values[0] is None:
            break
        out.append(dict(zip(header, values, strict=False)))
    return out


def _block(ws, n_rows: int) -> dict[str, dict]:
    """The income, cost and net rows under a table of ``n_rows`` rows, by label."""
    header = [c.value for c in ws[1]]
    first = 1 + n_rows + 2
    return {
        ws.cell(r, 1).value: dict(zip(header, (c.value for c in ws[r]), strict=False))
        for r in range(first, first + 3)
    }


def test_variance_totals_are_income_cost_and_net_from_the_input_lines(demo):
    budget, actual, _ = expected()
    ws = demo["shown"]["Variance"]
    rows = _table(ws)
    totals = _block(ws, len(rows))
    assert list(totals) == ["Income total", "Cost total", "Net (income − cost)"]
    want = {
        kind: (
            sum((v for k, v in budget.items() if k[2] == kind), Decimal("0.00")),
            sum((v for k, v in actual.items() if k[2] == kind), Decimal("0.00")),
        )
        for kind in ("income", "cost")
    }
    assert want["income"][0] == Decimal("461000.00")  # the demo's plan, by hand
    assert want["cost"][0] == Decimal("455000.00") + RAISE  # 465,000 with the correction
    for label, kind in (("Income total", "income"), ("Cost total", "cost")):
        got = totals[label]
        assert (_cents(got["Current budget"]), _cents(got["Actual"])) == want[kind], label
    net = totals["Net (income − cost)"]
    assert _cents(net["Current budget"]) == want["income"][0] - want["cost"][0]
    assert _cents(net["Actual"]) == want["income"][1] - want["cost"][1]
    for r in rows:  # and each row its own figures
        key = (r["Object"], r["Activity"], r["Kind"])
        assert _cents(r["Actual"]) == actual.get(key, Decimal("0.00")), key
        assert _cents(r["Current budget"]) == budget.get(key, Decimal("0.00")), key


def test_each_departments_roll_up_sums_its_projects(demo):
    budget, actual, _ = expected()
    rows = _table(demo["shown"]["Parents"])
    shown = {(r["Object"], r["Activity"], r["Kind"]): r for r in rows}
    assert {k[0] for k in shown} == set(DEPARTMENTS)
    for dept, projects in DEPARTMENTS.items():
        keys = {(a, k) for (o, a, k) in {**budget, **actual} if o in projects}
        assert keys and {(a, k) for (o, a, k) in shown if o == dept} == keys
        for activity, kind in keys:
            row = shown[(dept, activity, kind)]
            b = sum((budget.get((p, activity, kind), Decimal(0)) for p in projects), Decimal(0))
            a = sum((actual.get((p, activity, kind), Decimal(0)) for p in projects), Decimal(0))
            assert _cents(row["Current budget"]) == b, (dept, activity, kind)
            assert _cents(row["Actual"]) == a, (dept, activity, kind)


def test_months_sheet_shows_each_month_and_leaves_unbooked_months_blank(demo):
    budget, _, monthly = expected()
    ws = demo["shown"]["Months"]
    header = [c.value for c in ws[1]]
    assert header[5:8] == ["2026-01 budget", "2026-01 actual", "2026-01 variance"]
    rows = _table(ws)
    own = [r for r in rows if r["Scope"] == "own"]
    # P-200 is phased by months: 90,000 a year is 7,500 a month, every month
    maint = next(r for r in own if (r["Object"], r["Activity"], r["Kind"]) == ("P-200", "MAINT",
                                                                               "cost"))  # fmt: skip
    for m in range(1, 13):
        assert _cents(maint[f"2026-{m:02d} budget"]) == Decimal("7500.00")
    for r in own:
        key = (r["Object"], r["Activity"], r["Kind"])
        for m in range(1, 11):  # January to October: booked
            got = _cents(r[f"2026-{m:02d} actual"])
            assert got == monthly.get((*key, m), Decimal("0.00")), (key, m)
        for m in (11, 12):  # after the last actual: the budget, no actual, no variance
            assert r[f"2026-{m:02d} actual"] is None and r[f"2026-{m:02d} variance"] is None
            assert r[f"2026-{m:02d} budget"] is not None
        assert _cents(r["Total budget"]) == budget.get(key, Decimal("0.00")), key
    totals = _block(ws, len(rows))
    for m in (3, 10):
        cost = sum((v for k, v in monthly.items() if k[2] == "cost" and k[3] == m), Decimal(0))
        assert _cents(totals["Cost total"][f"2026-{m:02d} actual"]) == cost, m
    assert totals["Cost total"]["2026-11 actual"] in (None, 0)  # nothing booked, nothing shown


def test_variance_by_month_leaves_unbooked_months_blank_and_totals_by_kind(demo):
    _, _, monthly = expected()
    ws = demo["shown"]["Variance by month"]
    rows = _table(ws)
    november = [r for r in rows if r["Month"].month == 11]
    assert november and all(r["Actual"] is None and r["Variance"] is None for r in november)
    assert all(r["Budget"] is not None for r in november)
    totals = _block(ws, len(rows))
    cost = sum((v for k, v in monthly.items() if k[2] == "cost"), Decimal(0))
    income = sum((v for k, v in monthly.items() if k[2] == "income"), Decimal(0))
    assert _cents(totals["Cost total"]["Actual"]) == cost
    assert _cents(totals["Income total"]["Actual"]) == income
    assert _cents(totals["Net (income − cost)"]["Actual"]) == income - cost


@pytest.mark.parametrize("sheet", REPORT_SHEETS)
def test_report_sheets_print_with_period_refresh_time_and_page(demo, sheet):
    for wb in (openpyxl.load_workbook(demo["book"], keep_vba=True), demo["laid"]):
        ws = wb[sheet]
        assert ws.oddHeader.center.text == "Report 2026-01-01 to 2026-12-31", sheet
        assert ws.oddHeader.right.text.startswith("Refreshed 2026-11-04 "), sheet
        assert ws.oddFooter.center.text == "Page &P of &N"
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert str(ws.page_setup.fitToHeight) == "0"
        assert ws.print_title_rows == "$1:$1"


def test_pixie_fits_one_page_and_xlwings_conf_is_hidden(demo):
    wb = demo["laid"]
    assert wb["xlwings.conf"].sheet_state == "hidden"
    pixie = wb["Pixie"]
    assert pixie.sheet_properties.pageSetUpPr.fitToPage
    assert str(pixie.page_setup.fitToWidth) in ("None", "1")
    assert str(pixie.page_setup.fitToHeight) in ("None", "1")


def test_money_columns_are_formatted_and_charts_read(demo):
    written = openpyxl.load_workbook(demo["book"], keep_vba=True)["Variance"]
    assert written["G2"].number_format == "#,##0.00_ ;-#,##0.00_ "  # EUR: 2 decimals, padded
    # LibreOffice saves the same format with the minus escaped
    assert (
        demo["laid"]["Variance"]["G2"].number_format.replace("\\", "") == "#,##0.00_ ;-#,##0.00_ "
    )
    with zipfile.ZipFile(demo["book"]) as zf:
        charts = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/chart")]
    line = next(c for c in charts if "<lineChart>" in c)  # as openpyxl writes it
    assert 'smooth val="1"' not in line and 'smooth val="0"' in line  # straight lines
    assert 'dispBlanksAs val="gap"' in line  # the actual line stops at October
    assert all('formatCode="#,##0"' in c for c in charts)  # whole-number axes
    assert all("<cat><strRef>" in c for c in charts)  # month labels as text
    lists = openpyxl.load_workbook(demo["book"], keep_vba=True)["Lists"]
    months = [[lists.cell(r, c).value for c in (9, 10, 11)] for r in range(2, 14)]
    assert [m[0] for m in months][:2] == ["Jan 2026", "Feb 2026"]
    assert months[9][2] is not None and months[10][2] is None and months[11][2] is None
