"""The workbook's VBA project: shipped ready-made, rebuilt by maintainers with pyOpenVBA.

The project is never generated from scratch (Excel does not run such projects, NOTES.md):
it starts from the Excel-authored ``vbaProject.bin`` of xlwings' ``quickstart_standalone.xlsm``
(its ``xlwings`` module holds ``RunPython``); the quickstart's sample ``Module1`` is dropped
and two modules are added:

* ``PixieMacros`` — one Sub per button (``pixie_xl/excel/vba/PixieMacros.bas``);
* ``PixieUDFs`` — a wrapper per ``PIXIE_*`` worksheet formula, of the shape xlwings' own
  "Import Functions" writes, generated here from the signatures in
  :mod:`pixie_xl.excel.udfs` so that nobody has to trust VBA project access in Excel.

The result ships as package data (``pixie_xl/excel/vba/vbaProject.bin``), so a plain
``pip install`` builds workbooks; only rebuilding that file needs pyOpenVBA (the ``build``
extra): ``make vba``, i.e. ``python -m pixie_xl.excel.vbaproject``. A test holds the
shipped file equal to what :func:`build_vba_project` makes from the sources.

The VBA names a versioned xlwings DLL and ``XLWINGS_VERSION``: it works only with the
xlwings version it came from, which ``pyproject.toml`` pins (:func:`vba_xlwings_version`).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from pixie_xl.core.errors import PixieError
from pixie_xl.sheets import layout

#: the shipped, built project (package data)
SHIPPED_BIN = "vba/vbaProject.bin"
#: the XLWINGS_VERSION the shipped project names: the pin in pyproject.toml, and what the
#: builder records in each workbook's document properties (read without oletools by
#: ``pixie-xl excel setup``); tests hold the three equal to the VBA itself
VBA_XLWINGS_VERSION = "0.37.8"
#: the custom document property that carries it
VERSION_PROPERTY = "xlwings version"
#: the quickstart's sample module, which calls a Python module named after the workbook
QUICKSTART_SAMPLE = "Module1"
#: what a PIXIE_* cell shows in Excel for Mac (xlwings CE binds formulas on Windows only)
MAC_MESSAGE = (
    "PIXIE_ formulas run in Excel for Windows; on a Mac use the buttons "
    "(Refresh actuals, Build variance) and read the Variance sheet."
)

# VBA keywords a Python parameter may be named after (``object``): renamed in wrappers
_VBA_RESERVED = frozenset(
    [
        "object",
        "string",
        "date",
        "type",
        "end",
        "next",
        "to",
        "from",
        "step",
        "property",
        "long",
        "integer",
        "double",
        "single",
        "variant",
        "boolean",
        "byte",
        "currency",
        "error",
        "name",
        "open",
        "close",
        "print",
        "get",
        "put",
        "set",
        "let",
        "call",
        "function",
        "sub",
        "dim",
        "as",
        "is",
        "not",
        "and",
        "or",
        "mod",
        "new",
        "me",
        "option",
        "select",
        "case",
    ]
)


def quickstart_path() -> Path:
    """xlwings' standalone quickstart workbook, whose VBA project we start from."""
    import xlwings

    return Path(xlwings.__file__).parent / "quickstart_standalone.xlsm"


def macros_source() -> str:
    """The VBA source of the button Subs (package data)."""
    text = resources.files("pixie_xl.excel").joinpath("vba/PixieMacros.bas").read_text("utf-8")
    return _crlf(text)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _udf_functions(module: str) -> dict:
    """Each PIXIE_* function of the formulas module, by name; an error if there is none.

    Nothing falls back to a list of our own: a formulas module that does not import, or
    names no formula, stops the build with its own error.
    """
    mod = importlib.import_module(module)
    found = {
        name: getattr(mod, name)
        for name in sorted(dir(mod))
        if name.startswith("PIXIE_") and callable(getattr(mod, name))
    }
    if not found:
        raise PixieError(f"{module} defines no PIXIE_* function to wrap", code="build")
    return found


def udf_signatures(
    module: str = layout.UDF_MODULE,
) -> dict[str, tuple[list[str], list[str], bool]]:
    """Each PIXIE_* formula → (required, optional parameter names, takes ``caller``)."""
    out = {}
    for name, fn in _udf_functions(module).items():
        params = list(inspect.signature(inspect.unwrap(fn)).parameters.values())
        names = [p for p in params if p.name != "caller"]
        required = [p.name for p in names if p.default is p.empty]
        optional = [p.name for p in names if p.default is not p.empty]
        out[name] = (required, optional, len(names) < len(params))
    return out


def udf_wrappers_source(module: str = layout.UDF_MODULE) -> str:
    """The VBA module of wrappers, one Function per PIXIE_* formula, as xlwings writes them.

    xlwings' ``generate_vba_wrapper`` passes the arguments in an ``Array`` to
    ``XLPy.CallUDF`` with ``Nothing`` where Python takes ``caller`` (xlwings puts the calling
    cell there) and turns an error into the cell's text. On a Mac, where xlwings CE has no
    worksheet functions, each wrapper returns :data:`MAC_MESSAGE` instead.
    """
    lines = [
        'Attribute VB_Name = "PixieUDFs"',
        "' Generated by pixie_xl.excel.vbaproject from pixie_xl.excel.udfs: do not edit.",
        "' The same wrappers xlwings' Import Functions writes, made at build time.",
        '#Const App = "Microsoft Excel" \'Adjust when using outside of Excel',
        f'Private Const PIXIE_MAC_MESSAGE As String = "{MAC_MESSAGE}"',
        "",
    ]
    for fname, (required, optional, caller) in udf_signatures(module).items():
        lines += _wrapper(module, fname, required, optional, caller)
    return "\r\n".join(lines)


