"""Allocation: the parts always add up exactly to the amount ("extra penny" cases)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pixie_xl.core.allocation import (
    allocate,
    allocate_by_days,
    allocate_by_percent,
    allocate_by_reference,
    allocate_even,
    largest_remainder,
    transfer,
)
from pixie_xl.core.errors import AmountError, InvalidInput
from pixie_xl.core.money import Money
from tests.builders import d, line, money


def shown(parts: list[Money]) -> list[str]:
    return [str(p) for p in parts]


@pytest.mark.parametrize(
    ("amount", "n", "expected"),
    [
        ("100.00", 3, ["33.34", "33.33", "33.33"]),
        ("0.01", 3, ["0.01", "0.00", "0.00"]),
        ("0.02", 3, ["0.01", "0.01", "0.00"]),
        ("-100.00", 3, ["-33.34", "-33.33", "-33.33"]),
        ("-0.01", 3, ["-0.01", "0.00", "0.00"]),
        ("0.00", 2, ["0.00", "0.00"]),
        ("10.00", 1, ["10.00"]),
    ],
)
def test_even_split_gives_the_extra_penny_to_the_first_parts(amount, n, expected):
    assert shown(allocate_even(money(amount), n)) == expected


def test_the_largest_remainder_gets_the_penny_not_the_first_part():
    # 1.00 by 1:2 is 0.333… and 0.666…: the second part has the larger remainder
    assert largest_remainder(100, [1, 2]) == [33, 67]


def test_weights_may_be_decimals_or_fractions():
    assert largest_remainder(1000, [Decimal("0.1"), Decimal("0.9")]) == [100, 900]
    assert largest_remainder(1000, [Fraction(1, 3), Fraction(2, 3)]) == [333, 667]


def test_zero_weights_get_nothing():
    assert largest_remainder(5, [0, 1, 0, 1]) == [0, 3, 0, 2]


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([0, 0], "all zero"),
        ([], "no parts"),
        ([1, -1], "negative"),
        ([1, 0.5], "not a number"),
        ([True, 1], "not a number"),
    ],
)
def test_unusable_weights_are_refused_with_a_clear_message(weights, message):
    with pytest.raises(InvalidInput, match=message):
        largest_remainder(100, weights)


def test_percentages_must_add_up_to_100():
    assert shown(allocate_by_percent(money("99.99"), ["33.3", "33.3", "33.4"])) == [
        "33.30",
        "33.30",
        "33.39",
    ]
    with pytest.raises(InvalidInput, match=r"add up to 99\.9, not 100"):
        allocate_by_percent(money("1.00"), ["33.3", "33.3", "33.3"])


def test_by_days_weighs_each_range_by_its_days_inclusive():
    ranges = [(d("2026-01-01"), d("2026-01-31")), (d("2026-02-01"), d("2026-02-28"))]
    assert shown(allocate_by_days(money("590.00"), ranges)) == ["310.00", "280.00"]
    with pytest.raises(InvalidInput, match="ends"):
        allocate_by_days(money("1.00"), [(d("2026-02-01"), d("2026-01-01"))])


def test_by_reference_follows_last_years_shape():
    last_year = [money("100.00"), money("300.00"), money("0.00")]
    assert shown(allocate_by_reference(money("1000.00"), last_year)) == ["250.00", "750.00", "0.00"]


def test_by_reference_of_all_zeros_is_an_even_split():
    assert shown(allocate_by_reference(money("1.00"), [money(0)] * 3)) == ["0.34", "0.33", "0.33"]


def test_by_reference_refuses_a_negative_reference():
    with pytest.raises(InvalidInput, match="negative"):
        allocate_by_reference(money("1.00"), [money("5"), money("-1")])


def test_parts_keep_the_currency():
    parts = allocate(Money.of("100", "JPY"), [1, 1, 1])
    assert [(p.minor, p.currency) for p in parts] == [(34, "JPY"), (33, "JPY"), (33, "JPY")]


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(any),
)
def test_parts_always_add_up_exactly(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for p, w in zip(parts, weights, strict=True):
        # each part is its exact share rounded up or down: never more than a unit away
        assert abs(Fraction(total * w, whole) - p) < 1
        if w == 0:
            assert p == 0


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=10).filter(any),
)
def test_a_negative_total_is_the_mirror_image(total, weights):
    assert largest_remainder(-total, weights) == [-p for p in largest_remainder(total, weights)]


# --- transfers --------------------------------------------------------------------------


def test_transfer_moves_cost_between_lines_and_keeps_the_total():
    lines = (line("ROAD", cost="1000.00"), line("MAINT", cost="200.00", income="50.00"))
    out = transfer(lines, "ROAD", "MAINT", money("300.00"), "cost")
    assert [(ln.activity, str(ln.cost), str(ln.income)) for ln in out] == [
        ("ROAD", "700.00", "0.00"),
        ("MAINT", "500.00", "50.00"),
    ]


def test_transfer_adds_the_target_line_when_missing_with_the_source_phasing():
    lines = (line("ROAD", income="100.00", phasing="months"),)
    out = transfer(lines, "ROAD", "SNOW", money("40.00"), "income")
    assert [(ln.activity, str(ln.income), ln.phasing) for ln in out] == [
        ("ROAD", "60.00", "months"),
        ("SNOW", "40.00", "months"),
    ]


def test_transfer_may_empty_a_line_but_not_take_it_below_zero():
    lines = (line("ROAD", cost="100.00"),)
    assert str(transfer(lines, "ROAD", "MAINT", money("100.00"), "cost")[0].cost) == "0.00"
    with pytest.raises(InvalidInput, match=r"only 100\.00"):
        transfer(lines, "ROAD", "MAINT", money("100.01"), "cost")


@pytest.mark.parametrize(
    ("src", "dst", "amount", "message"),
    [
        ("ROAD", "ROAD", "1.00", "itself"),
        ("NOPE", "ROAD", "1.00", "no NOPE line"),
        ("ROAD", "MAINT", "0.00", "more than zero"),
        ("ROAD", "MAINT", "-1.00", "more than zero"),
    ],
)
def test_bad_transfers_are_refused(src, dst, amount, message):
    with pytest.raises(InvalidInput, match=message):
        transfer((line("ROAD", cost="10.00"),), src, dst, money(amount), "cost")
    with pytest.raises(InvalidInput, match='unknown kind "profit"'):
        transfer((line("ROAD", cost="10.00"),), "ROAD", "MAINT", money("1.00"), "profit")


def test_transfer_refuses_another_currency():
    with pytest.raises(AmountError, match="USD"):
        transfer((line("ROAD", cost="10.00"),), "ROAD", "MAINT", Money.of("1", "USD"), "cost")
