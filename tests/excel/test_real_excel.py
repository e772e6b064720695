"""The behaviours the COM stand-in assumes, checked in a real Excel for Windows on a copy
of a freshly built workbook: opt-in, ``pytest --excel`` (STYLE §10).

The same test runs on the stand-in every time (its assertions are made in more detail in
test_book_xlwings and test_comexcel); run it with ``--excel`` where Excel is installed to
confirm that the stand-in answers as Excel does: a table resized with its total row (the
total row moves along under the data), Value and Formula of each kind of cell, text Excel
would parse, error values, the status bar.
"""

from __future__ import annotations

import shutil
import sys

import pytest

from pixie_xl.core.records import Formula
from pixie_xl.sheets import layout, tables
from pixie_xl.sheets.filebook import FileBook
from pixie_xl.sheets.xlwings_book import XlwingsBook
from tests.excel.test_writers import sample_variance


@pytest.fixture(params=["stand-in", "excel"])
def excel_book(request, built_workbook, tmp_path):
    """The workbook open in the COM stand-in, and (opt-in) in a real Excel."""
    path = tmp_path / built_workbook.name
    shutil.copy(built_workbook, path)
    if request.param == "stand-in":
        windows_excel = request.getfixturevalue("windows_excel")
        yield XlwingsBook(windows_excel.open(path)), path
        return
    if not request.config.getoption("--excel"):
        pytest.skip("needs a real Excel: run with --excel")
    if not sys.platform.startswith("win"):
        pytest.skip("the Windows path: xlwings over pywin32")
    import xlwings as xw

    app = xw.App(visible=False, add_book=False)
    try:
        book = app.books.open(str(path))
        yield XlwingsBook(book), path
    finally:
        app.quit()


def test_tables_values_and_status_as_the_stand_in_answers(excel_book):
    book, path = excel_book
    tables.write_variance(book, sample_variance())
    tables.write_variance(book, sample_variance()[:2])  # shrinks: the total row moves up
    tables.write_budgets(
        book,
        [["", None, t, None, None, "ROAD", 0, Formula("=50*2")] for t in ("00123", "'q", "TRUE")],
    )
    book.set_value(layout.BUDGETS_SHEET, "H3", Formula("=1/0"))
    book.status("working")
    book.reset_status()
    assert book.book.app.status_bar in (False, "")
    excel = [book.read_table(s, t) for s, t in (("Variance", "Variance"), ("Budgets", "Budgets"))]
    book.save()
    file = FileBook.open(path)
    assert excel[0].rows == file.read_table("Variance", "Variance").rows
    assert file.get_value("Variance", "A5") == "Income total"  # 2 rows, a blank row
    budgets = excel[1].rows
    assert [r[2] for r in budgets] == ["00123", "'q", "TRUE"]
    assert budgets[0][7] == Formula("=50*2") and budgets[1][7] == Formula("=1/0")
