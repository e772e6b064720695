"""The stand-in's ``Range`` (with ``Interior`` and ``Rows``/``Columns``): what a cell's
``Value`` and ``Formula`` are as pywin32 hands them over, and what Excel stores for a value
assigned to them; sources as in ``comexcel``."""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re

from openpyxl.styles import PatternFill
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel, to_excel

from tests.excel.comexcel_com import COM, ERRORS, RANGE_IID, XL_COLOR_INDEX_NONE
from tests.excel.pywin32_stub import com_error


class _Axis(COM):
    """``Range.Rows`` / ``Range.Columns``: here only their ``Count``."""

    def __init__(self, rng, n):
        object.__setattr__(self, "_app", rng._app)
        self._n = n

    Count = property(lambda self: self._n)


class Interior(COM):
    def __init__(self, rng):
        object.__setattr__(self, "_app", rng._app)
        self._rng = rng

    def _fills(self):
        return [c.fill for c in self._rng.cells()]

    @property
    def ColorIndex(self):
        kinds = {f.fill_type for f in self._fills()}
        return XL_COLOR_INDEX_NONE if kinds == {None} else 1

    @ColorIndex.setter
    def ColorIndex(self, value):
        if value == XL_COLOR_INDEX_NONE:
            for c in self._rng.cells():
                c.fill = PatternFill(fill_type=None)

    @property
    def Color(self):
        fill = self._fills()[0]
        if fill.fill_type is None:
            return 16777215.0  # white, as Excel answers for no fill
        r, g, b = (int(fill.fgColor.rgb[i : i + 2], 16) for i in (2, 4, 6))
        return float(r + 256 * g + 65536 * b)

    @Color.setter
    def Color(self, bgr):
        bgr = int(bgr)
        argb = f"FF{bgr & 255:02X}{(bgr >> 8) & 255:02X}{(bgr >> 16) & 255:02X}"
        for c in self._rng.cells():
            c.fill = PatternFill("solid", fgColor=argb)


