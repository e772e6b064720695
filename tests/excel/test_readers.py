"""Budget files in: CSV and .xlsx read alike, headers forgiven their case, formulas noticed,
and every broken or hostile file refused with a clear message instead of a traceback."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from pixie_xl.core.errors import BadFile
from pixie_xl.core.records import Activity, CrmObject, Formula, ObjectKind
from pixie_xl.core.validation import Context
from pixie_xl.sheets import package
from pixie_xl.sheets.budget_cells import validate_table
from pixie_xl.sheets.readers import read_budget_file, read_rows

HEADER = ["Budget ID", "Version", "Object", "Period start", "Period end", "Activity",
          "Income budget", "Cost budget", "Phasing", "Note"]  # fmt: skip
ROWS = [
    ["", "", "P-1", "2026-01-01", "2026-12-31", "ROAD", "0", "1200.00", "days", "road works"],
    ["", "", "P-1", "2026-01-01", "2026-12-31", "MAINT", "500.50", "300.25", "months", ""],
    ["", "", "P-2", "2026-04-01", "2026-06-30", "ROAD", "", "99.99", "", "=cmd|' /C calc'!A0"],
]


def write_csv(path: Path, header=HEADER, rows=ROWS) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def write_xlsx(path: Path, header=HEADER, rows=ROWS, sheet="Budgets", formula_at=None) -> Path:
    """The rows typed as a person would: dates as dates, amounts as numbers."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    if sheet != "Budgets":
        wb.add_worksheet("Notes").write(0, 0, "not the budgets")
    ws = wb.add_worksheet(sheet)
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v == "":
                continue
            if header[c] in ("Period start", "Period end"):
                ws.write_datetime(r, c, date.fromisoformat(v), datefmt)
            elif header[c] in ("Income budget", "Cost budget"):
                ws.write_number(r, c, float(v))
            else:
                ws.write_string(r, c, v)
    if formula_at:
        ws.write_formula(formula_at[0], formula_at[1], "=600*2", None, 1200)
    wb.close()
    return path


CONTEXT = Context(
    activities=[Activity("ROAD", "Road work"), Activity("MAINT", "Maintenance")],
    objects=[
        CrmObject("P-1", "North road", ObjectKind.PROJECT),
        CrmObject("P-2", "South road", ObjectKind.PROJECT),
    ],
)


def test_csv_and_xlsx_give_the_same_budgets(tmp_path):
    from_csv = read_budget_file(write_csv(tmp_path / "budgets.csv"))
    from_xlsx = read_budget_file(write_xlsx(tmp_path / "budgets.xlsx"))
    assert [r.row for r in from_csv] == [r.row for r in from_xlsx] == [2, 3, 4]
    assert from_csv[0].columns == from_xlsx[0].columns
    a, b = validate_table(from_csv, CONTEXT), validate_table(from_xlsx, CONTEXT)
    assert a.ok and b.ok, (a.findings, b.findings)
    assert a.drafts == b.drafts
    assert [str(d.lines[0].cost) for d in a.drafts] == ["1200.00", "99.99"]
    assert from_csv[2].values["note"] == from_xlsx[2].values["note"] == "=cmd|' /C calc'!A0"


def test_findings_point_at_the_file_and_cell(tmp_path):
    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[1][7] = "12,5O"
    csv_rows = read_budget_file(write_csv(tmp_path / "budgets.csv", rows=rows))
    assert str(csv_rows[1].ref("cost")) == "budgets.csv!H3"
    findings = validate_table(csv_rows, CONTEXT).findings
    assert any(str(f).startswith("budgets.csv!H3:") and "12,5O" in str(f) for f in findings)


def test_headers_match_whatever_their_case_and_spaces(tmp_path):
    header = [f"  {h.upper()} " for h in HEADER]
    rows = read_budget_file(write_csv(tmp_path / "shouting.csv", header=header))
    assert rows[0].values["cost"] == "1200.00"


def test_headers_may_come_in_any_order_and_optional_ones_may_be_missing(tmp_path):
    order = [7, 2, 3, 4, 5, 6]
    header = [HEADER[i] for i in order]
    rows = [[row[i] for i in order] for row in ROWS]
    read = read_budget_file(write_xlsx(tmp_path / "short.xlsx", header=header, rows=rows))
    assert read[0].values["cost"] == 1200.0 and read[0].ref("cost").cell == "A2"
    assert "budget_id" not in read[0].values


