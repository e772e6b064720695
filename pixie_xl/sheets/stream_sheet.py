"""The cells of one output sheet that :class:`~pixie_xl.sheets.filebook.FileBook` keeps out
of openpyxl: what the file held (parsed only when read) under what was written since.

A write stores the row's values as given (``{col: (value, style)}``); a block of rows put
at once (a table's data) is kept as its rows' XML (:mod:`pixie_xl.sheets.block_xml`) and
parsed back only if a cell of it is read or changed; a read returns values as a cell holds
them (:func:`~pixie_xl.sheets.cells.plain`); the save streams every row as ``<sheetData>``
XML (:func:`~pixie_xl.sheets.xlsx_stream.row_xml`). Cleared ranges drop the file's rows
they cover without parsing them, and a read of one cell of the file parses its row only.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal

from pixie_xl.sheets.block_xml import block_xml
from pixie_xl.sheets.cells import make_ref, plain
from pixie_xl.sheets.xlsx_stream import (
    _ROW_HEAD,
    _ROW_NUMBER,
    Rows,
    Styler,
    drop_rows,
    parse_rows,
    row_xml,
)


class StreamSheet:
    """Cells by row: ``rows[r][c] = (value, style id)``, or a row's XML (a written block)."""

    def __init__(self, data: str, strings: Callable[[], list[str]], styler: Styler) -> None:
        self._data: str | None = data or None  # the file's rows, until parsed
        self._strings = strings
        self.styler = styler
        self._rows: Rows = {}  # written since open (all cells, once the file's are parsed)
        #: rows of written blocks: (their <c> XML, (first col, last col, cols holding dates))
        self._xml: dict[int, tuple[str, tuple]] = {}
        self._attrs: dict[int, str] = {}
        self._cleared: list[tuple[int, int, int, int]] = []  # (c1, r1, c2, r2), on the file's
        self._index: tuple[array, array] | None = None  # the file's row numbers and offsets
        self._last_row: tuple[int, dict | None] | None = None  # the file's row read last

    # --- the file's cells, parsed once -------------------------------------------------------

    def _parsed(self) -> Rows:
        """Every cell as ``{row: {col: (value, style)}}`` (written blocks' rows parsed)."""
        for r in list(self._xml):
            self._materialize(r)
        return self._file_parsed()

    def _file_parsed(self) -> Rows:
        if self._data is None:
            return self._rows
        rects = self._cleared

        def skip(r: int, first: int, last: int) -> bool:
            return any(r1 <= r <= r2 and c1 <= first and last <= c2 for c1, r1, c2, r2 in rects)

        origin, self._attrs = parse_rows(
            self._data, self._strings(), frozenset(self.styler.date_styles), skip if rects else None
        )
        self._data = self._index = self._last_row = None
        for c1, r1, c2, r2 in rects:
            _clear(origin, c1, r1, c2, r2)
        self._cleared = []
        for r in [r for r in self._xml if r in origin]:  # a block beside the file's cells
            self._materialize(r)
        for r, cells in self._rows.items():
            have = origin.get(r)
            if have is None:
                origin[r] = cells
            else:
                have.update(cells)
        self._rows = origin
        return origin

    def _file_row(self, r: int) -> dict | None:
        """Row ``r`` of the file (its cleared cells left out), parsed alone where its cells
        stand alone (no shared formula reaches across rows); None where it has none."""
        data = self._data
        if 't="shared"' in data:
            return self._file_parsed().get(r)
        if self._index is None:
            numbers, starts = array("q"), array("q")
            for m in _ROW_HEAD.finditer(data):
                n = _ROW_NUMBER.search(m.group(1))
                if n is None:
                    return self._file_parsed().get(r)
                numbers.append(int(n.group(1)))
                starts.append(m.start())
            if list(numbers) != sorted(numbers):
                return self._file_parsed().get(r)
            starts.append(len(data))
            self._index = (numbers, starts)
        if self._last_row is not None and self._last_row[0] == r:
            return self._last_row[1]
        numbers, starts = self._index
        i = bisect_left(numbers, r)
        if i == len(numbers) or numbers[i] != r:
            return None
        styles = frozenset(self.styler.date_styles)
        rows, _attrs = parse_rows(data[starts[i] : starts[i + 1]], self._strings(), styles)
        for c1, r1, c2, r2 in self._cleared:
            _clear(rows, c1, r1, c2, r2)
        self._last_row = (r, rows.get(r))
        return self._last_row[1]

    def _materialize(self, r: int) -> None:
        """A written block's row ``r`` as cells (to be read, changed or merged)."""
        xml, (_first, _last, dated) = self._xml.pop(r)
        styles = frozenset(self.styler.date_styles)
        cells = parse_rows(f'<row r="{r}">{xml}</row>', [], styles)[0].get(r, {})
        for c in dated:  # a date was written: it reads back as one (not a datetime)
            v, s = cells[c]
            if isinstance(v, datetime):
                cells[c] = (v.date(), s)
        have = self._rows.get(r)
        if have is not None:
            cells.update(have)
        self._rows[r] = cells

    # --- reading ------------------------------------------------------------------------------

    def get(self, r: int, c: int) -> object:
        cell = self._cell(r, c)
        return None if cell is None else plain(cell[0])

    def style(self, r: int, c: int) -> int:
        cell = self._cell(r, c)
        return 0 if cell is None else cell[1]

    def _cell(self, r: int, c: int):
        if r in self._xml:
            self._materialize(r)
        row = self._rows.get(r)
        if row is not None and c in row:
            return row[c]
        if self._data is None or self._covered(r, c):
            return None
        row = self._file_row(r)
        return None if row is None else row.get(c)

    def _covered(self, r: int, c: int) -> bool:
        return any(r1 <= r <= r2 and c1 <= c <= c2 for c1, r1, c2, r2 in self._cleared)

    def values(self, r: int, c1: int, c2: int) -> tuple[object, ...]:
        if r in self._xml:
            self._materialize(r)
        row = self._file_parsed().get(r)
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
        elif r in self._xml:
            self._materialize(r)
        self._rows.setdefault(r, {})[c] = (value, style)

    def put_rows(
        self, r: int, c1: int, rows: Sequence[Sequence[object]], styles: Sequence[int]
    ) -> None:
        """A block of rows from ``(r, c1)``, column i styled ``styles[i]`` (the block's cells
        were cleared first, so nothing of theirs is kept)."""
        if not styles or not rows:
            return
        got = block_xml(r, c1, rows, styles, self.styler)
        if got is None:
            return self._put_cells(r, c1, rows, styles)
        xml, rows_dated = got
        span = (c1, c1 + len(styles) - 1)
        metas: dict[tuple, tuple] = {}
        blocks, cells = self._xml, self._rows
        for at, values, row_xml_, dated in zip(
            range(r, r + len(rows)), rows, xml, rows_dated, strict=True
        ):
            if at in blocks or at in cells:  # a row with cells already: cells
                self._put_cells(at, c1, [values], styles)
                continue
            meta = metas.get(dated) or metas.setdefault(dated, (*span, dated))
            blocks[at] = (row_xml_, meta)

    def _put_cells(self, r: int, c1: int, rows, styles: Sequence[int]) -> None:
        cols = range(c1, c1 + len(styles))
        store = self._rows
        for values in rows:
            if r in self._xml:
                self._materialize(r)
            cells = dict(zip(cols, zip(map(_stored, values), styles, strict=False), strict=False))
            have = store.get(r)
            if have is None:
                store[r] = cells
            else:
                have.update(cells)
            r += 1

    def clear(self, c1: int, r1: int, c2: int, r2: int) -> None:
        """Blank a range (values and styles)."""
        xml = self._xml
        rows = (
            [r for r in xml if r1 <= r <= r2]
            if r2 - r1 > len(xml)
            else [r for r in range(r1, r2 + 1) if r in xml]
        )
        for r in rows:
            first, last, _dated = xml[r][1]
            if c1 <= first and last <= c2:
                del xml[r]
            else:
                self._materialize(r)
        _clear(self._rows, c1, r1, c2, r2)
        if self._data is not None:
            self._cleared.append((c1, r1, c2, r2))
            self._last_row = None
            if r2 - r1 >= _DROP_ROWS:  # a table's rewrite: its old rows go now
                self._data = drop_rows(self._data, c1, r1, c2, r2) or None
                self._index = None

    # --- saving -------------------------------------------------------------------------------

    def dimension(self) -> str:
        rows = self._file_parsed()
        filled = [(r, min(cells), max(cells)) for r, cells in rows.items() if cells]
        filled += [(r, first, last) for r, (_xml, (first, last, _d)) in self._xml.items()]
        if not filled:
            return "A1"
        return make_ref(
            min(f[1] for f in filled),
            min(f[0] for f in filled),
            max(f[2] for f in filled),
            max(f[0] for f in filled),
        )

    def xml_chunks(self, size: int = 2000) -> Iterator[str]:
        """The ``<row>`` elements, ``size`` rows a chunk."""
        rows = self._file_parsed()
        attrs = self._attrs
        styler = self.styler
        blocks = self._xml
        chunk: list[str] = []
        for r in sorted(rows.keys() | attrs.keys() | blocks.keys()):
            block = blocks.get(r)
            if block is not None:
                extra = attrs.get(r)
                chunk.append(f'<row r="{r}"{" " + extra if extra else ""}>{block[0]}</row>')
            else:
                cells = rows.get(r)
                if cells or r in attrs:
                    chunk.append(row_xml(r, cells or {}, styler, attrs.get(r, "")))
            if len(chunk) >= size:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)


#: a cleared range of at least this many rows drops the file's rows it covers at once
_DROP_ROWS = 100


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