_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*%?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _compute(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        v = _compute(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in (*_ARITH, ast.Div):
        a, b = _compute(node.left), _compute(node.right)
        if isinstance(node.op, ast.Div):
            return ERRORS["#DIV/0!"] if b == 0 else a / b
        return _ARITH[type(node.op)](a, b)
    raise ValueError("not arithmetic")


def parse_typed(text: str) -> tuple[object, bool]:
    """What Excel stores for text assigned to ``Value``/``Formula``: (value, quoted)."""
    if text.startswith("'"):
        return text[1:], True
    if text.startswith("=") or text == "":
        return text or None, False
    if _NUMBER.match(text):
        t = text.strip()
        return (float(t[:-1]) / 100 if t.endswith("%") else float(t)), False
    if text.upper() in ("TRUE", "FALSE"):
        return text.upper() == "TRUE", False
    if text in ERRORS:
        return text, False
    if _ISO_DATE.match(text):
        return dt.datetime.fromisoformat(text), False
    return text, False


def _number_format(rng):
    """Excel's ``NumberFormat`` of a range: the one format its cells share, else None."""
    formats = {c.number_format for c in rng.cells()}
    return formats.pop() if len(formats) == 1 else None


def _set_number_format(rng, fmt):
    for c in rng.cells():
        c.number_format = fmt


class Range(COM):
    def __init__(self, sheet, r1, c1, r2, c2):
        object.__setattr__(self, "_app", sheet._app)
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2
        self._oleobj_ = _OleObj()

    CLSID = RANGE_IID
    Row = property(lambda self: self.r1)
    Column = property(lambda self: self.c1)
    Worksheet = property(lambda self: self.sheet)
    Parent = property(lambda self: self.sheet)
    Count = property(lambda self: (self.r2 - self.r1 + 1) * (self.c2 - self.c1 + 1))
    Rows = property(lambda self: _Axis(self, self.r2 - self.r1 + 1))
    Columns = property(lambda self: _Axis(self, self.c2 - self.c1 + 1))
    Interior = property(lambda self: Interior(self))

    def __repr__(self):
        return f"<Range {self.sheet.ws.title}!{self._address()}>"

    def _address(self, absolute=True):
        d = "$" if absolute else ""
        first = f"{d}{get_column_letter(self.c1)}{d}{self.r1}"
        if (self.r1, self.c1) == (self.r2, self.c2):
            return first
        return f"{first}:{d}{get_column_letter(self.c2)}{d}{self.r2}"

    Address = property(_address)

    def GetAddress(self, RowAbsolute=True, ColumnAbsolute=True, *args):
        return self._address(RowAbsolute and ColumnAbsolute)

    def cells(self):
        ws = self.sheet.ws
        return [
            ws.cell(r, c) for r in range(self.r1, self.r2 + 1) for c in range(self.c1, self.c2 + 1)
        ]

    def _grid(self, read):
        ws = self.sheet.ws
        grid = tuple(
            tuple(read(ws.cell(r, c)) for c in range(self.c1, self.c2 + 1))
            for r in range(self.r1, self.r2 + 1)
        )
        return grid[0][0] if self.Count == 1 else grid

    def _value_of(self, cell):
        v = cell.value
        if v is None:
            return None
        if cell.data_type == "e" or (isinstance(v, str) and v in ERRORS and not cell.quotePrefix):
            return ERRORS.get(v, ERRORS["#VALUE!"])
        if cell.data_type == "f" and not cell.quotePrefix:
            if cell.coordinate in self.sheet.results:
                return self.sheet.results[cell.coordinate]
            try:
                return _compute(ast.parse(str(v)[1:], mode="eval").body)
            except (SyntaxError, ValueError):
                return 0.0
        if isinstance(v, bool):
            return v
        if isinstance(v, int | float):
            # Value is a Date in a date-formatted cell, a number under a number format
            if is_date_format(cell.number_format) and 1 <= v < 2958466:
                return from_excel(v).replace(tzinfo=dt.UTC)
            return float(v)
        if isinstance(v, dt.date) and not is_date_format(cell.number_format):
            return float(to_excel(v))
        if isinstance(v, dt.datetime):
            return v.replace(tzinfo=dt.UTC)
        if isinstance(v, dt.date):
            return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
        return v

    @staticmethod
    def _formula_of(cell):
        v = cell.value
        if v is None:
            return ""
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, dt.datetime | dt.date):
            base = dt.datetime(1899, 12, 30)
            days = (dt.datetime.combine(v, dt.time()) if type(v) is dt.date else v) - base
            return str(days.days) if not days.seconds else str(days / dt.timedelta(days=1))
        return str(getattr(v, "text", v))

    def _assign(self, data):
        cells = [[c for c in range(self.c1, self.c2 + 1)] for _ in range(self.r1, self.r2 + 1)]
        grid = data if isinstance(data, list | tuple) else None
        for i, row in enumerate(cells):
            for j, col in enumerate(row):
                if grid is None:
                    v = data
                elif i < len(grid) and j < len(grid[i]):
                    v = grid[i][j]
                else:
                    v = "#N/A"  # Excel fills what an array does not cover with #N/A
                self._store(self.sheet.ws.cell(self.r1 + i, col), v)

    @staticmethod
    def _store(cell, v):
        quoted = False
        if isinstance(v, str):
            v, quoted = parse_typed(v)
        elif isinstance(v, dt.datetime):
            v = v.replace(tzinfo=None)
        elif v is not None and not isinstance(v, bool | int | float):
            raise com_error(-2147352567, f"stand-in: cannot store {type(v).__name__}")
        cell.value = v
        if isinstance(v, str) and v in ERRORS and not quoted:
            cell.data_type = "e"
        elif quoted:
            cell.data_type = "s"
        cell.quotePrefix = quoted

    Value = property(lambda self: self._grid(self._value_of), _assign)
    Formula = property(lambda self: self._grid(self._formula_of), _assign)
    Formula2 = Formula

    NumberFormat = property(_number_format, _set_number_format)

    def ClearContents(self):
        for c in self.cells():
            c.value = None
            c.quotePrefix = False

    def Resize(self, rows=None, cols=None):
        rows = rows or self.r2 - self.r1 + 1
        cols = cols or self.c2 - self.c1 + 1
        return Range(self.sheet, self.r1, self.c1, self.r1 + rows - 1, self.c1 + cols - 1)

    def Offset(self, rows=0, cols=0):
        return Range(self.sheet, self.r1 + rows, self.c1 + cols, self.r2 + rows, self.c2 + cols)

    def Item(self, row, col=1):
        return Range(
            self.sheet,
            self.r1 + row - 1,
            self.c1 + col - 1,
            *(self.r1 + row - 1, self.c1 + col - 1),
        )

    Cells = Item

    @property
    def ListObject(self):
        for lo in self.sheet.tables():
            if lo.r1 <= self.r1 <= lo.r2 and lo.c1 <= self.c1 <= lo.c2:
                return lo
        return None


class Areas(COM):
    """A multi-area range (``Range("H2:H9,C4")``): its areas' cells, fill, number format
    and address."""

    def __init__(self, sheet, parts):
        object.__setattr__(self, "_app", sheet._app)
        self.sheet, self._parts = sheet, parts

    Interior = property(lambda self: Interior(self))
    Address = property(lambda self: ",".join(p._address() for p in self._parts))
    Count = property(lambda self: sum(p.Count for p in self._parts))

    def cells(self):
        return [c for p in self._parts for c in p.cells()]

    NumberFormat = property(_number_format, _set_number_format)


class _OleObj:
    """``_oleobj_.GetTypeInfo().GetTypeAttr().iid`` of a Range (is_range_instance)."""

    def GetTypeInfo(self):
        return self

    def GetTypeAttr(self):
        return self

    iid = RANGE_IID
