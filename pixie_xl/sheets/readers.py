"""Budget rows from a book, and fast, defensive readers of budget and ingest files.

:func:`read_budget_rows` reads the Budgets table of any :class:`Book`. :func:`read_budget_file`
reads a batch-import file: ``.xlsx``/``.xlsm`` with python-calamine (about ten times faster
than openpyxl), ``.csv`` with the csv module. Every row keeps its cells, so findings read
``Budgets!G14`` or ``budgets.csv!G14``.

A file that is not a readable workbook or CSV raises :class:`~pixie_xl.core.errors.BadFile`
with a clear message, in bounded time and memory: the zip's members are checked for size
and compression ratio (zip bombs), and XML with a DTD or entity declarations (billion
laughs) is refused before anything parses it.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
from collections.abc import Sequence
from itertools import count
from operator import itemgetter
from pathlib import Path

from pixie_xl.core.errors import BadFile
from pixie_xl.core.gcpause import no_gc
from pixie_xl.core.records import BUDGET_COLUMNS, Formula, RawRow
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book
from pixie_xl.sheets.cells import col_letter

#: the headers a budget table cannot do without (ID, version, phasing and note may be absent)
REQUIRED_KEYS = ("object", "start", "end", "activity", "income", "cost")
_BY_HEADER = {h.lower(): k for k, h in BUDGET_COLUMNS.items()}

#: refuse any zip member that would decompress to more than this
MAX_MEMBER_BYTES = 256 * 1024 * 1024
#: ... or to more than this many times its compressed size (once it is over 1 MiB)
MAX_RATIO = 250
#: and any package whose members add up to more than this
MAX_TOTAL_BYTES = 512 * 1024 * 1024
#: and any CSV larger than this
MAX_CSV_BYTES = 256 * 1024 * 1024


# --- from a book ---------------------------------------------------------------------------


def header_keys(header: Sequence[object], where: str) -> dict[str, int]:
    """Canonical key → column index, matching headers trimmed and case-insensitively.

    Raises ``BadFile`` naming ``where`` and every required header that is missing.

    >>> header_keys([" object", "PERIOD START", "Period end", "Activity", "Income budget",
    ...              "Cost budget"], "Budgets")["start"]
    1
    >>> header_keys(["Object"], "Budgets")
    Traceback (most recent call last):
    ...
    pixie_xl.core.errors.BadFile: Budgets: missing header(s) Period start, Period end, ...
    """
    keys: dict[str, int] = {}
    for i, h in enumerate(header):
        key = _BY_HEADER.get(str(h).strip().lower()) if h is not None else None
        if key is not None and key not in keys:
            keys[key] = i
    missing = [BUDGET_COLUMNS[k] for k in REQUIRED_KEYS if k not in keys]
    if missing:
        raise BadFile(
            f"{where}: missing header(s) {', '.join(missing)}; a budget table needs "
            + ", ".join(BUDGET_COLUMNS[k] for k in REQUIRED_KEYS),
            code="missing_headers",
            detail={"missing": missing, "sheet": where},
        )
    return keys


def read_budget_rows(book: Book) -> list[RawRow]:
    """The Budgets table's non-blank rows, each with its cells (formulas as ``Formula``)."""
    sheet = layout.BUDGETS_SHEET
    table = book.read_table(sheet, layout.BUDGETS_TABLE)
    keys = header_keys(table.header, f"{sheet} (table {layout.BUDGETS_TABLE})")
    columns = {k: table.columns[i] for k, i in keys.items()}
    return _raw_rows(sheet, table.rows, table.first_row, keys, columns)


def _raw_rows(
    sheet: str,
    rows: Sequence[Sequence[object]],
    first_row: int,
    keys: dict[str, int],
    columns: dict[str, str],
) -> list[RawRow]:
    """One RawRow per non-blank row; blank cells ("" from calamine and csv) become None.

    Lean on purpose: it runs once per line of a 100,000-line import. The table's columns
    are picked and cleared of blanks a column at a time, then zipped back into rows.
    """
    if not isinstance(rows, list | tuple):
        rows = list(rows)
    if not rows:
        return []
    names = tuple(keys)
    need = max(keys.values()) + 1
    with no_gc():  # many small acyclic records: the collector would only slow this down
        if min(map(len, rows)) < need:
            rows = [row if len(row) >= need else [*row, *[""] * (need - len(row))] for row in rows]
        cells = [_no_blanks(list(map(itemgetter(i), rows))) for i in keys.values()]
        numbered = zip(count(first_row), zip(*cells, strict=False), strict=False)
        if all(None in column for column in cells):  # (else no row can be blank)
            numbered = ((n, values) for n, values in numbered if values.count(None) != len(names))
        return _make_rows(sheet, columns, numbered, names)


def _make_rows(sheet: str, columns: dict[str, str], numbered, names: tuple) -> list[RawRow]:
    """``RawRow(sheet, n, dict(zip(names, values)), columns)`` for each (n, values)."""
    return [
        RawRow(sheet, n, dict(zip(names, values, strict=False)), columns) for n, values in numbered
    ]


