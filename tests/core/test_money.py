"""Money converts once at the edge, exactly, and refuses what it cannot hold exactly."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pixie_xl.core.errors import AmountError
from pixie_xl.core.money import Money, exponent, from_excel, parse_text, total


@pytest.mark.parametrize(
    ("cell", "currency", "expected"),
    [
        (12.5, "EUR", "12.50"),
        (1234.56, "EUR", "1234.56"),
        (0.1 + 0.2, "EUR", "0.30"),  # Excel shows 15 digits: 0.3
        (-0.0, "EUR", "0.00"),
        (100, "EUR", "100.00"),
        (1500, "JPY", "1500"),
        (1.234, "KWD", "1.234"),
        ("1234.50", "EUR", "1234.50"),
        (" 7 ", "EUR", "7.00"),
        (Decimal("99.9"), "EUR", "99.90"),
        (123456789012345.0, "EUR", "123456789012345.00"),
    ],
)
def test_cells_that_convert_exactly(cell, currency, expected):
    assert str(from_excel(cell, currency)) == expected


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("12,5O", "not_a_number"),
        ("1,234.50", "not_a_number"),
        ("€12", "not_a_number"),
        ("", "not_a_number"),
        (True, "not_a_number"),
        (None, "not_a_number"),
        ("#REF!", "excel_error"),
        ("#N/A", "excel_error"),
        (math.nan, "non_finite"),
        (math.inf, "non_finite"),
        (-math.inf, "non_finite"),
        (1e308, "too_many_digits"),
        (1234567890123456.0, "too_many_digits"),
        ("1234567890123456.7", "too_many_digits"),
        (1.005, "too_many_decimals"),
        ("0.001", "too_many_decimals"),
    ],
)
def test_cells_that_are_refused_with_a_code(cell, code):
    with pytest.raises(AmountError) as caught:
        from_excel(cell, "EUR")
    assert caught.value.code == code
    assert str(cell).strip() in caught.value.message or cell in (None, True, "")


def test_yen_has_no_decimals():
    with pytest.raises(AmountError, match="more than 0 decimals, more than JPY allows"):
        from_excel(10.5, "JPY")


def test_text_and_str_round_trip():
    assert str(parse_text("-0.05")) == "-0.05"
    assert parse_text("+3").minor == 300
    assert Money.of("1234.5").decimal == Decimal("1234.50")


def test_arithmetic_refuses_mixed_currencies():
    with pytest.raises(AmountError) as caught:
        Money(1, "EUR") + Money(1, "USD")
    assert caught.value.code == "currency_mismatch"


def test_unknown_currency_code_is_refused():
    with pytest.raises(AmountError):
        exponent("euro")


def test_floats_are_never_taken_by_money_of():
    with pytest.raises(TypeError):
        Money.of(1.5)  # type: ignore[arg-type]


def test_total_of_nothing_is_zero():
    assert total([], "EUR") == Money.zero("EUR")
    assert total([Money(1), Money(2)]) == Money(3)


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_every_cent_amount_survives_an_excel_float(minor):
    """Any amount of up to 15 digits typed into Excel comes back to the cent."""
    as_cell = float(Decimal(minor) / 100)
    assert from_excel(as_cell, "EUR").minor == minor


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_money_shown_as_text_parses_back_to_the_same_minor_units(minor):
    assert parse_text(str(Money(minor))).minor == minor
