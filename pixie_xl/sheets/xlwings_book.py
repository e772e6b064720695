"""The live-Excel implementation of :class:`~pixie_xl.sheets.book.Book`, on xlwings CE.

Thin on purpose: every decision is in the actions and writers, which the file and fake books
run in tests; this class only moves values to and from an ``xw.Book``. It uses the xlwings
Community Edition API only (``sheet.tables``, ``Range.value/formula/number_format/color``,
``Table.resize``, ``Chart.set_source_data``, ``App.alert``, ``App.status_bar``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence

from pixie_xl.core.findings import Severity
from pixie_xl.core.records import Formula
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Column, Table
from pixie_xl.sheets.cells import (
    cell_name,
    col_letter,
    is_blank,
    is_risky_text,
    plain,
    split_cell,
)
from pixie_xl.sheets.filebook import MARK_FILLS, total_formula


def _rgb(argb: str) -> tuple[int, int, int]:
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

#: how a range is read: always 2-D; Excel's error values as their text (``#REF!``), which
#: xlwings otherwise turns into None
_READ = {"ndim": 2, "err_to_str": True}


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


def _cell(value: object, formula: object) -> object:
    """The cell's value, or its Formula. Excel's ``Range.Formula`` of a text cell such as
    ``'=HYPERLINK(…)`` (kept as text) is that text, equal to the value; a real formula's
    text differs from what it computes.

    >>> [type(_cell(7.0, "=3+4")).__name__, _cell("=cmd", "=cmd"), _cell(None, "")]
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


def _read(rng) -> list[list[object]]:
    """Every cell of ``rng`` as a value or a Formula: one read of the values and one of the
    formulas, however many rows."""
    n_rows, n_cols = rng.shape
    values = grid(rng.options(**_READ).value, n_rows, n_cols)
    formulas = grid(rng.formula, n_rows, n_cols)
    return [
        [_cell(v, f) for v, f in zip(vrow, frow, strict=True)]
        for vrow, frow in zip(values, formulas, strict=True)
    ]


