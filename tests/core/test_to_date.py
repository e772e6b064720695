"""Budget to date beside the full period, and the phasing-aware forecasts (issue 11 item 4)."""

from __future__ import annotations

from fractions import Fraction

from pixie_xl.core.variance import parent_rows, variance_rows
from tests.builders import d, line
from tests.core.test_variance import YEAR, actuals, budget, facts

ONE = [budget("B1", "P1", line("ROAD", cost="1000.00", income="3650.00"))]
ACTS = actuals(
    ("P1", "ROAD", "cost", "2026-03-01", "500.00"),
    ("P1", "ROAD", "income", "2026-05-01", "1000.00"),
)


def _cents(x: Fraction) -> str:
    """Half-even to the cent, as text."""
    return f"{round(x * 100) / 100:.2f}"


def test_mid_year_the_budget_to_date_is_prorated_to_today():
    today = d("2026-07-01")  # 182 of the year's 365 days
    cost, income = (
        next(r for r in variance_rows(facts(ONE, ACTS), *YEAR, today) if r.kind.value == k)
        for k in ("cost", "income")
    )
    btd = Fraction(100000 * 182, 365) / 100  # 498.63
    assert str(cost.budget_to_date) == _cents(btd) == "498.63"
    assert str(cost.variance_to_date) == "-1.37"  # 498.63 − 500: cost, unfavourable
    assert str(cost.estimate) == "1001.37"  # 500 actual + 501.37 budget still to come
    assert str(cost.forecast_phased) == _cents(Fraction(500) * 1000 / Fraction("498.63"))
    assert str(cost.current) == "1000.00" and str(cost.variance) == "500.00"  # unchanged
    assert str(income.budget_to_date) == "1820.00"  # 3650 × 182 / 365
    assert str(income.variance_to_date) == "-820.00"  # income: actual − budget to date


def test_before_and_after_the_period():
    before = variance_rows(facts(ONE, ACTS), *YEAR, d("2025-12-01"))
    assert {str(r.budget_to_date) for r in before} == {"0.00"}
    assert {r.forecast_phased for r in before} == {None}  # nothing phased yet
    after = variance_rows(facts(ONE, ACTS), *YEAR, d("2027-02-01"))
    for r in after:  # the period has passed: to date is the whole period
        assert r.budget_to_date == r.current and r.variance_to_date == r.variance
        assert r.estimate == r.actual


def test_parents_carry_the_to_date_figures_of_their_subtree():
    from tests.core.test_variance import BUDGETS

    today = d("2026-07-01")
    rows = parent_rows(facts(BUDGETS, ACTS), *YEAR, today)
    road = next(r for r in rows if (r.object, r.activity, r.kind.value) == ("ROOT", "ROAD", "cost"))
    # P1 ROAD 1000 and P2 ROAD 1000, each 498.63 to date
    assert str(road.budget_to_date) == "997.26"
