"""The streamed output sheets of a file refresh (issue 12.1): the parts a refresh does not
change stay byte for byte, what was written reads back before and after the save, and a
sheet another program wrote (shared strings, shared formulas, row heights) is read as
openpyxl reads it."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from pixie_xl.core.records import Formula
from pixie_xl.excel.builder import build_workbook
from pixie_xl.sheets import layout, splice, tables
from pixie_xl.sheets.filebook import FileBook
from pixie_xl.sheets.xlsx_stream import serial
from tests.excel.test_writers import sample_findings, sample_months, sample_variance

BUDGET_ROWS = [
    ["", "", "P-1", date(2026, 1, 1), date(2026, 12, 31), "ROAD", 100.5, 200.25, "days", ""],
    ["", "", "P-2", date(2026, 1, 1), date(2026, 12, 31), "MAINT", 0, 50, "months", "=not"],
]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("splice") / "PixieBudget.xlsm")


@pytest.fixture
def saved(built, tmp_path) -> Path:
    """A workbook as Pixie left it: budgets typed in, refreshed once."""
    path = tmp_path / "book.xlsm"
    path.write_bytes(built.read_bytes())
    book = FileBook.open(path)
    tables.write_budgets(book, BUDGET_ROWS)
    book.save()
    _refresh(path)
    return path


def _refresh(path: Path) -> None:
    book = FileBook.open(path)
    tables.write_variance(book, sample_variance())
    tables.write_months(book, sample_months())
    tables.write_alerts(book, sample_variance()[:4])
    tables.write_checks(book, sample_findings()[:0])
    book.save()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _sheet_part(path: Path, sheet: str) -> str:
    with zipfile.ZipFile(path) as zf:
        return splice.sheet_parts(zf)[sheet]


def test_parts_a_refresh_does_not_change_stay_byte_for_byte(saved):
    before = _parts(saved)
    _refresh(saved)
    after = _parts(saved)
    budgets = _sheet_part(saved, layout.BUDGETS_SHEET)
    kept = ["xl/vbaProject.bin", budgets, "xl/drawings/drawing1.xml"]
    kept += [n for n in before if n.startswith("xl/charts/") or n.startswith("customXml/")]
    kept += [n for n in before if n.endswith(".vml")]
    for name in kept:
        assert after[name] == before[name], name
    # and the streamed sheets are what the refresh wrote, not the file's old bytes re-sent
    variance = _sheet_part(saved, layout.VARIANCE_SHEET)
    assert b"<sheetData><row" in after[variance]


def test_streamed_sheets_keep_what_openpyxl_owns_around_the_rows(saved):
    xml = _parts(saved)[_sheet_part(saved, layout.VARIANCE_SHEET)].decode()
    assert xml.count("<sheetData>") == 1 and xml.count("</sheetData>") == 1
    for element in ("<sheetViews>", "<cols>", "<tableParts", "<drawing "):
        assert element in xml, element
    assert re.search(r'<dimension ref="A1:[A-Z]+\d+"/>', xml)
    wb = openpyxl.load_workbook(saved, keep_vba=True)
    assert wb["Variance"].freeze_panes == openpyxl.load_workbook(saved)["Variance"].freeze_panes
    assert len(wb["Variance"]._charts) == 2


def test_what_was_written_reads_back_before_and_after_the_save(saved):
    book = FileBook.open(saved)
    book.set_value(layout.VARIANCE_SHEET, "Z40", "note")
    book.set_value(layout.VARIANCE_SHEET, "Z41", date(2026, 3, 1))
    book.set_value(layout.VARIANCE_SHEET, "Z42", Formula("=1+1"))
    book.set_value(layout.VARIANCE_SHEET, "Z43", "=HYPERLINK(1)")
    assert book.get_value(layout.VARIANCE_SHEET, "Z40") == "note"
    assert book.get_value(layout.VARIANCE_SHEET, "Z41") == date(2026, 3, 1)
    before = book.read_table(layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
    book.save()
    again = FileBook.open(saved)
    assert again.read_table(layout.VARIANCE_SHEET, layout.VARIANCE_TABLE).rows == before.rows
    assert again.get_value(layout.VARIANCE_SHEET, "Z41") == datetime(2026, 3, 1)
    assert again.get_value(layout.VARIANCE_SHEET, "Z42") == Formula("=1+1")
    assert isinstance(again.get_value(layout.VARIANCE_SHEET, "Z42"), Formula)
    hostile = again.get_value(layout.VARIANCE_SHEET, "Z43")
    assert hostile == "=HYPERLINK(1)" and not isinstance(hostile, Formula)
    ws = openpyxl.load_workbook(saved)["Variance"]
    assert ws["Z43"].data_type == "s" and ws["Z43"].quotePrefix
    assert ws["Z41"].number_format == "yyyy-mm-dd"
    assert "Z40" in again.stray_cells(layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)


def test_a_sheet_written_elsewhere_is_read_as_openpyxl_reads_it(saved):
    """Shared strings, a shared formula, a row height and a cell with extra attributes, as
    Excel writes them, in the Alerts sheet: read like openpyxl, kept through a save."""
    parts = _parts(saved)
    name = _sheet_part(saved, layout.ALERTS_SHEET)
    head, _, tail = _split(parts[name].decode())
    rows = (
        '<row r="1" spans="1:3" ht="30" customHeight="1">'
        '<c r="A1" t="s"><v>0</v></c><c r="B1" s="0" t="s"><v>1</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><v>2.5</v></c>'
        '<c r="C2"><f t="shared" ref="C2:C3" si="0">A2*2</f><v>4</v></c></row>'
        '<row r="3"><c r="A3" cm="1"><v>3</v></c><c r="C3"><f t="shared" si="0"/><v>6</v></c>'
        '<c r="D3" t="b"><v>1</v></c><c r="E3" t="inlineStr">'
        '<is><t xml:space="preserve"> a &amp; b</t></is></c></row>'
    )
    parts[name] = f"{head}<sheetData>{rows}</sheetData>{tail}".encode()
    strings = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Object</t></si><si><r><t>Ob</t></r><r><t>ject name</t></r></si></sst>'  # noqa: E501
    parts[splice.SHARED_STRINGS] = strings.encode()
    if b"sharedStrings" not in parts["[Content_Types].xml"]:  # openpyxl wrote none: add it
        kind = "spreadsheetml.sharedStrings+xml"
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>",
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.{kind}"/></Types>'.encode(),
        )
        rels = "xl/_rels/workbook.xml.rels"
        rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
        parts[rels] = parts[rels].replace(
            b"</Relationships>",
            f'<Relationship Id="rIdSst" Type="{rel}" Target="sharedStrings.xml"/>'
            "</Relationships>".encode(),
        )
    with zipfile.ZipFile(saved, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in parts.items():
            zf.writestr(n, data)
    ours = FileBook.open(saved)
    ws = openpyxl.load_workbook(saved)["Alerts"]
    for ref in ("A1", "B1", "A2", "B2", "C2", "C3", "A3", "D3", "E3"):
        want = ws[ref].value
        got = ours.get_value(layout.ALERTS_SHEET, ref)
        assert got == want and type(got) in (type(want), Formula), ref
    ours.save()
    again = openpyxl.load_workbook(saved)["Alerts"]
    assert [again[r].value for r in ("A1", "B1", "C3", "E3")] == ["Object", "Object name",
                                                                   "=A3*2", " a & b"]  # fmt: skip
    assert again.row_dimensions[1].height == 30


def test_a_cell_in_an_unexpected_form_is_refused_naming_the_row():
    from pixie_xl.sheets.xlsx_stream import parse_rows

    with pytest.raises(ValueError, match="row 7"):
        parse_rows('<row r="7"><c t="s" r="A7"><v>0</v></c></row>', ["x"], frozenset())


def test_dates_become_the_serials_openpyxl_writes():
    from openpyxl.utils.datetime import to_excel

    for d in (date(2026, 1, 1), datetime(2026, 3, 1, 12, 30), date(1900, 2, 1)):
        assert serial(d) == pytest.approx(to_excel(d))


def _split(xml: str) -> tuple[str, str, str]:
    from pixie_xl.sheets.xlsx_stream import split_sheet

    return split_sheet(xml)