class XlwingsBook:
    """An open workbook in Excel (``xw.Book``)."""

    def __init__(self, book) -> None:
        self.book = book

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read_table(self, sheet: str, table: str) -> Table:
        tbl = self._table(sheet, table)
        header_rng = tbl.header_row_range
        header = tuple(
            "" if h is None else str(h)
            for h in grid(header_rng.options(**_READ).value, 1, header_rng.shape[1])[0]
        )
        width = len(header)
        body = tbl.data_body_range
        rows = [tuple(r) for r in _read(body)] if body is not None else []
        while rows and all(is_blank(v) for v in rows[-1]):
            rows.pop()
        col, row = header_rng.column, header_rng.row
        return Table(
            sheet=sheet,
            name=table,
            header=header,
            rows=tuple(rows),
            first_row=row + 1,
            columns=tuple(col_letter(col + i) for i in range(width)),
        )

    def write_table(
        self,
        sheet: str,
        table: str,
        columns: Sequence[Column],
        rows: Sequence[Sequence[object]],
    ) -> None:
        ws = self.book.sheets[sheet]
        tbl = self._table(sheet, table)
        header_rng = tbl.header_row_range
        col, row = header_rng.column, header_rng.row
        width = len(columns) if columns else header_rng.shape[1]
        body = tbl.data_body_range
        old_n = body.shape[0] if body is not None else 1
        has_totals = tbl.totals_row_range is not None
        if body is not None:
            body.clear_contents()
        n = max(len(rows), 1)
        # as xlwings' own Table.update: the new range is the header and the data rows; Excel
        # moves the total row along
        tbl.resize(ws.range((row, col), (row + n, col + width - 1)))
        old_last, new_last = row + old_n + has_totals, row + n + has_totals
        if old_last > new_last:  # what the shrunk table left behind
            ws.range((new_last + 1, col), (old_last, col + width - 1)).clear_contents()
        if columns:
            ws.range((row, col)).value = [[c.header for c in columns]]
        if rows:
            ws.range((row + 1, col)).value = [[to_excel(v) for v in list(r)[:width]] for r in rows]
        for i, c in enumerate(columns):
            if c.number_format:
                ws.range((row + 1, col + i), (row + n, col + i)).number_format = c.number_format
        totals = tbl.totals_row_range
        if totals is not None:
            for i, c in enumerate(columns):
                cell = ws.range((row + n + 1, col + i))
                if c.total == "sum":
                    cell.formula = total_formula(table, c.header)
                elif c.total is not None:
                    cell.value = c.total

    def get_value(self, sheet: str, cell: str) -> object:
        return _read(self.book.sheets[sheet].range(cell))[0][0]

    def set_value(self, sheet: str, cell: str, value: object) -> None:
        rng = self.book.sheets[sheet].range(cell)
        if isinstance(value, Formula):
            rng.formula = str(value)
        else:
            rng.value = to_excel(value)

    def write_range(self, sheet: str, cell: str, rows: Sequence[Sequence[object]]) -> None:
        if rows:
            width = max(len(r) for r in rows)
            data = [[to_excel(v) for v in r] + [None] * (width - len(r)) for r in rows]
            self.book.sheets[sheet].range(cell).value = data

    def clear_range(self, sheet: str, cell: str, n_cols: int, n_rows: int) -> None:
        col, row = split_cell(cell)
        ws = self.book.sheets[sheet]
        ws.range((row, col), (row + n_rows - 1, col + n_cols - 1)).clear_contents()

    def mark_cells(self, sheet: str, cells: Sequence[str], severity: Severity) -> None:
        """Clear the fills of the sheet's input table, then fill the cells with findings."""
        ws = self.book.sheets[sheet]
        for tbl in ws.tables:
            if tbl.data_body_range is not None:
                tbl.data_body_range.color = None
        colour = _rgb(MARK_FILLS[severity])
        for ref in cells:
            ws.range(ref).color = colour

    def status(self, text: str) -> None:
        self.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["status"], text)
        # not every Excel lets a workbook set the status bar
        with contextlib.suppress(Exception):
            self.book.app.status_bar = text

    def alert(self, text: str) -> None:
        self.book.app.alert(text, title="Pixie XL")

    def save(self) -> None:
        self.book.save()

    # --- print and look (additive: pixie_xl.sheets.look) ------------------------------------

    def format_range(
        self, sheet: str, cell: str, n_cols: int, n_rows: int, number_format: str
    ) -> None:
        col, row = split_cell(cell)
        ws = self.book.sheets[sheet]
        ws.range((row, col), (row + n_rows - 1, col + n_cols - 1)).number_format = number_format

    def set_print_header(self, sheet: str, left: str, center: str, right: str) -> None:
        setup = self.book.sheets[sheet].api.PageSetup
        setup.LeftHeader, setup.CenterHeader, setup.RightHeader = left, center, right

    def set_print_area(self, sheet: str, area: str) -> None:
        self.book.sheets[sheet].api.PageSetup.PrintArea = ",".join(
            part.split("!")[-1] for part in area.split(",")
        )

    def style_header(self, sheet: str, cell: str, n_cols: int) -> None:
        """Nothing to do in Excel: the table style draws the header of new columns."""

    def reset_status(self) -> None:
        """Give the status bar back to Excel (``Application.StatusBar = False``)."""
        with contextlib.suppress(Exception):
            self.book.app.status_bar = False

    def rebuild_charts(self) -> None:
        """Point the Variance charts at their helper ranges, sized to the data: the helper
        sheet is read once, and each chart plots its three columns as series."""
        ws = self.book.sheets[layout.VARIANCE_SHEET]
        data = self.book.sheets[layout.CHART_DATA_SHEET]
        used = data.used_range
        last_used = used.row + used.shape[0] - 1
        charts = list(ws.charts)
        for chart, cell in zip(
            charts, (layout.CHART_ACTIVITY_CELL, layout.CHART_MONTH_CELL), strict=False
        ):
            col, row = split_cell(cell)
            n = max(last_used - row + 1, 1)
            column = grid(data.range((row, col), (row + n - 1, col)).options(ndim=2).value, n, 1)
            last = row + next((i for i, r in enumerate(column) if is_blank(r[0])), n) - 1
            chart.set_source_data(
                data.range((row, col), (max(last, row + 1), col + 2)), plot_by="columns"
            )

    def grow_table(self, sheet: str, table: str) -> int:
        """Rows typed directly under the table join it (see ``Book.grow_table``); the rows
        below are read in one block up to the sheet's used range."""
        ws = self.book.sheets[sheet]
        tbl = self._table(sheet, table)
        if tbl.totals_row_range is not None:
            return 0
        whole = tbl.range
        row, col = whole.row, whole.column
        n_rows, n_cols = whole.shape
        used = ws.used_range
        below = used.row + used.shape[0] - 1 - (row + n_rows - 1)
        if below <= 0:
            return 0
        first = row + n_rows
        block = grid(
            ws.range((first, col), (first + below - 1, col + n_cols - 1)).options(**_READ).value,
            below,
            n_cols,
        )
        added = next((i for i, r in enumerate(block) if all(is_blank(v) for v in r)), below)
        if added:
            tbl.resize(ws.range((row, col), (row + n_rows - 1 + added, col + n_cols - 1)))
        return added

    def stray_cells(self, sheet: str, table: str) -> list[str]:
        """Every non-blank cell outside the table, from one read of the used range."""
        ws = self.book.sheets[sheet]
        whole = self._table(sheet, table).range
        r1, c1 = whole.row, whole.column
        r2, c2 = r1 + whole.shape[0] - 1, c1 + whole.shape[1] - 1
        used = ws.used_range
        top, left = used.row, used.column
        cells = grid(used.options(**_READ).value, *used.shape)
        return [
            cell_name(left + j, top + i)
            for i, values in enumerate(cells)
            for j, v in enumerate(values)
            if not is_blank(v) and not (r1 <= top + i <= r2 and c1 <= left + j <= c2)
        ]

    def _table(self, sheet: str, table: str):
        """The table by name: one ``ListObjects.Item`` call, not a walk over the tables."""
        try:
            return self.book.sheets[sheet].tables[table]
        except KeyError:
            raise KeyError(f"the sheet {sheet!r} has no table {table!r}") from None
