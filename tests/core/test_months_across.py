"""The Months sheet's rows (issue 11 item 3): months across, own rows then the parents'
subtree rows, months after the last actual blank, on the small tables of test_variance."""

from __future__ import annotations

from datetime import date

from pixie_xl.core.months_across import OWN, SUBTREE, months_across
from tests.core.test_variance import BUDGETS, POS, YEAR, actuals, facts

#: actuals up to June only: July to December are not booked yet
UP_TO_JUNE = actuals(
    ("P1", "ROAD", "cost", "2026-03-01", "500.00"),
    ("P2", "ROAD", "cost", "2026-05-01", "900.00"),
    ("P2", "ROAD", "income", "2026-06-01", "1500.00"),
    ("P3", "SNOW", "cost", "2026-02-10", "50.00"),
)


def _key(r):
    return (r.object, r.activity, r.kind.value, r.scope)


def test_months_across_own_rows_then_each_parents_subtree():
    report = months_across(facts(BUDGETS, UP_TO_JUNE, POS), *YEAR)
    assert report.months == tuple(date(2026, m, 1) for m in range(1, 13))
    assert report.last_actual == date(2026, 6, 1)
    keys = [_key(r) for r in report.rows]
    assert keys[:6] == [
        ("P1", "MAINT", "cost", OWN),
        ("P1", "ROAD", "cost", OWN),
        ("P2", "MAINT", "income", OWN),
        ("P2", "ROAD", "income", OWN),
        ("P2", "ROAD", "cost", OWN),
        ("P3", "SNOW", "cost", OWN),
    ]
    assert ("ROOT", "ROAD", "cost", SUBTREE) in keys and ("P2", "SNOW", "cost", SUBTREE) in keys
    road = next(r for r in report.rows if _key(r) == ("ROOT", "ROAD", "cost", SUBTREE))
    assert str(road.budget) == "2000.00"  # P1 1000 + P2 1000, the whole year
    assert str(road.actual) == "1400.00" and str(road.variance) == "600.00"
    assert [str(a) for a in road.actuals[2:5]] == ["500.00", "0.00", "900.00"]
    assert sum(b.minor for b in road.budgets) == road.budget.minor  # months add up


def test_months_after_the_last_actual_show_the_budget_and_no_actual_or_variance():
    report = months_across(facts(BUDGETS, UP_TO_JUNE, POS), *YEAR)
    income = next(r for r in report.rows if _key(r) == ("P2", "ROAD", "income", OWN))
    assert income.actuals[6:] == (None,) * 6 and income.variances[6:] == (None,) * 6
    assert all(b.minor > 0 for b in income.budgets[6:])  # the plan is still shown
    assert str(income.actuals[5]) == "1500.00"
    june = income.variances[5]
    assert june.minor == income.actuals[5].minor - income.budgets[5].minor  # income: act − bud


def test_an_object_keeps_its_subtree_and_the_parents_inside_it():
    report = months_across(facts(BUDGETS, UP_TO_JUNE, POS), *YEAR, "P2")
    assert {(r.object, r.scope) for r in report.rows} == {
        ("P2", OWN),
        ("P3", OWN),
        ("P2", SUBTREE),
    }
