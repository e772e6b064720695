"""``pixie-xl excel setup [WORKBOOK]`` on real built workbooks.

The Windows and macOS checks look at real files: a Windows-like Python folder (``python.exe``,
``pythonw.exe`` and xlwings' DLL, laid out as the Windows wheel installs them) and a home
folder with or without the AppleScript of ``xlwings runpython install``; the platform is
passed in (``--platform`` or ``run_setup``), never patched.
"""

from __future__ import annotations

import shutil
import stat
import sys
import zipfile
from importlib.metadata import version
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pixie_xl.cli import excel
from pixie_xl.cli.main import cli
from pixie_xl.excel import builder, vbaproject
from pixie_xl.sheets import layout

XLWINGS = version("xlwings")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return builder.build_workbook(tmp_path_factory.mktemp("setup") / "built.xlsm")


@pytest.fixture
def book(built, tmp_path) -> Path:
    return Path(shutil.copy(built, tmp_path / "Budget.xlsm"))


@pytest.fixture
def windows_python(tmp_path) -> Path:
    """A virtualenv as on Windows: Scripts\\python.exe, pythonw.exe, the DLL at its root."""
    scripts = tmp_path / "venv" / "Scripts"
    scripts.mkdir(parents=True)
    for name in ("python.exe", "pythonw.exe"):
        (scripts / name).write_bytes(b"MZ")
    (scripts.parent / f"xlwings64-{XLWINGS}.dll").write_bytes(b"MZ")
    return scripts / "python.exe"


def conf(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path, keep_vba=True)[layout.CONF_SHEET]
    out = {}
    for key, value in ws.iter_rows(min_col=1, max_col=2, values_only=True):
        if key is None:
            break  # xlwings reads from A1 down to the first blank
        assert key.upper() not in out, f"{key} twice"
        out[key.upper()] = value
    return out


def setup(book, platform, executable, home, capsys, installed=XLWINGS):
    status = excel.run_setup(book, platform, executable, home, installed)
    return status, capsys.readouterr().out


def test_windows_pythonw_is_written_into_the_workbook_and_all_is_well(
    book, windows_python, tmp_path, capsys
):
    vba = zipfile.ZipFile(book).read("xl/vbaProject.bin")
    status, out = setup(book, "windows", windows_python, tmp_path, capsys)
    assert status == 0, out
    pythonw = windows_python.with_name("pythonw.exe")
    assert conf(book)["INTERPRETER_WIN"] == str(pythonw)
    assert f"xlwings64-{XLWINGS}.dll in {windows_python.parent.parent}" in out
    assert "Excel is ready" in out
    # the rest of the workbook is as built: the VBA byte for byte, the buttons, the version
    with zipfile.ZipFile(book) as zf:
        assert zf.read("xl/vbaProject.bin") == vba
        vml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml"))
    assert all(f"[0]!{sub}</x:FmlaMacro>" in vml for sub in layout.MACROS.values())
    assert excel.workbook_xlwings_version(excel.open_workbook(book)) == XLWINGS
    # run again: the same row is updated, not a second one added; the Mac's goes under it,
    # and the block xlwings reads holds nothing but settings
    assert setup(book, "windows", windows_python, tmp_path, capsys)[0] == 0
    excel.run_setup(book, "macos", windows_python, tmp_path, XLWINGS)
    keys = [k for k, _ in builder.XLWINGS_CONF]
    assert list(conf(book)) == [*(k.upper() for k in keys), "INTERPRETER_WIN", "INTERPRETER_MAC"]


def test_windows_without_the_dll_says_how_to_get_it(book, windows_python, tmp_path, capsys):
    (windows_python.parent.parent / f"xlwings64-{XLWINGS}.dll").unlink()
    status, out = setup(book, "windows", windows_python, tmp_path, capsys)
    assert status == 1
    assert f"TODO  xlwings64-{XLWINGS}.dll is neither in" in out
    assert f"pip install --force-reinstall xlwings=={XLWINGS}" in out


def test_another_xlwings_than_the_vba_needs_is_named(book, windows_python, tmp_path, capsys):
    status, out = setup(book, "windows", windows_python, tmp_path, capsys, installed="0.33.0")
    assert status == 1
    assert f"xlwings 0.33.0 is installed; the workbook's VBA needs xlwings {XLWINGS}" in out
    assert f"pip install xlwings=={XLWINGS}" in out


