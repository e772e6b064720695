"""The live-Excel implementation of :class:`~pixie_xl.sheets.book.Book`, on xlwings CE.

Thin on purpose: every decision is in the actions and writers, which the file and fake books
run in tests; this class only moves values to and from an ``xw.Book``. It uses the xlwings
Community Edition API only (``sheet.tables``, ``Range.raw_value/formula/number_format/color/
clear_contents/address``, ``Table.range/show_totals/resize``, ``Chart.set_source_data``,
``App.alert/status_bar/screen_updating/calculation``) and xlwings' own value conversions,
in block calls: a refresh makes the same small number of calls into Excel for 100 or
10,000 budget lines (see :mod:`pixie_xl.sheets.xlwings_blocks`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from pixie_xl.core.findings import Severity
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Column, Table
from pixie_xl.sheets.cells import (
    split_cell,
)
from pixie_xl.sheets.filebook import MARK_FILLS
from pixie_xl.sheets.xlwings_blocks import (
    Conversions,
    Formats,
    address,
    areas,
    bounds,
    format_areas,
)
from pixie_xl.sheets.xlwings_edges import TableEdges, _fresh
from pixie_xl.sheets.xlwings_look import PrintLook
from pixie_xl.sheets.xlwings_values import (
    cells_of,
    grid,
    padded,
    rgb,
    to_excel,
    total_row,
)


class XlwingsBook(PrintLook, TableEdges):
    """An open workbook in Excel (``xw.Book``), written and read in block calls (see
    :mod:`pixie_xl.sheets.xlwings_blocks`): each output table is one values write, one
    resize, a number-format write per run of columns and one total-row write, whatever
    the number of rows. The sheets and tables found are kept for the book's life, as are
    the application and its engine; inside :meth:`quiet` (one button press, during which
    only this book changes the workbook) also each table's place, each table read and
    each sheet's used range, until the book writes to that sheet."""

    def __init__(self, book) -> None:
        self.book = book
        self._sheets: dict[str, object] = {}
        self._tables: dict[tuple[str, str], object] = {}
        #: (first row, first column, rows with header and total row, columns, total row)
        self._geo: dict[tuple[str, str], tuple[int, int, int, int, bool]] = {}
        self._used: dict[str, tuple[int, int, list[list[object]]]] = {}
        self._read_tables: dict[tuple[str, str], Table] = {}
        self._names: list[str] | None = None
        self._fills_clear: set[str] = set()
        self._charts: list | None = None
        self._quiet = 0
        self._charts_due = False
        self._formats = Formats()
        self._setups: dict[str, object] = {}
        self._app = None
        self._conv: Conversions | None = None

    @property
    def app(self):
        """The xlwings ``App`` of the book (found once)."""
        if self._app is None:
            self._app = self.book.app
        return self._app

    @property
    def conv(self) -> Conversions:
        if self._conv is None:
            self._conv = Conversions(self.app.engine.name)
        return self._conv

    def sheet_names(self) -> list[str]:
        """The sheets' names, in order (one walk over the sheets, which also finds each
        sheet for later; inside :meth:`quiet` walked once)."""
        if self._names is None or not self._quiet:
            self._names = []
            for ws in self.book.sheets:
                name = ws.name
                self._names.append(name)
                self._sheets.setdefault(name, ws)
        return list(self._names)

    @_fresh
    def read_table(self, sheet: str, table: str) -> Table:
        """The table, read once until the book writes to its sheet."""
        key = (sheet, table)
        if key not in self._read_tables:
            self._read_tables[key] = self._read_table(sheet, table)
        return self._read_tables[key]

    def _read_table(self, sheet: str, table: str) -> Table:
        if (sheet, table) in self._geo:
            row, col, n_all, width, has_totals = self._geo[(sheet, table)]
            whole = self._sheet(sheet).range(address(row, col, row + n_all - 1, col + width - 1))
        else:  # the table's range read as it gives the table's place
            tbl = self._table(sheet, table)
            whole = tbl.range
            row, col, n_all, width = bounds(whole.address)
            has_totals = bool(tbl.show_totals)
            self._geo[(sheet, table)] = (row, col, n_all, width, has_totals)
        values, formulas = self._grids(whole, n_all, width)
        header = tuple("" if h is None else str(h) for h in values[0])
        cells = cells_of(values[1 : n_all - has_totals], formulas[1 : n_all - has_totals])
        return Table.read(sheet, table, header, list(cells), row + 1, col)

    @_fresh
    def write_table(
        self,
        sheet: str,
        table: str,
        columns: Sequence[Column],
        rows: Sequence[Sequence[object]],
    ) -> None:
        ws = self._sheet(sheet)
        row, col, n_all, old_width, has_totals = self._geometry(sheet, table)
        width = len(columns) if columns else old_width
        n = max(len(rows), 1)
        if (n, width) != (n_all - 1 - has_totals, old_width):
            # as xlwings' own Table.update: the new range is the header and the data rows;
            # Excel moves the total row along (written below with the rows)
            rng = ws.range(address(row, col, row + n, col + width - 1))
            self._table(sheet, table).resize(rng)
            self._geo[(sheet, table)] = (row, col, 1 + n + has_totals, width, has_totals)
            self._changed(sheet, grown=True)
        # one block: header, rows, total row, and blanks over what the old table covered
        wide = max(width, old_width)
        block = [padded([c.header for c in columns], wide)] if columns else []
        block += [padded([to_excel(v) for v in list(r)[:width]], wide) for r in rows]
        block += [] if rows else [[None] * wide]
        block += [padded(total_row(table, columns), wide)] if has_totals else []
        top = row if columns else row + 1
        blank = row + n_all - 1 - (top + len(block) - 1)
        block += [[None] * wide for _ in range(blank)]
        self._write(sheet, address(top, col, top + len(block) - 1, col + wide - 1), block)
        for ref, fmt in format_areas(columns, row + 1, row + n + has_totals, col):
            self._number_format(sheet, ref, fmt)

    @_fresh
    def get_value(self, sheet: str, cell: str) -> object:
        return self._read(self._sheet(sheet).range(cell), 1, 1)[0][0]

    @_fresh
    def table_rows(self, sheet: str, table: str) -> int:
        """The number of data rows the table spans (one when empty), from its place alone
        (the values are not read; the place is kept for the write that follows)."""
        _row, _col, n_all, _width, has_totals = self._geometry(sheet, table)
        return n_all - 1 - has_totals

    @_fresh
    def read_range(
        self, sheet: str, cell: str, n_cols: int, n_rows: int, formulas: bool = True
    ) -> list[list[object]]:
        """The cells of ``n_rows`` x ``n_cols`` from ``cell``, values or Formulas, in one
        read (as :meth:`get_value` reads one); ``formulas`` False: the values alone."""
        col, row = split_cell(cell)
        rng = self._sheet(sheet).range(address(row, col, row + n_rows - 1, col + n_cols - 1))
        if not formulas:
            raw = rng.options(err_to_str=True).raw_value
            return grid(self.conv.from_raw(raw), n_rows, n_cols)
        return self._read(rng, n_rows, n_cols)

    @_fresh
    def set_value(self, sheet: str, cell: str, value: object) -> None:
        self._write(sheet, cell, [[to_excel(value)]])

    @_fresh
    def write_range(self, sheet: str, cell: str, rows: Sequence[Sequence[object]]) -> None:
        if rows:
            width = max(len(r) for r in rows)
            data = [padded([to_excel(v) for v in r], width) for r in rows]
            col, row = split_cell(cell)
            ref = address(row, col, row + len(data) - 1, col + width - 1)
            self._write(sheet, ref, data)

    @_fresh
    def clear_range(self, sheet: str, cell: str, n_cols: int, n_rows: int) -> None:
        col, row = split_cell(cell)
        ref = address(row, col, row + n_rows - 1, col + n_cols - 1)
        self._sheet(sheet).range(ref).clear_contents()
        self._changed(sheet)

    @_fresh
    def mark_cells(self, sheet: str, cells: Sequence[str], severity: Severity) -> None:
        """Clear the fills of the sheet's input table, then fill the cells with findings,
        a few hundred cells per multi-area range; fills this book already cleared, with
        nothing marked since, are not cleared again."""
        ws = self._sheet(sheet)
        if sheet not in self._fills_clear:
            if sheet == layout.BUDGETS_SHEET:  # the input table, whose place is known
                row, col, n_all, width, totals = self._geometry(sheet, layout.BUDGETS_TABLE)
                if n_all > 1 + totals:
                    ws.range(
                        address(row + 1, col, row + n_all - 1 - totals, col + width - 1)
                    ).color = None
            else:
                for tbl in ws.tables:
                    body = tbl.data_body_range
                    if body is not None:
                        body.color = None
            self._fills_clear.add(sheet)
        colour = rgb(MARK_FILLS[severity])
        for ref in areas(cells):
            ws.range(ref).color = colour
            self._fills_clear.discard(sheet)

    def status(self, text: str) -> None:
        self.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["status"], text)
        # not every Excel lets a workbook set the status bar
        with contextlib.suppress(Exception):
            self.app.status_bar = text

    def alert(self, text: str) -> None:
        self.app.alert(text, title="Pixie XL")

    def save(self) -> None:
        self.book.save()

    def reset_status(self) -> None:
        """Give the status bar back to Excel (``Application.StatusBar = False``)."""
        with contextlib.suppress(Exception):
            self.app.status_bar = False

    @contextlib.contextmanager
    def quiet(self):
        """Screen updating and automatic calculation off while an action writes (Excel
        would repaint and recalculate after every block), each put back as it was
        afterwards, and the status bar given back to Excel, whatever happened. The charts
        are pointed at their data once, at the end."""
        app, saved = self.app, []
        for name, off in (("screen_updating", False), ("calculation", "manual")):
            with contextlib.suppress(Exception):  # Excel may refuse (e.g. a cell in edit)
                was = getattr(app, name)
                setattr(app, name, off)
                saved.append((name, was))
        self._quiet += 1
        try:
            yield self
            if self._quiet == 1:
                self._formats.flush(self._send_format)
                if self._charts_due:
                    self._rebuild_charts()
        finally:
            if self._quiet == 1:  # after a failure too: what was written keeps its formats
                self._formats.flush(self._send_format)
            self._quiet -= 1
            if not self._quiet:
                self._forget()
            for name, was in reversed(saved):
                with contextlib.suppress(Exception):
                    setattr(app, name, was)
            self.reset_status()

    @_fresh
    def rebuild_charts(self) -> None:
        """Point the Variance charts at their helper ranges, sized to the data (inside
        :meth:`quiet`: once, at its end)."""
        if self._quiet:
            self._charts_due = True
        else:
            self._rebuild_charts()

    # --- the calls --------------------------------------------------------------------------

    def _sheet(self, name: str):
        """The ``xw.Sheet`` by name: all found in one walk over the sheets (a name of each
        sheet, cheaper than an ``Item`` call for each sheet used), once per book."""
        ws = self._sheets.get(name)
        if ws is None:
            if self._names is None:
                self.sheet_names()
            ws = self._sheets.get(name)
        if ws is None:
            ws = self._sheets[name] = self.book.sheets[name]  # KeyError as xlwings says
        return ws

    def _table(self, sheet: str, table: str):
        """The table by name: one ``ListObjects.Item`` call per book, not a walk over the
        tables."""
        key = (sheet, table)
        tbl = self._tables.get(key)
        if tbl is None:
            try:
                tbl = self._tables[key] = self._sheet(sheet).tables[table]
            except KeyError:
                raise KeyError(f"the sheet {sheet!r} has no table {table!r}") from None
        return tbl

    def _geometry(self, sheet: str, table: str) -> tuple[int, int, int, int, bool]:
        """Where the table is: one ``Range.Address`` and one ``ShowTotals`` per book."""
        key = (sheet, table)
        if key not in self._geo:
            tbl = self._table(sheet, table)
            self._geo[key] = (*bounds(tbl.range.address), bool(tbl.show_totals))
        return self._geo[key]

    def _used_range(self, sheet: str) -> tuple[int, int, list[list[object]]]:
        """(first row, first column, values) of the sheet's used range, read once until the
        book writes to the sheet."""
        if sheet not in self._used:
            used = self._sheet(sheet).used_range
            top, left, h, w = bounds(used.address)
            self._used[sheet] = (top, left, grid(self.conv.from_raw(used.raw_value), h, w))
        return self._used[sheet]

    def _forget(self) -> None:
        """Drop what was read of the workbook (the sheets and tables found stay)."""
        self._geo.clear()
        self._used.clear()
        self._read_tables.clear()
        self._fills_clear.clear()

    def _changed(self, sheet: str, grown: bool = False) -> None:
        """The book wrote to ``sheet`` (``grown``: a table there was resized)."""
        self._used.pop(sheet, None)
        for key in [k for k in self._read_tables if k[0] == sheet]:
            del self._read_tables[key]
        if grown:
            self._fills_clear.discard(sheet)

    def _write(self, sheet: str, ref: str, rows: list[list[object]]) -> None:
        """Values (already through :func:`to_excel`) into the range ``ref`` in one call."""
        self._sheet(sheet).range(ref).raw_value = self.conv.to_raw(rows)
        self._changed(sheet)

    def _grids(self, rng, n_rows: int, n_cols: int) -> tuple[list[list], list[list]]:
        """The values and the formulas of ``rng``: one read of each, however many rows."""
        values = grid(self.conv.from_raw(rng.options(err_to_str=True).raw_value), n_rows, n_cols)
        return values, grid(rng.formula, n_rows, n_cols)

    def _read(self, rng, n_rows: int, n_cols: int) -> list[list[object]]:
        """Every cell of ``rng`` as a value or a Formula."""
        return cells_of(*self._grids(rng, n_rows, n_cols))
