"""The workbook, built from code: ``build_workbook(path)`` (``pixie-xl workbook new PATH``).

The sheets, tables, formats, drop-down lists, conditional formats, charts and form buttons
are written with XlsxWriter from :mod:`pixie_xl.sheets.layout` (the Pixie sheet by
:mod:`pixie_xl.excel.pixie_sheet`). The VBA project is the built one that ships with the
package (:mod:`pixie_xl.excel.vbaproject`: xlwings' Excel-authored quickstart project plus
our ``PixieMacros`` and ``PixieUDFs`` modules), so building needs no extra; the xlwings
version that VBA names is recorded in the document's custom property
:data:`~pixie_xl.excel.vbaproject.VERSION_PROPERTY`.

Building twice gives the same sheets: every value is fixed, the document's created and
modified times too.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from datetime import datetime
from pathlib import Path

from pixie_xl.core.errors import PixieError
from pixie_xl.excel import print_look, vbaproject
from pixie_xl.excel.pixie_sheet import write_pixie
from pixie_xl.sheets import layout
from pixie_xl.sheets.cells import split_cell
from pixie_xl.sheets.filebook import file_mode, total_formula

DEFAULT_SERVER = "http://127.0.0.1:8750"
#: fixed document time, so that two builds are the same
BUILD_TIME = datetime(2026, 1, 1, 0, 0, 0)
#: rows the Budgets table's drop-downs and column formats cover
INPUT_ROWS = 20_000
#: rows the status colours cover on the output sheets
OUTPUT_ROWS = 200_000

#: the settings that name the Python Excel starts: left out of the sheet, so that the one
#: ``pixie-xl excel setup`` writes to xlwings' user config file applies (a sheet entry, even
#: a blank one, wins over that file); ``excel setup WORKBOOK`` adds them to the sheet
INTERPRETER_KEYS = ("Interpreter_Win", "Interpreter_Mac", "Interpreter")

#: xlwings.conf: every other key xlwings.bas looks up with GetConfig, so none falls through
#: to a user's or a folder's xlwings.conf file (keys are matched upper-cased by xlwings)
XLWINGS_CONF: tuple[tuple[str, object], ...] = (
    ("PYTHONPATH", ""),
    # the package is installed; adding the workbook's folder raises for a workbook on
    # OneDrive/SharePoint before any Pixie code runs (NOTES.md)
    ("ADD_WORKBOOK_TO_PYTHONPATH", "false"),
    ("UDF Modules", layout.UDF_MODULE),
    ("Debug UDFs", False),
    # true would send the buttons through the DLL too: they start Python themselves
    ("Use UDF Server", False),
    ("Show Console", False),
    ("Conda Path", ""),
    ("Conda Env", ""),
    ("TEMP DIR", "%TEMP%"),
    ("ONEDRIVE_CONSUMER_WIN", ""),
    ("ONEDRIVE_COMMERCIAL_WIN", ""),
    ("SHAREPOINT_WIN", ""),
    ("ONEDRIVE_CONSUMER_MAC", ""),
    ("ONEDRIVE_COMMERCIAL_MAC", ""),
    ("SHAREPOINT_MAC", ""),
    ("LICENSE_KEY", ""),
    ("SHOW_ERROR_POPUPS", "True"),
)

# --- the sheets -----------------------------------------------------------------------------


def build_workbook(path: Path | str, *, server_url: str = DEFAULT_SERVER) -> Path:
    """Write the Pixie workbook to ``path`` (``.xlsm``: with its VBA and buttons; ``.xlsx``:
    the same sheets without them). Written to a temporary file first, then moved."""
    path = Path(path)
    with_vba = path.suffix.lower() == ".xlsm"
    if path.suffix.lower() not in (".xlsm", ".xlsx"):
        raise PixieError(f"{path.name}: a workbook is a .xlsm (or .xlsx) file", code="usage")
    vba = vbaproject.shipped_vba_project() if with_vba else None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        _write(Path(tmp), server_url, vba)
        os.chmod(tmp, file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _write(path: Path, server_url: str, vba: bytes | None) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties(
        {
            "title": "Pixie XL budgets",
            "subject": "Budgets for CRM objects against actuals",
            "author": "Pixie XL",
            "company": "",
            "created": BUILD_TIME,
        }
    )
    if vba is not None:
        wb.add_vba_project(io.BytesIO(vba), is_stream=True)
        wb.set_vba_name("ThisWorkbook")
        wb.set_custom_property(vbaproject.VERSION_PROPERTY, vbaproject.VBA_XLWINGS_VERSION)
    f = _Formats(wb)
    sheets = {name: wb.add_worksheet(name) for name in layout.SHEETS}
    write_pixie(wb, sheets[layout.PIXIE_SHEET], f, server_url, with_buttons=vba is not None)
    _budgets(sheets[layout.BUDGETS_SHEET], f)
    for table in (layout.PROFILES_TABLE, layout.CHECKS_TABLE, layout.MONTHS_TABLE):
        _output_table(sheets[layout.TABLE_SHEETS[table]], table, f)
    _output_table(sheets[layout.VARIANCE_SHEET], layout.VARIANCE_TABLE, f)
    _output_table(sheets[layout.ALERTS_SHEET], layout.ALERTS_TABLE, f)
    _output_table(sheets[layout.PARENTS_SHEET], layout.PARENTS_TABLE, f)
    _output_table(sheets[layout.MONTHS_ACROSS_SHEET], layout.MONTHS_ACROSS_TABLE, f)
    _checks_colours(sheets[layout.CHECKS_SHEET], f)
    for sheet in (layout.VARIANCE_SHEET, layout.PARENTS_SHEET, layout.ALERTS_SHEET):
        _status_colours(sheets[sheet], f)
    _lists(wb, sheets[layout.LISTS_SHEET], f)
    print_look.charts(wb, sheets[layout.VARIANCE_SHEET])
    print_look.print_variance(wb)
    print_look.months_columns(sheets[layout.MONTHS_ACROSS_SHEET], f.number(layout.MONEY))
    _conf(sheets[layout.CONF_SHEET], f)
    sheets[layout.PIXIE_SHEET].activate()
    wb.close()


class _Formats:
    """The workbook's cell formats, one per number format, plus a few styles."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self._num: dict[str, object] = {}
        self.title = wb.add_format({"bold": True, "font_size": 16, "font_color": "#1F4E78"})
        self.label = wb.add_format({"bold": True})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        self.input = wb.add_format({"bg_color": "#FFF2CC", "border": 1})
        self.date_input = wb.add_format(
            {"bg_color": "#FFF2CC", "border": 1, "num_format": layout.DATE}
        )
        self.stamp = wb.add_format({"num_format": layout.DATETIME})
        self.header = print_look.header_format(wb)
        self.fills = {
            word: wb.add_format({"bg_color": colour}) for word, colour in _status_fills().items()
        }

    def number(self, number_format: str):
        if not number_format:
            return None
        if number_format not in self._num:
            self._num[number_format] = self.wb.add_format({"num_format": number_format})
        return self._num[number_format]


