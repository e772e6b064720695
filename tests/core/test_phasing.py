"""Proration by days, months and profiles (SPEC §2 "Proration"), scalar and vectorised."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixie_xl.core.errors import InvalidInput
from pixie_xl.core.phasing import month_weights, prorate, prorate_array, split_by_month
from pixie_xl.core.records import Profile
from tests.builders import d

#: a seasonal shape: summer months weigh 2, December 0
SEASON = Profile("Season", tuple(Decimal(w) for w in (1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 0)))
PROFILES = {"Season": SEASON}


def p(amount: int, start: str, end: str, phasing: str, frm: str, to: str) -> int:
    return prorate(amount, d(start), d(end), phasing, d(frm), d(to), PROFILES)


# --- days --------------------------------------------------------------------------------


def test_days_spreads_evenly_over_the_period():
    # 3,650.00 over 2026: 10.00 a day
    assert p(365000, "2026-01-01", "2026-12-31", "days", "2026-01-01", "2026-01-31") == 31000
    assert p(365000, "2026-01-01", "2026-12-31", "days", "2026-02-01", "2026-02-28") == 28000


def test_a_range_beyond_the_period_counts_only_the_overlap():
    assert p(365000, "2026-01-01", "2026-12-31", "days", "2025-12-01", "2026-01-10") == 10000
    assert p(365000, "2026-01-01", "2026-12-31", "days", "2027-01-01", "2027-01-31") == 0
    assert p(365000, "2026-01-01", "2026-12-31", "days", "2020-01-01", "2030-12-31") == 365000


def test_rounding_is_half_to_even():
    # 1.00 over 4 days, 2 of them: 0.50 exactly; 0.01 over 2 days, 1 of them: 0.005 → 0.00
    assert p(100, "2026-01-01", "2026-01-04", "days", "2026-01-01", "2026-01-02") == 50
    assert p(1, "2026-01-01", "2026-01-02", "days", "2026-01-01", "2026-01-01") == 0
    assert p(3, "2026-01-01", "2026-01-02", "days", "2026-01-01", "2026-01-01") == 2


# --- months and profiles -------------------------------------------------------------------


def test_months_gives_every_month_the_same_share_whatever_its_length():
    # 1,200.00 by months over 2026: 100.00 in February (28 days) as in March (31 days)
    assert p(120000, "2026-01-01", "2026-12-31", "months", "2026-02-01", "2026-02-28") == 10000
    assert p(120000, "2026-01-01", "2026-12-31", "months", "2026-03-01", "2026-03-31") == 10000
    # half of February is half of February's part
    assert p(120000, "2026-01-01", "2026-12-31", "months", "2026-02-01", "2026-02-14") == 5000


def test_a_period_starting_mid_month_weighs_that_month_by_its_days_covered():
    # 15 Jan–31 Mar: January weighs 17/31, February and March 1 each
    weights = month_weights(d("2026-01-15"), d("2026-03-31"), "months", {})
    assert weights == [
        (d("2026-01-01"), Fraction(17, 31)),
        (d("2026-02-01"), Fraction(1)),
        (d("2026-03-01"), Fraction(1)),
    ]
    # 7,900.00: January 7,900 × (17/31) / (79/31) = 1,700.00, February and March 3,100.00
    assert split_by_month(790000, d("2026-01-15"), d("2026-03-31"), "months", {}) == [
        (d("2026-01-01"), 170000),
        (d("2026-02-01"), 310000),
        (d("2026-03-01"), 310000),
    ]
    # 1–10 March is 10 of March's 31 days of 3,100.00
    assert p(790000, "2026-01-15", "2026-03-31", "months", "2026-03-01", "2026-03-10") == 100000


def test_a_profile_shapes_the_months():
    # 1,200.00 over June–August by Season (2, 2, 2): 400.00 each; over Nov–Dec (1, 0): all in Nov
    assert p(120000, "2026-06-01", "2026-08-31", "Season", "2026-07-01", "2026-07-31") == 40000
    assert p(120000, "2026-11-01", "2026-12-31", "Season", "2026-12-01", "2026-12-31") == 0
    assert p(120000, "2026-11-01", "2026-12-31", "Season", "2026-11-01", "2026-11-30") == 120000
    # a whole year: weights sum to 14, June is 2/14 of 1,400.00
    assert p(140000, "2026-01-01", "2026-12-31", "Season", "2026-06-01", "2026-06-30") == 20000


def test_profile_names_match_case_insensitively_and_unknown_ones_are_refused():
    assert p(120000, "2026-06-01", "2026-08-31", "season", "2026-07-01", "2026-07-31") == 40000
    assert p(100, "2026-01-01", "2026-01-04", "Days", "2026-01-01", "2026-01-02") == 50
    with pytest.raises(InvalidInput, match='unknown phasing "Winter"'):
        p(100, "2026-01-01", "2026-12-31", "Winter", "2026-01-01", "2026-01-31")


def test_a_profile_that_weighs_the_whole_period_zero_spreads_by_days():
    # December alone weighs 0 in Season: there is no shape, so the amount goes by days
    assert p(3100, "2026-12-01", "2026-12-31", "Season", "2026-12-01", "2026-12-10") == 1000
    assert split_by_month(3100, d("2026-12-01"), d("2026-12-31"), "Season", PROFILES) == [
        (d("2026-12-01"), 3100)
    ]


def test_bad_profiles_and_periods_are_refused():
    short = {"Short": Profile("Short", (Decimal(1),) * 11)}
    with pytest.raises(InvalidInput, match="11 weights"):
        prorate(
            1, d("2026-01-01"), d("2026-02-01"), "Short", d("2026-01-01"), d("2026-01-02"), short
        )
    with pytest.raises(InvalidInput, match="before it starts"):
        p(1, "2026-02-01", "2026-01-01", "days", "2026-01-01", "2026-01-02")


def test_monthly_split_of_days_phasing_follows_the_days():
    assert split_by_month(59000, d("2026-01-01"), d("2026-02-28"), "days", {}) == [
        (d("2026-01-01"), 31000),
        (d("2026-02-01"), 28000),
    ]


def test_the_vectorised_path_gives_the_same_figures():
    amounts = np.array([365000, 120000, 790000, 120000, 3100, 1])
    starts = np.array(["2026-01-01", "2026-01-01", "2026-01-15", "2026-11-01", "2026-12-01",
                       "2026-01-01"], dtype="datetime64[D]")  # fmt: skip
    ends = np.array(["2026-12-31", "2026-12-31", "2026-03-31", "2026-12-31", "2026-12-31",
                     "2026-01-02"], dtype="datetime64[D]")  # fmt: skip
    phasings = np.array(["days", "months", "months", "Season", "Season", "days"], dtype=object)
    got = prorate_array(amounts, starts, ends, phasings, d("2026-02-01"), d("2026-12-10"), PROFILES)
    assert got.tolist() == [
        prorate(int(a), s.item(), e.item(), ph, d("2026-02-01"), d("2026-12-10"), PROFILES)
        for a, s, e, ph in zip(amounts, starts, ends, phasings, strict=True)
    ]


def test_the_vectorised_path_is_exact_for_amounts_near_the_int64_limit():
    big = 10**17  # amount × days exceeds int64: computed with Python integers instead
    got = prorate_array(
        np.array([big]), np.array([d("2000-01-01")]), np.array([d("2099-12-31")]),
        np.array(["days"]), d("2026-01-01"), d("2026-01-01"), {},
    )  # fmt: skip
    assert got.tolist() == [prorate(big, d("2000-01-01"), d("2099-12-31"), "days",
                                    d("2026-01-01"), d("2026-01-01"), {})]  # fmt: skip


# --- properties -------------------------------------------------------------------------------

day = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))
phasing = st.sampled_from(["days", "months", "Season"])
amount = st.integers(min_value=0, max_value=10**13)


@st.composite
def periods(draw):
    a, b = sorted([draw(day), draw(day)])
    return a, b


@given(amount, periods(), phasing)
def test_monthly_splits_add_up_exactly(amount, period, phasing):
    parts = split_by_month(amount, *period, phasing, PROFILES)
    assert sum(x for _, x in parts) == amount
    assert all(x >= 0 for _, x in parts)


@given(amount, periods(), phasing, st.lists(day, min_size=1, max_size=5))
def test_prorating_adjacent_ranges_adds_up_to_the_whole_within_a_unit_per_range(
    amount, period, phasing, cuts
):
    start, end = period
    bounds = sorted({start, *[c for c in cuts if start < c <= end]})
    ranges = [(a, b - timedelta(days=1)) for a, b in pairwise(bounds)]
    ranges.append((bounds[-1], end))
    parts = [prorate(amount, start, end, phasing, a, b, PROFILES) for a, b in ranges]
    whole = prorate(amount, start, end, phasing, start, end, PROFILES)
    assert whole == amount
    assert abs(sum(parts) - whole) <= len(ranges)


@settings(max_examples=60)
@given(
    st.lists(st.tuples(amount, periods(), phasing), min_size=1, max_size=20),
    periods(),
)
def test_vectorised_proration_agrees_with_the_reference(lines, report):
    frm, to = report
    amounts = np.array([a for a, _, _ in lines], dtype=np.int64)
    starts = np.array([s for _, (s, _), _ in lines], dtype="datetime64[D]")
    ends = np.array([e for _, (_, e), _ in lines], dtype="datetime64[D]")
    phasings = np.array([ph for _, _, ph in lines], dtype=object)
    got = prorate_array(amounts, starts, ends, phasings, frm, to, PROFILES)
    expected = [prorate(a, s, e, ph, frm, to, PROFILES) for a, (s, e), ph in lines]
    assert got.tolist() == expected
