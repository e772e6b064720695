"""The VBA of the shipped and of a freshly built workbook: every button reaches Python.

Read with olevba (oletools), as a reviewer would: each button's macro is a Sub in the
project that calls ``RunPython`` on a function of ``pixie_xl.excel.macros`` that exists;
xlwings' own module is still there; each PIXIE_* formula has its wrapper.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from pathlib import Path

import pytest

from pixie_xl.excel import builder
from pixie_xl.sheets import layout

SHIPPED = Path(__file__).resolve().parents[2] / "workbook" / "PixieBudget.xlsm"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return builder.build_workbook(tmp_path_factory.mktemp("vba") / "fresh.xlsm")


@pytest.fixture(scope="module", params=["shipped", "fresh"])
def book(request, fresh):
    return SHIPPED if request.param == "shipped" else fresh


def vba_modules(path: Path) -> dict[str, str]:
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {name.rsplit(".", 1)[0]: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


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
    code = builder.udf_wrappers_source()
    m = re.search(r"Function PIXIE_BUDGET\((.*?)\)\r\n", code)
    assert m.group(1) == ("object_, activity, from_date, to_date, Optional kind, Optional version")
    assert "Array(object_, activity, from_date, to_date, kind, version, Nothing)" in code
    assert "Array(amount, weights)" in code  # PIXIE_ALLOCATE takes no caller


def test_shipped_sources_match_the_package_and_the_layout():
    shipped = SHIPPED.parent / "vba"
    assert (shipped / "PixieMacros.bas").read_bytes().decode() == builder.macros_source()
    assert (shipped / "PixieUDFs.bas").read_bytes().decode() == builder.udf_wrappers_source()
    assert set(subs(builder.macros_source())) == set(layout.MACROS.values())
    assert vba_modules(SHIPPED)["PixieMacros"].strip() == builder.macros_source().strip()
