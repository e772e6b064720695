"""The workbook works only with the xlwings whose VBA it carries: the pin, the installed
xlwings and the VBA agree, and the xlwings settings are those that work for an installed
package (read from the committed and from a freshly built workbook, as Excel reads them).
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import openpyxl
import pytest

from pixie_xl.excel import builder, vbaproject
from pixie_xl.sheets import layout

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "workbook" / "PixieBudget.xlsm"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return builder.build_workbook(tmp_path_factory.mktemp("versions") / "fresh.xlsm")


@pytest.fixture(scope="module", params=["committed", "fresh"])
def book(request, fresh):
    return COMMITTED if request.param == "committed" else fresh


def pinned_xlwings() -> str:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = [d for d in deps if re.match(r"xlwings\b", d, re.I)]
    assert len(pins) == 1, pins
    found = re.fullmatch(r"xlwings==(\d+\.\d+\.\d+)", pins[0].replace(" ", ""))
    assert found, f"xlwings must be pinned exactly, not {pins[0]!r}"
    return found.group(1)


def test_the_pin_the_installed_xlwings_and_the_vba_agree(book):
    pin = pinned_xlwings()
    assert version("xlwings") == pin
    assert pin == vbaproject.VBA_XLWINGS_VERSION
    assert vbaproject.vba_xlwings_version(vbaproject.shipped_vba_project()) == pin
    assert vbaproject.vba_xlwings_version(book) == pin


def test_the_vba_names_the_dll_of_that_version(book):
    code = vbaproject.vba_modules(book)["xlwings"]
    dlls = set(re.findall(r'"(xlwings(?:32|64)-[\d.]+\.dll)"', code))
    pin = pinned_xlwings()
    assert dlls == {f"xlwings64-{pin}.dll", f"xlwings32-{pin}.dll"}


def test_the_workbook_records_the_version_for_excel_setup(book):
    wb = openpyxl.load_workbook(book, keep_vba=True)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props[vbaproject.VERSION_PROPERTY] == vbaproject.vba_xlwings_version(book)


def conf(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path, keep_vba=True)[layout.CONF_SHEET]
    out = {}
    for key, value in ws.iter_rows(min_col=1, max_col=2, values_only=True):
        if key is None:
            break  # xlwings reads from A1 down to the first blank
        out[key.upper()] = value
    return out


def test_the_workbook_folder_is_not_added_to_the_python_path(book):
    # the package is installed; xlwings raises for a OneDrive/SharePoint workbook otherwise
    assert str(conf(book)["ADD_WORKBOOK_TO_PYTHONPATH"]).lower() == "false"


def test_the_buttons_do_not_go_through_the_udf_server(book):
    assert conf(book)["USE UDF SERVER"] is False


def test_a_sharepoint_workbook_reaches_python(book, monkeypatch):
    """The argument xlwings' RunPython (VBA) hands to ``xlwings.utils.prepare_sys_path``,
    built from the workbook's settings for a workbook opened from SharePoint: with the
    workbook's folder left out it goes through; had it been added, xlwings would raise
    before any Pixie code ran."""
    from xlwings.utils import prepare_sys_path

    settings = conf(book)
    url = "https://contoso.sharepoint.com/sites/finance/Shared Documents/PixieBudget.xlsm"
    rest = [
        str(settings[k] or "")
        for k in ("ONEDRIVE_CONSUMER_WIN", "ONEDRIVE_COMMERCIAL_WIN", "SHAREPOINT_WIN")
    ]
    args = [str(settings["ADD_WORKBOOK_TO_PYTHONPATH"]), url, url, *rest]
    args.append(str(settings["PYTHONPATH"] or ""))
    monkeypatch.setattr("sys.path", list(sys.path))  # prepare_sys_path prepends to it
    prepare_sys_path(";".join(args))
    with pytest.raises(UnboundLocalError):  # xlwings 0.37.8, fullname_url_to_local_path
        prepare_sys_path(";".join(["true", *args[1:]]))
