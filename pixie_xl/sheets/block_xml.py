"""A block of rows written as ``<c>`` XML when it is put, column by column (issue 12.1).

A table's data rows come in as a block whose columns each have one style: rendering each
column with one loop of its own (a homogeneous column of numbers or text needs no type
test per cell) and keeping the row as a string is faster than a ``{col: (value, style)}``
dict per row rendered at save, and a fifth of the memory. The XML is what
:func:`~pixie_xl.sheets.xlsx_stream.row_xml` writes for the same cells, byte for byte; a
value of a kind it does not render here (a time, an object) gives ``None``, and the caller
keeps that row as cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from pixie_xl.core.money import Money
from pixie_xl.core.records import Formula
from pixie_xl.sheets.xlsx_stream import Styler, cell_xml, letters

_NUMBERS = (float, int, Decimal, Money)


class Unrendered(Exception):
    """A value this module does not render (the row is kept as cells)."""


def block_xml(
    r1: int, c1: int, rows: Sequence[Sequence[object]], styles: Sequence[int], styler: Styler
) -> tuple[list[str], list[tuple[int, ...]]] | None:
    """The ``<c>`` elements of each row of the block from ``(r1, c1)`` (column ``i`` styled
    ``styles[i]``), and each row's columns holding a ``date`` (they read back as dates);
    None where some value is of a kind not rendered here."""
    width = len(styles)
    if any(len(values) != width for values in rows):
        return None  # short or long rows: cells, as zip() takes them
    xml: list[str] = []
    dated: list[tuple[int, ...]] = []
    for at in range(0, len(rows), CHUNK):  # a chunk at a time: the columns' parts stay few
        part = rows[at : at + CHUNK]
        rows_at = range(r1 + at, r1 + at + len(part))
        try:
            columns = [
                _column(letters(c1 + i), styles[i], values, rows_at, styler)
                for i, values in enumerate(zip(*part, strict=True))
            ]
        except Unrendered:
            return None
        xml += ["".join(cells) for cells in zip(*(c[0] for c in columns), strict=True)]
        dated += _dated(columns, c1, len(part))
    return (xml or [""] * len(rows)), dated


#: rows rendered at a time
CHUNK = 8192


def _dated(columns, c1: int, n: int) -> list[tuple[int, ...]]:
    """Each row's columns holding a ``date`` (not a datetime), one tuple per distinct set."""
    masks = [(c1 + i, mask) for i, (_xml, mask) in enumerate(columns) if mask is not None]
    if all(mask is True for _c, mask in masks):
        return [tuple(c for c, _m in masks)] * n
    shared: dict[tuple[int, ...], tuple[int, ...]] = {}
    out = []
    for i in range(n):
        cols = tuple(c for c, mask in masks if mask is True or mask[i])
        out.append(shared.setdefault(cols, cols))
    return out


def _column(col: str, s: int, values, rows_at, styler):
    """(each row's XML of this column; which rows hold a ``date``: None for none, True for
    all, else a flag per row)."""
    kinds = set(map(type, values))
    sa = f' s="{s}"' if s else ""
    pre = f'<c r="{col}'
    if kinds == {float}:
        if all(math.isfinite(v) for v in values):
            tail = f'"{sa}><v>'
            return [
                f"{pre}{r}{tail}{v:.16g}</v></c>" for r, v in zip(rows_at, values, strict=True)
            ], None
    elif kinds == {Decimal}:
        if all(v.is_finite() for v in values):
            tail = f'"{sa}><v>'
            return [
                f"{pre}{r}{tail}{float(v):.16g}</v></c>"
                for r, v in zip(rows_at, values, strict=True)
            ], None
    elif kinds == {int}:
        tail = f'"{sa}><v>'
        return [f"{pre}{r}{tail}{v}</v></c>" for r, v in zip(rows_at, values, strict=True)], None
    elif kinds == {type(None)}:
        return ([f'{pre}{r}"{sa}/>' for r in rows_at] if s else [""] * len(values)), None
    elif kinds == {str} or kinds == {date}:  # few distinct values: each one's XML once
        try:  # each tail after '<c r="' (a blank unstyled cell: none)
            tails = {v: _cell("", v, s, styler)[6:] for v in set(values)}
        except ValueError:  # a control character: refused below, naming its cell
            tails = None
        if tails is not None:
            xml = [
                f"{pre}{r}{tail}" if (tail := tails[v]) else ""
                for r, v in zip(rows_at, values, strict=True)
            ]
            return xml, (True if date in kinds else None)
    out = [_cell(f"{col}{r}", v, s, styler) for r, v in zip(rows_at, values, strict=True)]
    return out, ([type(v) is date for v in values] if date in kinds else None)


#: the kinds :func:`_cell` hands to ``cell_xml``; a time, an interval or any other object
#: keeps its row as cells
_RENDERED = frozenset({*_NUMBERS, type(None), Formula, str, bool, date, datetime})


def _cell(ref: str, value: object, s: int, styler: Styler) -> str:
    if type(value) not in _RENDERED:
        raise Unrendered(ref)
    return cell_xml(ref, value, s, styler)
