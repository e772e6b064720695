"""A file refresh's tables written as blocks of row XML (issue 12.1): the same XML as the
cells would give, read back as written before and after the save, a hostile value refused
naming its cell, and the old tables' cells not parsed where the refresh does not read them."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pixie_xl.core.money import Money
from pixie_xl.core.records import Formula
from pixie_xl.excel.builder import build_workbook
from pixie_xl.sheets import layout, tables
from pixie_xl.sheets.block_xml import block_xml
from pixie_xl.sheets.filebook import FileBook
from pixie_xl.sheets.months_writer import write_months_across
from pixie_xl.sheets.stream_sheet import StreamSheet
from pixie_xl.sheets.xlsx_stream import Styler, row_xml
from tests.excel.test_libreoffice import months_report
from tests.excel.test_writers import sample_months


def _styler() -> Styler:
    ids = {"yyyy-mm-dd": 1, "yyyy-mm-dd h:mm:ss": 2, None: 3, "h:mm:ss": 5}

    def derive(style, number_format, quote):  # one id per what is derived, in any order
        return 100 + 10 * style + ids[number_format] + 4 * quote

    return Styler({5}, derive)


#: every kind of value a writer hands over; columns 0-4 one kind each, 5-6 mixed
ROWS = [
    ["P-1", 1.5, Decimal("12.30"), 7, None, Money(1234, "EUR"), date(2026, 1, 1)],
    ["=cmd|x", 2.25, Decimal("-0.01"), -3, None, "", datetime(2026, 2, 1, 9, 30)],
    [" a & <b> ", 1e16, Decimal("0E-2"), 0, None, math.nan, True],
    ["", 3.0, Decimal("1E+3"), 10**15, None, Formula('=SUM(A1:A2)&"<"'), None],
]


@pytest.mark.parametrize("styles", [[0, 3, 3, 0, 0, 0, 0], [2, 0, 4, 5, 6, 3, 5]])
def test_a_block_is_the_same_xml_as_its_cells(styles):
    block, ours = _styler(), _styler()
    xml, _dated = block_xml(7, 2, ROWS, styles, block)
    cells = [
        row_xml(7 + i, {2 + c: (v, styles[c]) for c, v in enumerate(row)}, ours)
        for i, row in enumerate(ROWS)
    ]
    assert [f'<row r="{7 + i}">{x}</row>' for i, x in enumerate(xml)] == cells
    assert block._cache == ours._cache  # the same styles derived (quote prefix, dates)


def test_a_control_character_in_a_block_is_refused_naming_its_cell():
    with pytest.raises(ValueError, match="cell B3: text with a control character"):
        block_xml(2, 2, [["ok"], ["bad\x07"]], [0], _styler())


def test_a_value_not_rendered_as_xml_is_kept_as_a_cell():
    from datetime import time

    st = StreamSheet("", list, _styler())
    st.put_rows(2, 1, [["x", time(9, 30)]], [0, 0])
    assert st.get(2, 1) == "x"
    assert '<c r="B2" s="105"><v>0.3958333333333333</v></c>' in "".join(st.xml_chunks())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("blocks") / "PixieBudget.xlsm")


def test_block_rows_read_back_as_written_before_and_after_the_save(built, tmp_path):
    path = tmp_path / "book.xlsm"
    path.write_bytes(built.read_bytes())
    book = FileBook.open(path)
    tables.write_months(book, sample_months())
    before = book.read_table(layout.MONTHS_SHEET, layout.MONTHS_TABLE)
    assert before.rows[0][:6] == ("P-1", "Object P-1", "ROAD", "cost", date(2026, 1, 1), 500.0)
    book.save()
    after = FileBook.open(path).read_table(layout.MONTHS_SHEET, layout.MONTHS_TABLE)
    # a date written reads back as openpyxl reads it from the file: a datetime
    assert [r[:4] + r[5:] for r in after.rows] == [r[:4] + r[5:] for r in before.rows]
    assert [r[4] for r in after.rows] == [datetime.combine(r[4], datetime.min.time())
                                          for r in before.rows]  # fmt: skip


def test_one_cell_of_the_file_is_read_without_parsing_the_whole_sheet():
    cells = '<c r="A{0}"><v>{0}</v></c><c r="B{0}" s="5"><v>46023</v></c>'
    data = "".join(f'<row r="{r}">{cells.format(r)}</row>' for r in range(1, 5))
    st = StreamSheet(data, list, _styler())
    assert st.get(3, 1) == 3 and st.get(3, 2) == datetime(2026, 1, 1)
    assert st.style(2, 2) == 5
    assert st._data is not None  # the rest of the file's rows not parsed
    st.clear(1, 3, 1, 3)
    assert st.get(3, 1) is None and st.get(3, 2) == datetime(2026, 1, 1)
    assert [(r, c) for r, c, _v in st.cells()] == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 2),
                                                   (4, 1), (4, 2)]  # fmt: skip


def test_the_old_rows_a_large_clear_covers_are_let_go_at_once():
    cells = '<c r="A{0}"><v>{0}</v></c><c r="C{0}"><v>7</v></c>'
    rows = [f'<row r="{r}">{cells.format(r)}</row>' for r in range(1, 201)]
    rows[149] = '<row r="150" ht="30" customHeight="1"><c r="A150"><v>150</v></c></row>'
    st = StreamSheet("".join(rows), list, _styler())
    st.clear(1, 1, 3, 180)
    # what is left of the file: the rows below, and the row with a height of its own
    assert st._data is not None and st._data.count("<row ") == 21
    assert st.get(181, 1) == 181 and st.get(150, 1) is None
    st.clear(1, 1, 1, 200)  # column A only: the rows keep their C cells
    assert st._data.count("<row ") == 21 and st.get(190, 3) == 7
    chunks = "".join(st.xml_chunks())
    assert chunks.startswith('<row r="150" ht="30" customHeight="1"></row><row r="181">')


def test_the_months_table_is_rewritten_without_parsing_the_old_one(built, tmp_path):
    path = tmp_path / "book.xlsm"
    path.write_bytes(built.read_bytes())
    book = FileBook.open(path)
    write_months_across(book, months_report())
    book.save()
    first = FileBook.open(path).read_table(layout.MONTHS_ACROSS_SHEET, layout.MONTHS_ACROSS_TABLE)
    book = FileBook.open(path)
    write_months_across(book, months_report())
    assert book.streams[layout.MONTHS_ACROSS_SHEET]._data is not None  # the old cells unread
    book.save()
    again = FileBook.open(path).read_table(layout.MONTHS_ACROSS_SHEET, layout.MONTHS_ACROSS_TABLE)
    assert again == first and len(first.rows) > 3
