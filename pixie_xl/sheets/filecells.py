"""The cells of an openpyxl sheet as :class:`~pixie_xl.sheets.filebook.FileBook` reads and
writes them, a table's columns kept in step with its header, and a rewritten file's mode."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pixie_xl.core.records import Formula
from pixie_xl.sheets.book import Column
from pixie_xl.sheets.cells import is_risky_text, plain

__all__ = ["file_mode", "read_cell", "sync_columns", "write_cell"]


def file_mode(path: Path) -> int:
    """The permissions to give a rewritten file: those it had, else the umask's default
    (a temporary file is created private, which a workbook should not become)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def sync_columns(tbl, table: str, columns: Sequence[Column]) -> None:
    from openpyxl.worksheet.table import TableColumn, TableFormula

    from pixie_xl.sheets.filebook import total_formula

    old = {c.name: c for c in tbl.tableColumns}
    new = []
    for i, col in enumerate(columns, start=1):
        tc = old.get(col.header) or TableColumn(id=i, name=col.header)
        tc.id = i
        tc.totalsRowFunction = None
        tc.totalsRowFormula = None
        tc.totalsRowLabel = None
        if col.total == "sum":
            tc.totalsRowFunction = "custom"
            tc.totalsRowFormula = TableFormula(attr_text=total_formula(table, col.header)[1:])
        elif col.total is not None:
            tc.totalsRowLabel = col.total
        new.append(tc)
    tbl.tableColumns = new


def read_cell(cell) -> object:
    if cell.data_type == "f":
        value = cell.value
        text = value if isinstance(value, str) else getattr(value, "text", None) or str(value)
        return Formula(text)
    return cell.value


def write_cell(cell, value: object, number_format: str | None) -> None:
    if isinstance(value, Formula):
        cell.value = str(value)
        return
    value = plain(value)
    cell.value = value
    if is_risky_text(value):
        # CRM text such as "=cmd|…" or "-5 bonus" stays text: never run as a formula
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
