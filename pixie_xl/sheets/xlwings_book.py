"""The live-Excel implementation of :class:`~pixie_xl.sheets.book.Book`, on xlwings CE.

Thin on purpose: every decision is in the actions and writers, which the file and fake books
run in tests; this class only moves values to and from an ``xw.Book``. It uses the xlwings
Community Edition API only (``sheet.tables``, ``Range.value/formula/number_format/color``,
``Table.resize``, ``Chart.set_source_data``, ``App.alert``, ``App.status_bar``).
"""

from __future__ import annotations

import contextlib
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


def to_excel(value: object) -> object:
    """A value as xlwings should write it: text that looks like a formula gets Excel's
    apostrophe prefix so that it stays text.

    >>> to_excel("=2+3"), to_excel("Road"), to_excel(Formula("=A1"))
    ("'=2+3", 'Road', '=A1')
    """
    if isinstance(value, Formula):
        return str(value)
    value = plain(value)
    return "'" + value if is_risky_text(value) else value


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


def _rows2d(value: object, width: int) -> list[list[object]]:
    """xlwings gives a scalar for one cell and a flat list for one row: always a 2-D list."""
    if value is None:
        return []
    if not isinstance(value, list):
        return [[value]]
    if value and not isinstance(value[0], list):
        return [value] if width > 1 or len(value) == 1 else [[v] for v in value]
    return value


class XlwingsBook:
    """An open workbook in Excel (``xw.Book``)."""

    def __init__(self, book) -> None:
        self.book = book

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def read_table(self, sheet: str, table: str) -> Table:
        tbl = self._table(sheet, table)
        header_rng = tbl.header_row_range
        header = tuple("" if h is None else str(h) for h in _rows2d(header_rng.value, 2)[0])
        width = len(header)
        body = tbl.data_body_range
        rows: list[tuple[object, ...]] = []
        if body is not None:
            values = _rows2d(body.options(ndim=2).value, width)
            formulas = _rows2d(body.options(ndim=2).formula, width)
            for vrow, frow in zip(values, formulas, strict=False):
                rows.append(tuple(_cell(v, f) for v, f in zip(vrow, frow, strict=False)))
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
        width = len(columns) if columns else header_rng.columns.count
        body = tbl.data_body_range
        old_n = body.rows.count if body is not None else 1
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
        rng = self.book.sheets[sheet].range(cell)
        return _cell(rng.value, rng.formula)

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

    def rebuild_charts(self) -> None:
        """Point the Variance charts at their helper ranges, sized to the data."""
        ws = self.book.sheets[layout.VARIANCE_SHEET]
        data = self.book.sheets[layout.CHART_DATA_SHEET]
        charts = list(ws.charts)
        for chart, cell in zip(
            charts, (layout.CHART_ACTIVITY_CELL, layout.CHART_MONTH_CELL), strict=False
        ):
            col, row = split_cell(cell)
            last = row
            while data.range(cell_name(col, last + 1)).value not in (None, ""):
                last += 1
            chart.set_source_data(data.range((row, col), (max(last, row + 1), col + 2)))

    def _table(self, sheet: str, table: str):
        ws = self.book.sheets[sheet]
        for tbl in ws.tables:
            if tbl.name == table:
                return tbl
        raise KeyError(f"the sheet {sheet!r} has no table {table!r}")
