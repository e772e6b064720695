"""The guarded reading of an Excel package (``.xlsx``/``.xlsm``), from a file or from bytes.

One place for the batch import, ``pixie-xl validate`` and the service's ingest uploads: a
file that is not a readable workbook raises :class:`~pixie_xl.core.errors.BadFile` with a
clear message naming it, in bounded time and memory. The zip's members are checked for
size and compression ratio (zip bombs), and XML with a DTD or entity declarations (billion
laughs) is refused before anything parses it; only then does python-calamine read the cells.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from pathlib import Path

from pixie_xl.core.errors import BadFile
from pixie_xl.core.records import Formula
from pixie_xl.sheets.cells import col_index

#: refuse any zip member that would decompress to more than this
MAX_MEMBER_BYTES = 256 * 1024 * 1024
#: ... or to more than this many times its compressed size (once it is over 1 MiB)
MAX_RATIO = 250
#: and any package whose members add up to more than this
MAX_TOTAL_BYTES = 512 * 1024 * 1024

_FORMULA_CELL = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*<f\b[^>]*?(?:/>|>([^<]*)</f>)'
)


class UnreadableWorkbook(BadFile):
    """The bytes are not a workbook at all (not a zip, a damaged stream), as opposed to a
    workbook refused as hostile or too large."""


def _unreadable(name: str, why: object) -> BadFile:
    return UnreadableWorkbook(f"{name}: not a readable Excel workbook ({why})")


def read_sheet(source: Path | bytes, name: str, prefer_sheet: str | None = None):
    """(sheet name, header, data rows, {(row index, col index): Formula or error text}) of
    the preferred sheet (any case; else the first) of a workbook file or its bytes."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise _unreadable(name, "not a zip package") from exc
    with zf:
        check_package(zf, name)
        sheet, part = _pick_sheet(zf, name, prefer_sheet)
        xml = _read_member(zf, part, name)
    check_span(xml, name, sheet)
    formulas = _formula_cells(xml) if holds(xml, b"<f", rare=1) else {}
    if holds(xml, b't="e"', rare=3):  # calamine hands error cells over as blanks: from the XML
        formulas = _error_cells(xml) | formulas
    del xml
    try:
        from python_calamine import CalamineWorkbook

        if isinstance(source, bytes):
            wb = CalamineWorkbook.from_filelike(io.BytesIO(source))
        else:
            wb = CalamineWorkbook.from_path(str(source))
        data = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types on damaged content
        raise _unreadable(name, exc) from exc
    if not data:
        raise BadFile(f"{name}: the sheet {sheet!r} is empty")
    return sheet, data[0], data[1:], formulas


#: a cell reference far from A1: two or more column letters, or a row of six or more digits
#: (an ``r`` attribute of a cell or a row, in either quotes, with spaces around ``=``, as
#: calamine reads it; other attributes ending in ``r`` only make the look more careful)
_FAR_REF = re.compile(rb"""r\s*=\s*["']\s*([A-Za-z]{2,}[0-9]+|[A-Za-z]?[0-9]{6,})""")
#: the cells a sheet's used range may span whatever its size: every sheet of at most
#: 99,999 rows in columns A to Z
MIN_SPAN = 4_000_000
#: ... beyond that a cell per this many bytes of sheet XML (a row of one short cell takes
#: about 48 bytes and spans 26 columns as counted here: 26 cells for 48 bytes) ...
SPAN_BYTES = 2
#: ... and never more than this: every row Excel has in columns A to Z, and some (calamine
#: makes about 32 bytes a cell: a gigabyte)
MAX_SPAN = 32_000_000


def check_span(xml: bytes, name: str, sheet: str) -> None:
    """Refuse a sheet whose used range spans far more cells than its XML could hold.

    calamine makes every cell of the range from the first to the last cell at once (rows ×
    columns), so a file of a few kilobytes with one cell at ``XFD1048576`` asks for 512 GB
    and aborts the process (the service with it). The look is one regular-expression pass
    for references far from A1; every other reference is within A1:Z99999.
    """
    rows, cols, far = 99_999, 26, ""
    for ref in _FAR_REF.findall(xml):
        letters = ref.rstrip(b"0123456789").decode("ascii")
        row, col = int(ref[len(letters) :]), col_index(letters) if letters else 0
        if row > rows or col > cols:
            far = letters.upper() + str(row) if letters else f"row {row}"
        rows, cols = max(rows, row), max(cols, col)
    limit = min(MAX_SPAN, max(MIN_SPAN, len(xml) // SPAN_BYTES))
    if rows * cols > limit:
        raise BadFile(
            f"{name}: refused: the sheet {sheet!r} spans {rows:,} rows × {cols:,} columns "
            f"(to {far}), far more cells than its {len(xml):,} bytes hold; delete what stands "
            "far from the data (Ctrl+End in Excel shows where the sheet ends)",
            code="bad_file",
        )


#: how many times :func:`holds` looks at its rare byte before it scans the plain way
RARE_LOOKS = 64


def holds(xml: bytes, needle: bytes, rare: int) -> bool:
    """``needle in xml``, found from where its byte at ``rare`` stands.

    A sheet's XML is mostly ``<c r="B7" s="1"><v>12.5</v></c>``: ``<`` and ``"`` are
    everywhere, so the plain scan for a short needle such as ``<f`` moves a byte at a
    time (25 ms for the 27 MB of 100,000 budget lines), while a byte that is rare there
    (``f``, ``e``) is found by ``memchr`` at memory speed. Once that byte turns out not to
    be rare (text in inline strings, Excel's ``dyDescent`` on every row), the plain scan
    goes on from there.

    >>> holds(b'<c r="A1"><f>B1*2</f></c>', b"<f", rare=1), holds(b'<c t="s"/>', b"<f", 1)
    (True, False)
    """
    byte = needle[rare : rare + 1]
    at = xml.find(byte)
    for _ in range(RARE_LOOKS):
        if at < 0:
            return False
        if at >= rare and xml.startswith(needle, at - rare):
            return True
        at = xml.find(byte, at + 1)
    return at >= 0 and xml.find(needle, max(at - rare, 0)) >= 0


def check_package(zf: zipfile.ZipFile, name: str) -> None:
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
    zf: zipfile.ZipFile, part: str, name: str, limit: int | None = None, partial=False
) -> bytes:
    """A member's bytes, never more than ``limit`` (the sizes in a zip can lie)."""
    limit = MAX_MEMBER_BYTES if limit is None else limit
    try:
        with zf.open(part) as fh:
            data = fh.read(limit + 1)
    except KeyError as exc:
        raise BadFile(f"{name}: the workbook has no part {part}") from exc
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _unreadable(name, exc) from exc
    except Exception as exc:  # zlib.error and friends on a damaged stream
        raise _unreadable(name, exc) from exc
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
