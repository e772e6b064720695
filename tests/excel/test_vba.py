"""The VBA of the shipped and of a freshly built workbook: every button reaches Python.

Read with olevba (oletools), as a reviewer would: each button's macro is a Sub in the
project that calls ``RunPython`` on a function of ``pixie_xl.excel.macros`` that exists,
clears the status bar and turns a VBA error into a message; xlwings' own module is still
there and the quickstart's sample is not; each PIXIE_* formula has its wrapper, with a
Mac branch; the VBA project that ships as package data is what the sources build.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from pathlib import Path

import pytest

from pixie_xl.core.errors import PixieError
from pixie_xl.excel import builder, vbaproject
from pixie_xl.sheets import layout

SHIPPED = Path(__file__).resolve().parents[2] / "workbook" / "PixieBudget.xlsm"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return builder.build_workbook(tmp_path_factory.mktemp("vba") / "fresh.xlsm")


@pytest.fixture(scope="module", params=["shipped", "fresh"])
def book(request, fresh):
    return SHIPPED if request.param == "shipped" else fresh


vba_modules = vbaproject.vba_modules


def button_macros(path: Path) -> dict[str, str]:
    """Caption → macro of each form button, from the VML drawing."""
    with zipfile.ZipFile(path) as zf:
        vml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml"))
    out = {}
    for shape in re.findall(r"<v:shape\b.*?</v:shape>", vml, re.S):
        macro = re.search(r"<x:FmlaMacro>\[0\]!([^<]+)</x:FmlaMacro>", shape)
        caption = re.search(r"<font[^>]*>([^<]+)</font>", shape)
        if macro and caption:
            out[caption.group(1)] = macro.group(1)
    return out


def subs(code: str) -> dict[str, str]:
    """Sub name → body."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"(?:Public\s+)?Sub\s+(\w+)\(\)(.*?)End Sub", code, re.S | re.I)
    }


def test_every_button_runs_a_sub_that_calls_an_existing_python_function(book):
    modules = vba_modules(book)
    all_subs = {name: body for code in modules.values() for name, body in subs(code).items()}
    macros = importlib.import_module(layout.MACROS_MODULE)
    assert button_macros(book) == layout.MACROS
    for sub in layout.MACROS.values():
        call = re.search(r'RunPython\s+"import ([\w.]+) as m; m\.(\w+)\(\)"', all_subs[sub])
        assert call, f"{sub} does not call RunPython"
        module, fn = call.groups()
        assert module == layout.MACROS_MODULE
        assert fn == layout.MACRO_FUNCTIONS[sub]
        assert callable(getattr(macros, fn))


def test_the_xlwings_module_is_still_there(book):
    modules = vba_modules(book)
    assert "xlwings" in modules
    assert re.search(r"Public Function RunPython\(", modules["xlwings"])
    assert "Function XLPy()" in modules["xlwings"]


def test_every_pixie_formula_has_its_wrapper(book):
    code = vba_modules(book)["PixieUDFs"]
    for name in ("PIXIE_ACTUAL", "PIXIE_BUDGET", "PIXIE_TABLE", "PIXIE_ALLOCATE"):
        assert re.search(rf"^Function {name}\(", code, re.M)
    udfs = importlib.import_module(layout.UDF_MODULE)
    for name in [n for n in dir(udfs) if n.startswith("PIXIE_")]:
        assert f'XLPy.CallUDF("pixie_xl.excel.udfs", "{name}", ' in code


def test_wrappers_pass_every_argument_and_the_caller():
    code = vbaproject.udf_wrappers_source()
    m = re.search(r"Function PIXIE_BUDGET\((.*?)\)\r\n", code)
    assert m.group(1) == ("object_, activity, from_date, to_date, Optional kind, Optional version")
    assert "Array(object_, activity, from_date, to_date, kind, version, Nothing)" in code
    assert "Array(amount, weights)" in code  # PIXIE_ALLOCATE takes no caller


