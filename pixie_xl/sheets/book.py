"""The small book interface that every workbook action works on (STYLE §10).

Button macros, the CLI and the tests all call the same actions with a :class:`Book`. There
are three implementations: the xlwings one for live Excel (``XlwingsBook``), the file one
on openpyxl that keeps the VBA project and the buttons of an ``.xlsm`` (``FileBook``), and
an in-memory fake for tests (``FakeBook``). ``xw.Book.caller()`` appears only in the entry
points Excel calls (``pixie_xl.excel.macros``).

Sheet and table names are those of SPEC §3. Cells are A1 references (``"B3"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from pixie_xl.core.findings import Severity
from pixie_xl.sheets.cells import col_letter, is_blank


@dataclass(frozen=True, slots=True)
class Table:
    """A table as read from a sheet: its header and rows of raw cell values.

    ``first_row`` is the sheet row number of the first data row and ``columns`` the column
    letter of each header, so that any value can be traced back to its cell.
    """

    sheet: str
    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    first_row: int
    columns: tuple[str, ...]

    @classmethod
    def read(cls, sheet: str, name: str, header, rows: list, first_row: int, first_col: int):
        """The table as every book reads it: blank rows at its end dropped (a table
        resized past its data), a column letter per header from ``first_col`` (1 is A)."""
        while rows and all(is_blank(v) for v in rows[-1]):
            rows.pop()
        columns = tuple(col_letter(first_col + i) for i in range(len(header)))
        return cls(sheet, name, tuple(header), tuple(map(tuple, rows)), first_row, columns)


@dataclass(frozen=True, slots=True)
class Column:
    """How to write one column of an output table."""

    header: str
    #: Excel number format, e.g. ``"#,##0.00"``, ``"0.0%"``, ``"yyyy-mm-dd"``; "" for general
    number_format: str = ""
    #: total row: ``"sum"`` (a ``SUBTOTAL(109, Table[Column])`` formula), a label, or None
    total: str | None = None
    width: float | None = None


@runtime_checkable
class Book(Protocol):
    """What an action may do with a workbook."""

    def sheet_names(self) -> list[str]: ...

    def read_table(self, sheet: str, table: str) -> Table:
        """The table's header and data rows; formulas come back as ``core.records.Formula``."""

    def write_table(
        self,
        sheet: str,
        table: str,
        columns: Sequence[Column],
        rows: Sequence[Sequence[object]],
    ) -> None:
        """Replace the table's data (resizing it), keeping its place, style and total row.

        Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
        written as text, never as a formula.
        """

    def get_value(self, sheet: str, cell: str) -> object: ...

    def set_value(self, sheet: str, cell: str, value: object) -> None: ...

    def mark_cells(self, sheet: str, cells: Sequence[str], severity: Severity) -> None:
        """Highlight cells that have findings (and clear marks left by an earlier run)."""

    def status(self, text: str) -> None:
        """Show a one-line status on the ``Pixie`` sheet (and the status bar in Excel)."""

    def alert(self, text: str) -> None:
        """Tell the user something that needs attention (a message box in Excel)."""

    def save(self) -> None: ...

    def grow_table(self, sheet: str, table: str) -> int:
        """Let rows typed directly under the table join it, as Excel's own tables do.

        Starting with the row just below the table's last data row, every row in which any
        cell within the table's columns is non-blank joins the table, up to the first row
        whose cells in those columns are all blank. The table (and its filter) is resized
        to include them; returns how many rows were added (0 when none, or when the table
        has a total row, under which nothing is a data row).
        """

    def stray_cells(self, sheet: str, table: str) -> list[str]:
        """The A1 names of every non-blank cell of the sheet outside the table's range
        (header, data rows and total row), row by row, left to right."""


# Additive helpers every book of this package also has (not part of the Protocol, so that a
# minimal Book still type-checks): ``write_range(sheet, cell, rows)`` writes a block of
# values from ``cell`` (chart data, drop-down lists) and ``clear_range(sheet, cell, n_cols,
# n_rows)`` blanks one.
