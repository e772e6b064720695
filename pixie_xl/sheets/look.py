"""What a refresh changes in how the report sheets print (issue 11 item 5): the page header
names the sheet, the report period and the refresh time. The rest of the page set-up does
not change and comes with the built workbook (:mod:`pixie_xl.excel.print_look`); the money
formats of the company currency are written with the tables (:func:`.layout.in_currency`).
"""

from __future__ import annotations

from datetime import date, datetime

from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book

#: the sheets whose page header a refresh writes
REPORT_SHEETS = (
    layout.VARIANCE_SHEET,
    layout.PARENTS_SHEET,
    layout.MONTHS_SHEET,
    layout.MONTHS_ACROSS_SHEET,
    layout.ALERTS_SHEET,
)


def page_header(frm: date, to: date, refreshed: datetime | None) -> tuple[str, str, str]:
    """(left, center, right) of the page header: the sheet's name (``&A``), the period,
    the refresh time (local, to the minute).

    >>> page_header(date(2026, 1, 1), date(2026, 12, 31), datetime(2026, 11, 4, 10, 30))
    ('&B&A&B', 'Report 2026-01-01 to 2026-12-31', 'Refreshed 2026-11-04 10:30')
    """
    when = f"Refreshed {refreshed:%Y-%m-%d %H:%M}" if refreshed else "Not refreshed yet"
    return "&B&A&B", f"Report {frm:%Y-%m-%d} to {to:%Y-%m-%d}", when


def set_page_headers(
    book: Book, frm: date, to: date, refreshed: datetime | None, variance_rows: int = 0
) -> None:
    """The page header of every report sheet, and the Variance sheet's print area (its
    ``variance_rows`` rows and totals, then the charts); books without print settings:
    nothing."""
    from pixie_xl.excel.print_look import variance_print_area

    setter = getattr(book, "set_print_header", None)
    if setter is None:
        return
    left, center, right = page_header(frm, to, refreshed)
    names = set(book.sheet_names())
    for sheet in REPORT_SHEETS:
        if sheet in names:
            setter(sheet, left, center, right)
    area = getattr(book, "set_print_area", None)
    if area is not None and layout.VARIANCE_SHEET in names:
        area(layout.VARIANCE_SHEET, variance_print_area(variance_rows))