def test_shipped_sources_match_the_package_and_the_layout():
    shipped = SHIPPED.parent / "vba"
    assert (shipped / "PixieMacros.bas").read_bytes().decode() == vbaproject.macros_source()
    assert (shipped / "PixieUDFs.bas").read_bytes().decode() == vbaproject.udf_wrappers_source()
    assert set(subs(vbaproject.macros_source())) == set(layout.MACROS.values())
    assert vba_modules(SHIPPED)["PixieMacros"].strip() == vbaproject.macros_source().strip()


def test_the_quickstart_sample_module_is_gone(book):
    modules = vba_modules(book)
    assert "Module1" not in modules
    assert not any("SampleCall" in code for code in modules.values())
    assert set(modules) == {
        "ThisWorkbook",
        "Sheet1",
        "Sheet2",
        "xlwings",
        "Dictionary",
        "PixieMacros",
        "PixieUDFs",
    }


def test_every_button_clears_the_status_bar_and_catches_a_vba_error(book):
    code = vba_modules(book)["PixieMacros"]
    bodies = subs(code)
    for sub in layout.MACROS.values():
        body = bodies[sub]
        assert body.index("On Error GoTo failed") < body.index("RunPython")
        assert body.index("RunPython") < body.index("Application.StatusBar = False")
        assert re.search(r"failed:\s+PixieFailed \"[^\"]+\"", body), sub
    failed = re.search(r"Private Sub PixieFailed\(.*?End Sub", code, re.S).group(0)
    assert "Application.StatusBar = False" in failed
    assert "MsgBox" in failed and "pixie-xl excel setup" in failed


def test_the_button_vba_uses_no_windows_only_names(book):
    code = vba_modules(book)["PixieMacros"]
    for name in ("GetOpenFilename", "CalculateFull", "WScript", "CreateObject", "Declare"):
        assert name not in code


def test_each_formula_wrapper_answers_on_a_mac_with_a_readable_message(book):
    code = vba_modules(book)["PixieUDFs"]
    assert f'Private Const PIXIE_MAC_MESSAGE As String = "{vbaproject.MAC_MESSAGE}"' in code
    assert vbaproject.MAC_MESSAGE.startswith("PIXIE_ formulas run in Excel for Windows")
    functions = re.findall(r"^Function (\w+)\(.*?^End Function", code, re.M | re.S)
    bodies = re.findall(r"^Function \w+\(.*?^End Function", code, re.M | re.S)
    assert set(functions) == set(vbaproject.udf_signatures())
    for name, body in zip(functions, bodies, strict=True):
        mac = re.search(r"#If Mac Then\s+(\w+) = PIXIE_MAC_MESSAGE\s+Exit Function\s+#Else", body)
        assert mac and mac.group(1) == name, name
        assert body.index("#If Mac Then") < body.index("XLPy.CallUDF")


def test_wrappers_expect_no_legacy_array_mode():
    code = vbaproject.udf_wrappers_source()
    assert "expand" not in code.lower() and "FormulaArray" not in code


def test_the_shipped_project_is_what_the_sources_build():
    """pixie_xl/excel/vba/vbaProject.bin (package data) against pyOpenVBA's build from
    PixieMacros.bas and udfs.py: rebuild it with ``make vba`` when this fails."""
    shipped = vbaproject.shipped_vba_project()
    assert vba_modules(shipped) == vba_modules(vbaproject.build_vba_project())


def test_a_built_workbook_carries_the_shipped_project_unchanged(fresh):
    with zipfile.ZipFile(fresh) as zf:
        assert zf.read("xl/vbaProject.bin") == vbaproject.shipped_vba_project()


def test_a_formulas_module_that_does_not_import_stops_the_build():
    with pytest.raises(ModuleNotFoundError, match=r"pixie_xl\.excel\.no_such_udfs"):
        vbaproject.udf_wrappers_source("pixie_xl.excel.no_such_udfs")


def test_a_formulas_module_without_formulas_stops_the_build():
    with pytest.raises(PixieError, match=r"pixie_xl.sheets.layout defines no PIXIE_\* function"):
        vbaproject.udf_wrappers_source("pixie_xl.sheets.layout")
