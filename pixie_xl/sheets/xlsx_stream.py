"""A sheet's ``<sheetData>`` read and written as text, without a cell object per cell.

:class:`~pixie_xl.sheets.filebook.FileBook` keeps the output sheets (Variance, Variance by
month, Months, Parents, Alerts, Checks) out of openpyxl: their rows are parsed from the part
only when read (:func:`parse_rows`) and written as streamed XML at save (:func:`row_xml`),
then spliced into the package (:mod:`pixie_xl.sheets.splice`). Values read back as openpyxl
reads them: numbers as ``int`` or ``float``, dates under a date format as ``datetime``,
formulas as :class:`~pixie_xl.core.records.Formula` (``"=…"``). Text is written as inline
strings, so the package's shared strings stay openpyxl's.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from html import unescape

from openpyxl.utils.datetime import from_excel

from pixie_xl.core.money import Money
from pixie_xl.core.records import Formula
from pixie_xl.sheets.cells import RISKY_STARTS, col_letter


class _Day0:
    """``_DAY0 + serial``: the datetime of a whole-day serial after 1900-02-28."""

    __slots__ = ()

    def __add__(self, days: int) -> datetime:
        return datetime.fromordinal(693594 + days)


#: a cell as the usual writers (Excel, LibreOffice, openpyxl, this module) spell it
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?(?: [^>]*?)?(?:/>|>(.*?)</c>)', re.S
)
_ROW_HEAD = re.compile(r"<row\b([^>]*?)/?>")
_ROW_NUMBER = re.compile(r'\br="(\d+)"')
_ROW_OWN = re.compile(r'\s*\b(?:r|spans)="[^"]*"')
#: the same, a lone value or a plain inline string taken out by the pattern itself
_TYPED_CELL = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(\w+)")?(?: [^>]*?)?'
    r"(?:/>|><v>([^<]*)</v></c>|><is><t>([^<&]*)</t></is></c>|>(.*?)</c>)",
    re.S,
)
_CELL_COL = re.compile(r'<c r="([A-Z]{1,3})')
_V = re.compile(r"<v>(.*?)</v>", re.S)
_F = re.compile(r"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_T = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)
_SI = re.compile(r"<si>(.*?)</si>", re.S)
_SHARED = re.compile(r'\bt="shared"')
_SI_ATTR = re.compile(r'\bsi="(\d+)"')
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_EPOCH = datetime(1899, 12, 30)
_DAY0 = _Day0()
_COLS: dict[str, int] = {}
_LETTERS: list[str] = []


def col_number(letters: str) -> int:
    n = _COLS.get(letters)
    if n is None:
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        _COLS[letters] = n
    return n


def letters(col: int) -> str:
    while len(_LETTERS) <= col:
        _LETTERS.append(col_letter(len(_LETTERS)) if _LETTERS else "")
    return _LETTERS[col]


def shared_strings(xml: str | None) -> list[str]:
    """The texts of a ``sharedStrings.xml`` (rich text runs joined)."""
    if not xml:
        return []
    return [unescape("".join(t or "" for t in _T.findall(si))) for si in _SI.findall(xml)]


def split_sheet(xml: str) -> tuple[str, str, str]:
    """(text before ``<sheetData>``, the rows inside it, text after it)."""
    start = xml.find("<sheetData")
    if start < 0:
        raise ValueError("no <sheetData> in the sheet")
    open_end = xml.index(">", start)
    if xml[open_end - 1] == "/":
        return xml[:start], "", xml[open_end + 1 :]
    end = xml.index("</sheetData>", open_end)
    return xml[:start], xml[open_end + 1 : end], xml[end + len("</sheetData>") :]


Rows = dict[int, dict[int, tuple[object, int]]]


def parse_rows(
    data: str, strings: list[str], date_styles: frozenset[int], skip=None
) -> tuple[Rows, dict[int, str]]:
    """The cells of ``<sheetData>`` rows: ``{row: {col: (value, style)}}``, and the extra
    attributes of rows that have some (height, hidden). ``skip(row, first_col, last_col)``
    may drop a whole row unparsed."""
    rows: Rows = {}
    attrs: dict[int, str] = {}
    heads = list(_ROW_HEAD.finditer(data))
    runs: list[list[int]] = []  # [start, end) offsets of runs of rows to parse
    for i, m in enumerate(heads):
        head = m.group(1)
        number = _ROW_NUMBER.search(head)
        if number is None:
            raise ValueError("a <row> without its number")
        if head.count('="') > 1:
            extra = _ROW_OWN.sub("", head).strip()
            if extra:
                attrs[int(number.group(1))] = extra
        end = heads[i + 1].start() if i + 1 < len(heads) else len(data)
        if skip is not None and _skipped(data, m.end(), end, int(number.group(1)), skip):
            continue
        if runs and runs[-1][1] == m.start():
            runs[-1][1] = end
        else:
            runs.append([m.start(), end])
    shared: dict[str, tuple[str, int, int]] = {}
    for start, end in runs:
        _parse_run(data, start, end, rows, strings, date_styles, shared)
    return rows, attrs


def drop_rows(data: str, c1: int, r1: int, c2: int, r2: int) -> str:
    """``<sheetData>`` rows text without the rows whose cells all lie in the range (a row
    with a height or other attributes of its own is kept), unparsed: the old rows a
    table's rewrite covers need not be held until the save (issue 12.1)."""
    kept: list[str] = []
    heads = list(_ROW_HEAD.finditer(data))
    at = 0  # the start of the text not yet kept or dropped

    def covered(_r: int, first: int, last: int) -> bool:
        return c1 <= first and last <= c2

    for i, m in enumerate(heads):
        number = _ROW_NUMBER.search(m.group(1))
        if number is None or not r1 <= int(number.group(1)) <= r2:
            continue
        if m.group(1).count('="') > 1 and _ROW_OWN.sub("", m.group(1)).strip():
            continue
        end = heads[i + 1].start() if i + 1 < len(heads) else len(data)
        if _skipped(data, m.end(), end, 0, covered):
            kept.append(data[at : m.start()])
            at = end
    if not kept:
        return data
    kept.append(data[at:])
    return "".join(kept)


