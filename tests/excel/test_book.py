"""The file book on the built .xlsm: a refresh written, saved and opened again keeps the VBA,
the buttons and the charts, resizes the tables, never turns CRM text into formulas, and
produces the sheets pinned by the golden file."""

from __future__ import annotations

import json
import os
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixie_xl.core.errors import BadFile
from pixie_xl.core.findings import Severity
from pixie_xl.core.records import Formula
from pixie_xl.excel.builder import build_workbook
from pixie_xl.sheets import layout, tables
from pixie_xl.sheets.book import Book
from pixie_xl.sheets.fakebook import FakeBook
from pixie_xl.sheets.filebook import FileBook
from tests.excel.test_writers import (
    HOSTILE_NAME,
    sample_findings,
    sample_months,
    sample_variance,
)

GOLDEN = Path(__file__).parent / "golden"
OUTPUT_SHEETS = (
    layout.CHECKS_SHEET,
    layout.VARIANCE_SHEET,
    layout.MONTHS_SHEET,
    layout.ALERTS_SHEET,
)


def dump_sheets(path: Path, sheets=OUTPUT_SHEETS) -> dict:
    """The cell values of some sheets as JSON-able lists (formulas as their text)."""

    def show(v):
        if isinstance(v, datetime | date):
            return v.isoformat()
        return v

    wb = openpyxl.load_workbook(path)
    return {name: [[show(c.value) for c in row] for row in wb[name].iter_rows()] for name in sheets}


def refresh(path: Path) -> None:
    """What a file-mode refresh and validation write, from the small fixed input."""
    book = FileBook.open(path)
    tables.write_variance(book, sample_variance())
    tables.write_months(book, sample_months())
    tables.write_alerts(book, sample_variance()[:4])
    tables.write_checks(book, sample_findings())
    book.save()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("book") / "PixieBudget.xlsm")


@pytest.fixture
def refreshed(built, tmp_path) -> Path:
    path = tmp_path / "refreshed.xlsm"
    path.write_bytes(built.read_bytes())
    refresh(path)
    return path