def _no_blanks(column: Sequence[object]) -> Sequence[object]:
    """The column with blank cells ("") as None."""
    if "" not in column:
        return column
    return [None if v == "" else v for v in column]


# --- from a file ---------------------------------------------------------------------------


def read_budget_file(path: Path | str) -> list[RawRow]:
    """Budget rows of an ``.xlsx``/``.xlsm`` (its ``Budgets`` sheet, else the first) or
    ``.csv`` file, for batch import and ``pixie-xl validate``.

    Cells read as on the sheet: formulas as ``Formula``, Excel error cells as their text
    (``#REF!``), so the findings are the same; each names ``file.xlsx!G3`` or
    ``file.csv!G3``. A file without any budget row is refused.
    """
    path = Path(path)
    # a 100,000-line file is a million small acyclic objects: the collector's passes over
    # them would free nothing (one pause for the whole read: each time the collector is
    # switched back on, its next pass walks every object made so far)
    with no_gc():
        sheet, header, rows, formulas = _read_any(path, prefer_sheet=layout.BUDGETS_SHEET)
        keys = header_keys(header, sheet)
        columns = {k: col_letter(i + 1) for k, i in keys.items()}
        if formulas:
            rows = _with_formulas(rows, formulas)
        out = _raw_rows(path.name, rows, 2, keys, columns)
    if not out:
        raise BadFile(
            f"{path.name}: no budget rows under the header; write one budget line per row",
            code="empty_file",
        )
    return out


def read_rows(path: Path | str) -> tuple[list[str], list[list[object]]]:
    """The header and data rows of the first sheet of a workbook, or of a CSV file.

    Blank cells are ``None``. For the ingest of objects, activities, actuals and orders.
    """
    _sheet, header, rows, _f = _read_any(Path(path))
    data = [[None if v == "" else v for v in row] for row in rows]
    return [("" if h is None else str(h)).strip() for h in header], data


def read_header(path: Path | str) -> list[str]:
    """The header row of a CSV or workbook file (a CSV's first line only is read)."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return read_rows(path)[0]
    with path.open("rb") as fh:
        first = fh.readline(1024 * 1024).decode("utf-8-sig", "replace")
    delimiter = max(",;\t", key=first.count)
    return [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])]


def _read_any(path: Path, prefer_sheet: str | None = None):
    """(sheet name, header, data rows, {(row index, col index): Formula})."""
    if not path.is_file():
        raise BadFile(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = _read_csv(path)
        return path.name, header, rows, {}
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, prefer_sheet)
    raise BadFile(f"{path.name}: not a budget file (expected .xlsx, .xlsm or .csv)")


def _read_csv(path: Path) -> tuple[list[str], list[list[object]]]:
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


_XML_LIMIT_MSG = "refused: {name} holds {what}"
_FORMULA_CELL = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)'
)


def _read_xlsx(path: Path, prefer_sheet: str | None):
    name = path.name
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadFile(f"{name}: not a readable Excel workbook (not a zip package)") from exc
    with zf:
        _check_package(zf, name)
        sheet, part = _pick_sheet(zf, name, prefer_sheet)
        xml = _read_member(zf, part, name)
    formulas = _formula_cells(xml) if b"<f" in xml else {}
    if b't="e"' in xml:  # calamine hands error cells over as blanks: take them from the XML
        formulas = _error_cells(xml) | formulas
    del xml
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        data = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types on damaged content
        raise BadFile(f"{name}: not a readable Excel workbook ({exc})") from exc
    if not data:
        raise BadFile(f"{name}: the sheet {sheet!r} is empty")
    return sheet, data[0], data[1:], formulas


def _check_package(zf: zipfile.ZipFile, name: str) -> None:
    total = 0
    for info in zf.infolist():
        size = info.file_size
        total += size
        if size > MAX_MEMBER_BYTES or (
            size > 1024 * 1024 and size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise BadFile(
                f"{name}: refused: the part {info.filename} would unpack to {size:,} bytes "
                f"from {info.compress_size:,} (a zip bomb?)",
                code="bad_file",
            )
    if total > MAX_TOTAL_BYTES:
        raise BadFile(f"{name}: refused: the package would unpack to {total:,} bytes")
    if "xl/workbook.xml" not in zf.namelist():
        raise BadFile(f"{name}: not an Excel workbook (no xl/workbook.xml)")
    for info in zf.infolist():
        if info.filename.endswith((".xml", ".rels")):
            head = _read_member(zf, info.filename, name, limit=PROLOG_LIMIT, partial=True)
            _check_xml(head, info.filename, name)


#: the most an XML part's prolog (declaration, comments, processing instructions) may take
PROLOG_LIMIT = 1024 * 1024
_PROLOG_SKIP = ((b"<?", b"?>"), (b"<!--", b"-->"))


def _check_xml(data: bytes, part: str, name: str) -> None:
    """Refuse a part whose prolog declares a DTD or entities (entity expansion, external
    entities), wherever in the prolog it stands: comments and processing instructions
    before it are walked over, not just the first bytes looked at."""
    i, n = 0, len(data)
    if data.startswith(b"\xef\xbb\xbf"):
        i = 3
    while True:
        while i < n and data[i] in b" \t\r\n":
            i += 1
        if data.startswith((b"<!DOCTYPE", b"<!ENTITY"), i):
            raise BadFile(
                f"{name}: refused: {part} declares a DTD or entities (hostile XML)",
                code="bad_file",
            )
        for start, end in _PROLOG_SKIP:
            if data.startswith(start, i):
                close = data.find(end, i + len(start))
                if close < 0:
                    raise BadFile(
                        f"{name}: refused: the prolog of {part} does not end within "
                        f"{min(n, PROLOG_LIMIT):,} bytes (hostile XML?)",
                        code="bad_file",
                    )
                i = close + len(end)
                break
        else:
            return  # the root element (or text that the parser will refuse)


def _read_member(
    zf: zipfile.ZipFile, part: str, name: str, limit: int = MAX_MEMBER_BYTES, partial=False
) -> bytes:
    """A member's bytes, never more than ``limit`` (the sizes in a zip can lie)."""
    try:
        with zf.open(part) as fh:
            data = fh.read(limit + 1)
    except KeyError as exc:
        raise BadFile(f"{name}: the workbook has no part {part}") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise BadFile(f"{name}: not a readable Excel workbook ({exc})") from exc
    except Exception as exc:  # zlib.error and friends on a damaged stream
        raise BadFile(f"{name}: not a readable Excel workbook ({exc})") from exc
    if len(data) > limit:
        if partial:
            return data[:limit]
        raise BadFile(f"{name}: refused: {part} unpacks to more than {limit:,} bytes")
    _check_xml(data, part, name)
    return data


