"""Each ``PIXIE_*`` formula called the way Excel for Windows calls it: the VBA wrapper hands
its arguments to xlwings' COM server, whose ``xlwings.udfs.call_udf`` converts them (cell
references arrive as Range objects, constants as numbers and text, a missing optional as
``-2147352572``, the ``caller`` as ``Nothing``, replaced by the calling cell) and converts
the result back.

The functions get their ``__xlfunc__`` from xlwings' real decorators (``xlfunc``, ``xlarg``,
``xlret``, what ``xw.func``/``xw.arg``/``xw.ret`` are on Windows): the module is loaded
afresh with them in place. The service is live and refreshed once; every answer through
``call_udf`` equals the plain function's answer for the same figures.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, date, datetime

import pytest

from pixie_xl import client as wire
from pixie_xl.excel import actions
from pixie_xl.excel import udfs as plain_udfs
from pixie_xl.sheets import layout
from pixie_xl.sheets.xlwings_book import XlwingsBook
from tests.cli.conftest import env  # noqa: F401 - the live service's fixtures

NAME = "pixie_udfs_as_on_windows"
MISSING = -2147352572  # DISP_E_PARAMNOTFOUND: an optional argument left out in Excel
FUNCTIONS = sorted(n for n in vars(plain_udfs) if n.startswith("PIXIE_"))


@pytest.fixture
def windows_udfs(windows_excel):
    """The formulas module decorated by xlwings' own Windows decorators."""
    xlwings, udfs = windows_excel.xlwings, windows_excel.udfs
    saved = {n: getattr(xlwings, n) for n in ("func", "arg", "ret")}
    xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
    try:
        spec = importlib.util.spec_from_file_location(NAME, plain_udfs.__file__)
        module = importlib.util.module_from_spec(spec)
        sys.modules[NAME] = module
        spec.loader.exec_module(module)
    finally:
        for n, v in saved.items():
            setattr(xlwings, n, v)
    try:
        yield module
    finally:
        sys.modules.pop(NAME, None)


@pytest.fixture
def sheet(env, windows_excel, workbook_copy, windows_udfs):  # noqa: F811
    """A refreshed workbook open in Excel; its Pixie sheet holds the formulas' inputs."""
    xw_book = windows_excel.open(workbook_copy)
    book = XlwingsBook(xw_book)
    book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["server"], env)
    actions.refresh(book, wire.Client(env))
    ws = windows_excel.com(xw_book).sheets[layout.PIXIE_SHEET]
    for cell, value in (("A30", "P-100"), ("B30", datetime(2026, 1, 1)), ("C30", "*")):
        ws.Range(cell).Value = value
    ws.Range("D30").Value = datetime(2026, 6, 30)
    return ws


def _call(windows_excel, sheet, name, *args, caller="F30"):
    """``name`` as its VBA wrapper calls it from the cell ``caller``: every declared
    argument, a missing one as MISSING, and Nothing in place of ``caller``."""
    info = getattr(sys.modules[NAME], name).__xlfunc__
    declared = [a["name"] for a in info["args"]]
    values = list(args) + [MISSING] * (len(declared) - len(args))
    if "caller" in declared:
        values[declared.index("caller")] = None
    return windows_excel.udfs.call_udf(NAME, name, tuple(values), None, sheet.Range(caller))


def _as_returned(value):
    """A result as ``call_udf`` hands it back to Excel (``conversion.write``): 2-D, None as
    an empty cell, a datetime with tzinfo UTC (``_xlwindows._datetime_to_com_time``)."""
    rows = value if isinstance(value, list) else [[value]]
    return [
        ["" if v is None else v.replace(tzinfo=UTC) if isinstance(v, datetime) else v for v in row]
        for row in rows
    ]


JAN1, JUN30 = 46023.0, 46203.0  # DATE(2026,1,1), DATE(2026,6,30): Excel hands numbers over


def test_every_formula_has_its_xlfunc_and_no_legacy_array_mode(windows_udfs):
    for name in FUNCTIONS:
        info = getattr(windows_udfs, name).__xlfunc__
        assert info["name"] == name
        assert "expand" not in info["ret"]["options"], name  # Excel 365 spills natively


#: each figure and the optional arguments given to it
FIGURES = {
    "PIXIE_ACTUAL": ("cost",),
    "PIXIE_BUDGET": ("cost", "original"),
    "PIXIE_COMMITTED": (),
    "PIXIE_VARIANCE": (),
    "PIXIE_AVAILABLE": (),
    "PIXIE_STATUS": ("cost",),
}


def test_each_figure_through_call_udf_equals_the_plain_function(windows_excel, sheet):
    """One refreshed workbook for all six (a refresh per figure would take long)."""
    obj, frm, act, to = (sheet.Range(c) for c in ("A30", "B30", "C30", "D30"))
    for name, extra in FIGURES.items():
        got = _call(windows_excel, sheet, name, obj, act, frm, to, *extra)
        want = getattr(plain_udfs, name)("P-100", "*", date(2026, 1, 1), date(2026, 6, 30), *extra)
        assert got == _as_returned(want) and not str(want).startswith("#PIXIE!"), (name, got)
        # constants as Excel passes them: text and date serials
        assert _call(windows_excel, sheet, name, "P-100", "*", JAN1, JUN30, *extra) == got


def test_a_bad_argument_is_text_in_the_cell(windows_excel, sheet):
    got = _call(windows_excel, sheet, "PIXIE_ACTUAL", "P-9", "*", JAN1, JUN30)
    assert got == [['#PIXIE! unknown object "P-9"']]


def test_the_table_is_a_dynamic_array_of_rows(windows_excel, sheet):
    got = _call(windows_excel, sheet, "PIXIE_TABLE", sheet.Range("A30"), JAN1, JUN30)
    want = plain_udfs.PIXIE_TABLE("P-100", date(2026, 1, 1), date(2026, 6, 30))
    assert got == _as_returned(want) and len(got) > 1 and got[0][0] == "Object"
    assert all(isinstance(r, list) and len(r) == len(got[0]) for r in got)


def test_allocate_keeps_the_shape_of_the_weights(windows_excel, sheet):
    sheet.Range("A31:C31").Value = ((1, 1, 1),)
    row = _call(windows_excel, sheet, "PIXIE_ALLOCATE", 100.0, sheet.Range("A31:C31"))
    assert row == [[33.34, 33.33, 33.33]]
    sheet.Range("A32:A33").Value = ((1,), (3,))
    column = _call(windows_excel, sheet, "PIXIE_ALLOCATE", 100.0, sheet.Range("A32:A33"))
    assert column == [[25.0], [75.0]]
    array = _call(windows_excel, sheet, "PIXIE_ALLOCATE", 10.0, ((1.0, 1.0, 2.0),))
    assert array == [[2.5, 2.5, 5.0]]


def test_last_refresh_is_a_time(windows_excel, sheet):
    got = _call(windows_excel, sheet, "PIXIE_LAST_REFRESH")
    assert got == _as_returned(plain_udfs.PIXIE_LAST_REFRESH())
    assert isinstance(got[0][0], datetime)


def test_every_formula_is_covered_here():
    tested = {
        "PIXIE_ACTUAL",
        "PIXIE_BUDGET",
        "PIXIE_COMMITTED",
        "PIXIE_VARIANCE",
        "PIXIE_AVAILABLE",
        "PIXIE_STATUS",
        "PIXIE_TABLE",
        "PIXIE_ALLOCATE",
        "PIXIE_LAST_REFRESH",
    }
    assert set(FUNCTIONS) == tested
