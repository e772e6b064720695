"""The cells of one output sheet that :class:`~pixie_xl.sheets.filebook.FileBook` keeps out
of openpyxl: what the file held (parsed only when read) under what was written since.

A write stores the row's values as given (``{col: (value, style)}``); a read returns them as
a cell holds them (:func:`~pixie_xl.sheets.cells.plain`); the save streams every row as
``<sheetData>`` XML (:func:`~pixie_xl.sheets.xlsx_stream.row_xml`). Cleared ranges drop the
file's rows they cover without parsing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

from pixie_xl.sheets.cells import make_ref, plain
from pixie_xl.sheets.xlsx_stream import Rows, Styler, parse_rows, row_xml


class StreamSheet:
    """Cells by row: ``rows[r][c] = (value, style id)``."""

    def __init__(self, data: str, strings: Callable[[], list[str]], styler: Styler) -> None:
        self._data: str | None = data or None  # the file's rows, until parsed
        self._strings = strings
        self.styler = styler
        self._rows: Rows = {}  # written since open (all cells, once the file's are parsed)
        self._attrs: dict[int, str] = {}
        self._cleared: list[tuple[int, int, int, int]] = []  # (c1, r1, c2, r2), on the file's

    # --- the file's cells, parsed once -------------------------------------------------------

    def _parsed(self) -> Rows:
        if self._data is None:
            return self._rows
        rects = self._cleared

        def skip(r: int, first: int, last: int) -> bool:
            return any(r1 <= r <= r2 and c1 <= first and last <= c2 for c1, r1, c2, r2 in rects)

        origin, self._attrs = parse_rows(
            self._data, self._strings(), frozenset(self.styler.date_styles), skip if rects else None
        )
        self._data = None
        for c1, r1, c2, r2 in rects:
            _clear(origin, c1, r1, c2, r2)
        self._cleared = []
        for r, cells in self._rows.items():
            have = origin.get(r)
            if have is None:
                origin[r] = cells
            else:
                have.update(cells)
        self._rows = origin
        return origin

    # --- reading ------------------------------------------------------------------------------

    def get(self, r: int, c: int) -> object:
        cell = self._cell(r, c)
        return None if cell is None else plain(cell[0])

    def style(self, r: int, c: int) -> int:
        cell = self._cell(r, c)
        return 0 if cell is None else cell[1]

    def _cell(self, r: int, c: int):
        row = self._rows.get(r)
        if row is not None and c in row:
            return row[c]
        if self._data is None or self._covered(r, c):
            return None
        row = self._parsed().get(r)
        return None if row is None else row.get(c)

    def _covered(self, r: int, c: int) -> bool:
        return any(r1 <= r <= r2 and c1 <= c <= c2 for c1, r1, c2, r2 in self._cleared)

    def values(self, r: int, c1: int, c2: int) -> tuple[object, ...]:
        row = self._parsed().get(r)
        if row is None:
            return (None,) * (c2 - c1 + 1)
        return tuple(None if (x := row.get(c)) is None else plain(x[0]) for c in range(c1, c2 + 1))

    def cells(self) -> Iterator[tuple[int, int, object]]:
        """Every cell holding a value, row by row, left to right."""
        rows = self._parsed()
        for r in sorted(rows):
            row = rows[r]
            for c in sorted(row):
                if row[c][0] is not None:
                    yield r, c, plain(row[c][0])

    # --- writing ------------------------------------------------------------------------------

    def put(self, r: int, c: int, value: object, style: int | None = None) -> None:
        """One cell; ``style`` None keeps the cell's own."""
        if style is None:
            style = self.style(r, c)
        self._rows.setdefault(r, {})[c] = (value, style)

    def put_rows(
        self, r: int, c1: int, rows: Sequence[Sequence[object]], styles: Sequence[int]
    ) -> None:
        """A block of rows from ``(r, c1)``, column i styled ``styles[i]`` (the block's cells
        were cleared first, so nothing of theirs is kept)."""
        cols = range(c1, c1 + len(styles))
        store = self._rows
        for values in rows:
            cells = dict(zip(cols, zip(map(_stored, values), styles, strict=False), strict=False))
            have = store.get(r)
            if have is None:
                store[r] = cells
            else:
                have.update(cells)
            r += 1

    def clear(self, c1: int, r1: int, c2: int, r2: int) -> None:
        """Blank a range (values and styles)."""
        _clear(self._rows, c1, r1, c2, r2)
        if self._data is not None:
            self._cleared.append((c1, r1, c2, r2))

    # --- saving -------------------------------------------------------------------------------

    def dimension(self) -> str:
        rows = self._parsed()
        filled = [r for r, cells in rows.items() if cells]
        if not filled:
            return "A1"
        cols = [c for r in filled for c in (min(rows[r]), max(rows[r]))]
        return make_ref(min(cols), min(filled), max(cols), max(filled))

    def xml_chunks(self, size: int = 2000) -> Iterator[str]:
        """The ``<row>`` elements, ``size`` rows a chunk."""
        rows = self._parsed()
        attrs = self._attrs
        styler = self.styler
        chunk: list[str] = []
        for r in sorted(rows.keys() | attrs.keys()):
            cells = rows.get(r)
            if cells or r in attrs:
                chunk.append(row_xml(r, cells or {}, styler, attrs.get(r, "")))
            if len(chunk) >= size:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)


def _stored(value: object) -> object:
    """A written value as kept: a Decimal as the float the cell holds (a fifth of the memory,
    and what :func:`~pixie_xl.sheets.cells.plain` reads it back as anyway)."""
    return float(value) if type(value) is Decimal else value


def _clear(rows: Rows, c1: int, r1: int, c2: int, r2: int) -> None:
    if r2 - r1 > len(rows):
        targets = [r for r in rows if r1 <= r <= r2]
    else:
        targets = [r for r in range(r1, r2 + 1) if r in rows]
    for r in targets:
        row = rows[r]
        if c1 <= min(row, default=c1) and max(row, default=c2) <= c2:
            del rows[r]
        else:
            for c in [c for c in row if c1 <= c <= c2]:
                del row[c]
