"""Values on their way to and from Excel through xlwings: what a cell is written as (Excel's
apostrophe for text it would parse), what a read hands back in whichever shape, and the
blocks :class:`~pixie_xl.sheets.xlwings_book.XlwingsBook` writes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pixie_xl.core.records import Formula
from pixie_xl.sheets.book import Column
from pixie_xl.sheets.cells import is_risky_text, plain
from pixie_xl.sheets.filebook import total_formula


def rgb(argb: str) -> tuple[int, int, int]:
    return int(argb[2:4], 16), int(argb[4:6], 16), int(argb[6:8], 16)


#: text that Excel would turn into a number, a date, a boolean or an error when written as a
#: value (Excel parses what it is given as if typed): it is written with the apostrophe
_EXCEL_PARSES = re.compile(
    r"^\s*[-+(]?\s*[$€£¥]?\s*\.?\d"  # numbers, dates, times, percentages, currency
    r"|^\s*(true|false)\s*$"
    r"|^\s*#"  # #N/A, #REF!, …
    r"|^'"  # Excel takes a leading apostrophe for the prefix, not for text
    r"|^\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[\s/-]*\d",
    re.IGNORECASE,
)


def to_excel(value: object) -> object:
    """A value as xlwings should write it: text that Excel would take for a formula, a
    number, a date or an error gets Excel's apostrophe prefix so that it stays text.

    >>> to_excel("=2+3"), to_excel("Road"), to_excel(Formula("=A1")), to_excel("00123")
    ("'=2+3", 'Road', '=A1', "'00123")
    """
    if isinstance(value, Formula):
        return str(value)
    value = plain(value)
    if isinstance(value, str) and (is_risky_text(value) or _EXCEL_PARSES.match(value)):
        return "'" + value
    return value


def cell_value(value: object, formula: object) -> object:
    """The cell's value, or its Formula. Excel's ``Range.Formula`` of a text cell such as
    ``'=HYPERLINK(…)`` (kept as text) is that text, equal to the value; a real formula's
    text differs from what it computes.

    >>> [type(cell_value(7.0, "=3+4")).__name__, cell_value("=cmd", "=cmd"), cell_value(None, "")]
    ['Formula', '=cmd', None]
    """
    if isinstance(formula, str) and formula.startswith("=") and formula != value:
        return Formula(formula)
    return value


def grid(value: object, n_rows: int, n_cols: int) -> list[list[object]]:
    """A range's contents as rows of cells, whatever shape the engine handed over: a scalar
    for one cell, a flat sequence for one row or column (xlwings' default ``.value``), or
    a tuple of tuples (pywin32's raw ``Range.Formula`` on Windows).

    >>> grid("=1", 1, 1), grid(((1, 2), (3, 4)), 2, 2), grid([5, 6], 2, 1)
    ([['=1']], [[1, 2], [3, 4]], [[5], [6]])
    """
    if not isinstance(value, list | tuple):
        return [[value]]
    if value and all(isinstance(r, list | tuple) for r in value):
        return [list(r) for r in value]
    flat = list(value)
    return [flat] if n_rows == 1 else [[v] for v in flat]


def total_row(table: str, columns: Sequence[Column]) -> list[object]:
    """The total row: a ``sum`` column's SUBTOTAL, a label, else blank (as a file refresh
    writes it)."""
    return [total_formula(table, c.header) if c.total == "sum" else c.total for c in columns]


def padded(row: list[object], width: int) -> list[object]:
    """A row as wide as the range it is written to (Excel takes only rectangles)."""
    return row + [None] * (width - len(row))


def cells_of(values: list[list[object]], formulas: list[list[object]]) -> list[list[object]]:
    return [
        [cell_value(v, f) for v, f in zip(vrow, frow, strict=True)]
        for vrow, frow in zip(values, formulas, strict=True)
    ]
