"""Every refusal of a cell says what to write instead (issue 8 item 8): amounts with
thousands separators or a currency sign, and dates (never repeating the ISO form the
user already wrote)."""

from __future__ import annotations

import pytest

from pixie_xl.core.cells import CellError, read_date
from pixie_xl.core.errors import AmountError
from pixie_xl.core.money import parse_text


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("1.234,50", ": write 1234.50"),
        ("1,234.50", ": write 1234.50"),
        ("1 234,50", ": write 1234.50"),
        ("12,5", ": write 12.5"),
        ("€1000", ": write the number without the currency sign (1000)"),
        ("1.234,50 EUR", ": write the number without the currency sign (1234.50)"),
        ("$1,000.00", ": write the number without the currency sign (1000.00)"),
        ("1.2.3", ": write digits with a dot for decimals and no thousands separators"),
        ("12,5O", ": write digits with a dot for decimals and no thousands separators"),
    ],
)
def test_an_amount_that_does_not_parse_says_what_to_write(text, hint):
    with pytest.raises(AmountError) as caught:
        parse_text(text, "EUR")
    assert caught.value.message.startswith(f'"{text}" is not a number{hint}')


def test_too_many_decimals_says_how_to_round_and_what_a_grouping_dot_means():
    with pytest.raises(AmountError) as caught:
        parse_text("1.234", "EUR")
    assert caught.value.message == (
        '"1.234" has more than 2 decimals, more than EUR allows: round it to 1.23, '
        "or 1234 if the dot groups thousands"
    )
    with pytest.raises(AmountError, match=r"allows: round it to 0\.12$"):
        parse_text("0.1234", "EUR")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "is not a day of the calendar: check the month (01-12) and the day"),
        ("2026-13-01", "is not a day of the calendar"),
        ("31/01/2026", "is not a date (write it as 2026-01-31)"),
        ("31.12.2026", "is not a date (write it as 2026-12-31)"),
        ("2026-1-5", "is not a date (write it as 2026-01-05)"),
        ("01/02/2026", "is not a date (write it as YYYY-MM-DD, e.g. 2026-01-31)"),
        ("next monday", "is not a date (write it as YYYY-MM-DD, e.g. 2026-01-31)"),
    ],
)
def test_a_date_that_does_not_parse_says_what_to_write(text, message):
    with pytest.raises(CellError) as caught:
        read_date(text, "Period start")
    assert f'Period start "{text}" {message}' in str(caught.value)
    if text[4:5] == "-" and len(text) == 10:  # the user wrote ISO already: no ISO lecture
        assert "write it as" not in str(caught.value)