def _skipped(data: str, start: int, end: int, r: int, skip) -> bool:
    first = _CELL_COL.match(data, start)
    last_at = data.rfind('<c r="', start, end)
    if first is None or last_at < 0:
        return False
    last = _CELL_COL.match(data, last_at)
    return last is not None and skip(r, col_number(first[1]), col_number(last[1]))


def _parse_run(data, start, end, rows, strings, date_styles, shared) -> None:
    found = _TYPED_CELL.findall(data, start, end)
    if len(found) != data.count("<c ", start, end) + data.count("<c>", start, end):
        m = _ROW_NUMBER.search(data, start, end)
        raise ValueError(f"row {m.group(1) if m else '?'}: a cell written in an unexpected form")
    cols = _COLS
    cur_r = None
    cur: dict = {}
    for col, rn, s, t, x, text, inner in found:
        if rn != cur_r:
            cur_r = rn
            cur = rows.setdefault(int(rn), {})
        c = cols.get(col) or col_number(col)
        st = int(s) if s else 0
        if x and (not t or t == "n"):
            v = float(x) if ("." in x or "E" in x or "e" in x) else int(x)
            if st in date_styles:
                v = _DAY0 + v if type(v) is int and v > 60 else from_excel(v)
        elif text and t == "inlineStr":
            v = text
        elif x:
            v = _value(f"<v>{x}</v>", t, st, strings, date_styles, shared, c, int(rn))
        elif inner:
            v = _value(inner, t, st, strings, date_styles, shared, c, int(rn))
        else:
            v = None
        cur[c] = (v, st)


def _value(inner, t, style, strings, date_styles, shared, col, row) -> object:
    if not inner:
        return None
    if inner.startswith("<v>") and t in ("", "n"):
        v = inner[3:-4]
        number = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
        return _from_serial(number) if style in date_styles else number
    f = _F.search(inner)
    if f is not None:
        return _formula(f.group(1), f.group(2), shared, col, row)
    if t == "inlineStr":
        return unescape("".join(x or "" for x in _T.findall(inner)))
    v = _V.search(inner)
    if v is None:
        return None
    text = v.group(1)
    if t == "s":
        return strings[int(text)]
    if t == "b":
        return text.strip() in ("1", "true")
    if t in ("str", "e"):
        return unescape(text)
    number = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
    return _from_serial(number) if style in date_styles else number


