"""A COM-level stand-in of Excel, backed by an openpyxl workbook, for xlwings' own Windows
code (``xlwings._xlwindows``) to drive in tests.

It answers the members that xlwings 0.37.8 and Pixie XL use, as Excel does through
pywin32's late binding. Where each behaviour comes from:

- Object model, member names and shapes (``Application``, ``Workbook``, ``Worksheets``,
  ``Worksheet.Range/Cells/ListObjects/UsedRange/ChartObjects``, ``Range.Value/Formula/
  NumberFormat/Interior/Resize/Offset/Address/Row/Column/Rows.Count/Columns.Count``,
  ``ListObject.HeaderRowRange/DataBodyRange/TotalsRowRange/ShowTotals/Range/Resize``,
  ``Chart.SetSourceData(Source, PlotBy)``): Microsoft's Excel VBA object model reference
  (learn.microsoft.com/office/vba/api/excel.*). ``DataBodyRange`` and ``TotalsRowRange``
  are ``Nothing`` (pywin32: ``None``) for a table without data rows / without its total row
  (ListObject.DataBodyRange, ListObject.TotalsRowRange pages).
- What pywin32 hands over for ``Range.Value`` (VARIANT → Python): a single cell as a
  scalar, several as a tuple of row tuples; every number as a float (VT_R8); a date as a
  timezone-aware datetime (pywintypes TimeType, tzinfo UTC); an error as the int of its
  CVErr code (VT_ERROR); an empty cell as None. The error codes are those xlwings maps in
  ``xlwings/_xlwindows.py`` (``cell_errors``), which ``test_comexcel`` checks this module
  against. ``Range.Formula`` is a str per cell ("" when empty, the typed text of a
  constant, ``"=…"`` for a formula), in the same tuple-of-tuples shape
  (``xlwings/_xlwindows.py`` ``Range.formula`` returns it unconverted).
- What Excel does with a value assigned to ``Value``/``Formula``: text starting with "'"
  stays text (the apostrophe is the cell's prefix character, not part of its value), "="
  starts a formula, text that reads as a number, TRUE/FALSE, an error literal or an ISO
  date becomes that value; "" or None empties the cell; a scalar fills the whole range.
  ``Value`` is a Date only in a cell with a date format (a number there is a date, a date
  under a number format a number: Range.Value vs Range.Value2 in Microsoft's docs).
  Excel also parses locale dates, currency and fractions: not modelled (see
  ``xlwings_book.to_excel``, which writes such text with the apostrophe anyway).
- xlwings' calls seen from this side: ``Interior.ColorIndex = xlColorIndexNone`` (-4142)
  to clear a fill, ``Interior.Color`` as a BGR int (``xlwings.utils.rgb_to_int``),
  ``Range(cell1, cell2)``, ``Range(...).Resize``, ``Worksheet.Cells(row, col)``, ``Hwnd``
  for the message box (``_xlwindows.App.alert``), ``_oleobj_.GetTypeInfo().GetTypeAttr()
  .iid`` to tell a Range argument of a UDF (``_xlwindows.is_range_instance``), ``CLSID``
  (``xlwings.udfs.ComRange``).
- Not Excel: there is no calculation engine. A formula of numbers and ``+ - * / ( )`` is
  computed; any other formula's value is what a test set with :meth:`Worksheet.set_result`,
  else 0.0.

Every COM member read, written or called is counted on the Application
(``app.com_calls``, and ``app.calls`` by name), as each is one cross-process call in Excel.
"""

from __future__ import annotations

import ast
import collections
import datetime as dt
import itertools
import operator
import re

from openpyxl.styles import PatternFill
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel, to_excel

from tests.excel.pywin32_stub import WINDOWS, CDispatch, com_error

ERRORS = {
    "#DIV/0!": -2146826281,
    "#N/A": -2146826246,
    "#NAME?": -2146826259,
    "#NULL!": -2146826288,
    "#NUM!": -2146826252,
    "#REF!": -2146826265,
    "#VALUE!": -2146826273,
}
XL_COLOR_INDEX_NONE = -4142
XL_CALCULATION_AUTOMATIC = -4105
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"
_HWNDS = itertools.count(1001)


