"""The one reader of uploaded and imported tables: CSV text and workbooks, read strictly.

The service's ingest (``POST /api/v1/ingest``) and the batch import (``pixie-xl import``,
``validate``) read their files here. Workbooks go through the guarded package reader
(:mod:`pixie_xl.sheets.package`: zip bombs, DTDs and entities refused before anything
parses them). CSV is read by the csv module in strict mode; a file that does not parse
cleanly is refused whole, naming its line, never read in part:

- an ingest upload (:func:`read_upload`) is UTF-8 (a BOM allowed), comma-separated, one
  record per line (no ingest field spans lines), with every cell read as text;
- a budget file (:func:`read_csv_file`) may be ``;``- or tab-separated (from a European
  Excel) or cp1252, and its notes may span lines.

NUL characters are refused everywhere: text columns cannot hold them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from pixie_xl.core.errors import BadFile
from pixie_xl.sheets.package import UnreadableWorkbook, read_sheet

#: refuse any CSV larger than this
MAX_CSV_BYTES = 256 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- ingest uploads ------------------------------------------------------------------------


def read_upload(data: bytes, name: str, ctype: str = "") -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows (lists of text) of an uploaded CSV file or workbook named ``name``."""
    is_zip = data[:4] == b"PK\x03\x04"
    if name.lower().endswith((".xlsx", ".xlsm")) or ctype.startswith(XLSX_TYPE) or is_zip:
        return read_xlsx_upload(data, name)
    return read_csv_upload(data)


def read_csv_upload(data: bytes | str) -> tuple[list[str], Iterator[list[str]]]:
    """Header and row iterator of CSV ``data`` (UTF-8, an optional BOM), read strictly.

    A file that does not parse cleanly is refused whole (``bad_csv``, naming its line): an
    unbalanced quote, a row whose field count differs from the header's, a field spanning
    lines (no ingest format has multi-line fields). Empty lines are skipped.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadFile("the file is not UTF-8 text", code="not_utf8") from None
    refuse_nul(data)
    reader = csv.reader(io.StringIO(data, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise BadFile("the file is empty", code="empty_file") from None
    except csv.Error as exc:
        raise _bad_csv(1, str(exc)) from None
    _single_lines(header, 1)
    return header, _strict_rows(reader, len(header))


def _bad_csv(line: int, why: str) -> BadFile:
    return BadFile(
        f"line {line}: not a clean CSV file ({why}); nothing was saved",
        code="bad_csv",
        detail={"line": line},
    )


def _single_lines(row: list[str], line: int) -> None:
    for value in row:
        if "\n" in value or "\r" in value:
            raise _bad_csv(line, "a quoted field runs over several lines: an unbalanced quote?")


def _strict_rows(reader, width: int) -> Iterator[list[str]]:
    """The rows after the header; a row of the wrong width or spanning lines is refused."""
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _bad_csv(start, f"{exc}: an unbalanced quote?") from None
        line = reader.line_num
        if not row:
            continue
        if line != start:
            _single_lines(row, start)
        if len(row) != width:
            raise _bad_csv(start, f"{len(row)} fields where the header has {width}")
        yield row


def refuse_nul(text: str, where: str = "") -> None:
    """NUL characters cannot be stored as text (PostgreSQL refuses them): refuse the batch."""
    at = text.find("\x00")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        place = where or f"line {line}"
        raise BadFile(
            f"{place} holds a NUL character, which text cannot hold", code="nul_character"
        )


def read_xlsx_upload(data: bytes, name: str) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows of the first sheet of a workbook upload, every cell as text, through
    the guarded package reader (a hostile or broken file is refused naming ``name``)."""
    try:
        _sheet, header, rows, _formulas = read_sheet(data, name)
    except UnreadableWorkbook as exc:
        raise BadFile(exc.message, code="bad_workbook") from None
    cells = [[_cell_text(v) for v in row] for row in [header, *rows]]
    while len(cells) > 1 and not any(cells[-1]):
        cells.pop()  # the sheet's used range may end in blank rows
    for n, row in enumerate(cells, start=1):
        refuse_nul("".join(row), f"row {n}")
    return cells[0], iter(cells[1:])


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    if isinstance(v, datetime):
        return v.isoformat() if (v.hour, v.minute, v.second) != (0, 0, 0) else v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


# --- budget files --------------------------------------------------------------------------


def read_csv_file(path: Path) -> tuple[list[str], list[list[object]]]:
    """Header and rows of a budget CSV file (any of , ; tab, UTF-8 or cp1252), strictly."""
    if path.stat().st_size > MAX_CSV_BYTES:
        raise BadFile(f"{path.name}: the file is too large ({path.stat().st_size:,} bytes)")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise BadFile(f"{path.name}: not a CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    # the delimiter is the one the header line uses most (Excel in some locales writes ";");
    # guessing from the data could be fooled by a note full of semicolons
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    rows = _strict_csv(text, delimiter, path.name)
    if not rows:
        raise BadFile(f"{path.name}: the file is empty")
    return rows[0], rows[1:]


def _strict_csv(text: str, delimiter: str, name: str) -> list[list[object]]:
    """Every record of ``text``, or ``BadFile`` naming the line of the first that does not
    parse cleanly: a quote never closed, text after a closing quote, or a field count other
    than the header's (blank lines are kept as blank rows, so rows keep their numbers).
    A cell starting with ``=`` stays text: a CSV holds no formulas."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows: list[list[str]] = []
    width, line = None, 1
    try:
        for record in reader:
            if width is None:
                width = len(record)
            elif record and len(record) != width:
                raise BadFile(
                    f"{name} line {line}: {len(record)} fields where the header has {width}: "
                    f'put quotes around a field that holds {delimiter!r} or a quote (""), '
                    "or remove the extra ones; nothing imported",
                    code="bad_csv",
                )
            rows.append(record)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise BadFile(
            f"{name} line {line}: the line does not parse as CSV ({exc}); a quote opened in "
            'a field must be closed, and a quote inside one doubled (""); nothing imported',
            code="bad_csv",
        ) from None
    return rows