def _status_fills() -> dict[str, str]:
    return dict(layout.STATUS_COLOURS)


def _table_columns(table: str, f: _Formats) -> list[dict]:
    out = []
    for col in layout.TABLE_COLUMNS[table]:
        spec: dict = {"header": col.header, "header_format": f.header}
        fmt = f.number(col.number_format)
        if fmt is not None:
            spec["format"] = fmt
        if col.total == "sum":
            # the qualified form: LibreOffice cannot evaluate SUBTOTAL(109,[Actual]) (NOTES.md)
            spec["total_function"] = total_formula(table, col.header)[1:]
            spec["total_value"] = 0
        elif col.total is not None:
            spec["total_string"] = col.total
        out.append(spec)
    return out


def _add_table(ws, table: str, f: _Formats, style: str = "Table Style Medium 2") -> None:
    columns = layout.TABLE_COLUMNS[table]
    totals = any(c.total is not None for c in columns)
    last_row = 1 + int(totals)  # header, one blank data row, the total row
    ws.add_table(
        0,
        0,
        last_row,
        len(columns) - 1,
        {
            "name": table,
            "columns": _table_columns(table, f),
            "total_row": totals,
            "style": style,
        },
    )
    for i, col in enumerate(columns):
        ws.set_column(i, i, col.width or 12, f.number(col.number_format))
    ws.freeze_panes(1, 0)
    print_look.print_table_sheet(ws, table)