def unwrap(obj):
    """A COM object handed back to COM: xlwings passes its retry wrapper."""
    return getattr(obj, "_inner", obj)


class COM(CDispatch):
    """A COM object: every PascalCase member access is one counted call."""

    _app: Application

    def __getattribute__(self, name):
        if name[:1].isupper():
            object.__getattribute__(self, "_app")._count(name)
        return object.__getattribute__(self, name)

    def __setattr__(self, name, value):
        if name[:1].isupper():
            self._app._count(name)
        object.__setattr__(self, name, value)

    @property
    def Application(self):
        return self._app


class Application(COM):
    Version = "16.0"

    def __init__(self):
        object.__setattr__(self, "_app", self)
        self.com_calls = 0
        self.calls: collections.Counter[str] = collections.Counter()
        self.alerts: list[tuple[str, str]] = []
        self.status_history: list[object] = []
        self.books: list[Workbook] = []
        self.recalculations: list[str] = []
        #: what the Open dialog answers (False: cancelled)
        self.open_filename: object = False
        self._status = False
        self.Calculation = XL_CALCULATION_AUTOMATIC
        self.ScreenUpdating = True
        self.DisplayAlerts = True
        self.EnableEvents = True
        self.Hwnd = next(_HWNDS)
        WINDOWS[self.Hwnd] = self

    def _count(self, name):
        self.com_calls += 1
        self.calls[name] += 1

    @property
    def StatusBar(self):
        return self._status

    @StatusBar.setter
    def StatusBar(self, value):
        self._status = value
        self.status_history.append(value)

    @property
    def Workbooks(self):
        return Collection(self, self.books, key=lambda b: b.Name)

    @property
    def ActiveWorkbook(self):
        return self.books[-1] if self.books else None

    def Calculate(self):
        self.recalculations.append("Calculate")

    def CalculateFull(self):
        self.recalculations.append("CalculateFull")

    def GetOpenFilename(self, FileFilter=None, *args, **kwargs):
        return self.open_filename


class Collection(COM):
    """A COM collection: called or ``Item`` with a name or a 1-based index, iterable."""

    def __init__(self, app, items, key, parent=None):
        object.__setattr__(self, "_app", app)
        self._items, self._key, self._parent = list(items), key, parent

    def Item(self, key):
        if isinstance(key, int) and 1 <= key <= len(self._items):
            return self._items[key - 1]
        for item in self._items:
            if isinstance(key, str) and self._key(item).lower() == key.lower():
                return item
        raise com_error(-2147352565, "Invalid index.")  # DISP_E_BADINDEX

    __call__ = Item

    @property
    def Count(self):
        return len(self._items)

    @property
    def Parent(self):
        return self._parent

    def __iter__(self):
        self._app._count("_NewEnum")
        return iter(list(self._items))


class Workbook(COM):
    def __init__(self, app, wb, path):
        object.__setattr__(self, "_app", app)
        self.wb, self.path, self.saves = wb, path, 0
        self.sheets = {ws.title: Worksheet(self, ws) for ws in wb.worksheets}
        if any(b.Name.lower() == path.name.lower() for b in app.books):
            # Excel: "A document with the name … is already open"
            raise com_error(-2147352567, f"A document with the name {path.name} is already open")
        app.books.append(self)

    Name = property(lambda self: self.path.name)
    FullName = property(lambda self: str(self.path))
    Path = property(lambda self: str(self.path.parent))
    FileFormat = property(lambda self: 52 if self.path.suffix == ".xlsm" else 51)

    @property
    def Worksheets(self):
        return Collection(self._app, self.sheets.values(), key=lambda s: s.Name, parent=self)

    Sheets = Worksheets

    def Close(self, SaveChanges=False):
        if SaveChanges:
            self.Save()
        self._app.books.remove(self)

    def Save(self):
        for sheet in self.sheets.values():
            for lo in sheet.tables():
                lo.sync_columns()
        self.wb.save(self.path)
        self.saves += 1


