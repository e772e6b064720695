"""Records to tables, on the in-memory book: exact money, totals, charts' data, checks."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import openpyxl

from pixie_xl.core.findings import Finding, Severity, SourceRef
from pixie_xl.core.money import Money
from pixie_xl.core.records import Formula, Profile, RawRow
from pixie_xl.sheets import layout, tables
from pixie_xl.sheets.fakebook import FakeBook
from pixie_xl.sheets.filebook import FileBook
from tests.builders import month_row, variance_row

HOSTILE_NAME = '=HYPERLINK("http://evil.example","click")'


def sample_variance():
    """Five rows a person can check by hand (two objects' names are hostile CRM text)."""
    return [
        variance_row("P-1", "ROAD", current="1000.00", actual="850.00", committed="100.00",
                     status="WARN"),
        variance_row("P-1", "MAINT", current="500.00", actual="620.40", status="OVER"),
        variance_row("P-2", "ROAD", "income", current="2000.00", actual="900.00",
                     name=HOSTILE_NAME, status="BEHIND"),
        variance_row("P-2", "EXTRA", current="0", actual="45.10", name="@SUM(1+1)",
                     status="UNBUDGETED"),
        variance_row("P-3", "ROAD", current="300.00", actual="100.00", name="-5 discount"),
    ]  # fmt: skip


def sample_months():
    return [
        month_row("P-1", "ROAD", month="2026-01-01", budget="500.00", actual="400.00"),
        month_row("P-1", "ROAD", month="2026-02-01", budget="500.00", actual="450.00"),
        month_row("P-3", "ROAD", month="2026-02-01", budget="300.00", actual="100.00"),
        month_row("P-2", "ROAD", "income", month="2026-01-01", budget="2000.00", actual="900.00"),
    ]


def sample_findings():
    return [
        Finding(SourceRef("Budgets", "H3"), "not_a_number", 'Cost budget "12,5O" is not a number'),
        Finding(SourceRef("Budgets", "B4"), "becomes_correction", "will be saved as a correction",
                Severity.INFO),
        Finding(SourceRef("Budgets", "F5"), "unknown_activity",
                'Activity "MAINTENANCE" is unknown'),
    ]  # fmt: skip


def rows_of(book, sheet, table):
    t = book.read_table(sheet, table)
    return [dict(zip(t.header, r, strict=True)) for r in t.rows]


def test_variance_rows_keep_money_exact_and_percentages_as_fractions():
    book = FakeBook.new()
    tables.write_variance(book, sample_variance())
    rows = rows_of(book, layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
    assert [r["Status"] for r in rows] == ["WARN", "OVER", "BEHIND", "UNBUDGETED", "OK"]
    first = rows[0]
    assert first["Actual"] == Decimal("850.00")
    assert first["Committed"] == Decimal("100.00")
    assert first["Available"] == Decimal("50.00")
    assert first["Used %"] == Decimal("0.95")
    income = rows[2]
    assert income["Committed"] is None and income["Available"] is None
    assert income["Variance"] == Decimal("-1100.00")
    assert rows[3]["Variance %"] is None  # no budget, no percentage
    assert income["Object name"] == HOSTILE_NAME and not isinstance(income["Object name"], Formula)


def test_variance_totals_are_per_kind_and_net_never_income_plus_cost():
    book = FakeBook.new()
    tables.write_variance(book, sample_variance())
    first = 1 + 5 + 2  # header, 5 rows, a blank row
    labels = [book.get_value("Variance", f"A{r}") for r in range(first, first + 3)]
    assert labels == ["Income total", "Cost total", "Net (income − cost)"]
    assert book.get_value("Variance", f"A{first - 1}") is None
    income, cost, net = (book.get_value("Variance", f"G{r}") for r in range(first, first + 3))
    assert isinstance(income, Formula) and 'Variance[Kind]="income"' in income
    assert "SUBTOTAL(109,OFFSET(Variance[Actual]" in income  # follows the filter
    assert 'Variance[Kind]="cost"' in cost
    assert net == f"{income}-{cost[1:]}"
    variance_net = book.get_value("Variance", f"I{first + 2}")
    assert "+SUMPRODUCT" in variance_net  # income variance + cost variance
    assert book.get_value("Variance", f"L{first + 2}") is None  # Available has no net
    assert book.get_value("Variance", f"J{first}") is None  # no total of percentages


def test_rewriting_with_fewer_rows_leaves_nothing_behind():
    book = FakeBook.new()
    tables.write_variance(book, sample_variance())
    tables.write_variance(book, sample_variance()[:1])
    assert len(rows_of(book, "Variance", "Variance")) == 1
    assert book.get_value("Variance", "A3") is None
    assert book.get_value("Variance", "A4") == "Income total"
    assert [book.get_value("Variance", f"A{r}") for r in range(7, 12)] == [None] * 5


def test_chart_data_sums_cost_by_activity_and_months_cumulatively():
    book = FakeBook.new()
    tables.write_variance(book, sample_variance())
    tables.write_months(book, sample_months())
    lists = layout.LISTS_SHEET
    by_activity = [[book.get_value(lists, f"{c}{r}") for c in "EFG"] for r in range(1, 5)]
    assert by_activity == [
        ["Activity", "Budget", "Actual"],
        ["EXTRA", Decimal("0.00"), Decimal("45.10")],
        ["MAINT", Decimal("500.00"), Decimal("620.40")],
        ["ROAD", Decimal("1300.00"), Decimal("950.00")],  # the income row is not counted
    ]
    cumulative = [[book.get_value(lists, f"{c}{r}") for c in "IJK"] for r in range(2, 4)]
    assert cumulative == [  # months as text that never wraps as "2026 / -01"
        ["Jan 2026", Decimal("500.00"), Decimal("400.00")],
        ["Feb 2026", Decimal("1300.00"), Decimal("950.00")],
    ]
    tables.write_variance(book, sample_variance()[4:])
    assert book.get_value(lists, "E3") is None  # the old, longer range is cleared


def test_months_and_alerts_tables():
    book = FakeBook.new()
    tables.write_months(book, sample_months())
    tables.write_alerts(book, sample_variance()[:2])
    months = rows_of(book, layout.MONTHS_SHEET, layout.MONTHS_TABLE)
    assert months[1]["Month"] == date(2026, 2, 1) and months[1]["Variance"] == Decimal("50.00")
    assert [r["Status"] for r in rows_of(book, "Alerts", "Alerts")] == ["WARN", "OVER"]


def months_with_a_future():
    """January and February booked, March and April budgeted only (not booked yet)."""
    return [
        *sample_months(),
        month_row("P-1", "ROAD", month="2026-03-01", budget="500.00"),
        month_row("P-2", "ROAD", "income", month="2026-04-01", budget="700.00"),
    ]


def test_months_after_the_last_actual_show_the_budget_and_blank_actual_and_variance():
    book = FakeBook.new()
    tables.write_months(book, months_with_a_future())
    months = rows_of(book, layout.MONTHS_SHEET, layout.MONTHS_TABLE)
    march, april = months[4], months[5]
    assert march["Budget"] == Decimal("500.00") and april["Budget"] == Decimal("700.00")
    assert (march["Actual"], march["Variance"]) == (None, None)  # not a favourable 500
    assert (april["Actual"], april["Variance"]) == (None, None)
    assert months[1]["Actual"] == Decimal("450.00")  # a booked month keeps its figures
    # and the cumulative chart's actual line stops after February (blank, not flat)
    lists = layout.LISTS_SHEET
    chart = [[book.get_value(lists, f"{c}{r}") for c in "IJK"] for r in range(2, 6)]
    assert chart == [
        ["Jan 2026", Decimal("500.00"), Decimal("400.00")],
        ["Feb 2026", Decimal("1300.00"), Decimal("950.00")],
        ["Mar 2026", Decimal("1800.00"), None],
        ["Apr 2026", Decimal("1800.00"), None],  # income budgets are not in the cost line
    ]


def test_month_table_totals_are_per_kind_and_net_never_income_plus_cost():
    book = FakeBook.new()
    months = months_with_a_future()
    tables.write_months(book, months)
    assert book.tables[layout.MONTHS_TABLE].has_totals is False  # no row adding the kinds
    first = 1 + len(months) + 2
    labels = [book.get_value(layout.MONTHS_SHEET, f"A{r}") for r in range(first, first + 3)]
    assert labels == ["Income total", "Cost total", "Net (income − cost)"]
    income, cost, net = (
        book.get_value(layout.MONTHS_SHEET, f"F{r}") for r in range(first, first + 3)
    )
    assert income == '=SUMIFS(VarianceByMonth[Budget],VarianceByMonth[Kind],"income")'
    assert cost == '=SUMIFS(VarianceByMonth[Budget],VarianceByMonth[Kind],"cost")'
    assert net == f"{income}-{cost[1:]}"
    variance_net = book.get_value(layout.MONTHS_SHEET, f"H{first + 2}")
    assert "+SUMIFS(" in variance_net  # the margin's variance: both favourable when positive
    assert book.formats[layout.MONTHS_SHEET][(first, 6)] == layout.MONEY
    tables.write_months(book, months[:1])  # a shorter table: the old totals go
    assert book.get_value(layout.MONTHS_SHEET, f"A{first}") is None
    assert book.get_value(layout.MONTHS_SHEET, "A4") == "Income total"


def test_money_formats_follow_the_currency_decimals(workbook_copy):
    book = FakeBook.new()
    eur = variance_row("P-1", "ROAD", current="1000", actual="850")
    as_yen = {
        f.name: Money(m.minor // 100, "JPY")
        for f in dataclasses.fields(eur)
        if isinstance(m := getattr(eur, f.name), Money)
    }
    jpy = [dataclasses.replace(eur, **as_yen)]
    tables.write_variance(book, jpy)
    yen = "#,##0_ ;-#,##0_ "  # no decimals; padded so that no text touches it
    assert layout.in_currency(layout.VARIANCE_COLUMNS, "JPY")[6].number_format == yen
    file_book = FileBook.open(workbook_copy)
    tables.write_variance(file_book, jpy)
    tables.write_alerts(file_book, jpy)
    tables.write_parents(file_book, jpy)
    file_book.save()
    wb = openpyxl.load_workbook(workbook_copy)
    for sheet in ("Variance", "Alerts", "Parents"):
        assert wb[sheet]["G2"].number_format == yen, sheet  # Actual, as the file shows it
    assert book.formats[layout.VARIANCE_SHEET][(4, 7)] == yen  # the totals' Actual
    tables.write_variance(book, sample_variance())
    assert book.formats[layout.VARIANCE_SHEET][(8, 7)] == "#,##0.00_ ;-#,##0.00_ "
    assert layout.money_format("BHD") == "#,##0.000_ ;-#,##0.000_ "


def test_checks_list_errors_first_and_mark_their_cells():
    book = FakeBook.new()
    tables.write_checks(book, sample_findings())
    rows = rows_of(book, layout.CHECKS_SHEET, layout.CHECKS_TABLE)
    assert [(r["Cell"], r["Severity"]) for r in rows] == [
        ("H3", "error"),
        ("F5", "error"),
        ("B4", "info"),
    ]
    assert rows[0]["Message"] == 'Budgets!H3: Cost budget "12,5O" is not a number'
    assert book.marks["Budgets"] == {"H3": Severity.ERROR, "F5": Severity.ERROR}
    tables.write_checks(book, [])
    assert rows_of(book, "Checks", "Checks") == [] and book.marks["Budgets"] == {}


def test_budgets_written_from_csv_text_become_numbers_and_dates():
    csv_row = RawRow(
        "budgets.csv",
        2,
        {"object": "P-1", "start": "2026-01-01", "end": "2026-12-31", "activity": "ROAD",
         "income": "0", "cost": "1234.50", "version": "3", "note": "-10% on road"},
        {},
    )  # fmt: skip
    formula = RawRow("Budgets", 3, {"object": "P-2", "cost": Formula("=100*2")}, {})
    book = FakeBook.new()
    tables.write_budgets(book, [csv_row, formula])
    rows = rows_of(book, "Budgets", "Budgets")
    assert rows[0]["Cost budget"] == Decimal("1234.50")
    assert rows[0]["Period start"] == date(2026, 1, 1) and rows[0]["Version"] == 3
    assert rows[0]["Note"] == "-10% on road"
    assert rows[1]["Cost budget"] == Formula("=100*2")
    # and read back as budget rows, with their cells
    raw = tables.read_budget_rows(book)
    assert raw[0].ref("cost").cell == "H2" and raw[1].values["object"] == "P-2"


def test_profiles_and_drop_down_lists():
    book = FakeBook.new()
    weights = tuple(Decimal(w) for w in (1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1))
    tables.write_profiles(book, [Profile("Summer", weights)])
    assert rows_of(book, "Profiles", "Profiles")[0]["May"] == Decimal(2)
    tables.write_lists(book, ["P-1", "P-2"], ["ROAD"], ["Summer"])
    assert [book.get_value("Lists", f"A{r}") for r in (2, 3, 4)] == ["P-1", "P-2", None]
    assert [book.get_value("Lists", f"C{r}") for r in (2, 3, 4)] == ["days", "months", "Summer"]
    tables.write_lists(book, ["P-9"], [])
    assert [book.get_value("Lists", f"A{r}") for r in (2, 3)] == ["P-9", None]
