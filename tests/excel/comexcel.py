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
- ``Worksheet.PageSetup``: ``LeftHeader``/``CenterHeader``/``RightHeader`` and
  ``PrintArea`` only (PageSetup object page).
- ``Worksheet.Range`` with a multi-area reference (``"H2:H9,C4"``) answers an ``Areas``
  range that has only ``Interior``, ``NumberFormat``, ``Address`` and ``Count``; an address
  string over 255 characters fails as in Excel.
- Not Excel: there is no calculation engine. A formula of numbers and ``+ - * / ( )`` is
  computed; any other formula's value is what a test set with :meth:`Worksheet.set_result`,
  else 0.0.

Tables and charts are in ``comexcel_tables``.

The call counter: every PascalCase member of a stand-in object (``Range.Value``,
``Worksheets``, ``ListObject.Resize``, ``Application.StatusBar``, …) that is read, written or
called from outside the stand-in, which is what xlwings' ``_xlwindows`` (or our code through
``.api``) does on the dispatch objects it holds, counts one call on the Application:
``app.com_calls``, and ``app.calls`` by member name (``collections.Counter``). Calling a
collection (``sheets("Pixie")``) counts its default member ``Item``; iterating one counts
``_NewEnum``. What the stand-in does inside to answer a call is not counted. Each counted
call is one cross-process call in Excel, so ``com_calls`` is the figure the issue 12
``excel_refresh_com_calls`` target is about (tests reset it by reading it before and after).
"""

from __future__ import annotations

from tests.excel.comexcel_com import (  # noqa: F401 - the stand-in's names, in one place
    COM,
    ERRORS,
    HWNDS,
    RANGE_IID,
    XL_CALCULATION_AUTOMATIC,
    XL_COLOR_INDEX_NONE,
    Counter,
    unwrap,
)
from tests.excel.comexcel_range import Areas, Range, parse_typed  # noqa: F401
from tests.excel.pywin32_stub import WINDOWS, com_error


class Application(COM, Counter):
    Version = "16.0"

    def __init__(self):
        object.__setattr__(self, "_app", self)
        Counter.__init__(self)
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
        self.Hwnd = next(HWNDS)
        WINDOWS[self.Hwnd] = self
        Counter.__init__(self)  # setting it up is no call

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

    @property
    def Count(self):
        return len(self._items)

    @property
    def Parent(self):
        return self._parent

    def __iter__(self):
        with self._app.inside("_NewEnum"):
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

        if len(ref) > 255:  # Excel: "Method 'Range' of object '_Worksheet' failed"
            raise com_error(-2146827284, "Method 'Range' of object '_Worksheet' failed")
        if "," in ref:
            return Areas(self, [self._parse(part) for part in ref.split(",")])
        c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
        return Range(self, r1, c1, r2, c2)

    @property
    def ListObjects(self):
        return Collection(self._app, self.tables(), key=lambda t: t.name, parent=self)

    def tables(self):
        from tests.excel.comexcel_tables import ListObject

        return [ListObject(self, self.ws.tables[name]) for name in list(self.ws.tables)]

    @property
    def UsedRange(self):
        ws = self.ws
        cells = [(c.row, c.column) for row in ws.iter_rows() for c in row if c.value is not None]
        if not cells:
            return Range(self, 1, 1, 1, 1)
        rows, cols = zip(*cells, strict=True)
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    @property
    def PageSetup(self):
        return PageSetup(self)

    def ChartObjects(self):
        from tests.excel.comexcel_tables import ChartObject

        charts = [ChartObject(self, i, c) for i, c in enumerate(self.ws._charts, start=1)]
        return Collection(self._app, charts, key=lambda c: c.Name, parent=self)


class PageSetup(COM):
    """``Worksheet.PageSetup``: the page header's three parts and the print area, kept in
    the openpyxl sheet (so a save writes them)."""

    def __init__(self, sheet):
        object.__setattr__(self, "_app", sheet._app)
        self._ws = sheet.ws

    def _part(name):
        def get(self):
            return getattr(self._ws.oddHeader, name).text or ""

        def put(self, text):
            getattr(self._ws.oddHeader, name).text = text or None

        return property(get, put)

    LeftHeader, CenterHeader, RightHeader = _part("left"), _part("center"), _part("right")

    @property
    def PrintArea(self):
        return self._ws.print_area or ""

    @PrintArea.setter
    def PrintArea(self, area):
        self._ws.print_area = area.split(",") if area else None


def open_workbook(path, app: Application | None = None) -> Workbook:
    """The workbook at ``path`` opened in a (new) stand-in Excel."""
    import openpyxl

    wb = openpyxl.load_workbook(path, keep_vba=str(path).endswith(".xlsm"))
    return Workbook(app or Application(), wb, path)