class Worksheet(COM):
    def __init__(self, book, ws):
        object.__setattr__(self, "_app", book._app)
        self.book, self.ws, self.results = book, ws, {}

    Name = property(lambda self: self.ws.title)
    Parent = property(lambda self: self.book)
    Index = property(lambda self: self.book.wb.worksheets.index(self.ws) + 1)

    def set_result(self, cell: str, value: object) -> None:
        """What the formula in ``cell`` computes (the stand-in has no calculation engine)."""
        self.results[self.ws[cell].coordinate] = value

    def Cells(self, row, col):
        return Range(self, row, col, row, col)

    def Range(self, a, b=None):
        a, b = unwrap(a), unwrap(b)
        first = a if isinstance(a, Range) else self._parse(a)
        if b is None:
            return first
        last = b if isinstance(b, Range) else self._parse(b)
        return Range(
            self,
            min(first.r1, last.r1),
            min(first.c1, last.c1),
            max(first.r2, last.r2),
            max(first.c2, last.c2),
        )

    def _parse(self, ref: str):
        from openpyxl.utils.cell import range_boundaries

        c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
        return Range(self, r1, c1, r2, c2)

    @property
    def ListObjects(self):
        return Collection(self._app, self.tables(), key=lambda t: t.name, parent=self)

    def tables(self):
        return [ListObject(self, self.ws.tables[name]) for name in list(self.ws.tables)]

    @property
    def UsedRange(self):
        ws = self.ws
        cells = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value is not None]
        if not cells:
            return Range(self, 1, 1, 1, 1)
        rows, cols = zip(*cells, strict=True)
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    def ChartObjects(self):
        charts = [ChartObject(self, i, c) for i, c in enumerate(self.ws._charts, start=1)]
        return Collection(self._app, charts, key=lambda c: c.Name, parent=self)


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

    @property
    def NumberFormat(self):
        formats = {c.number_format for c in self.cells()}
        return formats.pop() if len(formats) == 1 else None

    @NumberFormat.setter
    def NumberFormat(self, fmt):
        for c in self.cells():
            c.number_format = fmt

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
    __call__ = Item

    @property
    def ListObject(self):
        for lo in self.sheet.tables():
            if lo.r1 <= self.r1 <= lo.r2 and lo.c1 <= self.c1 <= lo.c2:
                return lo
        return None


class _OleObj:
    """``_oleobj_.GetTypeInfo().GetTypeAttr().iid`` of a Range (is_range_instance)."""

    def GetTypeInfo(self):
        return self

    def GetTypeAttr(self):
        return self

    iid = RANGE_IID