_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ALT = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_REL = re.compile(rb'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_ALT = re.compile(rb'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')


def _pick_sheet(zf: zipfile.ZipFile, name: str, prefer: str | None) -> tuple[str, str]:
    """(sheet name, zip part of its XML): the preferred sheet (any case), else the first."""
    import html

    book = _read_member(zf, "xl/workbook.xml", name)
    sheets = [(n, r) for n, r in _SHEET.findall(book)] or [
        (n, r) for r, n in _SHEET_ALT.findall(book)
    ]
    if not sheets:
        raise BadFile(f"{name}: the workbook has no sheets")
    try:
        rels_xml = _read_member(zf, "xl/_rels/workbook.xml.rels", name)
    except BadFile:
        rels_xml = b""
    rels = dict(_REL.findall(rels_xml)) | {i: t for t, i in _REL_ALT.findall(rels_xml)}
    chosen = sheets[0]
    if prefer:
        for s in sheets:
            if html.unescape(s[0].decode("utf-8", "replace")).lower() == prefer.lower():
                chosen = s
                break
    sheet = html.unescape(chosen[0].decode("utf-8", "replace"))
    target = rels.get(chosen[1], b"").decode("utf-8", "replace")
    if not target:
        raise BadFile(f"{name}: the sheet {sheet!r} has no part")
    part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return sheet, posixpath.normpath(part)


def _formula_cells(xml: bytes) -> dict[tuple[int, int], Formula]:
    """(0-based row, 0-based column) → Formula of every formula cell of a sheet's XML."""
    import html

    out = {}
    for col, row, text in _FORMULA_CELL.findall(xml):
        c = 0
        for ch in col:
            c = c * 26 + ch - 64
        body = html.unescape(text.decode("utf-8", "replace")) if text else ""
        out[(int(row) - 1, c - 1)] = Formula(f"={body}" if body else "=(shared formula)")
    return out


_ERROR_CELL = re.compile(
    rb'<c\b([^>]*\bt="e"[^>]*)>\s*(?:<f\b[^>]*?(?:/>|>[^<]*</f>)\s*)?<v>([^<]*)</v>'
)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')


def _error_cells(xml: bytes) -> dict[tuple[int, int], object]:
    """(0-based row, 0-based column) → error text (``"#REF!"``) of every error cell."""
    import html

    out: dict[tuple[int, int], object] = {}
    for attrs, value in _ERROR_CELL.findall(xml):
        ref = _CELL_REF.search(attrs)
        if ref is None:
            continue
        c = 0
        for ch in ref.group(1):
            c = c * 26 + ch - 64
        out[(int(ref.group(2)) - 1, c - 1)] = html.unescape(value.decode("utf-8", "replace"))
    return out


def _with_formulas(rows: list[list[object]], formulas: dict[tuple[int, int], object]):
    """Put the formulas in place of calamine's cached values (data rows start at row 1)."""
    for (r, c), f in formulas.items():
        i = r - 1
        if 0 <= i < len(rows):
            row = rows[i]
            if c >= len(row):
                row.extend([""] * (c + 1 - len(row)))
            row[c] = f
    return rows
