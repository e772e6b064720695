"""How ``XlwingsBook`` talks to Excel in a few block calls (issue 12, item 6).

Every member of Excel's object model that xlwings reads, writes or calls is one
cross-process COM call on Windows (an Apple event on a Mac). xlwings' ``Range.value`` setter
makes about a hundred of them per write (it looks up the sheet, the book and the app to
choose its conversions and checks the range's shape), so the book writes with
``Range.raw_value`` (one ``Range.Value`` call) and converts the values itself with xlwings'
own conversion stages, which need no range (as for the arguments of a UDF). Ranges are
named by A1 address strings (one ``Worksheet.Range`` call), a table's place comes from one
``ListObject.Range.Address``, number formats are set per run of adjacent columns, and the
marks of many cells go out as a few multi-area ranges.

>>> bounds("$B$3:$D$9"), bounds("$A$1"), address(3, 2, 9, 4)
((3, 2, 7, 3), (1, 1, 1, 1), 'B3:D9')
>>> from pixie_xl.sheets.book import Column
>>> format_runs([Column("a", "0.00"), Column("b", "0.00"), Column("c"), Column("d", "0%")])
[(0, 1, '0.00'), (3, 3, '0%')]
>>> areas(["H2", "H3", "H4", "C9", "H7"])
['C9,H2:H4,H7']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pixie_xl.sheets.book import Column
from pixie_xl.sheets.cells import cell_name, parse_ref, split_cell

#: Excel refuses an address string longer than this in ``Worksheet.Range`` (a multi-area
#: reference is one string)
MAX_ADDRESS = 255


def bounds(ref: str) -> tuple[int, int, int, int]:
    """An address as Excel gives it (``$A$1:$R$6``) → (first row, first column, rows,
    columns)."""
    c1, r1, c2, r2 = parse_ref(ref.replace("$", ""))
    return r1, c1, r2 - r1 + 1, c2 - c1 + 1


def address(r1: int, c1: int, r2: int, c2: int) -> str:
    """The A1 address of the rectangle from (r1, c1) to (r2, c2)."""
    first, last = cell_name(c1, r1), cell_name(c2, r2)
    return first if first == last else f"{first}:{last}"


def format_runs(columns: Sequence[Column]) -> list[tuple[int, int, str]]:
    """``(first, last, number_format)`` of each run of adjacent columns (0-based indexes)
    sharing one number format; columns without a format keep theirs."""
    runs: list[tuple[int, int, str]] = []
    for i, c in enumerate(columns):
        if not c.number_format:
            continue
        if runs and runs[-1][1] == i - 1 and runs[-1][2] == c.number_format:
            runs[-1] = (runs[-1][0], i, c.number_format)
        else:
            runs.append((i, i, c.number_format))
    return runs


def format_areas(columns: Sequence[Column], r1: int, r2: int, col: int) -> list[tuple[str, str]]:
    """``(multi-area address, number format)`` for rows ``r1..r2`` of a table whose first
    column is ``col``: one address per format (more when one would pass
    :data:`MAX_ADDRESS`), each run of adjacent columns one area.

    >>> format_areas([Column("a", "0"), Column("b", "0"), Column("c", "0%"), Column("d", "0")],
    ...              2, 9, 1)
    [('A2:B9,D2:D9', '0'), ('C2:C9', '0%')]
    """
    by_format: dict[str, list[str]] = {}
    for first, last, fmt in format_runs(columns):
        by_format.setdefault(fmt, []).append(address(r1, col + first, r2, col + last))
    return [(ref, fmt) for fmt, parts in by_format.items() for ref in _joined(parts)]


def _joined(parts: list[str], limit: int = MAX_ADDRESS) -> list[str]:
    out: list[str] = []
    for part in parts:
        if out and len(out[-1]) + 1 + len(part) <= limit:
            out[-1] += "," + part
        else:
            out.append(part)
    return out


def areas(cells: Iterable[str], limit: int = MAX_ADDRESS) -> list[str]:
    """The cells as multi-area addresses of at most ``limit`` characters each, cells
    directly under each other in one column joined into one area (``H2:H40``)."""
    by_col: dict[int, list[int]] = {}
    for ref in cells:
        col, row = split_cell(ref)
        by_col.setdefault(col, []).append(row)
    parts = []
    for col in sorted(by_col):
        rows = sorted(set(by_col[col]))
        start = prev = rows[0]
        for r in [*rows[1:], None]:
            if r is not None and r == prev + 1:
                prev = r
                continue
            parts.append(address(start, col, prev, col))
            if r is not None:
                start = prev = r
    return _joined(parts, limit)


class Formats:
    """Number formats held back while a button runs, written at its end as one multi-area
    write per sheet and format (issue 12 item 6): the table's formats and those of the
    totals under it go out together. An area that overlaps one held for another format
    first sends the sheet's held formats, so the last format given to a cell is the one
    it keeps.

    >>> sent = []
    >>> f = Formats()
    >>> f.add("S", "B2:B9,D2:D9", "0.00", sent.append)
    >>> f.add("S", "B11:D13", "0.00", sent.append)
    >>> f.add("S", "C2:C9", "0%", sent.append)
    >>> sent
    []
    >>> f.add("S", "C5", "0.0", sent.append)
    >>> f.flush(sent.append)
    >>> sent  # doctest: +NORMALIZE_WHITESPACE
    [('S', 'B2:B9,D2:D9,B11:D13', '0.00'), ('S', 'C2:C9', '0%'), ('S', 'C5', '0.0')]
    """

    def __init__(self) -> None:
        self._held: dict[str, list[tuple[str, str, tuple[int, int, int, int]]]] = {}

    def add(self, sheet: str, ref: str, number_format: str, write) -> None:
        """Hold ``number_format`` for the areas of ``ref``; ``write((sheet, ref, format))``
        is called for held formats that must go first."""
        held = self._held.setdefault(sheet, [])
        parts = [(part, number_format, bounds(part)) for part in ref.split(",")]
        others = [hb for _p, hf, hb in held if hf != number_format]
        if any(_overlap(b, hb) for _p, _f, b in parts for hb in others):
            self.flush(write, sheet)
            held = self._held.setdefault(sheet, [])
        held += parts

    def flush(self, write, only: str | None = None) -> None:
        """Write what is held (of the sheet ``only``, or of every sheet)."""
        for sheet in [only] if only is not None else list(self._held):
            by_format: dict[str, list[str]] = {}
            for part, fmt, _b in self._held.pop(sheet, []):
                by_format.setdefault(fmt, []).append(part)
            for fmt, refs in by_format.items():
                for ref in _joined(refs):
                    write((sheet, ref, fmt))


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    (r1, c1, h1, w1), (r2, c2, h2, w2) = a, b
    return r1 < r2 + h2 and r2 < r1 + h1 and c1 < c2 + w2 and c2 < c1 + w1


class Conversions:
    """Values to and from what the engine's ``Range.raw_value`` takes and gives, by
    xlwings' own stages for the engine (``CleanDataForWriteStage``, and the reader of
    ``xlwings.conversion.read`` without a range), so dates, empty cells and Excel's error
    values are handled as xlwings' ``Range.value`` handles them."""

    def __init__(self, engine_name: str) -> None:
        self.engine_name = engine_name

    def to_raw(self, rows: list[list[object]]) -> list[list[object]]:
        from xlwings.conversion import CleanDataForWriteStage, ConversionContext

        ctx = ConversionContext(value=rows, engine_name=self.engine_name)
        CleanDataForWriteStage({})(ctx)
        return ctx.value

    def from_raw(self, raw: object) -> list[list[object]]:
        """Always rows of cells; an error value as its text (``#REF!``)."""
        from xlwings import conversion

        return conversion.read(
            None, raw, {"ndim": 2, "err_to_str": True}, engine_name=self.engine_name
        )