def test_a_workbook_that_does_not_record_its_xlwings_is_named(
    book, windows_python, tmp_path, capsys
):
    wb = openpyxl.load_workbook(book, keep_vba=True)
    wb.custom_doc_props.props.clear()  # as built before the version was recorded
    wb.save(book)
    status, out = setup(book, "windows", windows_python, tmp_path, capsys)
    assert status == 1
    assert "does not say which xlwings its VBA needs" in out


def test_macos_needs_runpython_install_once(book, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    runner = CliRunner()
    args = ["excel", "setup", str(book), "--platform", "macos"]
    first = runner.invoke(cli, args, env={"HOME": str(home)})
    assert first.exit_code == 1, first.output
    assert "xlwings runpython install" in first.output
    assert conf(book)["INTERPRETER_MAC"] == sys.executable
    scripts = home / "Library" / "Application Scripts" / "com.microsoft.Excel"
    scripts.mkdir(parents=True)
    (scripts / f"xlwings-{XLWINGS}.applescript").write_text("on VbaHandler(p)\nend VbaHandler\n")
    again = runner.invoke(cli, args, env={"HOME": str(home)})
    assert again.exit_code == 0, again.output
    assert f"ok    xlwings-{XLWINGS}.applescript in {scripts}" in again.output


def test_without_a_workbook_the_user_config_file_is_written(windows_python, tmp_path, capsys):
    home = tmp_path / "home"
    config = home / ".xlwings" / "xlwings.conf"
    config.parent.mkdir(parents=True)
    config.write_text('"LICENSE_KEY","noncommercial"\n"INTERPRETER_WIN","python"\n')
    status, out = setup(None, "windows", windows_python, home, capsys)
    assert status == 0, out
    pythonw = windows_python.with_name("pythonw.exe")
    assert config.read_text() == f'"LICENSE_KEY","noncommercial"\n"INTERPRETER_WIN","{pythonw}"\n'
    assert str(config) in out


def test_without_a_workbook_on_macos_the_excel_container_config_is_written(tmp_path):
    home = tmp_path / "home"
    result = CliRunner().invoke(
        cli, ["excel", "setup", "--platform", "macos"], env={"HOME": str(home)}
    )
    assert result.exit_code == 1  # no runpython install in this home
    config = home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf"
    assert config.read_text() == f'"INTERPRETER_MAC","{sys.executable}"\n'


def run(args: list[str]):
    return CliRunner().invoke(cli, ["excel", "setup", *args, "--platform", "windows"])


def test_a_missing_workbook_is_a_usage_error(tmp_path):
    result = run([str(tmp_path / "nope.xlsm")])
    assert result.exit_code == 2
    assert "nope.xlsm does not exist" in result.output


@pytest.mark.parametrize(
    ("lock", "program"), [("~$Budget.xlsm", "Excel"), (".~lock.Budget.xlsm#", "LibreOffice")]
)
def test_a_workbook_open_in_excel_or_libreoffice_is_not_written(book, lock, program):
    (book.parent / lock).write_text("")
    before = book.read_bytes()
    result = run([str(book)])
    assert result.exit_code == 2
    assert f"Budget.xlsm is open in {program} ({lock} beside it)" in result.output
    assert book.read_bytes() == before


def test_a_read_only_workbook_is_not_written(book):
    book.chmod(stat.S_IRUSR)
    try:
        result = run([str(book)])
        assert result.exit_code == 2
        assert "Budget.xlsm is read-only" in result.output
    finally:
        book.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_workbook_that_is_not_pixies_is_a_usage_error(tmp_path):
    other = tmp_path / "Other.xlsm"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.save(other)
    result = run([str(other)])
    assert result.exit_code == 2
    assert "Other.xlsm is not a Pixie workbook (no sheet Pixie, xlwings.conf)" in result.output


def test_a_workbook_without_macros_is_a_usage_error(tmp_path):
    plain = builder.build_workbook(tmp_path / "Plain.xlsx")
    result = run([str(plain)])
    assert result.exit_code == 2
    assert "Plain.xlsx has no macros" in result.output


def test_on_a_system_without_excel_nothing_is_written(book):
    if sys.platform in excel.PLATFORMS:
        pytest.skip("this machine runs Excel")
    before = book.read_bytes()
    result = CliRunner().invoke(cli, ["excel", "setup", str(book)])
    assert result.exit_code == 2
    assert "Excel runs on Windows and macOS" in result.output
    assert book.read_bytes() == before


def test_the_version_the_workbook_records_is_the_vbas(built):
    assert excel.workbook_xlwings_version(excel.open_workbook(built)) == (
        vbaproject.vba_xlwings_version(built)
    )
