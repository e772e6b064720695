"""The live-Excel book against a small stand-in for the xlwings objects it uses.

No Excel runs here; the stand-in behaves like xlwings where XlwingsBook relies on it (a
single cell reads as a scalar, ``options(ndim=2)`` as a 2-D list, ``Range.formula`` holds
the text of a formula or of a value, ``Table.resize`` takes the header and data rows).
"""

from __future__ import annotations

from decimal import Decimal

from pixie_xl.core.findings import Severity
from pixie_xl.core.records import Formula
from pixie_xl.sheets import layout, tables
from pixie_xl.sheets.book import Book
from pixie_xl.sheets.cells import split_cell
from pixie_xl.sheets.xlwings_book import XlwingsBook
from tests.excel.test_writers import HOSTILE_NAME, sample_variance


class Rng:
    def __init__(self, sheet, r1, c1, r2=None, c2=None, ndim=None):
        self.sheet, self.row, self.column = sheet, r1, c1
        self.r2, self.c2, self.ndim = r2 or r1, c2 or c1, ndim

    def options(self, ndim=None):
        return Rng(self.sheet, self.row, self.column, self.r2, self.c2, ndim)

    @property
    def columns(self):
        return type("Cols", (), {"count": self.c2 - self.column + 1})()

    @property
    def rows(self):
        return type("Rows", (), {"count": self.r2 - self.row + 1})()

    def _cells(self):
        return [
            [(r, c) for c in range(self.column, self.c2 + 1)] for r in range(self.row, self.r2 + 1)
        ]

    def _get(self, show):
        grid = [[show(self.sheet.cells.get(rc)) for rc in row] for row in self._cells()]
        if self.ndim == 2:
            return grid
        if len(grid) == 1 and len(grid[0]) == 1:
            return grid[0][0]
        return grid[0] if len(grid) == 1 else grid

    @property
    def value(self):
        return self._get(lambda v: None if isinstance(v, Formula) else v)

    @value.setter
    def value(self, data):
        if not isinstance(data, list):
            data = [[data]]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                if isinstance(v, str) and v.startswith("'"):
                    v = v[1:]  # Excel keeps the text, without the apostrophe
                elif isinstance(v, str) and v.startswith("="):
                    v = Formula(v)  # Excel would run it
                self.sheet.cells[(self.row + i, self.column + j)] = v

    @property
    def formula(self):
        return self._get(lambda v: "" if v is None else str(v))

    @formula.setter
    def formula(self, text):
        self.sheet.cells[(self.row, self.column)] = Formula(text)

    number_format = None
    color = None

    def __setattr__(self, name, value):
        if name == "color":
            for row in self._cells():
                for rc in row:
                    self.sheet.colours[rc] = value
        elif name == "number_format":
            self.sheet.formats[(self.row, self.column, self.r2, self.c2)] = value
        else:
            object.__setattr__(self, name, value)

    def clear_contents(self):
        for row in self._cells():
            for rc in row:
                self.sheet.cells.pop(rc, None)


class Tbl:
    def __init__(self, sheet, name, width, rows=1, totals=False):
        self.sheet, self.name, self.width, self.rows, self.totals = sheet, name, width, rows, totals

    @property
    def header_row_range(self):
        return Rng(self.sheet, 1, 1, 1, self.width)

    @property
    def data_body_range(self):
        return Rng(self.sheet, 2, 1, 1 + self.rows, self.width)

    @property
    def totals_row_range(self):
        return Rng(self.sheet, 2 + self.rows, 1, 2 + self.rows, self.width) if self.totals else None

    def resize(self, rng):
        self.width, self.rows = rng.c2 - rng.column + 1, rng.r2 - rng.row


class Sheet:
    def __init__(self, name):
        self.name, self.cells, self.colours, self.formats = name, {}, {}, {}
        self.tables, self.charts = [], []

    def range(self, a, b=None):
        r1, c1 = a if isinstance(a, tuple) else split_cell(a)[::-1]
        r2, c2 = (b if isinstance(b, tuple) else split_cell(b)[::-1]) if b else (r1, c1)
        return Rng(self, r1, c1, r2, c2)


class Sheets(dict):
    def __iter__(self):
        return iter(self.values())


class App:
    status_bar = None

    def __init__(self):
        self.alerts = []

    def alert(self, text, title=None):
        self.alerts.append((title, text))


class XwBook:
    def __init__(self):
        self.app, self.saved = App(), 0
        self.sheets = Sheets()
        for name in layout.SHEETS:
            self.sheets[name] = Sheet(name)
        for table, columns in layout.TABLE_COLUMNS.items():
            sheet = self.sheets[layout.TABLE_SHEETS[table]]
            totals = any(c.total for c in columns)
            sheet.tables.append(Tbl(sheet, table, len(columns), totals=totals))
            for i, c in enumerate(columns, start=1):
                sheet.cells[(1, i)] = c.header

    def save(self):
        self.saved += 1


def test_it_is_a_book():
    assert isinstance(XlwingsBook(XwBook()), Book)


def test_variance_written_and_read_back_through_xlwings():
    xw_book = XwBook()
    book = XlwingsBook(xw_book)
    tables.write_variance(book, sample_variance())
    t = book.read_table("Variance", "Variance")
    assert len(t.rows) == 5 and t.rows[0][6] == 850.0 and t.first_row == 2
    assert t.rows[2][1] == HOSTILE_NAME and not isinstance(t.rows[2][1], Formula)
    sheet = xw_book.sheets["Variance"]
    assert sheet.cells[(7, 1)] == "Total"
    assert sheet.cells[(7, 7)] == "=SUBTOTAL(109,Variance[Actual])"
    assert sheet.formats[(2, 7, 6, 7)] == layout.MONEY
    tables.write_variance(book, sample_variance()[:1])
    assert len(book.read_table("Variance", "Variance").rows) == 1
    assert sheet.cells.get((4, 1)) is None


def test_formulas_in_the_budgets_table_come_back_as_formulas():
    xw_book = XwBook()
    book = XlwingsBook(xw_book)
    tables.write_budgets(book, [["", None, "P-1", None, None, "ROAD", 0, Formula("=50*2")]])
    row = tables.read_budget_rows(book)[0]
    assert row.values["cost"] == Formula("=50*2") and row.values["object"] == "P-1"
    assert book.get_value("Budgets", "H2") == Formula("=50*2")


def test_control_panel_status_marks_and_alerts():
    xw_book = XwBook()
    book = XlwingsBook(xw_book)
    book.set_value("Pixie", "B3", "http://127.0.0.1:8750")
    book.set_value("Pixie", "B9", "-budget.csv")
    assert book.get_value("Pixie", "B9") == "-budget.csv"
    book.set_value("Pixie", "B5", Decimal("1.50"))
    assert book.get_value("Pixie", "B5") == 1.5
    book.status("saved 2 budget(s)")
    assert xw_book.app.status_bar == "saved 2 budget(s)"
    assert book.get_value("Pixie", layout.PIXIE_CELLS["status"]) == "saved 2 budget(s)"
    book.mark_cells("Budgets", ["H2"], Severity.ERROR)
    assert xw_book.sheets["Budgets"].colours[(2, 8)] == (0xFF, 0xC7, 0xCE)
    book.alert("Nothing was saved")
    assert xw_book.app.alerts == [("Pixie XL", "Nothing was saved")]
    book.save()
    assert xw_book.saved == 1
