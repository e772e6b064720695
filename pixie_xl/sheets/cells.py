"""A1 references and the few rules every book applies to a value it writes.

>>> col_letter(1), col_letter(27), col_index("AA")
('A', 'AA', 27)
>>> split_cell("G14")
(7, 14)
>>> parse_ref("A1:N5")
(1, 1, 14, 5)
>>> is_risky_text("=HYPERLINK(1)"), is_risky_text("-12"), is_risky_text("Road")
(True, True, False)
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from pixie_xl.core.money import Money

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
#: text starting with one of these would be run as a formula by Excel (CSV/formula injection)
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def col_letter(index: int) -> str:
    """1 → ``A``, 27 → ``AA``."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(letters: str) -> int:
    """``A`` → 1, ``AA`` → 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def split_cell(cell: str) -> tuple[int, int]:
    """``"G14"`` → (column 7, row 14)."""
    m = _CELL.match(cell.strip())
    if not m:
        raise ValueError(f"not a cell reference: {cell!r}")
    return col_index(m.group(1)), int(m.group(2))


def cell_name(col: int, row: int) -> str:
    return f"{col_letter(col)}{row}"


def parse_ref(ref: str) -> tuple[int, int, int, int]:
    """``"A1:N5"`` → (first column, first row, last column, last row)."""
    first, _, last = ref.partition(":")
    c1, r1 = split_cell(first)
    c2, r2 = split_cell(last or first)
    return c1, r1, c2, r2


def make_ref(c1: int, r1: int, c2: int, r2: int) -> str:
    return f"{cell_name(c1, r1)}:{cell_name(c2, r2)}"


def is_risky_text(value: object) -> bool:
    """Text that Excel would take for a formula if written as a plain value."""
    return isinstance(value, str) and value.startswith(RISKY_STARTS)


def plain(value: object) -> object:
    """A value as a cell holds it: money and decimals become numbers (at the very edge)."""
    if isinstance(value, Money):
        return float(value.decimal)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool | int | float | str | datetime | date) or value is None:
        return value
    return str(value)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