def test_a_missing_header_is_named(tmp_path):
    header = [h for h in HEADER if h != "Cost budget"]
    rows = [[v for i, v in enumerate(r) if i != 7] for r in ROWS]
    with pytest.raises(BadFile, match=r"budgets\.csv: missing header\(s\) Cost budget"):
        read_budget_file(write_csv(tmp_path / "budgets.csv", header=header, rows=rows))
    with pytest.raises(BadFile, match=r"Budgets: missing header\(s\) Cost budget"):
        read_budget_file(write_xlsx(tmp_path / "budgets.xlsx", header=header, rows=rows))


def test_formulas_are_noticed_although_calamine_reads_values(tmp_path):
    path = write_xlsx(tmp_path / "formula.xlsx", formula_at=(2, 7))
    rows = read_budget_file(path)
    assert rows[1].values["cost"] == Formula("=600*2")
    findings = validate_table(rows, CONTEXT).findings
    assert any(f.source and f.source.cell == "H3" and f.is_error for f in findings)


def test_the_budgets_sheet_is_found_among_others(tmp_path):
    rows = read_budget_file(write_xlsx(tmp_path / "two.xlsx", sheet="BUDGETS"))
    assert len(rows) == 3 and rows[0].values["object"] == "P-1"
    assert str(rows[0].ref("cost")) == "two.xlsx!H2"  # the file, like budgets.csv!H2


def test_read_rows_gives_header_and_values_for_ingest(tmp_path):
    path = tmp_path / "objects.csv"
    path.write_text("id,name,kind,parent,currency\nP-1,North road,project,,EUR\n")
    assert read_rows(path) == (
        ["id", "name", "kind", "parent", "currency"],
        [["P-1", "North road", "project", None, "EUR"]],
    )


# --- broken and hostile files ----------------------------------------------------------------


