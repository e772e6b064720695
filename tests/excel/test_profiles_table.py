"""The Profiles table read back: a profile per good row, a finding at each bad cell."""

from __future__ import annotations

from decimal import Decimal

from pixie_xl.excel.profiles_table import read_profiles
from pixie_xl.sheets.fakebook import FakeBook

ONES = [1] * 12


def test_each_bad_row_is_named_at_its_cell_and_the_good_ones_are_read():
    book = FakeBook.new()
    book.add_rows(
        "Profiles",
        [
            ["Summer", 1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1],  # row 2
            [None, *ONES],  # no name
            ["Days", *ONES],  # a phasing's name
            ["Summer", *ONES],  # twice
            ["Odd", 1, "x", *ONES[2:]],  # February is no number
            ["Zero", *[0] * 12],  # nothing above 0
            [None] * 13,  # blank: skipped
            ["Flat", 1],  # blank months are 0
        ],
    )
    profiles, findings = read_profiles(book)
    assert list(profiles) == ["Summer", "Flat"]
    assert profiles["Summer"].weights[4] == Decimal(2)
    assert profiles["Flat"].weights == (Decimal(1), *[Decimal(0)] * 11)
    got = [(f.source.cell, f.code) for f in findings]
    assert got == [
        ("A3", "missing_value"),
        ("A4", "bad_name"),
        ("A5", "duplicate_profile"),
        ("C6", "not_a_number"),
        ("A7", "bad_weights"),
    ]
    assert 'Feb weight "x" is not a number' in findings[3].message