class ListObject(COM):
    """A table (openpyxl ``Table``): ``ref`` spans header, data rows and the total row."""

    def __init__(self, sheet, table):
        object.__setattr__(self, "_app", sheet._app)
        self.sheet, self.table = sheet, table

    @property
    def _bounds(self):
        from openpyxl.utils.cell import range_boundaries

        return range_boundaries(self.table.ref)  # c1, r1, c2, r2

    c1 = property(lambda self: self._bounds[0])
    r1 = property(lambda self: self._bounds[1])
    c2 = property(lambda self: self._bounds[2])
    r2 = property(lambda self: self._bounds[3])
    name = property(lambda self: self.table.displayName)
    Name = property(lambda self: self.table.displayName)
    DisplayName = Name
    Parent = property(lambda self: self.sheet)
    ShowHeaders = True

    def _totals(self) -> int:
        return int(self.table.totalsRowCount or 0)

    @property
    def Range(self):
        return Range(self.sheet, self.r1, self.c1, self.r2, self.c2)

    @property
    def HeaderRowRange(self):
        return Range(self.sheet, self.r1, self.c1, self.r1, self.c2)

    @property
    def DataBodyRange(self):
        last = self.r2 - self._totals()
        return Range(self.sheet, self.r1 + 1, self.c1, last, self.c2) if last > self.r1 else None

    @property
    def TotalsRowRange(self):
        if not self._totals():
            return None
        return Range(self.sheet, self.r2, self.c1, self.r2, self.c2)

    @property
    def ShowTotals(self):
        return bool(self._totals())

    @ShowTotals.setter
    def ShowTotals(self, on):
        if bool(on) == self.ShowTotals:
            return
        c1, r1, c2, r2 = self._bounds
        if on:
            below = Range(self.sheet, r2 + 1, c1, r2 + 1, c2)
            if any(c.value is not None for c in below.cells()):
                # Excel would shift the cells below down; not modelled
                raise com_error(-2147352567, "stand-in: the row below the table is not empty")
            self._set(c1, r1, c2, r2 + 1, totals=1)
        else:  # Excel clears the total row's cells as it removes it
            Range(self.sheet, r2, c1, r2, c2).ClearContents()
            self._set(c1, r1, c2, r2 - 1, totals=0)

    def Resize(self, rng):
        """The range is the header and the data rows (``xlwings.main.Table.update`` passes
        that); a total row moves along, directly below the new data rows."""
        rng = unwrap(rng)
        if rng.r1 != self.r1:
            raise com_error(-2147352567, "The header row must stay in the same row.")
        c1, _, c2, r2 = self._bounds
        totals = self._totals()
        if totals:
            row = [c.value for c in Range(self.sheet, r2, c1, r2, c2).cells()]
            Range(self.sheet, r2, c1, r2, c2).ClearContents()
            for i, v in enumerate(row):
                self.sheet.ws.cell(rng.r2 + 1, c1 + i).value = v
        self._set(rng.c1, rng.r1, rng.c2, rng.r2 + totals, totals)

    def _set(self, c1, r1, c2, r2, totals):
        from openpyxl.worksheet.table import TableColumn

        self.table.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
        self.table.totalsRowCount = totals or None
        if self.table.autoFilter is not None:
            last = r2 - totals
            self.table.autoFilter.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{last}"
        width = c2 - c1 + 1
        cols = list(self.table.tableColumns)[:width]
        for i in range(len(cols), width):
            cols.append(TableColumn(id=i + 1, name=f"Column{i + 1}"))
        self.table.tableColumns = cols
        self.sync_columns()

    def sync_columns(self):
        """Excel names each table column after its header cell."""
        for i, tc in enumerate(self.table.tableColumns):
            value = self.sheet.ws.cell(self.r1, self.c1 + i).value
            tc.name = str(value) if value is not None else f"Column{i + 1}"

    @property
    def ListColumns(self):
        return _Axis(self, self.c2 - self.c1 + 1)

    @property
    def ListRows(self):
        body = self.DataBodyRange
        return _Axis(self, 0 if body is None else body.r2 - body.r1 + 1)


class ChartObject(COM):
    def __init__(self, sheet, index, chart):
        object.__setattr__(self, "_app", sheet._app)
        self.sheet, self.index, self.chart = sheet, index, chart

    Name = property(lambda self: f"Chart {self.index}")
    Parent = property(lambda self: self.sheet)
    Chart = property(lambda self: Chart(self))


class Chart(COM):
    def __init__(self, obj):
        object.__setattr__(self, "_app", obj._app)
        self._obj = obj

    def SetSourceData(self, Source, PlotBy=None):
        """Recorded on the openpyxl chart as ``pixie_source``: (address, PlotBy)."""
        Source = unwrap(Source)
        self._obj.chart.pixie_source = (f"{Source.sheet.Name}!{Source.Address}", PlotBy)


def open_workbook(path, app: Application | None = None) -> Workbook:
    """The workbook at ``path`` opened in a (new) stand-in Excel."""
    import openpyxl

    wb = openpyxl.load_workbook(path, keep_vba=str(path).endswith(".xlsm"))
    return Workbook(app or Application(), wb, path)
