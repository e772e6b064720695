"""The live-Excel book as it runs on Windows: ``XlwingsBook`` → ``xw.Book`` → xlwings'
conversion layer → ``xlwings._xlwindows`` → the COM stand-in (``comexcel``).

The same workbook file is read through ``XlwingsBook`` (in the stand-in) and through
``FileBook`` (openpyxl), and the two must agree.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime

import pytest

from pixie_xl.core.findings import Severity
from pixie_xl.core.records import Formula
from pixie_xl.excel import actions
from pixie_xl.sheets import layout, tables
from pixie_xl.sheets.book import Book, Column
from pixie_xl.sheets.filebook import FileBook
from pixie_xl.sheets.xlwings_book import XlwingsBook
from tests.excel.comexcel import ERRORS, XL_CALCULATION_AUTOMATIC
from tests.excel.test_writers import HOSTILE_NAME, sample_variance

BUDGETS, VARIANCE = layout.BUDGETS_SHEET, layout.VARIANCE_SHEET


@pytest.fixture
def opened(windows_excel, workbook_copy):
    """``(XlwingsBook, stand-in workbook)`` of a freshly built workbook open in Excel."""
    book = windows_excel.open(workbook_copy)
    return XlwingsBook(book), windows_excel.com(book)


def _budget_row(obj, cost):
    return ["", None, obj, None, None, "ROAD", 0, cost]


def test_the_xlwings_workbook_is_a_pixie_book(opened):
    assert isinstance(opened[0], Book)


def test_a_three_row_table_reads_as_three_rows(opened):
    """The test that would have caught the empty-table defect: pywin32 hands ``Formula``
    over as a tuple of tuples, which the old read wrapped as a single cell."""
    book, _ = opened
    tables.write_budgets(book, [_budget_row(f"P-{i}", 100 * i) for i in (1, 2, 3)])
    t = book.read_table(BUDGETS, layout.BUDGETS_TABLE)
    assert len(t.rows) == 3
    assert [r[2] for r in t.rows] == ["P-1", "P-2", "P-3"]
    assert [r[7] for r in t.rows] == [100.0, 200.0, 300.0]


def test_variance_written_and_read_back(opened):
    book, com = opened
    tables.write_variance(book, sample_variance())
    t = book.read_table(VARIANCE, layout.VARIANCE_TABLE)
    assert len(t.rows) == 5 and t.rows[0][6] == 850.0 and t.first_row == 2
    assert t.rows[2][1] == HOSTILE_NAME and not isinstance(t.rows[2][1], Formula)
    ws = com.sheets[VARIANCE].ws
    assert ws["A8"].value == "Income total" and ws["G8"].value.startswith("=SUMPRODUCT(")
    assert ws["G2"].number_format == layout.MONEY
    assert ws.tables[layout.VARIANCE_TABLE].ref == "A1:R6"
    tables.write_variance(book, sample_variance()[:1])
    assert len(book.read_table(VARIANCE, layout.VARIANCE_TABLE).rows) == 1
    assert ws.tables[layout.VARIANCE_TABLE].ref == "A1:R2"
    assert ws["A4"].value == "Income total" and ws["A8"].value is None and ws["A3"].value is None


def test_formulas_in_the_budgets_table_come_back_as_formulas(opened):
    book, _ = opened
    tables.write_budgets(book, [_budget_row("P-1", Formula("=50*2"))])
    row = tables.read_budget_rows(book)[0]
    assert row.values["cost"] == Formula("=50*2") and row.values["object"] == "P-1"
    assert book.get_value(BUDGETS, "H2") == Formula("=50*2")


@pytest.mark.parametrize("text", sorted(ERRORS))
def test_error_cells_read_as_their_text_as_in_the_file(opened, workbook_copy, text):
    book, com = opened
    tables.write_budgets(book, [_budget_row("P-1", 5), _budget_row("P-2", 6)])
    com.sheets[BUDGETS].ws["H3"].value = text
    com.sheets[BUDGETS].ws["H3"].data_type = "e"
    assert book.read_table(BUDGETS, layout.BUDGETS_TABLE).rows[1][7] == text
    assert book.get_value(BUDGETS, "H3") == text
    com.Save()
    assert FileBook.open(workbook_copy).read_table(BUDGETS, layout.BUDGETS_TABLE).rows[1][7] == (
        text
    )


def _errors(findings):
    return sorted((str(f.source), f.code) for f in findings if f.severity is Severity.ERROR)


def test_a_ref_error_in_a_cost_cell_is_the_same_finding_as_in_the_file(
    opened, workbook_copy, tmp_path, monkeypatch
):
    """SPEC §3: every error value is a finding with its cell, on Windows as in a file."""
    from tests.excel.test_actions import cache as _cache  # noqa: F401

    book, com = opened
    tables.write_budgets(book, [_budget_row("P-100", 5), _budget_row("P-100", 6)])
    com.sheets[BUDGETS].ws["H3"].value = "#REF!"
    com.sheets[BUDGETS].ws["H3"].data_type = "e"
    com.Save()
    cache = _offline_cache()
    file_findings = actions.check(FileBook.open(workbook_copy), None, cache).findings
    findings = actions.check(book, None, cache).findings
    assert ("Budgets!H3", "excel_error") in _errors(findings)
    assert _errors(findings) == _errors(file_findings)


def _offline_cache():
    from pixie_xl.demo import dataset
    from pixie_xl.excel import cache as cache_mod

    ds = dataset.generate()
    c = cache_mod.Cache("http://offline:1")
    if not c.exists():
        c.fill(
            settings={"timezone": "Europe/Amsterdam", "currency": "EUR"},
            objects=[
                dict(zip(["id", "name", "kind", "parent"], o[:4], strict=True)) for o in ds.objects
            ],
            activities=[
                {"code": a[0], "name": a[1], "active": a[2] == "true"} for a in ds.activities
            ],
            lines=[],
        )
    return c


@pytest.mark.parametrize(
    "text", ["00123", "TRUE", "2026-01-31", "1e3", "50%", "Mar 2026", "'quoted", "#N/A"]
)
def test_text_that_excel_would_parse_stays_text(opened, text):
    book, _ = opened
    book.set_value(layout.PIXIE_SHEET, "B20", text)
    assert book.get_value(layout.PIXIE_SHEET, "B20") == text
    tables.write_budgets(book, [["", None, text, None, None, "ROAD", 0, 1]])
    assert book.read_table(BUDGETS, layout.BUDGETS_TABLE).rows[0][2] == text


def test_control_panel_status_marks_and_alerts(opened):
    book, com = opened
    book.set_value(layout.PIXIE_SHEET, "B3", "http://127.0.0.1:8750")
    book.set_value(layout.PIXIE_SHEET, "B9", "-budget.csv")
    assert book.get_value(layout.PIXIE_SHEET, "B9") == "-budget.csv"
    book.set_value(layout.PIXIE_SHEET, "B5", datetime(2026, 3, 1))
    assert book.get_value(layout.PIXIE_SHEET, "B5") == datetime(2026, 3, 1)
    book.status("saved 2 budget(s)")
    assert com.Application.StatusBar == "saved 2 budget(s)"
    assert book.get_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["status"]) == "saved 2 budget(s)"
    book.reset_status()
    assert com.Application.StatusBar is False
    book.mark_cells(BUDGETS, ["H2"], Severity.ERROR)
    assert com.sheets[BUDGETS].ws["H2"].fill.fgColor.rgb == "FFFFC7CE"
    book.mark_cells(BUDGETS, [], Severity.ERROR)
    assert com.sheets[BUDGETS].ws["H2"].fill.fill_type is None
    book.alert("Nothing was saved")
    assert com.Application.alerts == [("Pixie XL", "Nothing was saved")]
    book.save()
    assert com.saves == 1


def test_rows_typed_under_the_table_join_it_as_in_the_file(opened, workbook_copy, tmp_path):
    book, com = opened
    for cell, value in (("C2", "P-1"), ("F3", "ROAD"), ("A6", "later"), ("N3", "aside")):
        book.set_value(BUDGETS, cell, value)
    com.Save()
    twin = tmp_path / "twin.xlsx"
    shutil.copy(workbook_copy, twin)
    file_book = FileBook.open(twin)
    for b in (book, file_book):
        assert b.stray_cells(BUDGETS, layout.BUDGETS_TABLE) == ["F3", "N3", "A6"]
        assert b.grow_table(BUDGETS, layout.BUDGETS_TABLE) == 1
        assert b.grow_table(BUDGETS, layout.BUDGETS_TABLE) == 0
        assert b.stray_cells(BUDGETS, layout.BUDGETS_TABLE) == ["N3", "A6"]
    assert book.read_table(BUDGETS, layout.BUDGETS_TABLE) == file_book.read_table(
        BUDGETS, layout.BUDGETS_TABLE
    )
    assert book.grow_table(VARIANCE, layout.VARIANCE_TABLE) == 0  # a total row: never


def _calls(windows_excel, fn):
    before = windows_excel.app.com_calls
    fn()
    return windows_excel.app.com_calls - before


def test_the_totals_under_the_variance_table_follow_it_as_it_grows_and_shrinks(opened):
    """The income, cost and net rows are written over the old ones (no separate clear in
    Excel, issue 12 item 6): wherever the old rows were, under the new block, at it or
    inside the new table, nothing of them is left and the block sits under the table."""
    from pixie_xl.sheets.kind_totals import LABELS, block_start

    book, _ = opened
    many = sample_variance() * 8
    with book.quiet():  # as a button: the table's place kept between the writes
        for n in (2, 20, 20, 3, 1, 9):
            tables.write_variance(book, many[:n])
            column = [book.get_value(VARIANCE, f"A{r}") for r in range(1, 30)]
            start = block_start(n)
            assert column[start - 1 : start + 2] == list(LABELS), (n, column)
            assert all(v not in (None, "") for v in column[1 : n + 1]), (n, column)
            assert column[start + 2 :] == [None] * (29 - start - 2), (n, column)


def test_number_formats_held_during_a_button_keep_the_last_one_given(opened):
    """Inside ``quiet()`` the number formats go out at its end, one write per sheet and
    format; a cell formatted again and again keeps the last format, table and totals."""
    import dataclasses

    from pixie_xl.core.money import Money
    from pixie_xl.sheets.kind_totals import block_start

    book, _ = opened
    eur = sample_variance()[:2]
    yen = [
        dataclasses.replace(
            r,
            **{
                f.name: Money(m.minor // 100, "JPY")
                for f in dataclasses.fields(r)
                if isinstance(m := getattr(r, f.name), Money)
            },
        )
        for r in eur
    ]
    money = layout.in_currency(layout.VARIANCE_COLUMNS, "EUR")[6].number_format
    assert money != layout.in_currency(layout.VARIANCE_COLUMNS, "JPY")[6].number_format
    letter = chr(ord("A") + 6)
    with book.quiet():  # euros, yen, euros again: the euros' format is the last given
        for rows in (eur, yen, eur):
            tables.write_variance(book, rows)
    ws = book.book.sheets[VARIANCE]
    assert ws.range(f"{letter}2").number_format == money
    assert ws.range(f"{letter}{block_start(2)}").number_format == money


def test_the_drop_down_lists_are_written_as_one_block_over_the_old_ones(opened):
    book, _ = opened
    tables.write_lists(book, [f"P-{i}" for i in range(6)], ["ROAD", "MAINT"], ["Summer"])
    tables.write_lists(book, ["P-9"], [], [])
    lists = layout.LISTS_SHEET
    got = [[book.get_value(lists, f"{c}{r}") for c in "ABC"] for r in range(2, 9)]
    assert got == [["P-9", None, "days"], [None, None, "months"]] + [[None] * 3] * 5


def test_com_calls_of_a_table_read_and_write_do_not_grow_with_the_rows(windows_excel, opened):
    """Outside a button press: the table's place and total row read (three calls), then
    one resize, one values write (header, rows, total row) and one number-format write;
    or the table's range, place and total row and its values and formulas read."""
    book, _ = opened
    cols = [Column("Object"), Column("Cost", number_format="#,##0.00", total="sum")]
    book.write_table(VARIANCE, "Variance", cols, [["P-0", 0.0]])  # sheet and table found
    counts = []
    for n in (3, 300):
        rows = [[f"P-{i}", float(i)] for i in range(n)]
        write = _calls(
            windows_excel, lambda r=rows: book.write_table(VARIANCE, "Variance", cols, r)
        )
        read = _calls(windows_excel, lambda: book.read_table(VARIANCE, "Variance"))
        counts.append((write, read))
    assert counts[0] == counts[1], counts
    write, read = counts[0]
    assert write <= 9 and read <= 5, counts


