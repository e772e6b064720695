"""How the built workbook prints and looks (issue 11 item 5), the part that does not change
with a refresh: page set-up, print areas, the footer, header styles, column widths and the
two charts of the Variance sheet. What does change (the page header with the report period
and the refresh time, money formats of the company currency) is set at each refresh by
:mod:`pixie_xl.sheets.look`.

Every report sheet prints landscape on A4, fit to the page width (any number of pages
down), its header row repeated on every page, ``Page &P of &N`` in the footer; the Pixie
sheet fits one page; ``xlwings.conf`` is hidden (xlwings reads it by name all the same).
"""

from __future__ import annotations

from pixie_xl.sheets import layout
from pixie_xl.sheets.cells import col_letter, split_cell

#: the page footer of every sheet (Excel header/footer codes: page number, page count)
FOOTER = "&LPixie XL&CPage &P of &N&R&A"
#: the page header of a built workbook (the sheet's name); a refresh adds the period and the
#: refresh time to the report sheets' headers
HEADER = "&L&B&A&B"
#: header cells: bold on a fill, with a border, wrapped, so that they read without
#: Excel's table style (LibreOffice draws none)
HEADER_STYLE = {
    "bold": True,
    "bg_color": "#DDEBF7",
    "border": 1,
    "text_wrap": True,
    "valign": "top",
}
#: the Months sheet: columns laid out for this many months (months beyond get Excel's width)
MONTHS_LAID_OUT = 60
#: pages across for the Months sheet: three months a page or so would be 5 pt on one
MONTHS_PAGES_WIDE = 3
#: the charts' size in pixels, and the rows each takes (at 20 px a row)
CHART_SIZE = (720, 320)
CHART_ROWS = 18


def header_format(wb):
    return wb.add_format(HEADER_STYLE)


#: the header row's height in points: two lines, for the wrapped headers
HEADER_HEIGHT = 30


def print_table_sheet(ws, table: str) -> None:
    """Landscape A4, one page wide, header row repeated, header and footer; the header row
    two lines high (its long headers wrap)."""
    ws.set_row(0, HEADER_HEIGHT)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(MONTHS_PAGES_WIDE if table == layout.MONTHS_ACROSS_TABLE else 1, 0)
    ws.repeat_rows(0)
    ws.set_header(HEADER)
    ws.set_footer(FOOTER)
    if table == layout.MONTHS_ACROSS_TABLE:
        ws.repeat_columns(0, 4)  # object, name, activity, kind, scope on every page


def months_columns(ws, money) -> None:
    """The Months sheet's month columns, wide enough for an amount before refresh adds
    them (a narrow column would show ``###`` or run into the next one)."""
    first = len(layout.MONTHS_ACROSS_COLUMNS) - len(layout.MONTHS_ACROSS_TOTALS)
    ws.set_column(first, first + 3 * MONTHS_LAID_OUT + 2, 14, money)


def print_pixie(ws, last_row: int, last_col: int) -> None:
    """The control panel on one page (landscape: the notes are long lines)."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, last_row, last_col)
    ws.set_header(HEADER)
    ws.set_footer(FOOTER)


def variance_print_area(n_rows: int) -> str:
    """The Variance sheet's print area: the table with its income, cost and net rows, and
    the charts' block, each printed on pages of its own so that the charts never squeeze
    the table. Bounded ranges: Excel and LibreOffice write a whole-column print area as
    ``$A:$R``, which openpyxl cannot read back.

    >>> variance_print_area(5)
    'Variance!$A$1:$R$10,Variance!$T$1:$AF$38'
    """
    from pixie_xl.sheets.kind_totals import LABELS, block_start

    sheet = layout.VARIANCE_SHEET
    last = col_letter(len(layout.VARIANCE_COLUMNS))
    end = block_start(n_rows) + len(LABELS) - 1
    col, row = split_cell(layout.CHART_ACTIVITY_ANCHOR)
    width_cols = CHART_SIZE[0] // 64 + 1
    charts = f"${col_letter(col)}$1:${col_letter(col + width_cols)}${row + 2 * CHART_ROWS}"
    return f"{sheet}!$A$1:${last}${end},{sheet}!{charts}"


def print_variance(wb) -> None:
    """The built Variance sheet's print area (a refresh sets it to the rows written)."""
    wb.define_name(f"{layout.VARIANCE_SHEET}!_xlnm.Print_Area", f"={variance_print_area(0)}")


def charts(wb, ws) -> None:
    """Budget vs actual by activity, and cumulatively by month; refresh resizes them.

    Straight lines, blanks as gaps (the actual line stops at the last booked month),
    whole-number value axes, month labels as text (``Jan 2026``).
    """
    sheet = layout.CHART_DATA_SHEET
    for cell, kind, title, anchor in (
        (
            layout.CHART_ACTIVITY_CELL,
            "column",
            layout.CHART_ACTIVITY_TITLE,
            layout.CHART_ACTIVITY_ANCHOR,
        ),
        (layout.CHART_MONTH_CELL, "line", layout.CHART_MONTH_TITLE, layout.CHART_MONTH_ANCHOR),
    ):
        col, row = split_cell(cell)
        chart = wb.add_chart({"type": kind})
        for j in (1, 2):
            series = {
                "name": [sheet, row - 1, col - 1 + j],
                "categories": [sheet, row, col - 1, row, col - 1],
                "values": [sheet, row, col - 1 + j, row, col - 1 + j],
            }
            if kind == "line":
                series["smooth"] = False
            chart.add_series(series)
        chart.set_title({"name": title})
        chart.set_y_axis({"num_format": layout.WHOLE_AMOUNT})
        chart.show_blanks_as("gap")
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": CHART_SIZE[0], "height": CHART_SIZE[1]})
        acol, arow = split_cell(anchor)
        ws.insert_chart(arow - 1, acol - 1, chart)
