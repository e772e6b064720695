"""The cells around a table of :class:`~pixie_xl.sheets.xlwings_book.XlwingsBook`: rows
typed under it join it, and the cells outside it, each found in the sheet's used range read
once. A base of ``XlwingsBook``, which gives ``_geometry``, ``_used_range``, ``_sheet``,
``_table``, ``_geo``, ``_changed``, ``_quiet`` and ``_forget``."""

from __future__ import annotations

import functools

from pixie_xl.sheets.cells import cell_name, is_blank
from pixie_xl.sheets.xlwings_blocks import address


def _fresh(method):
    """Outside :meth:`XlwingsBook.quiet` nothing read before is trusted: another book or
    the user may have changed the workbook since (inside, only this book writes)."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        if not self._quiet:
            self._forget()
        return method(self, *args, **kwargs)

    return run


class TableEdges:
    """Rows joining a table from under it, and the stray cells beside it."""

    @_fresh
    def grow_table(self, sheet: str, table: str) -> int:
        """Rows typed directly under the table join it (see ``Book.grow_table``), found in
        the sheet's used range (read once)."""
        row, col, n_rows, n_cols, has_totals = self._geometry(sheet, table)
        if has_totals:
            return 0
        top, left, cells = self._used_range(sheet)
        first = row + n_rows
        block = [
            [r[j - left] if 0 <= j - left < len(r) else None for j in range(col, col + n_cols)]
            for r in cells[max(first - top, 0) :]
        ]
        added = next((i for i, r in enumerate(block) if all(is_blank(v) for v in r)), len(block))
        if added:
            ws = self._sheet(sheet)
            last = row + n_rows - 1 + added
            self._table(sheet, table).resize(ws.range(address(row, col, last, col + n_cols - 1)))
            self._geo[(sheet, table)] = (row, col, n_rows + added, n_cols, False)
            self._changed(sheet, grown=True)
        return added

    @_fresh
    def stray_cells(self, sheet: str, table: str) -> list[str]:
        """Every non-blank cell outside the table, from the sheet's used range."""
        r1, c1, n_rows, n_cols, _ = self._geometry(sheet, table)
        r2, c2 = r1 + n_rows - 1, c1 + n_cols - 1
        top, left, cells = self._used_range(sheet)
        return [
            cell_name(left + j, top + i)
            for i, values in enumerate(cells)
            for j, v in enumerate(values)
            if not is_blank(v) and not (r1 <= top + i <= r2 and c1 <= left + j <= c2)
        ]