def _budgets(ws, f: _Formats) -> None:
    _add_table(ws, layout.BUDGETS_TABLE, f, style="Table Style Medium 9")
    headers = [c.header for c in layout.BUDGETS_COLUMNS]
    lists = {
        "Object": layout.LISTS["objects"][0],
        "Activity": layout.LISTS["activities"][0],
        "Phasing": layout.LISTS["phasings"][0],
    }
    plural = {"Object": "objects", "Activity": "activities", "Phasing": "phasings"}
    for header, name in lists.items():
        i = headers.index(header)
        ws.data_validation(
            1,
            i,
            INPUT_ROWS,
            i,
            {
                "validate": "list",
                "source": f"={name}",
                # a warning, not a stop: before the first refresh the lists are empty
                "error_type": "warning",
                "error_title": f"Unknown {header.lower()}",
                "error_message": f"Not one of the {plural[header]} that refresh loaded: "
                "pick one from the list, or refresh first.",
                "ignore_blank": True,
            },
        )
    for header in ("Income budget", "Cost budget"):
        i = headers.index(header)
        ws.data_validation(
            1,
            i,
            INPUT_ROWS,
            i,
            {
                "validate": "decimal",
                "criteria": ">=",
                "value": 0,
                "error_type": "warning",
                "error_title": "Not an amount",
                "error_message": "An amount is a number of 0 or more (blank means 0).",
                "ignore_blank": True,
            },
        )


def _output_table(ws, table: str, f: _Formats) -> None:
    _add_table(ws, table, f)


def _status_colours(ws, f: _Formats) -> None:
    headers = [c.header for c in layout.VARIANCE_COLUMNS]
    i = headers.index("Status")
    for word, fmt in f.fills.items():
        ws.conditional_format(
            1,
            i,
            OUTPUT_ROWS,
            i,
            {"type": "cell", "criteria": "==", "value": f'"{word}"', "format": fmt},
        )


def _checks_colours(ws, f: _Formats) -> None:
    headers = [c.header for c in layout.CHECKS_COLUMNS]
    i = headers.index("Severity")
    for word, fill in (("error", "OVER"), ("warning", "WARN")):
        ws.conditional_format(
            1,
            i,
            OUTPUT_ROWS,
            i,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{word}"',
                "format": f.fills[fill],
            },
        )


def _lists(wb, ws, f: _Formats) -> None:
    heads = {"objects": "Objects", "activities": "Activities", "phasings": "Phasings"}
    for key, (name, col) in layout.LISTS.items():
        c = split_cell(f"{col}1")[0] - 1
        ws.write_string(0, c, heads[key], f.label)
        # grows with the list that refresh writes (COUNTA less the header)
        wb.define_name(
            name,
            f"=OFFSET({layout.LISTS_SHEET}!${col}$2,0,0,"
            f"MAX(1,COUNTA({layout.LISTS_SHEET}!${col}:${col})-1),1)",
        )
    pcol = split_cell(f"{layout.LISTS['phasings'][1]}1")[0] - 1
    ws.write_string(1, pcol, "days")
    ws.write_string(2, pcol, "months")
    for cell in (layout.CHART_ACTIVITY_CELL, layout.CHART_MONTH_CELL):
        col, row = split_cell(cell)
        first = "Activity" if cell == layout.CHART_ACTIVITY_CELL else "Month"
        for j, text in enumerate((first, "Budget", "Actual")):
            ws.write_string(row - 1, col - 1 + j, text, f.label)
    ws.hide()


def _conf(ws, f: _Formats) -> None:
    # xlwings reads keys from A1 down to the first blank: no header row, no gaps
    for i, (key, value) in enumerate(XLWINGS_CONF):
        ws.write_string(i, 0, key)
        if isinstance(value, bool):
            ws.write_boolean(i, 1, value)
        elif value:
            ws.write_string(i, 1, str(value))
    # the note beside the block, not under it: `pixie-xl excel setup` adds rows there
    ws.write_string(
        0,
        3,
        "Every setting xlwings looks up is in columns A:B but the Python to start: "
        "run  pixie-xl excel setup  (it adds Interpreter_Win or Interpreter_Mac here, "
        "or writes your xlwings.conf).",
        f.note,
    )
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 24)
    # hidden, not very hidden: out of sight and out of the print, and xlwings still finds
    # it by name (xlwings.bas GetConfig reads Sheets("xlwings.conf") whatever its state)
    ws.hide()
