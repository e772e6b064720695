"""The workbook package around the streamed sheets: take their rows out before openpyxl
loads the file, put the streamed rows back into the package openpyxl saved.

:func:`strip` hands openpyxl the package with the named sheets' ``<sheetData>`` empty (so it
builds no cell of them) and returns their rows as text; :func:`splice` writes the package
openpyxl saved with each such sheet's ``<dimension>`` and ``<sheetData>`` replaced by the
streamed ones, every other part copied as openpyxl wrote it (``vbaProject.bin`` as it was
in the file: openpyxl keeps it with ``keep_vba``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from html import unescape
from pathlib import PurePosixPath

_SHEET = re.compile(r"<sheet\b([^>]*)/?>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_REL = re.compile(r"<Relationship\b([^>]*)/?>")
_DIMENSION = re.compile(r"<dimension\b[^>]*/>")
_EMPTY_DATA = re.compile(r"<sheetData\s*/>|<sheetData>\s*</sheetData>")
SHARED_STRINGS = "xl/sharedStrings.xml"
STYLES = "xl/styles.xml"


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the part holding it (``xl/worksheets/sheet3.xml``)."""
    book = zf.read("xl/workbook.xml").decode("utf-8")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    targets = {}
    for m in _REL.finditer(rels):
        a = dict(_ATTR.findall(m.group(1)))
        target = a.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[a.get("Id")] = str(PurePosixPath(part))
    out = {}
    for m in _SHEET.finditer(book):
        a = dict(_ATTR.findall(m.group(1)))
        rid = next((v for k, v in a.items() if k.endswith(":id")), None)
        if rid in targets:
            out[unescape(a.get("name", ""))] = targets[rid]
    return out


def strip(path, names: Iterable[str]) -> tuple[io.BytesIO, dict[str, str], str | None]:
    """(the package with the sheets ``names`` emptied, each one's rows as text, the
    shared strings part as text)."""
    from pixie_xl.sheets.xlsx_stream import split_sheet

    rows: dict[str, str] = {}
    out = io.BytesIO()
    with zipfile.ZipFile(path) as zf:
        parts = sheet_parts(zf)
        emptied = {parts[n]: n for n in names if n in parts}
        strings = zf.read(SHARED_STRINGS).decode("utf-8") if _has(zf, SHARED_STRINGS) else None
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dest:
            for info in zf.infolist():
                data = zf.read(info)
                name = emptied.get(info.filename)
                if name is not None:
                    head, inner, tail = split_sheet(data.decode("utf-8"))
                    rows[name] = inner
                    data = f"{head}<sheetData/>{tail}".encode()
                dest.writestr(_stored(info), data)
    out.seek(0)
    return out, rows, strings


def splice(saved: io.BytesIO, sheets: dict, target, styles: Callable[[], bytes]) -> None:
    """Write ``saved`` (a package openpyxl wrote) to ``target`` with each sheet of
    ``sheets`` (name → :class:`~pixie_xl.sheets.stream_sheet.StreamSheet`) streamed in.

    ``styles()`` gives the styles part, asked for after the sheets are streamed: a date
    or a formula-like text may have needed a style the saved part does not have yet.
    """
    saved.seek(0)
    with zipfile.ZipFile(saved) as zf:
        parts = sheet_parts(zf)
        streamed = {parts[n]: s for n, s in sheets.items() if n in parts}
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dest:
            styles_info = None
            for info in zf.infolist():
                sheet = streamed.get(info.filename)
                if info.filename == STYLES:
                    styles_info = info
                elif sheet is None:
                    dest.writestr(_deflated(info), zf.read(info))
                else:
                    with dest.open(_deflated(info, 1), "w", force_zip64=True) as fh:
                        for chunk in _sheet_xml(zf.read(info).decode("utf-8"), sheet):
                            fh.write(chunk.encode("utf-8"))
            if styles_info is not None:
                dest.writestr(_deflated(styles_info), styles())


def _sheet_xml(xml: str, sheet) -> Iterator[str]:
    m = _EMPTY_DATA.search(xml)
    if m is None:
        raise ValueError("openpyxl wrote a streamed sheet with rows")
    head, tail = xml[: m.start()], xml[m.end() :]
    head = _DIMENSION.sub(lambda _: f'<dimension ref="{sheet.dimension()}"/>', head, count=1)
    yield head + "<sheetData>"
    yield from sheet.xml_chunks()
    yield "</sheetData>" + tail


def _has(zf: zipfile.ZipFile, name: str) -> bool:
    try:
        zf.getinfo(name)
    except KeyError:
        return False
    return True


def _stored(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type = zipfile.ZIP_STORED
    copy.external_attr = info.external_attr
    return copy


def _deflated(info: zipfile.ZipInfo, level: int | None = None) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type = zipfile.ZIP_DEFLATED
    copy.external_attr = info.external_attr
    if level is not None:
        copy._compresslevel = level  # fast for the big streamed sheets
    return copy
