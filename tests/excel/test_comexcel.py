"""The COM stand-in checked against xlwings itself, and the two books held equal on it.

1. What the stand-in hands over goes through xlwings' own conversion layer and comes out as
   xlwings documents for Windows (floats, naive datetimes, None for empty, the shapes of
   ``Range.value`` and ``options(ndim=2)``, ``err_to_str``).
2. A property: a table written through ``XlwingsBook`` (Windows path) reads back the same
   through ``FileBook`` from the saved file, and a table written through ``FileBook`` reads
   back the same through ``XlwingsBook``.
"""

from __future__ import annotations

import math
import shutil
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixie_xl.core.records import Formula
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Column
from pixie_xl.sheets.filebook import FileBook
from pixie_xl.sheets.xlwings_book import XlwingsBook
from tests.excel import comexcel


def test_the_error_codes_are_those_xlwings_maps(windows_excel):
    assert {v: k for k, v in comexcel.ERRORS.items()} == windows_excel.xlwindows.cell_errors


def test_xlwings_converts_what_the_stand_in_hands_over_as_documented(windows_excel, workbook_copy):
    book = windows_excel.open(workbook_copy)
    sheet = book.sheets["Lists"]
    ws = windows_excel.com(book).sheets["Lists"]
    ws.Range("H1:J1").Value = ((5, "x", datetime(2026, 3, 1, 12, 30)),)
    ws.Range("H2").Value = "#N/A"
    assert ws.Range("H1:J1").Value[0][0] == 5.0  # pywin32: every number a float
    assert ws.Range("J1").Value.tzinfo is not None  # and dates with a timezone
    assert sheet.range("H1:J1").value == [5.0, "x", datetime(2026, 3, 1, 12, 30)]
    assert sheet.range("H1:J1").options(ndim=2).value == [[5.0, "x", datetime(2026, 3, 1, 12, 30)]]
    assert sheet.range("H1:H3").value == [5.0, None, None]  # errors None unless err_to_str
    assert sheet.range("H1:H3").options(err_to_str=True).value == [5.0, "#N/A", None]
    assert sheet.range("H1").options(numbers=int).value == 5
    # Range.formula is pywin32's raw answer: a tuple of tuples, not a list
    assert sheet.range("H1:I2").formula == (("5", "x"), ("#N/A", ""))
    assert sheet.range("H1").formula == "5"


def test_com_calls_are_counted(windows_excel, workbook_copy):
    book = windows_excel.open(workbook_copy)
    before = windows_excel.app.com_calls
    book.sheets["Lists"].range("A1").value = 1
    assert windows_excel.app.com_calls > before
    assert windows_excel.app.calls["Value"] >= 1
    # one member from outside is one call, whatever the stand-in does inside to answer it
    rng = windows_excel.com(book).sheets["Lists"].Range("A1:C3")
    before = windows_excel.app.com_calls
    assert len(rng.Value) == 3 and windows_excel.app.com_calls == before + 1
    rng.Value = ((1, 2, 3),) * 3
    assert windows_excel.app.com_calls == before + 2


# --- the two books agree -----------------------------------------------------------------

_TEXT = st.text(alphabet="aZ09 '=-+@#.,:/%$€\n", max_size=8)
_CELL = st.one_of(
    st.none(),
    _TEXT,
    st.integers(-(10**9), 10**9),
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False).map(lambda f: round(f, 4)),
    st.booleans(),
    st.datetimes(datetime(1950, 1, 1), datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.sampled_from([Formula("=1+2"), Formula("=10/4"), Formula("=2*-3")]),
)


class _Near(float):
    def __eq__(self, other):
        return math.isclose(self, other, rel_tol=1e-13, abs_tol=1e-13)

    __hash__ = float.__hash__


def _kind(v):
    """A cell value compared by kind, so that 5 and 5.0 agree and True and 1 do not."""
    if v is None or v == "":
        return ("blank",)
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int | float):  # openpyxl writes a float with 16 significant digits
        return ("number", _Near(v))
    return (type(v).__name__, v)


def _same(table):
    return [[_kind(v) for v in row] for row in table.rows]


_DATE = st.datetimes(datetime(1950, 1, 1), datetime(2100, 1, 1)).map(
    lambda d: d.replace(microsecond=0)
)


def _rows(columns):
    """Rows of any values; a date-formatted column holds dates, text or nothing (a number
    there is a date to Excel and to openpyxl alike, past 9999 an unreadable one)."""
    cells = [
        st.one_of(st.none(), _TEXT, _DATE) if "yy" in c.number_format else _CELL for c in columns
    ]
    return st.lists(st.tuples(*cells).map(list), max_size=6)


TABLES = [layout.BUDGETS_TABLE, layout.VARIANCE_TABLE]  # without and with a total row


@pytest.mark.parametrize("table", TABLES)
def test_written_through_xlwings_read_through_the_file(
    windows_excel, built_workbook, tmp_path_factory, table
):
    columns = list(layout.TABLE_COLUMNS[table])
    sheet = layout.TABLE_SHEETS[table]

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=_rows(columns))
    def check(rows):
        path = tmp_path_factory.mktemp("x") / built_workbook.name
        shutil.copy(built_workbook, path)
        xw_book = windows_excel.open(path)
        try:
            book = XlwingsBook(xw_book)
            book.write_table(sheet, table, columns, rows)
            excel = book.read_table(sheet, table)
            book.save()
        finally:
            xw_book.close()
        file = FileBook.open(path).read_table(sheet, table)
        assert _same(excel) == _same(file)
        assert (excel.header, excel.first_row, excel.columns) == (
            file.header,
            file.first_row,
            file.columns,
        )

    check()


@pytest.mark.parametrize("table", TABLES)
def test_written_to_the_file_read_through_xlwings(
    windows_excel, built_workbook, tmp_path_factory, table
):
    columns = list(layout.TABLE_COLUMNS[table])
    sheet = layout.TABLE_SHEETS[table]

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(rows=_rows(columns))
    def check(rows):
        path = tmp_path_factory.mktemp("f") / built_workbook.name
        shutil.copy(built_workbook, path)
        file_book = FileBook.open(path)
        file_book.write_table(sheet, table, columns, rows)
        file_book.save()
        file = FileBook.open(path).read_table(sheet, table)
        xw_book = windows_excel.open(path)
        try:
            excel = XlwingsBook(xw_book).read_table(sheet, table)
        finally:
            xw_book.close()
        assert _same(excel) == _same(file)

    check()


def test_a_column_list_of_the_tables_is_what_the_books_write():
    assert all(isinstance(c, Column) for t in TABLES for c in layout.TABLE_COLUMNS[t])
