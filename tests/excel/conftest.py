"""Excel as it runs on Windows: xlwings' own ``_xlwindows`` over the COM stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.excel import comexcel
from tests.excel.pywin32_stub import windows_xlwings


class WindowsExcel:
    """Opens workbooks in a stand-in Excel, as ``xw.Book`` objects of xlwings' own classes."""

    def __init__(self, xlwings, xlwindows, udfs):
        self.xlwings, self.xlwindows, self.udfs = xlwings, xlwindows, udfs
        self.app = comexcel.Application()

    def open(self, path: Path):
        """``path`` opened in the stand-in; the ``xw.Book`` found the way ``Book.caller()``
        finds the calling workbook on Windows (``App(xl=…).books[name]``)."""
        wb = comexcel.open_workbook(Path(path), self.app)
        xl = self.xlwindows.COMRetryObjectWrapper(self.app)
        app = self.xlwings.App(impl=self.xlwindows.App(xl=xl))
        return app.books[wb.Name.lower()]

    def com(self, book) -> comexcel.Workbook:
        """The stand-in workbook under an ``xw.Book``."""
        return book.api._inner

    def call(self, book) -> None:
        """Make ``book`` what ``xw.Book.caller()`` answers (xlwings' own mock caller)."""
        book.set_mock_caller()


@pytest.fixture
def windows_excel():
    with windows_xlwings() as (xlwings, xlwindows, udfs):
        try:
            yield WindowsExcel(xlwings, xlwindows, udfs)
        finally:
            if "_mock_caller" in vars(xlwings.Book):
                del xlwings.Book._mock_caller


@pytest.fixture(scope="session")
def built_workbook(tmp_path_factory) -> Path:
    """A freshly built workbook (``.xlsx``: the same sheets and tables, no VBA)."""
    from pixie_xl.excel.builder import build_workbook

    return build_workbook(tmp_path_factory.mktemp("built") / "PixieBudget.xlsx")


@pytest.fixture
def workbook_copy(built_workbook, tmp_path) -> Path:
    """A copy of the built workbook that a test may change."""
    dst = tmp_path / built_workbook.name
    dst.write_bytes(built_workbook.read_bytes())
    return dst