def _formula(attrs: str, text: str | None, shared, col: int, row: int) -> Formula:
    if _SHARED.search(attrs):
        si = _SI_ATTR.search(attrs)
        key = si.group(1) if si else ""
        if text:
            shared[key] = (unescape(text), col, row)
        elif key in shared:
            from openpyxl.formula.translate import Translator

            master, c0, r0 = shared[key]
            moved = Translator("=" + master, f"{letters(c0)}{r0}")
            return Formula(moved.translate_formula(f"{letters(col)}{row}"))
    return Formula("=" + unescape(text or ""))


def _from_serial(number: float) -> datetime | time:
    return from_excel(number)


# --- writing --------------------------------------------------------------------------------


def _esc(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def serial(value: date | datetime | time | timedelta) -> float:
    """The Excel serial of a date (1900 system, as openpyxl writes it)."""
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400 + (
            value.microsecond / 86_400_000_000
        )
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    delta = value - _EPOCH
    days = delta.days
    if 0 < days <= 60:
        days -= 1
    return days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


class Styler:
    """The style index a written value needs: a date without a date format gets
    openpyxl's default one, text that looks like a formula the quote prefix."""

    def __init__(self, date_styles: set[int], derive) -> None:
        #: style ids whose number format is a date format
        self.date_styles = date_styles
        self._derive = derive  # (style, number format or None, quote) -> style id
        self._cache: dict[tuple, int] = {}

    def derived(self, style: int, number_format: str | None, quote: bool = False) -> int:
        key = (style, number_format, quote)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._derive(style, number_format, quote)
        return got


_DATE_FORMATS = {datetime: "yyyy-mm-dd h:mm:ss", date: "yyyy-mm-dd", time: "h:mm:ss"}


def row_xml(r: int, cells: dict[int, tuple[object, int]], styler: Styler, attrs: str = "") -> str:
    """One ``<row>`` of cells ``{col: (value, style)}`` (any column order)."""
    rs = str(r)
    out = "".join(cell_xml(letters(c) + rs, *cells[c], styler) for c in sorted(cells))
    return f'<row r="{rs}"{" " + attrs if attrs else ""}>{out}</row>'


def cell_xml(ref: str, value: object, s: int, styler: Styler) -> str:
    """One ``<c>`` of ``value`` styled ``s``, as openpyxl writes it ("" for a blank unstyled
    cell; a number that is not finite and ``""`` are blank cells)."""
    t = type(value)
    if t is float or t is int or t is Decimal or t is Money:
        if t is int:
            v = str(value)
        else:
            f = value if t is float else float(value.decimal if t is Money else value)
            v = f"{f:.16g}" if math.isfinite(f) else ""  # as openpyxl writes it: no value
        if v:
            return f'<c r="{ref}" s="{s}"><v>{v}</v></c>' if s else f'<c r="{ref}"><v>{v}</v></c>'
        return f'<c r="{ref}" s="{s}"/>' if s else ""
    if value is None or value == "":  # as openpyxl writes "": a blank cell
        return f'<c r="{ref}" s="{s}"/>' if s else ""
    if t is Formula:
        return f'<c r="{ref}" s="{s}"><f>{_esc(value[1:])}</f></c>'
    if t is str or isinstance(value, str):
        return _text_xml(ref, str(value), s, styler)
    if t is bool:
        return f'<c r="{ref}" s="{s}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, date | time | timedelta):
        if s not in styler.date_styles:
            s = styler.derived(s, _DATE_FORMATS.get(t, "[hh]:mm:ss"))
        return f'<c r="{ref}" s="{s}"><v>{serial(value):.16g}</v></c>'
    return _text_xml(ref, str(value), s, styler)


def _text_xml(ref: str, text: str, s: int, styler: Styler) -> str:
    if _ILLEGAL.search(text):
        raise ValueError(f"cell {ref}: text with a control character Excel cannot store")
    if text.startswith(RISKY_STARTS):
        s = styler.derived(s, None, True)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}" s="{s}" t="inlineStr"><is><t{space}>{_esc(text)}</t></is></c>'