def _wrapper(module: str, fname: str, required, optional, caller: bool) -> list[str]:
    vba = {p: (p + "_" if p.lower() in _VBA_RESERVED else p) for p in required + optional}
    sig = ", ".join([vba[p] for p in required] + [f"Optional {vba[p]}" for p in optional])
    args = [vba[p] for p in required + optional] + (["Nothing"] if caller else [])
    array = f"Array({', '.join(args)})"
    return [
        f"Function {fname}({sig})",
        "    #If Mac Then",
        f"        {fname} = PIXIE_MAC_MESSAGE",
        "        Exit Function",
        "    #Else",
        '        #If App = "Microsoft Excel" Then',
        "            If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f'            {fname} = XLPy.CallUDF("{module}", "{fname}", {array}, '
        "ThisWorkbook, Application.Caller)",
        "            Exit Function",
        "        #Else",
        f'            {fname} = XLPy.CallUDF("{module}", "{fname}", {array})',
        "            Exit Function",
        "        #End If",
        "    #End If",
        "failed:",
        f"    {fname} = Err.Description",
        "End Function",
        "",
    ]


def build_vba_project() -> bytes:
    """The quickstart's Excel-authored VBA project, its sample module dropped and our two
    modules added (pyOpenVBA, the ``build`` extra)."""
    try:
        from pyopenvba import ExcelFile
    except ImportError as exc:
        raise PixieError(
            "rebuilding the VBA project needs pyOpenVBA: pip install 'pixie-xl[build]'",
            code="missing_dependency",
        ) from exc
    with tempfile.TemporaryDirectory(prefix="pixie-vba-") as tmp:
        src, dst = Path(tmp) / "in.xlsm", Path(tmp) / "out.xlsm"
        src.write_bytes(quickstart_path().read_bytes())
        with ExcelFile(str(src)) as wb:
            project = wb.vba_project()
            project.delete_module(QUICKSTART_SAMPLE)
            project.add_module("PixieMacros", macros_source())
            project.add_module("PixieUDFs", udf_wrappers_source())
            wb.save(str(dst))
        with zipfile.ZipFile(dst) as zf:
            return zf.read("xl/vbaProject.bin")


def shipped_vba_project() -> bytes:
    """The built project that ships with the package (what ``workbook new`` puts in)."""
    path = resources.files("pixie_xl.excel").joinpath(SHIPPED_BIN)
    if not path.is_file():
        raise PixieError(
            f"the package lacks pixie_xl/excel/{SHIPPED_BIN}: reinstall pixie-xl",
            code="missing_dependency",
        )
    return path.read_bytes()


def vba_xlwings_version(vba: bytes | str | Path) -> str:
    """The ``XLWINGS_VERSION`` a VBA project (a ``.bin``'s bytes, or an ``.xlsm``) names."""
    code = "\n".join(vba_modules(vba).values())
    found = re.search(r'XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"', code)
    if not found:
        raise PixieError("the VBA project has no xlwings module (XLWINGS_VERSION)", code="usage")
    return found.group(1)


def vba_modules(vba: bytes | str | Path) -> dict[str, str]:
    """Module name → VBA source, read with olevba (oletools, the ``dev`` extra)."""
    from oletools.olevba import VBA_Parser

    if isinstance(vba, bytes):
        parser = VBA_Parser("vbaProject.bin", data=vba)
    else:
        parser = VBA_Parser(str(vba))
    try:
        return {name.rsplit(".", 1)[0]: code for _f, _s, name, code in parser.extract_macros()}
    finally:
        parser.close()


def write_shipped(target: Path | None = None) -> Path:
    """Rebuild the shipped project from the sources (the maintainer's ``make vba``)."""
    from importlib.metadata import version

    installed = version("xlwings")
    if installed != VBA_XLWINGS_VERSION:
        raise PixieError(
            f"xlwings {installed} is installed but VBA_XLWINGS_VERSION is "
            f"{VBA_XLWINGS_VERSION}: change it and the pin in pyproject.toml together",
            code="usage",
        )
    target = target or Path(__file__).parent / SHIPPED_BIN
    target.write_bytes(build_vba_project())
    return target


def write_sources(folder: Path) -> list[Path]:
    """The two modules as ``.bas`` files, for reviewers (``workbook/vba``)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in (("PixieMacros", macros_source()), ("PixieUDFs", udf_wrappers_source())):
        (folder / f"{name}.bas").write_bytes(text.encode())
        out.append(folder / f"{name}.bas")
    return out


if __name__ == "__main__":  # pragma: no cover - make vba
    print(write_shipped())
    for written in write_sources(Path(sys.argv[1])) if len(sys.argv) > 1 else ():
        print(written)