def _zip(path: Path, parts: dict[str, bytes], level=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", level) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _xlsx_parts(tmp_path) -> dict[str, bytes]:
    with zipfile.ZipFile(write_xlsx(tmp_path / "good.xlsx")) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>
"""


def hostile_files(tmp_path) -> dict[str, Path]:
    good = write_xlsx(tmp_path / "good.xlsx").read_bytes()
    parts = _xlsx_parts(tmp_path)
    bomb = dict(parts)
    bomb["xl/worksheets/sheet1.xml"] = b"<" + b" " * (40 * 1024 * 1024) + b"/>"
    laughs = dict(parts)
    laughs["xl/sharedStrings.xml"] = BILLION_LAUGHS
    no_book = {k: v for k, v in parts.items() if k != "xl/workbook.xml"}
    return {
        "truncated": _write(tmp_path / "truncated.xlsx", good[: len(good) // 2]),
        "not a zip": _write(tmp_path / "text.xlsx", b"Object,Cost\nP-1,12\n"),
        "empty": _write(tmp_path / "empty.xlsx", b""),
        "zip bomb": _zip(tmp_path / "bomb.xlsx", bomb),
        "billion laughs": _zip(tmp_path / "laughs.xlsx", laughs),
        "no workbook part": _zip(tmp_path / "nobook.xlsx", no_book),
        "binary csv": _write(tmp_path / "binary.csv", b"\x00\x01\x02PK\x03\x04" * 100),
        "empty csv": _write(tmp_path / "empty.csv", b""),
        "wrong kind": _write(tmp_path / "budgets.ods", good),
        "missing": tmp_path / "nowhere.xlsx",
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return hostile_files(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("truncated", "not a readable Excel workbook"),
        ("not a zip", "not a zip package"),
        ("empty", "not a readable Excel workbook"),
        ("zip bomb", "zip bomb"),
        ("billion laughs", "DTD or entities"),
        ("no workbook part", "no xl/workbook.xml"),
        ("binary csv", "not a CSV text file"),
        ("empty csv", "empty"),
        ("wrong kind", "expected .xlsx, .xlsm or .csv"),
        ("missing", "no such file"),
    ],
)
def test_broken_and_hostile_files_are_refused_clearly(hostile, kind, message):
    with pytest.raises(BadFile, match=message) as caught:
        read_budget_file(hostile[kind])
    assert caught.value.code in ("bad_file", "missing_headers")
    assert hostile[kind].name in caught.value.message


def test_a_sheet_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    from pixie_xl.sheets import package

    monkeypatch.setattr(package, "MAX_MEMBER_BYTES", 1024 * 1024)
    parts = _xlsx_parts(tmp_path)
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>", b"<sheetData>" + os.urandom(1024 * 1024).hex().encode()[:2_000_000]
    )
    with pytest.raises(BadFile, match="would unpack to 2,"):
        read_budget_file(_zip(tmp_path / "big.xlsx", parts))


def test_a_bomb_that_lies_about_its_size_is_stopped_while_reading(tmp_path):
    parts = _xlsx_parts(tmp_path)
    sheet = parts["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>", b"<sheetData>" + b" " * (5 * 1024 * 1024)
    )
    parts["xl/worksheets/sheet1.xml"] = sheet
    data = bytearray(_zip(tmp_path / "liar.xlsx", parts).read_bytes())
    real = struct.pack("<I", len(sheet))
    while (i := data.find(real)) != -1:  # the local header and the central directory
        data[i : i + 4] = struct.pack("<I", 1000)
    path = _write(tmp_path / "liar.xlsx", bytes(data))
    assert zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size == 1000
    with pytest.raises(BadFile, match="not a readable Excel workbook"):
        read_budget_file(path)


def test_bomb_test_data_really_is_small_on_disk(hostile):
    assert hostile["zip bomb"].stat().st_size < 2 * 1024 * 1024
    assert io.BytesIO(hostile["billion laughs"].read_bytes()).getbuffer().nbytes < 100_000


def test_a_semicolon_csv_from_a_european_excel_reads_alike(tmp_path):
    import csv

    path = tmp_path / "semicolons.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        csv.writer(fh, delimiter=";").writerows([HEADER, [*ROWS[0][:9], "roads, bridges; tunnels"]])
    (row,) = read_budget_file(path)
    assert row.values["cost"] == "1200.00" and row.values["note"] == "roads, bridges; tunnels"


def test_blank_lines_are_skipped_and_blank_cells_are_none(tmp_path):
    path = tmp_path / "ragged.csv"
    lines = [
        ",".join(HEADER),
        ",".join(ROWS[0]),
        ",,,,,,,,,",  # a blank line of the table: skipped, but it keeps its number
        "B7,3,P-2,2026-04-01,2026-06-30,ROAD,,99.99,,",  # phasing and note left blank
    ]
    path.write_text("\n".join(lines) + "\n")
    first, short = read_budget_file(path)
    assert (first.row, short.row) == (2, 4)
    assert short.values == {
        "budget_id": "B7",
        "version": "3",
        "object": "P-2",
        "start": "2026-04-01",
        "end": "2026-06-30",
        "activity": "ROAD",
        "income": None,
        "cost": "99.99",
        "phasing": None,
        "note": None,
    }
    assert str(short.ref("cost")) == "ragged.csv!H4"


# --- issue 8 item 4, issue 9 D2: import files read like the sheet, strictly -------------


def write_error_xlsx(path: Path) -> Path:
    """Error cells as Excel stores them (``t="e"``): a value that calamine reads as blank."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Budgets")
    ws.write_row(0, 0, HEADER)
    ws.write_row(1, 0, ROWS[0])
    wb.close()
    parts = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    cells = {"C2": "#REF!", "F2": "#N/A", "H2": "#DIV/0!"}
    for ref, err in cells.items():
        start = sheet.index(f'<c r="{ref}"')
        end = sheet.index("</c>", start) + 4
        sheet = sheet[:start] + f'<c r="{ref}" t="e"><v>{err}</v></c>' + sheet[end:]
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    return _zip(path, parts)


def test_excel_error_cells_in_an_xlsx_are_errors_at_their_cells(tmp_path):
    rows = read_budget_file(write_error_xlsx(tmp_path / "errors.xlsx"))
    assert [rows[0].values[k] for k in ("object", "activity", "cost")] == [
        "#REF!",
        "#N/A",
        "#DIV/0!",
    ]
    found = {str(f.source): f.code for f in validate_table(rows, CONTEXT).findings}
    assert {k: v for k, v in found.items() if v == "excel_error"} == {
        "errors.xlsx!C2": "excel_error",
        "errors.xlsx!F2": "excel_error",
        "errors.xlsx!H2": "excel_error",
    }