def _part(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def test_books_follow_the_book_interface(built):
    assert isinstance(FakeBook.new(), Book)
    assert isinstance(FileBook.open(built), Book)


def test_vba_project_and_buttons_survive_a_refresh(built, refreshed):
    assert _part(refreshed, "xl/vbaProject.bin") == _part(built, "xl/vbaProject.bin")
    vml = "xl/drawings/vmlDrawing1.vml"
    assert _part(refreshed, vml) == _part(built, vml)  # the buttons' drawing, byte for byte
    macros = re.findall(rb"<x:FmlaMacro>([^<]+)</x:FmlaMacro>", _part(refreshed, vml))
    assert macros == [f"[0]!{sub}".encode() for sub in layout.MACROS.values()]


def test_tables_are_resized_to_the_rows_written(refreshed):
    wb = openpyxl.load_workbook(refreshed, keep_vba=True)
    variance = wb["Variance"].tables["Variance"]
    assert variance.ref == "A1:R6"  # header, 5 rows; income, cost, net totals under it
    assert variance.autoFilter.ref == "A1:R6"
    assert wb["Alerts"].tables["Alerts"].ref == "A1:T5"  # with Was and Changed
    assert wb["Checks"].tables["Checks"].ref == "A1:E4"
    assert wb["Variance by month"].tables["VarianceByMonth"].ref == "A1:H5"  # no total row
    assert wb["Variance"]["A8"].value == "Income total"
    assert wb["Variance"]["G8"].value.startswith("=SUMPRODUCT(SUBTOTAL(109,OFFSET(")
    book = FileBook.open(refreshed)
    tables.write_variance(book, sample_variance()[:1])
    book.save()
    wb = openpyxl.load_workbook(refreshed, keep_vba=True)
    assert wb["Variance"].tables["Variance"].ref == "A1:R2"
    assert wb["Variance"]["A4"].value == "Income total"  # moved up with the table
    assert [c.value for c in wb["Variance"][8]][:7] == [None] * 7


def test_crm_text_that_looks_like_a_formula_stays_text(refreshed):
    wb = openpyxl.load_workbook(refreshed)
    names = [wb["Variance"].cell(r, 2) for r in range(2, 7)]
    risky = [c for c in names if c.value in (HOSTILE_NAME, "@SUM(1+1)", "-5 discount")]
    assert len(risky) == 3 and all(c.data_type == "s" for c in risky)
    sheet_xml = _part(refreshed, "xl/worksheets/sheet5.xml").decode()
    assert not re.search(r"<f>[^<]*HYPERLINK", sheet_xml)  # text, never a <f> formula
    read = FileBook.open(refreshed).read_table("Variance", "Variance")
    assert read.rows[2][1] == HOSTILE_NAME and not isinstance(read.rows[2][1], Formula)


def test_charts_are_rebuilt_from_the_chart_data(refreshed):
    wb = openpyxl.load_workbook(refreshed)
    charts = wb["Variance"]._charts
    assert len(charts) == 2
    refs = [s.val.numRef.f for s in charts[0].series]
    assert refs == ["'Lists'!$F$2:$F$4", "'Lists'!$G$2:$G$4"]


def test_money_is_written_as_numbers_with_formats(refreshed):
    ws = openpyxl.load_workbook(refreshed)["Variance"]
    assert ws["G2"].value == 850 and ws["G2"].number_format == layout.MONEY
    assert ws["K2"].value == pytest.approx(0.95) and ws["K2"].number_format == "0.0%"
    months = openpyxl.load_workbook(refreshed)["Variance by month"]
    assert months["E2"].value == datetime(2026, 1, 1) and months["E2"].number_format == "yyyy-mm"


def test_refreshed_sheets_match_the_golden_file(refreshed):
    got = dump_sheets(refreshed)
    golden = GOLDEN / "file_refresh.json"
    if os.environ.get("PIXIE_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n")
    assert got == json.loads(golden.read_text())


def test_cells_are_marked_and_old_marks_cleared(built, tmp_path):
    path = tmp_path / "marks.xlsm"
    path.write_bytes(built.read_bytes())
    book = FileBook.open(path)
    book.mark_cells("Budgets", ["H3", "F5"], Severity.ERROR)
    book.save()
    book = FileBook.open(path)
    ws = book.wb["Budgets"]
    assert ws["H3"].fill.fgColor.rgb == "FFFFC7CE"
    book.mark_cells("Budgets", ["C2"], Severity.ERROR)
    assert ws["H3"].fill.fill_type is None and ws["C2"].fill.fill_type == "solid"


def test_formulas_in_the_budgets_table_are_read_as_formulas(built, tmp_path):
    path = tmp_path / "formulas.xlsm"
    path.write_bytes(built.read_bytes())
    book = FileBook.open(path)
    tables.write_budgets(
        book,
        [["", None, "P-1", date(2026, 1, 1), date(2026, 12, 31), "ROAD", 0, Formula("=50*2")]],
    )
    book.save()
    rows = tables.read_budget_rows(FileBook.open(path))
    assert rows[0].values["cost"] == Formula("=50*2")
    assert rows[0].values["start"] == datetime(2026, 1, 1)
    assert str(rows[0].ref("cost")) == "Budgets!H2"


def test_the_control_panel_round_trips(built, tmp_path):
    path = tmp_path / "panel.xlsm"
    path.write_bytes(built.read_bytes())
    book = FileBook.open(path)
    book.set_value("Pixie", layout.PIXIE_CELLS["report_from"], datetime(2026, 1, 1))
    book.status("variance 2026-01-01..2026-12-31: 5 rows")
    book.save()
    book = FileBook.open(path)
    assert book.get_value("Pixie", layout.PIXIE_CELLS["report_from"]) == datetime(2026, 1, 1)
    assert book.get_value("Pixie", layout.PIXIE_CELLS["status"]).startswith("variance")
    assert book.get_value("Pixie", layout.PIXIE_CELLS["server"]) == "http://127.0.0.1:8750"


def test_a_crash_while_saving_leaves_the_last_good_file(built, tmp_path, monkeypatch):
    path = tmp_path / "safe.xlsm"
    path.write_bytes(built.read_bytes())
    before = path.read_bytes()
    book = FileBook.open(path)
    tables.write_variance(book, sample_variance())

    def crash(target):
        Path(target).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(book.wb, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        book.save()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["safe.xlsm"]


def test_a_file_that_is_not_a_workbook_is_refused_clearly(tmp_path):
    bad = tmp_path / "budget.xlsm"
    bad.write_bytes(b"this is not a zip")
    with pytest.raises(BadFile, match="not a readable Excel workbook"):
        FileBook.open(bad)
    with pytest.raises(BadFile, match="no such workbook"):
        FileBook.open(tmp_path / "missing.xlsm")


def test_fake_book_reads_what_it_was_given():
    book = FakeBook.new()
    book.add_rows("Budgets", [["B-1", 2, "P-1", date(2026, 1, 1), date(2026, 3, 31), "ROAD",
                               0, Decimal("100.00"), "days", "note"]])  # fmt: skip
    book.add_rows("Budgets", [[None, None, "P-2"]])
    t = book.read_table("Budgets", "Budgets")
    assert t.rows[0][7] == Decimal("100.00") and t.rows[1][2] == "P-2"
    assert t.columns[7] == "H" and t.first_row == 2
    book.status("ok")
    assert book.get_value("Pixie", layout.PIXIE_CELLS["status"]) == "ok"
    with pytest.raises(KeyError):
        book.read_table("Budgets", "Nope")


@pytest.mark.parametrize(
    "module", ["cells", "fakebook", "filebook", "readers", "xlwings_values", "xlwings_blocks"]
)
def test_the_examples_in_the_sheets_docstrings_hold(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"pixie_xl.sheets.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def _tiny_book(path: Path) -> Path:
    from openpyxl.worksheet.table import Table as XlTable

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Notes"
    ws.append(["Object", "Note"])
    ws.append([None, None])
    ws.add_table(XlTable(displayName="Notes", ref="A1:B2"))
    wb.save(path)
    return path


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f"),
    max_size=20,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=st.sampled_from(["=", "+", "-", "@", "\t", "\r", ""]), rest=_TEXT)
def test_any_crm_text_comes_back_as_the_same_text(tmp_path, start, rest):
    """Whatever the CRM sends, the cell holds text, never a formula."""
    from pixie_xl.sheets.book import Column

    text = start + rest
    path = _tiny_book(tmp_path / "notes.xlsx")
    book = FileBook.open(path)
    book.write_table("Notes", "Notes", [Column("Object"), Column("Note")], [["P-1", text]])
    book.save()
    back = FileBook.open(path).read_table("Notes", "Notes")
    value = back.rows[0][1] if back.rows else None
    assert not isinstance(value, Formula)
    # XML turns a carriage return into a line feed; the text is otherwise kept as it was
    assert (value or "") == text.replace("\r\n", "\n").replace("\r", "\n")


# --- rows typed under a table join it; cells outside it are named (issue 8) ---------------


def _typed_under(book, sheet="Budgets"):
    """Rows 2 and 3 typed (row 3 below the built table's one data row), a blank row 4, then
    a cell in row 6, and one beside the table in N3."""
    for cell, value in (("C2", "P-1"), ("F3", "ROAD"), ("A6", "later"), ("N3", "aside")):
        book.set_value(sheet, cell, value)


@pytest.mark.parametrize("kind", ["file", "fake"])
def test_rows_typed_under_a_table_join_it_up_to_the_first_blank_row(built, tmp_path, kind):
    if kind == "file":
        path = tmp_path / "grow.xlsm"
        path.write_bytes(built.read_bytes())
        book = FileBook.open(path)
    else:
        book = FakeBook.new()
        book.add_rows(layout.BUDGETS_TABLE, [[None]])  # one blank data row, as built
    _typed_under(book)
    assert book.stray_cells("Budgets", "Budgets") == ["F3", "N3", "A6"]
    assert book.grow_table("Budgets", "Budgets") == 1
    assert book.grow_table("Budgets", "Budgets") == 0
    table = book.read_table("Budgets", "Budgets")
    assert [r[5] for r in table.rows] == [None, "ROAD"]
    assert book.stray_cells("Budgets", "Budgets") == ["N3", "A6"]
    if kind == "file":
        book.save()
        again = FileBook.open(path)
        tbl = again.wb["Budgets"].tables["Budgets"]
        assert tbl.ref == "A1:L3" and tbl.autoFilter.ref == "A1:L3"


def test_a_table_with_a_total_row_does_not_grow(built, tmp_path):
    path = tmp_path / "totals.xlsm"
    path.write_bytes(built.read_bytes())
    book = FileBook.open(path)
    book.set_value("Variance", "A4", "below the totals")
    assert book.grow_table("Variance", "Variance") == 0
    assert book.stray_cells("Variance", "Variance")[-1] == "A4"
