"""The stand-in's tables (``ListObject``) and charts (``ChartObject``/``Chart``); sources as
in ``comexcel``: Microsoft's ListObject reference (``DataBodyRange``/``TotalsRowRange`` are
Nothing without data rows/total row; ``Resize`` keeps the header row; turning
``ShowTotals`` off clears the total row) and ``xlwings/_xlwindows.py`` ``Table``/``Chart``.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter

from tests.excel.comexcel_com import COM, unwrap
from tests.excel.comexcel_range import Range, _Axis
from tests.excel.pywin32_stub import com_error


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
