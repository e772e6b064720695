"""The workbook as built: what an accountant (and xlwings) finds when opening it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from pixie_xl.core.records import BUDGET_COLUMNS
from pixie_xl.excel.builder import INTERPRETER_KEYS, XLWINGS_CONF, build_workbook
from pixie_xl.sheets import layout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = tmp_path_factory.mktemp("built") / "PixieBudget.xlsm"
    build_workbook(path, server_url="http://pixie.example:8750")
    return path


@pytest.fixture(scope="module")
def wb(built):
    return openpyxl.load_workbook(built, keep_vba=True)


def test_sheets_are_those_of_the_spec_with_lists_hidden(wb):
    assert wb.sheetnames == [
        "Pixie",
        "Budgets",
        "Profiles",
        "Checks",
        "Variance",
        "Parents",  # issue 11: the parents' roll-up
        "Variance by month",
        "Months",  # issue 11: the months across
        "Alerts",
        "Lists",
        "xlwings.conf",
    ]
    assert wb["Lists"].sheet_state == "hidden"
    # hidden, not veryHidden: out of the print, and xlwings still reads it by name
    assert wb["xlwings.conf"].sheet_state == "hidden"
    assert wb.active.title == "Pixie"


REPORT_SHEETS = ("Variance", "Parents", "Variance by month", "Months", "Alerts")


@pytest.mark.parametrize("sheet", REPORT_SHEETS)
def test_report_sheets_print_landscape_fit_to_width_with_header_and_footer(wb, sheet):
    ws = wb[sheet]
    setup = ws.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert setup.fitToHeight == 0  # as many pages down as the rows need
    assert setup.fitToWidth in (None, 1, 3)  # None is 1; the Months sheet: three pages wide
    assert ws.print_title_rows == "$1:$1"  # the header row on every page
    assert ws.oddFooter.center.text == "Page &P of &N"
    assert ws.oddHeader.left.text == "&B&A&B"  # the sheet's name; refresh adds the period


def test_the_pixie_sheet_prints_on_one_page(wb):
    ws = wb["Pixie"]
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight in (None, 1)
    assert ws.print_area == "'Pixie'!$A$1:$M$33"  # every control, the notes to their end


def test_charts_print_apart_from_the_variance_table(wb):
    # two print areas: the table's columns, and the charts' block on pages of their own
    assert wb["Variance"].print_area == "'Variance'!$A$1:$R$6,'Variance'!$T$1:$AF$38"


@pytest.mark.parametrize("sheet", ["Budgets", "Variance", "Months", "Variance by month"])
def test_headers_are_styled_explicitly_so_they_read_in_libreoffice(wb, sheet):
    cell = wb[sheet]["A1"]
    assert cell.font.b is True
    assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == "FFDDEBF7"
    assert cell.border.bottom.style == "thin"
    assert cell.alignment.wrap_text is True
    assert wb[sheet].row_dimensions[1].height == 30  # two lines: long headers wrap, not cut


def test_months_columns_are_wide_enough_for_amounts_before_refresh(wb):
    ws = wb["Months"]
    assert ws.column_dimensions["F"].width >= 14
    assert ws.column_dimensions["DZ"].width >= 14 or ws.column_dimensions["F"].max >= 130


def test_built_charts_draw_straight_lines_with_gaps_and_whole_number_axes(built):
    with zipfile.ZipFile(built) as zf:
        charts = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/")]
    line = next(c for c in charts if "<c:lineChart>" in c)
    assert '<c:smooth val="1"/>' not in line
    assert "<c:dispBlanksAs" not in line  # XlsxWriter leaves out Excel's default, gaps
    for chart in charts:
        assert '<c:numFmt formatCode="#,##0" sourceLinked="0"/>' in chart


@pytest.mark.parametrize(
    ("sheet", "table", "ref"),
    [
        ("Budgets", "Budgets", "A1:L2"),
        ("Profiles", "Profiles", "A1:M2"),
        ("Checks", "Checks", "A1:E2"),
        ("Variance", "Variance", "A1:R2"),  # no total row (issue 11)
        ("Parents", "VarianceByParent", "A1:R2"),
        ("Months", "MonthsAcross", "A1:H2"),  # the months' columns come with a refresh
        ("Variance by month", "VarianceByMonth", "A1:H2"),  # no total row adding the kinds
        ("Alerts", "Alerts", "A1:T2"),
    ],
)
def test_each_output_is_a_real_table_with_the_layout_headers(wb, sheet, table, ref):
    ws = wb[sheet]
    assert ws.tables[table].ref == ref
    header = [c.value for c in ws[1]][: len(layout.TABLE_COLUMNS[table])]
    assert header == [c.header for c in layout.TABLE_COLUMNS[table]]
    assert ws.freeze_panes == "A2"


def test_budgets_headers_are_the_records_columns():
    # the columns Pixie reads, then Status (written by Pixie) and Delete (SPEC §3)
    assert [c.header for c in layout.BUDGETS_COLUMNS] == [
        *BUDGET_COLUMNS.values(),
        "Status",
        "Delete",
    ]


def test_variance_has_no_total_row_adding_income_and_cost(wb):
    ws = wb["Variance"]
    assert not ws.tables["Variance"].totalsRowCount  # kind totals sit under it (issue 11)
    assert all(c.total is None for c in layout.VARIANCE_COLUMNS)


def test_control_panel_cells_and_their_names(wb):
    ws = wb["Pixie"]
    assert ws["A1"].value.startswith("Pixie XL")
    assert ws[layout.PIXIE_CELLS["server"]].value == "http://pixie.example:8750"
    assert ws[layout.PIXIE_CELLS["token"]].value is None
    notes = [ws.cell(r, 1).value or "" for r in range(10, 20)]
    assert any("better left blank" in n for n in notes)
    for key, cell in layout.PIXIE_CELLS.items():
        assert ws.cell(ws[cell].row, ws[cell].column - 1).value == layout.PIXIE_LABELS[key]
    names = wb.defined_names
    for key, name in layout.PIXIE_NAMES.items():
        col, row = ws[layout.PIXIE_CELLS[key]].column_letter, ws[layout.PIXIE_CELLS[key]].row
        assert names[name].attr_text == f"Pixie!${col}${row}"
    assert {"PixieServer", "PixieToken", "ReportFrom", "ReportTo", "LastRefresh"} <= set(names)


def test_drop_downs_for_object_activity_and_phasing(wb):
    ws = wb["Budgets"]
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1
        for dv in ws.data_validations.dataValidation
        if dv.type == "list"
    }
    assert lists == {"C2": "PixieObjects", "F2": "PixieActivities", "I2": "PixiePhasings"}
    names = wb.defined_names
    assert names["PixiePhasings"].attr_text.startswith("OFFSET(Lists!$C$2")
    lists_ws = wb["Lists"]
    assert [lists_ws["C2"].value, lists_ws["C3"].value] == ["days", "months"]


def test_statuses_are_coloured(wb):
    for sheet in ("Variance", "Alerts"):
        rules = [r for cf in wb[sheet].conditional_formatting for r in cf.rules]
        words = {r.formula[0] for r in rules}
        assert words == {'"OVER"', '"WARN"', '"BEHIND"', '"UNBUDGETED"', '"OK"'}


def test_number_and_date_formats_of_the_budget_columns(wb):
    ws = wb["Budgets"]
    widths = {k: ws.column_dimensions[k].width for k in "ABCDEFGHIJ"}
    assert all(w and w >= 8 for w in widths.values())
    fmt = {c.header: c.number_format for c in layout.BUDGETS_COLUMNS}
    # padded on the right (``_ ``): a date or amount never runs into the next column's
    # text in LibreOffice (``190,000.00days``, ``2026-12-31ROAD``)
    assert fmt["Period start"] == "yyyy-mm-dd_ "
    assert fmt["Cost budget"] == "#,##0.00_ ;-#,##0.00_ "
    assert fmt["Version"] == "0_ "


def test_xlwings_conf_lists_every_setting_xlwings_looks_up(wb):
    import re

    import xlwings

    bas = Path(xlwings.__path__[0], "xlwings.bas").read_text(encoding="latin-1")
    looked_up = set(re.findall(r'GetConfig\("([^"]+)"', bas))
    ws = wb["xlwings.conf"]
    keys = []
    for row in ws.iter_rows(min_col=1, max_col=2):
        if row[0].value is None:
            break  # xlwings reads from A1 down to the first blank
        keys.append(row[0].value.upper())
    interpreter = {k.upper() for k in INTERPRETER_KEYS}
    assert looked_up - interpreter <= set(keys)
    # the Python to start comes from `pixie-xl excel setup`: a key here, even blank, would
    # hide the one it writes to the user's xlwings.conf
    assert not interpreter & set(keys)
    conf = {k.upper(): v for k, v in XLWINGS_CONF}
    assert conf["UDF MODULES"] == "pixie_xl.excel.udfs"
    assert ws["B" + str(keys.index("UDF MODULES") + 1)].value == "pixie_xl.excel.udfs"


def test_buttons_run_the_named_subs(built):
    with zipfile.ZipFile(built) as zf:
        vml = zf.read("xl/drawings/vmlDrawing1.vml").decode()
    for caption, sub in layout.MACROS.items():
        assert f"[0]!{sub}</x:FmlaMacro>" in vml
        assert caption in vml


def test_building_twice_gives_the_same_workbook(tmp_path):
    a, b = tmp_path / "a.xlsm", tmp_path / "b.xlsm"
    build_workbook(a)
    build_workbook(b)
    assert _contents(a) == _contents(b)
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        assert za.read("docProps/core.xml") == zb.read("docProps/core.xml")
        assert za.read("xl/vbaProject.bin") == zb.read("xl/vbaProject.bin")


def test_an_xlsx_has_the_same_sheets_without_vba(tmp_path):
    build_workbook(tmp_path / "plain.xlsx")
    build_workbook(tmp_path / "macro.xlsm")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as zf:
        assert "xl/vbaProject.bin" not in zf.namelist()
    plain = _contents(tmp_path / "plain.xlsx")
    macro = _contents(tmp_path / "macro.xlsm")
    assert plain["cells"] == macro["cells"] and plain["tables"] == macro["tables"]


def test_a_workbook_needs_an_excel_suffix(tmp_path):
    from pixie_xl.core.errors import PixieError

    with pytest.raises(PixieError, match="xlsm"):
        build_workbook(tmp_path / "budget.ods")


def _contents(path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {
        "cells": {
            ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets
        },
        "tables": {ws.title: sorted(ws.tables.items()) for ws in wb.worksheets},
        "names": {k: v.attr_text for k, v in wb.defined_names.items()},
    }


def test_the_committed_workbook_is_what_the_builder_makes(tmp_path):
    """workbook/PixieBudget.xlsm is up to date: every part of the package equals a fresh
    build's (rebuild it with ``make workbook`` when this fails)."""
    committed = Path(__file__).resolve().parents[2] / "workbook" / "PixieBudget.xlsm"
    fresh = build_workbook(tmp_path / "PixieBudget.xlsm")
    with zipfile.ZipFile(committed) as zc, zipfile.ZipFile(fresh) as zf:
        assert zc.namelist() == zf.namelist()
        stale = [n for n in zf.namelist() if zc.read(n) != zf.read(n)]
    assert not stale, f"run make workbook: {stale} differ"
