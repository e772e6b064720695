"""An in-memory :class:`~pixie_xl.sheets.book.Book` for tests.

``FakeBook.new()`` lays out every sheet and table of :mod:`~pixie_xl.sheets.layout` (the
tables empty, the control panel filled like a freshly built workbook), so that a test can
fill the Budgets table and run an action:

>>> from pixie_xl.sheets import layout
>>> book = FakeBook.new()
>>> book.add_rows(layout.BUDGETS_TABLE, [["", None, "P-1", None, None, "ROAD", 0, 100.0]])
>>> t = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
>>> t.header[:3], t.rows[0][2], t.first_row
(('Budget ID', 'Version', 'Object'), 'P-1', 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pixie_xl.core.findings import Severity
from pixie_xl.core.money import Money
from pixie_xl.core.records import Formula
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Column, Table
from pixie_xl.sheets.cells import cell_name, is_blank, plain, split_cell


def _keep(value: object) -> object:
    """What the fake stores: like a cell, except that money stays an exact Decimal."""
    if isinstance(value, Money):
        return value.decimal
    if isinstance(value, Decimal):
        return value
    return plain(value)


@dataclass
class _FakeTable:
    sheet: str
    header: list[str]
    #: sheet row and column of the header's first cell
    row: int
    col: int
    n_rows: int
    totals: list[str | None]

    @property
    def has_totals(self) -> bool:
        return any(t is not None for t in self.totals)


class FakeBook:
    """Sheets as dicts of cells, tables as header + rows; records statuses and alerts.

    Unlike a real cell, money written to the fake stays an exact ``Decimal`` so that tests
    can compare it to the cent.
    """

    def __init__(self) -> None:
        #: sheet → {(row, column): value}
        self.cells: dict[str, dict[tuple[int, int], object]] = {}
        self.tables: dict[str, _FakeTable] = {}
        #: sheet → {cell: severity} of the cells marked by the last mark_cells
        self.marks: dict[str, dict[str, Severity]] = {}
        self.statuses: list[str] = []
        self.alerts: list[str] = []
        self.saves = 0
        #: print and look: sheet → {(row, column): number format}, page headers, headers styled
        self.formats: dict[str, dict[tuple[int, int], str]] = {}
        self.print_headers: dict[str, tuple[str, str, str]] = {}
        self.styled_headers: dict[str, tuple[str, int]] = {}
        self.print_areas: dict[str, str] = {}

    @classmethod
    def new(cls, server_url: str = "http://127.0.0.1:8750") -> FakeBook:
        """A book laid out like a freshly built workbook."""
        book = cls()
        for sheet in layout.SHEETS:
            book.cells[sheet] = {}
        for table, columns in layout.TABLE_COLUMNS.items():
            book.add_table(layout.TABLE_SHEETS[table], table, columns)
        for key, cell in layout.PIXIE_CELLS.items():
            col, row = split_cell(cell)
            book.cells[layout.PIXIE_SHEET][(row, col - 1)] = layout.PIXIE_LABELS[key]
        book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["server"], server_url)
        return book

    # --- set-up helpers for tests ----------------------------------------------------------

    def add_table(
        self, sheet: str, name: str, columns: Sequence[Column | str], origin: str = "A1"
    ) -> None:
        col, row = split_cell(origin)
        header = [c if isinstance(c, str) else c.header for c in columns]
        totals = [None if isinstance(c, str) else c.total for c in columns]
        self.cells.setdefault(sheet, {})
        self.tables[name] = _FakeTable(sheet, header, row, col, 0, totals)
        for i, h in enumerate(header):
            self.cells[sheet][(row, col + i)] = h
        self._write_totals(self.tables[name], name)

    def add_rows(self, table: str, rows: Sequence[Sequence[object]]) -> None:
        """Append rows (shorter rows are padded with blanks) to a table."""
        t = self.tables[table]
        old = self._rows(t)
        cols = [Column(h, "", tot) for h, tot in zip(t.header, t.totals, strict=True)]
        self.write_table(t.sheet, table, cols, [*old, *rows])

    # --- Book -----------------------------------------------------------------------------

    def sheet_names(self) -> list[str]:
        return list(self.cells)

    def read_table(self, sheet: str, table: str) -> Table:
        t = self._table(sheet, table)
        return Table.read(sheet, table, t.header, list(self._rows(t)), t.row + 1, t.col)

    def write_table(
        self,
        sheet: str,
        table: str,
        columns: Sequence[Column],
        rows: Sequence[Sequence[object]],
    ) -> None:
        t = self._table(sheet, table)
        cells = self.cells[sheet]
        width = max(len(t.header), len(columns))
        for r in range(t.row + 1, t.row + t.n_rows + 2):  # old data and total row
            for c in range(t.col, t.col + width):
                cells.pop((r, c), None)
        if columns:
            t.header = [c.header for c in columns]
            t.totals = [c.total for c in columns]
            for i, h in enumerate(t.header):
                cells[(t.row, t.col + i)] = h
        for r, values in enumerate(rows, start=t.row + 1):
            for i, v in enumerate(list(values)[: len(t.header)]):
                # a Formula stays a formula; any other text stays text and is never run
                cells[(r, t.col + i)] = _keep(v)
        t.n_rows = len(rows)
        self._write_totals(t, table)

    def grow_table(self, sheet: str, table: str) -> int:
        t = self._table(sheet, table)
        if t.has_totals:
            return 0
        cells = self.cells[sheet]
        added = 0
        while any(
            not is_blank(cells.get((t.row + t.n_rows + 1, t.col + i))) for i in range(len(t.header))
        ):
            t.n_rows += 1
            added += 1
        return added

    def stray_cells(self, sheet: str, table: str) -> list[str]:
        t = self._table(sheet, table)
        last = t.row + t.n_rows + int(t.has_totals)
        inside = range(t.col, t.col + len(t.header))
        return [
            cell_name(col, row)
            for (row, col), value in sorted(self._sheet(sheet).items())
            if not (t.row <= row <= last and col in inside) and not is_blank(value)
        ]

    def get_value(self, sheet: str, cell: str) -> object:
        col, row = split_cell(cell)
        return self._sheet(sheet).get((row, col))

    def set_value(self, sheet: str, cell: str, value: object) -> None:
        col, row = split_cell(cell)
        self._sheet(sheet)[(row, col)] = value if isinstance(value, Formula) else _keep(value)

    def write_range(self, sheet: str, cell: str, rows: Sequence[Sequence[object]]) -> None:
        col, row = split_cell(cell)
        for r, values in enumerate(rows, start=row):
            for c, v in enumerate(values, start=col):
                self.set_value(sheet, cell_name(c, r), v)

    def clear_range(self, sheet: str, cell: str, n_cols: int, n_rows: int) -> None:
        col, row = split_cell(cell)
        cells = self._sheet(sheet)
        for r in range(row, row + n_rows):
            for c in range(col, col + n_cols):
                cells.pop((r, c), None)

    def mark_cells(self, sheet: str, cells: Sequence[str], severity: Severity) -> None:
        self.marks[sheet] = dict.fromkeys(cells, severity)

    def status(self, text: str) -> None:
        self.statuses.append(text)
        self.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["status"], text)

    def alert(self, text: str) -> None:
        self.alerts.append(text)

    def save(self) -> None:
        self.saves += 1

    # --- print and look (additive: pixie_xl.sheets.look) ------------------------------------

    def format_range(
        self, sheet: str, cell: str, n_cols: int, n_rows: int, number_format: str
    ) -> None:
        col, row = split_cell(cell)
        fmts = self.formats.setdefault(sheet, {})
        for r in range(row, row + n_rows):
            for c in range(col, col + n_cols):
                fmts[(r, c)] = number_format

    def set_print_header(self, sheet: str, left: str, center: str, right: str) -> None:
        self._sheet(sheet)
        self.print_headers[sheet] = (left, center, right)

    def set_print_area(self, sheet: str, area: str) -> None:
        self._sheet(sheet)
        self.print_areas[sheet] = area

    def style_header(self, sheet: str, cell: str, n_cols: int) -> None:
        self._sheet(sheet)
        self.styled_headers[sheet] = (cell, n_cols)

    # --- inside ---------------------------------------------------------------------------

    def _sheet(self, sheet: str) -> dict[tuple[int, int], object]:
        if sheet not in self.cells:
            raise KeyError(f"the workbook has no sheet {sheet!r}")
        return self.cells[sheet]

    def _table(self, sheet: str, table: str) -> _FakeTable:
        t = self.tables.get(table)
        if t is None or t.sheet != sheet:
            raise KeyError(f"the sheet {sheet!r} has no table {table!r}")
        return t

    def _rows(self, t: _FakeTable) -> list[list[object]]:
        cells = self.cells[t.sheet]
        return [
            [cells.get((r, t.col + i)) for i in range(len(t.header))]
            for r in range(t.row + 1, t.row + 1 + t.n_rows)
        ]

    def _write_totals(self, t: _FakeTable, name: str) -> None:
        if not t.has_totals:
            return
        r = t.row + 1 + t.n_rows
        for i, (h, total) in enumerate(zip(t.header, t.totals, strict=True)):
            if total == "sum":
                self.cells[t.sheet][(r, t.col + i)] = Formula(f"=SUBTOTAL(109,{name}[{h}])")
            elif total is not None:
                self.cells[t.sheet][(r, t.col + i)] = total
