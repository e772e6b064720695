"""What a refresh sets for printing, through each book: the page header with the period and
the refresh time on every report sheet, and the Variance sheet's print area (its rows and
totals, then the charts), in Excel (the COM stand-in under xlwings) and in the file."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from pixie_xl.sheets import layout, tables
from pixie_xl.sheets.fakebook import FakeBook
from pixie_xl.sheets.filebook import FileBook
from pixie_xl.sheets.look import REPORT_SHEETS, set_page_headers
from pixie_xl.sheets.xlwings_book import XlwingsBook
from tests.excel.test_writers import sample_variance

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))
AT = datetime(2026, 7, 3, 8, 15)
HEADER = ("&B&A&B", "Report 2026-01-01 to 2026-06-30", "Refreshed 2026-07-03 08:15")
AREA = "'Variance'!$A$1:$R$10,'Variance'!$T$1:$AF$38"  # 5 rows, a blank row, 3 totals


def _dress(book) -> None:
    tables.write_variance(book, sample_variance())
    set_page_headers(book, *PERIOD, AT, len(sample_variance()))


def _check(wb) -> None:
    for sheet in REPORT_SHEETS:
        h = wb[sheet].oddHeader
        assert (h.left.text, h.center.text, h.right.text) == HEADER, sheet
    assert wb[layout.VARIANCE_SHEET].print_area == AREA
    assert wb[layout.CHECKS_SHEET].oddHeader.center.text is None  # not a report sheet


def test_excel_gets_the_header_and_print_area(windows_excel, workbook_copy):
    book = windows_excel.open(workbook_copy)
    _dress(XlwingsBook(book))
    _check(windows_excel.com(book).wb)


def test_the_file_keeps_the_header_and_print_area(workbook_copy):
    book = FileBook.open(workbook_copy)
    _dress(book)
    book.save()
    _check(openpyxl.load_workbook(workbook_copy))


def test_before_any_refresh_from_the_service_the_header_says_so():
    book = FakeBook.new()
    set_page_headers(book, *PERIOD, None)
    assert book.print_headers[layout.VARIANCE_SHEET][2] == "Not refreshed yet"


@pytest.mark.parametrize("rows", [0, 1, 5])
def test_the_print_area_follows_the_rows(rows):
    from pixie_xl.excel.print_look import variance_print_area

    last = 1 + max(rows, 1) + 2 + 2  # header, rows (one when empty), blank, three totals
    assert variance_print_area(rows).startswith(f"Variance!$A$1:$R${last},")