def test_the_same_errors_in_a_csv_give_the_same_findings(tmp_path):
    row = list(ROWS[0])
    row[2], row[5], row[7] = "#REF!", "#N/A", "#DIV/0!"
    rows = read_budget_file(write_csv(tmp_path / "errors.csv", rows=[row]))
    csv_findings = {
        (f.source.cell, f.code, f.message) for f in validate_table(rows, CONTEXT).findings
    }
    xlsx = read_budget_file(write_error_xlsx(tmp_path / "errors.xlsx"))
    xlsx_findings = {
        (f.source.cell, f.code, f.message) for f in validate_table(xlsx, CONTEXT).findings
    }
    assert csv_findings == xlsx_findings and any(c == "excel_error" for _, c, _ in csv_findings)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        # a stray quote would swallow every line after it into one Note
        (['B1,,P-1,2026-01-01,2026-12-31,ROAD,0,1,days,"oops', *[",".join(r) for r in ROWS]],
         r"bad\.csv line 2: the line does not parse as CSV"),
        ([",".join(ROWS[0]), ",".join(ROWS[1]) + ",extra"],
         r"bad\.csv line 3: 11 fields where the header has 10"),
        ([",".join(ROWS[0]), ",".join(ROWS[1][:8])],
         r"bad\.csv line 3: 8 fields where the header has 10"),
        (['B1,,P-1,2026-01-01,2026-12-31,ROAD,0,1,days,"a" b'],
         r"bad\.csv line 2: the line does not parse as CSV"),
    ],
)  # fmt: skip
def test_a_csv_that_does_not_parse_cleanly_is_refused_whole_naming_the_line(
    tmp_path, lines, message
):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([",".join(HEADER), *lines]) + "\n")
    with pytest.raises(BadFile, match=message) as caught:
        read_budget_file(path)
    assert "nothing imported" in caught.value.message
    with pytest.raises(BadFile, match=message):
        read_rows(path)  # the ingest files too


def test_a_quoted_note_over_two_lines_is_still_one_row(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(ROWS[0][:9]) + ',"two\nlines"\n')
    (row,) = read_budget_file(path)
    assert row.values["note"] == "two\nlines"


def test_a_file_without_budget_rows_is_refused(tmp_path):
    with pytest.raises(BadFile, match="no budget rows under the header"):
        read_budget_file(write_csv(tmp_path / "header-only.csv", rows=[]))


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
@pytest.mark.parametrize("pad", [0, 5000, 200_000])
def test_a_dtd_behind_a_long_comment_is_refused(tmp_path, part, pad):
    """Entity expansion in sharedStrings used to pass when a comment pushed the DTD past
    the first 4 KiB: the file was read as if the entities were blank."""
    parts = _xlsx_parts(tmp_path)
    head, rest = parts[part].split(b"?>", 1)
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    filler = os.urandom(pad // 2).hex().encode()  # does not compress: no zip-bomb refusal
    parts[part] = head + b"?>\n<!--" + filler + b"-->\n<?pi x?>" + dtd + rest
    with pytest.raises(BadFile, match="declares a DTD or entities") as caught:
        read_budget_file(_zip(tmp_path / "laughs.xlsx", parts))
    assert "laughs.xlsx" in caught.value.message


# --- issue 12 item 3: the look for formula and error cells finds what a plain scan finds ---


@settings(max_examples=300, deadline=None)
@given(
    xml=st.binary(max_size=60).map(lambda b: b.translate(bytes(b"<fe=t\"c/> v"[i % 11]
                                                                for i in range(256)))),
    looks=st.integers(0, 3),
)  # fmt: skip
def test_holds_is_the_plain_scan_whatever_the_bytes(xml, looks):
    saved, package.RARE_LOOKS = package.RARE_LOOKS, looks  # (a few looks: the fallback too)
    try:
        for needle, rare in ((b"<f", 1), (b't="e"', 3), (b"<f", 0)):
            assert package.holds(xml, needle, rare) is (needle in xml), (xml, needle, rare)
    finally:
        package.RARE_LOOKS = saved


def test_an_error_and_a_formula_far_down_an_excel_style_sheet_are_found(tmp_path):
    """Excel writes ``x14ac:dyDescent`` on every row (an ``e`` a row): the look for ``t="e"``
    soon scans the plain way, and still finds the error cell in the last row."""
    path = tmp_path / "excel.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Budgets")
    ws.write_row(0, 0, HEADER)
    for r in range(1, 300):
        ws.write_row(r, 0, ["", "", "P-1", date(2026, 1, 1), date(2026, 12, 31), "ROAD", r, 1,
                            "days", ""])  # fmt: skip
    ws.write_formula(299, 7, "=600*2", None, 1200)
    wb.close()
    parts = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace('spans="1:10">', 'spans="1:10" x14ac:dyDescent="0.25">')
    start = sheet.index('<c r="C300"')
    end = sheet.index("</c>", start) + 4
    sheet = sheet[:start] + '<c r="C300" t="e"><v>#REF!</v></c>' + sheet[end:]
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    rows = read_budget_file(_zip(path, parts))
    assert rows[-1].values["object"] == "#REF!"
    assert rows[-1].values["cost"] == Formula("=600*2")
    assert rows[0].values["object"] == "P-1"
