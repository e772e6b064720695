"""The Pixie sheet (the control panel) of a new workbook, written with XlsxWriter by
:mod:`pixie_xl.excel.builder`: each cell's label and defined name, what a new workbook holds
in it, the help lines and a button per macro. :mod:`pixie_xl.excel.pixie_cells` reads and
writes those cells afterwards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pixie_xl.excel import print_look
from pixie_xl.sheets import layout
from pixie_xl.sheets.cells import col_letter, split_cell

if TYPE_CHECKING:
    from pixie_xl.excel.builder import _Formats

#: what the control panel says under the token cell
TOKEN_NOTE = (
    "Token: better left blank. The workbook then uses the token the local service wrote "
    "for you (or PIXIE_TOKEN); a token typed here is saved in the file for anyone to read."
)


def write_pixie(wb, ws, f: _Formats, server_url: str, with_buttons: bool) -> None:
    """The Pixie sheet of a new workbook: title, labels and named cells, notes, buttons."""
    ws.write_string(0, 0, "Pixie XL — budgets against actuals", f.title)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 3)
    ws.set_column(3, 3, 22)
    _pixie_labels(wb, ws, f)
    _pixie_values(ws, f, server_url)
    _pixie_notes(ws, f)
    last_row = max(split_cell(c)[1] for c in layout.PIXIE_CELLS.values()) - 1
    print_look.print_pixie(ws, last_row, 12)  # the notes run on to about column M
    if with_buttons:
        _pixie_buttons(ws)


def _pixie_labels(wb, ws, f: _Formats) -> None:
    """Each Pixie cell's label to its left, and its defined name."""
    for key, cell in layout.PIXIE_CELLS.items():
        col, row = split_cell(cell)
        ws.write_string(row - 1, col - 2, layout.PIXIE_LABELS[key], f.label)
        wb.define_name(layout.PIXIE_NAMES[key], f"={_abs(layout.PIXIE_SHEET, cell)}")


def _pixie_values(ws, f: _Formats, server_url: str) -> None:
    """What each Pixie cell holds in a new workbook, in its format (inputs, dates, stamps)."""
    put = {
        "server": (server_url, f.input),
        "token": ("", f.input),
        "report_from": (None, f.date_input),
        "report_to": (None, f.date_input),
        "last_refresh": (None, f.stamp),
        "status": ("New workbook: fill the Budgets sheet, then press Validate", None),
        "import_file": ("", f.input),
        # the Allocate and Transfer buttons' input blocks
        **{k: ("", f.input) for k in layout.PIXIE_CELLS if k.startswith(("alloc_", "transfer_"))},
        "alloc_from": (None, f.date_input),
        "alloc_to": (None, f.date_input),
        "alloc_by": ("even", f.input),
        "pending_transfers": (None, f.stamp),
    }
    for key, (value, fmt) in put.items():
        col, row = split_cell(layout.PIXIE_CELLS[key])
        if value:
            ws.write_string(row - 1, col - 1, value, fmt)
        else:
            ws.write_blank(row - 1, col - 1, None, fmt)


def _pixie_notes(ws, f: _Formats) -> None:
    """The help lines under the cells."""
    # a note in a cell, not a comment: openpyxl would rewrite the buttons' VML drawing
    # to add a comment's shape when the file is saved in file mode
    notes = [
        TOKEN_NOTE,
        "Report from / Report to: the report period (blank: this calendar year).",
        "Import file: path of a .xlsx or .csv budget file, if no file dialog is available.",
        "Validate checks the Budgets sheet; Save budgets sends it to the service.",
        "Refresh actuals pulls what changed and rebuilds Variance, Variance by month, Alerts.",
        "Allocate adds a Budgets row per child of the parent (By: even, days, "
        "percent:A=40,B=60, actuals:YEAR); Transfer moves money between two lines of a "
        "budget. Neither is saved until Save budgets.",
    ]
    for i, text in enumerate(notes):
        ws.write_string(11 + i, 0, text, f.note)


def _pixie_buttons(ws) -> None:
    """A Form button per macro, bound to its named Sub (NOTES.md), down column D."""
    for i, (caption, sub) in enumerate(layout.MACROS.items()):
        ws.insert_button(
            2 + 2 * i,
            3,
            {"macro": sub, "caption": caption, "width": 150, "height": 32},
        )


def _abs(sheet: str, cell: str) -> str:
    col, row = split_cell(cell)
    quoted = f"'{sheet}'" if not sheet.isalnum() else sheet
    return f"{quoted}!${col_letter(col)}${row}"