#: the calls of one Refresh in Excel: issue 12 item 6 asks for at most 200 (see
#: docs/decisions.md "Helper C" and "Helper C2" for where they go)
REFRESH_CALLS = 200


@pytest.mark.slow
def test_a_refresh_makes_the_same_few_com_calls_for_100_or_1000_budget_lines(
    windows_excel, tmp_path, monkeypatch
):
    """Issue 12 item 6: each output table is written in a handful of block calls, never
    per row or per cell, so a Refresh of 1,000 budget lines makes the calls of one of 100
    (the workbook side, after the sync): a call per line would show as 900 more. 10,000
    lines take minutes in the openpyxl-backed stand-in: ``bench_excel_refresh_com_calls``
    counts those, beside 100."""
    from tests.excel.comexcel_refresh import prepared, refresh_calls

    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / "cache"))
    one_month = date(2026, 1, 31)
    small = refresh_calls(windows_excel, *prepared(tmp_path, 100), to=one_month)
    large = refresh_calls(windows_excel, *prepared(tmp_path, 1_000), to=one_month)
    assert abs(large - small) <= 4, (small, large)
    assert large <= REFRESH_CALLS, large
    assert windows_excel.app.ScreenUpdating is True
    assert windows_excel.app.Calculation == XL_CALCULATION_AUTOMATIC
    assert windows_excel.app.StatusBar is False
