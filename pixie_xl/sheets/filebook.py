"""The file implementation of :class:`~pixie_xl.sheets.book.Book`, on openpyxl.

Used by the command line, scheduled jobs and tests on ``.xlsx``/``.xlsm`` files. An
``.xlsm`` is opened with ``keep_vba=True``, which keeps ``vbaProject.bin`` byte-identical and
the form buttons, tables, charts, data validation, conditional formatting and frozen panes
that the builder wrote (NOTES.md). :meth:`FileBook.save` writes atomically: a temporary file
in the same folder, then ``os.replace``, so a crash mid-write leaves the last good file.

The output sheets (:data:`~pixie_xl.sheets.stream_book.STREAMED`) are kept out of openpyxl:
their cells are parsed from the file only when read and streamed back into the package at
save (:mod:`pixie_xl.sheets.stream_book`); openpyxl keeps everything else of them.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from pixie_xl.core.errors import BadFile
from pixie_xl.core.findings import Severity
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Column, Table
from pixie_xl.sheets.cells import (
    col_letter,
    is_blank,
    make_ref,
    parse_ref,
    split_cell,
)
from pixie_xl.sheets.filecells import file_mode, read_cell, sync_columns, write_cell

#: fill of a marked cell, by severity (ARGB)
MARK_FILLS = {
    Severity.ERROR: "FFFFC7CE",
    Severity.WARNING: "FFFFEB9C",
    Severity.INFO: "FFDDEBF7",
}
_VBA_SUFFIXES = {".xlsm", ".xltm", ".xlam"}


class FileBook:
    """An ``.xlsx``/``.xlsm`` file opened with openpyxl."""

    def __init__(self, workbook, path: Path, streams: dict | None = None) -> None:
        self.wb = workbook
        self.path = Path(path)
        #: alerts raised while working on the file (there is no one to show them to)
        self.alerts: list[str] = []
        #: the output sheets' cells, by sheet name (kept out of openpyxl)
        self.streams = streams or {}

    @classmethod
    def open(cls, path: Path | str) -> FileBook:
        """Open a workbook; a missing or unreadable file raises ``BadFile``."""
        import openpyxl

        from pixie_xl.sheets import splice, stream_book

        path = Path(path)
        if not path.is_file():
            raise BadFile(f"{path}: no such workbook")
        try:
            package, rows, strings = splice.strip(path, stream_book.STREAMED)
            wb = openpyxl.load_workbook(package, keep_vba=path.suffix.lower() in _VBA_SUFFIXES)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
            raise BadFile(f"{path.name}: not a readable Excel workbook ({exc})") from exc
        except Exception as exc:  # openpyxl raises many kinds on a damaged package
            raise BadFile(f"{path.name}: not a readable Excel workbook ({exc})") from exc
        return cls(wb, path, stream_book.open_streams(wb, rows, strings))

    # --- Book -----------------------------------------------------------------------------

    def sheet_names(self) -> list[str]:
        return list(self.wb.sheetnames)

    def read_table(self, sheet: str, table: str) -> Table:
        ws = self._ws(sheet)
        tbl = self._table(ws, table)
        c1, r1, c2, r2 = parse_ref(tbl.ref)
        last = r2 - (tbl.totalsRowCount or 0)
        st = self.streams.get(sheet)
        if st is not None:
            header = tuple("" if v is None else str(v) for v in st.values(r1, c1, c2))
            rows = [st.values(r, c1, c2) for r in range(r1 + 1, last + 1)]
        else:
            header = tuple(
                "" if v is None else str(v)
                for v in next(ws.iter_rows(r1, r1, c1, c2, values_only=True))
            )
            rows = []
        if last > r1 and st is None:
            for cells in ws.iter_rows(r1 + 1, last, c1, c2):
                rows.append(tuple(read_cell(c) for c in cells))
        return Table.read(sheet, table, header, rows, r1 + 1, c1)

    def table_rows(self, sheet: str, table: str) -> int:
        """The data rows the table spans (one when empty), from its ``ref`` alone: the
        writers place the old totals by it without parsing a streamed sheet's cells."""
        tbl = self._table(self._ws(sheet), table)
        _c1, r1, _c2, r2 = parse_ref(tbl.ref)
        return r2 - (tbl.totalsRowCount or 0) - r1

    def table_size(self, sheet: str, table: str) -> tuple[int, int]:
        """(columns, data rows) of the table, from its ``ref`` alone (:meth:`table_rows`)."""
        c1, _r1, c2, _r2 = parse_ref(self._table(self._ws(sheet), table).ref)
        return c2 - c1 + 1, self.table_rows(sheet, table)

    def write_table(
        self,
        sheet: str,
        table: str,
        columns: Sequence[Column],
        rows: Sequence[Sequence[object]],
    ) -> None:
        ws = self._ws(sheet)
        tbl = self._table(ws, table)
        c1, r1, c2, r2 = parse_ref(tbl.ref)
        totals = bool(tbl.totalsRowCount)
        width = len(columns) if columns else c2 - c1 + 1
        if sheet in self.streams:
            from pixie_xl.sheets import stream_book

            last = stream_book.write_table(self.streams[sheet], tbl, table, columns, rows)
            self._resize(tbl, table, columns, c1, r1, width, last)
            return
        # blank the old data and total row
        for cells in ws.iter_rows(r1 + 1, max(r2, r1 + 1), c1, max(c2, c1 + width - 1)):
            for cell in cells:
                cell.value = None
        if columns:
            for i, col in enumerate(columns):
                ws.cell(r1, c1 + i).value = col.header
        formats = [c.number_format for c in columns] if columns else [""] * width
        for r, values in enumerate(rows, start=r1 + 1):
            for i, v in enumerate(list(values)[:width]):
                write_cell(ws.cell(r, c1 + i), v, formats[i])
        last = r1 + max(len(rows), 1)  # a table keeps at least one (blank) data row
        if totals:
            last += 1
            self._write_totals(ws, table, columns, c1, last)
        self._resize(tbl, table, columns, c1, r1, width, last)

    def _resize(self, tbl, table: str, columns, c1: int, r1: int, width: int, last: int) -> None:
        totals = bool(tbl.totalsRowCount)
        tbl.ref = make_ref(c1, r1, c1 + width - 1, last)
        if tbl.autoFilter is not None:
            tbl.autoFilter.ref = make_ref(c1, r1, c1 + width - 1, last - int(totals))
        if columns:
            sync_columns(tbl, table, columns)

    def grow_table(self, sheet: str, table: str) -> int:
        ws = self._ws(sheet)
        tbl = self._table(ws, table)
        c1, r1, c2, r2 = parse_ref(tbl.ref)
        if tbl.totalsRowCount:
            return 0
        st = self.streams.get(sheet)
        last = r2
        if st is not None:
            while not all(is_blank(v) for v in st.values(last + 1, c1, c2)):
                last += 1
        cells = ws._cells  # look cells up without creating them
        while st is None and any(
            (cell := cells.get((last + 1, c))) is not None and not is_blank(cell.value)
            for c in range(c1, c2 + 1)
        ):
            last += 1
        if last == r2:
            return 0
        tbl.ref = make_ref(c1, r1, c2, last)
        if tbl.autoFilter is not None:
            tbl.autoFilter.ref = tbl.ref
        return last - r2

    def stray_cells(self, sheet: str, table: str) -> list[str]:
        ws = self._ws(sheet)
        c1, r1, c2, r2 = parse_ref(self._table(ws, table).ref)
        if sheet in self.streams:
            return [
                f"{col_letter(col)}{row}"
                for row, col, value in self.streams[sheet].cells()
                if not (r1 <= row <= r2 and c1 <= col <= c2) and not is_blank(value)
            ]
        return [
            f"{col_letter(col)}{row}"
            for row, col in sorted(ws._cells)  # the cells that exist, not the whole grid
            if not (r1 <= row <= r2 and c1 <= col <= c2)
            and not is_blank(ws._cells[(row, col)].value)
        ]

    def get_value(self, sheet: str, cell: str) -> object:
        if sheet in self.streams:
            return self.streams[sheet].get(*reversed(split_cell(cell)))
        return read_cell(self._ws(sheet)[cell])

    def set_value(self, sheet: str, cell: str, value: object) -> None:
        if sheet in self.streams:
            col, row = split_cell(cell)
            self.streams[sheet].put(row, col, value)
            return
        target = self._ws(sheet)[cell]
        write_cell(target, value, None)

    def write_range(self, sheet: str, cell: str, rows: Sequence[Sequence[object]]) -> None:
        if sheet in self.streams:
            from pixie_xl.sheets.stream_book import write_range

            return write_range(self.streams[sheet], cell, rows)
        ws = self._ws(sheet)
        col, row = split_cell(cell)
        for r, values in enumerate(rows, start=row):
            for c, v in enumerate(values, start=col):
                write_cell(ws.cell(r, c), v, None)

    def clear_range(self, sheet: str, cell: str, n_cols: int, n_rows: int) -> None:
        if sheet in self.streams:
            from pixie_xl.sheets.stream_book import clear_range

            return clear_range(self.streams[sheet], cell, n_cols, n_rows)
        ws = self._ws(sheet)
        col, row = split_cell(cell)
        for cells in ws.iter_rows(row, row + n_rows - 1, col, col + n_cols - 1):
            for c in cells:
                c.value = None

    def mark_cells(self, sheet: str, cells: Sequence[str], severity: Severity) -> None:
        """Fill the cells; first clear the fills left by an earlier run on the sheet."""
        from openpyxl.styles import PatternFill

        if sheet in self.streams:
            raise ValueError(
                f"cells of the output sheet {sheet!r} are not marked (findings "
                "point at the Budgets sheet)"
            )
        ws = self._ws(sheet)
        ours = {f"00{v[2:]}" for v in MARK_FILLS.values()} | set(MARK_FILLS.values())
        for row in ws.iter_rows():
            for c in row:
                if c.has_style and c.fill.fill_type == "solid" and c.fill.fgColor.rgb in ours:
                    c.fill = PatternFill(fill_type=None)
        fill = PatternFill("solid", fgColor=MARK_FILLS[severity])
        for ref in cells:
            ws[ref].fill = fill

    def status(self, text: str) -> None:
        if layout.PIXIE_SHEET in self.wb.sheetnames:
            self.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["status"], text)

    def alert(self, text: str) -> None:
        self.alerts.append(text)

    def save(self) -> None:
        """Write the workbook atomically (temporary file in the same folder + os.replace)."""
        from pixie_xl.sheets.filelocks import check_writable

        check_writable(self.path)  # not over a file Excel/LibreOffice holds open, or read-only
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.stem}-", suffix=self.path.suffix, dir=self.path.parent
        )
        os.close(fd)
        try:
            self._save_to(tmp)
            os.chmod(tmp, file_mode(self.path))
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _save_to(self, target: str) -> None:
        """openpyxl writes the package, the streamed sheets' rows are spliced into it."""
        import io

        from pixie_xl.sheets import splice, stream_book

        for name, st in self.streams.items():
            if name in self.wb.sheetnames:
                stream_book.take_openpyxl_cells(self.wb[name], st)
        self.wb.save(target)
        if self.streams:
            package = io.BytesIO(Path(target).read_bytes())
            splice.splice(package, self.streams, target, lambda: stream_book.styles_part(self.wb))

    # --- print and look (additive: pixie_xl.sheets.look) ------------------------------------

    def format_range(
        self, sheet: str, cell: str, n_cols: int, n_rows: int, number_format: str
    ) -> None:
        if sheet in self.streams:
            from pixie_xl.sheets.stream_book import format_range

            return format_range(self.streams[sheet], cell, n_cols, n_rows, number_format)
        ws = self._ws(sheet)
        col, row = split_cell(cell)
        for cells in ws.iter_rows(row, row + n_rows - 1, col, col + n_cols - 1):
            for c in cells:
                c.number_format = number_format

    def set_print_header(self, sheet: str, left: str, center: str, right: str) -> None:
        """The sheet's page header (odd pages, and all pages while they are not told apart);
        the footer, ``Page &P of &N``, comes with the built workbook."""
        header = self._ws(sheet).oddHeader
        header.left.text, header.center.text, header.right.text = left, center, right

    def set_print_area(self, sheet: str, area: str) -> None:
        """The sheet's print area: ranges ``Sheet!$A$1:$R$9``, comma-separated."""
        self._ws(sheet).print_area = [part.split("!")[-1] for part in area.split(",")]

    def style_header(self, sheet: str, cell: str, n_cols: int) -> None:
        """Give header cells added since the build (the Months sheet's months) the style of
        the header's first cell: bold, filled, bordered also where table styles do not show
        (LibreOffice)."""
        from copy import copy

        if sheet in self.streams:
            from pixie_xl.sheets.stream_book import style_header

            return style_header(self.streams[sheet], cell, n_cols)
        ws = self._ws(sheet)
        col, row = split_cell(cell)
        first = ws.cell(row, col)
        for c in range(col + 1, col + n_cols):
            target = ws.cell(row, c)
            if target.style_id != first.style_id:
                target._style = copy(first._style)

    # --- charts (file mode rebuilds them from the helper ranges at each refresh) ------------

    def rebuild_charts(self) -> None:
        from pixie_xl.sheets.charts import rebuild_variance_charts

        rebuild_variance_charts(self.wb)

    # --- inside ---------------------------------------------------------------------------

    def _ws(self, sheet: str):
        if sheet not in self.wb.sheetnames:
            raise KeyError(f"{self.path.name} has no sheet {sheet!r}")
        return self.wb[sheet]

    def _table(self, ws, table: str):
        if table not in ws.tables:
            raise KeyError(f"the sheet {ws.title!r} has no table {table!r}")
        return ws.tables[table]

    def _write_totals(self, ws, table: str, columns: Sequence[Column], c1: int, row: int):
        for i, col in enumerate(columns):
            cell = ws.cell(row, c1 + i)
            if col.total == "sum":
                cell.value = total_formula(table, col.header)
                if col.number_format:
                    cell.number_format = col.number_format
            elif col.total is not None:
                cell.value = col.total


def total_formula(table: str, header: str) -> str:
    """The qualified SUBTOTAL of a column, which LibreOffice evaluates too (NOTES.md).

    >>> total_formula("Variance", "Actual")
    '=SUBTOTAL(109,Variance[Actual])'
    """
    return f"=SUBTOTAL(109,{table}[{_escape_header(header)}])"


def _escape_header(header: str) -> str:
    # structured references escape these characters with an apostrophe
    for ch in "'#[]":
        header = header.replace(ch, "'" + ch)
    return header
