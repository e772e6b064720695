"""The core at its edges: December 9999, totals beyond int64, ranges that end before they start.

Found by comparing with Fava, hledger, Odoo and ERPNext budgets (issue 10, item 6).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixie_xl.core.dating import dated_actuals
from pixie_xl.core.errors import InvalidInput
from pixie_xl.core.monthly import figure, month_rows, report_months
from pixie_xl.core.phasing import (
    calendar_months,
    month_end,
    month_weights,
    prorate,
    prorate_array,
    split_by_month,
)
from pixie_xl.core.records import Profile, Settings
from pixie_xl.core.variance import variance_rows
from pixie_xl.sheets.budget_cells import validate_table
from tests.builders import d, history, line, version
from tests.core.test_validation import context, row
from tests.core.test_variance import actuals, facts, pos

NO_END = date.max  # 9999-12-31, what many systems store for "no end"
SUMMER = {"Summer": Profile("Summer", (0, 0, 0, 0, 1, 2, 2, 1, 0, 0, 0, 0))}


def open_ended(phasing: str = "days", start: str = "9999-01-01", cost: str = "1200.00"):
    return history(
        version(start=start, end="9999-12-31", lines=[line("ROAD", cost=cost, phasing=phasing)])
    )


# --- December 9999 --------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["9999-12-31", date(9999, 12, 31), 2958465])
def test_a_budget_ending_9999_12_31_validates(end):
    result = validate_table([row(2, start="2027-01-01", end=end)], context())
    assert result.findings == ()
    assert result.drafts[0].end == NO_END


@pytest.mark.parametrize("phasing", ["days", "months", "Summer"])
def test_a_line_ending_9999_12_31_prorates_and_splits_into_months(phasing):
    start = date(9999, 1, 1)
    assert prorate(120000, start, NO_END, phasing, start, NO_END, SUMMER) == 120000
    months = split_by_month(120000, start, NO_END, phasing, SUMMER)
    assert [m for m, _ in months] == [date(9999, k, 1) for k in range(1, 13)]
    assert sum(p for _, p in months) == 120000
    assert month_weights(date(9999, 12, 15), NO_END, phasing, SUMMER)[-1][0] == date(9999, 12, 1)
    december = prorate(120000, start, NO_END, phasing, date(9999, 12, 1), NO_END, SUMMER)
    assert abs(december - dict(months)[date(9999, 12, 1)]) <= 1  # rounded vs largest remainder
    array = prorate_array(
        np.array([120000]),
        np.array([start], dtype="datetime64[D]"),
        np.array([NO_END], dtype="datetime64[D]"),
        np.array([phasing]),
        date(9999, 12, 1),
        NO_END,
        SUMMER,
    )
    assert array.tolist() == [december]


def test_a_line_running_from_2026_to_no_end_prorates_a_year_by_its_days():
    days = (NO_END - date(2026, 1, 1)).days + 1
    got = prorate(
        days * 100, date(2026, 1, 1), NO_END, "days", d("2026-01-01"), d("2026-12-31"), {}
    )
    assert got == 365 * 100


def test_reports_reach_december_9999():
    f = facts(
        [open_ended("months")],
        acts=actuals(("P1", "ROAD", "cost", "9999-12-31", "50.00")),
        commits=pos(("P1", "ROAD", "9999-12-31", "7.00")),
    )
    assert report_months(date(9999, 11, 20), NO_END)[-1] == (date(9999, 12, 1),) * 2 + (NO_END,)
    dec = [
        (str(r.month), str(r.budget), str(r.actual))
        for r in month_rows(f, date(9999, 11, 1), NO_END)
    ]
    assert dec == [("9999-11-01", "100.00", "0.00"), ("9999-12-01", "100.00", "50.00")]
    (v,) = variance_rows(f, date(9999, 1, 1), NO_END, today=date(2026, 1, 1))
    assert (str(v.current), str(v.actual), str(v.committed)) == ("1200.00", "50.00", "7.00")
    assert str(figure(f, "P1", "*", date(9999, 12, 1), NO_END, "cost", "budget_current")) == (
        "100.00"
    )
    assert str(figure(f, "*", "ROAD", date(9999, 12, 31), NO_END, "cost", "actual")) == "50.00"


@pytest.mark.parametrize("value", ["9999-12-31", date(9999, 12, 31), "9999-12-31T12:00:00"])
def test_an_actual_dated_9999_12_31_keeps_its_date(value):
    raw = pd.DataFrame(
        {
            "line_id": [1],
            "object": ["P1"],
            "activity": ["ROAD"],
            "kind": ["cost"],
            "date": pd.Series([value], dtype=object),
            "task_created": [None],
            "amount": pd.Series([500], dtype="int64"),
        }
    )
    out = dated_actuals(raw, Settings(timezone="Europe/Copenhagen"))
    assert str(out["date"].iloc[0])[:10] == "9999-12-31"
    f = facts([open_ended()], acts=out)
    assert str(figure(f, "P1", "*", NO_END, NO_END, "cost", "actual")) == "5.00"


far = st.dates(min_value=date(9990, 1, 1), max_value=NO_END)


@given(far, far)
def test_calendar_months_cover_a_range_month_by_month_up_to_date_max(a, b):
    lo, hi = min(a, b), max(a, b)
    months = list(calendar_months(lo, hi))
    assert months[0][0] == lo.replace(day=1) and months[0][0] <= lo <= months[0][1]
    assert months[-1][0] <= hi <= months[-1][1]
    for (first, last), (nxt, _) in pairwise(months):
        assert first.day == 1 and last + timedelta(days=1) == nxt
        assert (last + timedelta(days=1)).day == 1


# --- sums beyond int64 ----------------------------------------------------------------------

BIG = "9999999999999.99"  # the largest amount a cell takes (15 significant digits)
MANY = 10_000  # 10,000 × 999,999,999,999,999 minor units is beyond int64 (9.2 × 10**18)


def test_a_figure_adds_up_exactly_where_int64_would_wrap():
    f = facts(acts=actuals(*[("P1", "ROAD", "cost", "2026-03-01", BIG)] * MANY))
    got = figure(f, "P1", "*", d("2026-01-01"), d("2026-12-31"), "cost", "actual")
    assert got.minor == 999_999_999_999_999 * MANY


def test_a_budget_figure_adds_up_exactly_where_int64_would_wrap():
    budgets = [history(version(f"B{i}", lines=[line("ROAD", cost=BIG)])) for i in range(MANY)]
    f = facts(budgets)
    got = figure(f, "*", "*", d("2026-01-01"), d("2026-12-31"), "cost", "budget_current")
    assert got.minor == 999_999_999_999_999 * MANY


def test_a_table_whose_row_would_wrap_is_refused_with_a_clear_message():
    f = facts(acts=actuals(*[("P1", "ROAD", "cost", "2026-03-01", BIG)] * MANY))
    frm, to = d("2026-01-01"), d("2026-12-31")
    for report in (
        lambda: variance_rows(f, frm, to, today=d("2027-01-01")),
        lambda: month_rows(f, frm, to),
    ):
        with pytest.raises(InvalidInput, match="the actual figures of one row add up to") as e:
            report()
        assert e.value.code == "figure_too_large"


def test_large_figures_that_fit_are_not_refused():
    rows = [("P1", "ROAD", "cost", "2026-03-01", BIG)] * 9000
    rows += [(f"P{k}", "ROAD", "cost", "2026-03-01", BIG) for k in (2, 3)]
    f = facts(acts=actuals(*rows))
    (p1, *_) = variance_rows(f, d("2026-01-01"), d("2026-12-31"), today=d("2027-01-01"))
    assert p1.actual.minor == 999_999_999_999_999 * 9000


# --- one rule for reversed ranges -----------------------------------------------------------

APRIL, MAY = d("2026-04-30"), d("2026-05-01")


def test_a_report_range_ending_before_it_starts_is_refused_everywhere():
    f = facts([history()])
    reports = [
        lambda: prorate(100000, d("2026-01-01"), d("2026-12-31"), "days", MAY, APRIL, {}),
        lambda: prorate(100000, d("2026-01-01"), d("2026-12-31"), "months", MAY, APRIL, {}),
        lambda: prorate_array(
            np.array([100000]),
            np.array(["2026-01-01"], dtype="datetime64[D]"),
            np.array(["2026-12-31"], dtype="datetime64[D]"),
            np.array(["days"]),
            MAY,
            APRIL,
            {},
        ),
        lambda: figure(f, "P1", "*", MAY, APRIL, "cost", "budget_current"),
        lambda: figure(f, "P1", "*", MAY, APRIL, "cost", "actual"),
        lambda: month_rows(f, MAY, APRIL),
        lambda: report_months(MAY, APRIL),
        lambda: variance_rows(f, MAY, APRIL, today=MAY),
    ]
    for report in reports:
        with pytest.raises(InvalidInput, match=r"ends \(2026-04-30\) before it starts"):
            report()


def test_a_line_outside_the_range_gives_nothing():
    for phasing in ("days", "months"):
        got = prorate(100000, d("2026-01-01"), d("2026-03-31"), phasing, MAY, MAY, {})
        assert got == 0
    f = facts([history()])
    assert (
        figure(f, "P1", "*", d("2027-01-01"), d("2027-01-31"), "cost", "budget_current").minor == 0
    )


# --- fine profiles over very long periods: the vectorised path must not wrap ---------------

FINE = {
    "Fine": Profile(
        "Fine",
        tuple(
            Decimal(w)
            for w in ("0.123456789", "0.9", "0.5", "1", "1", "1", "1", "1", "1", "1", "1", "0.98")
        ),
    )
}


LONG = date(7500, 1, 1)  # 30,000 months to 9999-12-31: Σ W × L over them passes 2**63


@pytest.mark.parametrize("frm,to", [("7500-01-01", "7500-12-31"), ("9999-12-01", "9999-12-31")])
def test_a_finely_weighted_line_to_no_end_prorates_as_the_reference_in_bulk(frm, to):
    ref = prorate(10**14, LONG, NO_END, "Fine", d(frm), d(to), FINE)
    got = prorate_array(
        np.array([10**14]),
        np.array([LONG], dtype="datetime64[D]"),
        np.array([NO_END], dtype="datetime64[D]"),
        np.array(["Fine"]),
        d(frm),
        d(to),
        FINE,
    )
    assert got.tolist() == [ref]


def test_a_finely_weighted_line_to_no_end_splits_into_months_exactly():
    f = facts([open_ended("Fine", start=str(LONG), cost="1000000000000.00")], profiles=FINE)
    frm, to = d("7500-01-01"), d("7500-03-31")
    months = month_rows(f, frm, to)
    assert sum(r.budget.minor for r in months) == prorate(
        10**14, LONG, NO_END, "Fine", frm, to, FINE
    )
    for r in months:
        month = prorate(10**14, LONG, NO_END, "Fine", r.month, month_end(r.month), FINE)
        assert abs(r.budget.minor - month) <= 1, r.month


# --- properties near the end of the calendar ------------------------------------------------

late = st.dates(min_value=date(9997, 1, 1), max_value=NO_END)
late_period = st.lists(late, min_size=2, max_size=2).map(sorted)
late_phasing = st.sampled_from(["days", "months", "Summer"])


@settings(max_examples=60)
@given(
    st.lists(st.tuples(st.integers(0, 10**15), late_period, late_phasing), min_size=1, max_size=10),
    late_period,
)
def test_near_date_max_the_vectorised_proration_agrees_with_the_reference(lines, report):
    frm, to = report
    got = prorate_array(
        np.array([a for a, _, _ in lines], dtype=np.int64),
        np.array([s for _, (s, _), _ in lines], dtype="datetime64[D]"),
        np.array([e for _, (_, e), _ in lines], dtype="datetime64[D]"),
        np.array([ph for _, _, ph in lines], dtype=object),
        frm,
        to,
        SUMMER,
    )
    assert got.tolist() == [prorate(a, s, e, ph, frm, to, SUMMER) for a, (s, e), ph in lines]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 10**12), late_period, late_phasing, late_period)
def test_near_date_max_the_months_of_a_report_add_up_to_its_budget(amount, period, ph, report):
    start, end = period
    f = facts(
        [
            history(
                version(
                    start=str(start),
                    end=str(end),
                    lines=[line("ROAD", cost=str(amount), phasing=ph)],
                )
            )
        ],
        profiles=SUMMER,
    )
    frm, to = report
    whole = prorate(amount * 100, start, end, ph, frm, to, SUMMER)
    assert sum(r.budget.minor for r in month_rows(f, frm, to)) == whole


def test_an_instant_whose_local_day_is_past_9999_12_31_is_refused_by_name():
    raw = pd.DataFrame(
        {
            "line_id": [1],
            "object": ["P1"],
            "activity": ["ROAD"],
            "kind": ["cost"],
            "date": ["2026-01-05"],
            "task_created": ["9999-12-31T23:30:00+00:00"],
            "amount": pd.Series([500], dtype="int64"),
        }
    )
    cfg = Settings(timezone="Europe/Copenhagen", cost_date="task_created")
    with pytest.raises(
        InvalidInput, match=r"9999-12-31T23:30:00\+00:00 falls outside the calendar"
    ):
        dated_actuals(raw, cfg)
