"""``pixie-xl excel setup [WORKBOOK]``: point Excel at this Python, check what Excel needs.

Excel starts Python itself, through xlwings' VBA: it needs to know which interpreter
(``Interpreter_Win`` / ``Interpreter_Mac``), that interpreter needs the xlwings version the
workbook's VBA names, and Excel needs xlwings' bridge: the ``xlwings64-<version>.dll`` beside
the interpreter on Windows (where xlwings' VBA looks: the interpreter's folder, then its
parent, as in a virtualenv), the AppleScript that ``xlwings runpython install`` copies on a
Mac. This command writes the interpreter and checks the rest, saying what to do.

Exit status: 0 all is well, 1 something needs doing (printed), 2 usage error.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click

from pixie_xl.cli.common import OK, USAGE
from pixie_xl.excel import vbaproject
from pixie_xl.sheets import layout

NEEDS_DOING = 1
#: sys.platform → the Excel platform
PLATFORMS = {"win32": "windows", "darwin": "macos"}
#: the xlwings.conf key of each platform's interpreter
INTERPRETER_KEY = {"windows": "Interpreter_Win", "macos": "Interpreter_Mac"}
#: where Excel for Mac (sandboxed) finds xlwings' AppleScript
MAC_SCRIPTS = Path("Library", "Application Scripts", "com.microsoft.Excel")


@dataclass(frozen=True)
class Check:
    """One thing Excel needs: found or not, and what to do if not."""

    ok: bool
    found: str
    todo: str = ""

    def lines(self) -> list[str]:
        if self.ok:
            return [f"ok    {self.found}"]
        return [f"TODO  {self.found}", f"      → {self.todo}"]


def interpreter_for(platform: str, executable: Path) -> Path:
    """The interpreter Excel should start: on Windows ``pythonw.exe`` beside the running
    one if it is there (no console window), else the running one."""
    if platform == "windows":
        windowless = executable.with_name("pythonw.exe")
        if windowless.is_file():
            return windowless
    return executable


def user_config_file(platform: str, home: Path) -> Path:
    """xlwings' user config file, as its VBA finds it (``GetConfigFilePath``)."""
    if platform == "macos":
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf"
    return home / ".xlwings" / "xlwings.conf"


def installed_xlwings() -> str | None:
    try:
        return version("xlwings")
    except PackageNotFoundError:
        return None


def check_version(needed: str | None, installed: str | None) -> Check:
    """The installed xlwings against the one the workbook's VBA names."""
    pin = f"python -m pip install xlwings=={needed}"
    if installed is None:
        return Check(False, "xlwings is not installed in this Python", pin)
    if needed is None:
        return Check(
            False,
            "the workbook does not say which xlwings its VBA needs (built by an older Pixie XL)",
            "build a new workbook: pixie-xl workbook new NEW.xlsm",
        )
    if installed != needed:
        return Check(
            False,
            f"xlwings {installed} is installed; the workbook's VBA needs xlwings {needed}",
            f"{pin}  (or build the workbook anew with this pixie-xl)",
        )
    return Check(True, f"xlwings {installed}, the version the workbook's VBA needs")


def check_dll(xlwings_version: str, interpreter: Path) -> Check:
    """Windows: the xlwings DLL where the VBA loads it from."""
    names = [f"xlwings64-{xlwings_version}.dll", f"xlwings32-{xlwings_version}.dll"]
    folders = [interpreter.parent, interpreter.parent.parent]
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return Check(True, f"{name} in {folder}")
    return Check(
        False,
        f"{names[0]} is neither in {folders[0]} nor in {folders[1]}",
        f"python -m pip install --force-reinstall xlwings=={xlwings_version}"
        " (the Windows wheel puts the DLL there; the Microsoft Store Python puts it"
        " elsewhere: install into a virtualenv and run this command from it)",
    )


def check_applescript(xlwings_version: str, home: Path) -> Check:
    """macOS: the AppleScript ``xlwings runpython install`` copies for Excel."""
    script = home / MAC_SCRIPTS / f"xlwings-{xlwings_version}.applescript"
    if script.is_file():
        return Check(True, f"{script.name} in {script.parent}")
    return Check(
        False,
        f"{script.name} is not in {script.parent}",
        "xlwings runpython install   (once, with this Python; then restart Excel)",
    )


# --- the workbook --------------------------------------------------------------------------


def open_workbook(path: Path):
    """The Pixie workbook at ``path`` as a FileBook, ready to be written; a usage error
    (click) for a missing, open, read-only or foreign file."""
    from pixie_xl.core.errors import BadFile
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.filelocks import check_writable

    if not path.is_file():
        raise click.BadParameter(f"{path} does not exist", param_hint="WORKBOOK")
    try:
        check_writable(path)  # not open in Excel or LibreOffice, not read-only
    except BadFile as exc:
        raise click.BadParameter(exc.message, param_hint="WORKBOOK") from None
    if path.suffix.lower() != ".xlsm":
        raise click.BadParameter(
            f"{path.name} has no macros (Excel needs the .xlsm that pixie-xl workbook new builds)",
            param_hint="WORKBOOK",
        )
    try:
        book = FileBook.open(path)
    except BadFile as exc:
        raise click.BadParameter(exc.message, param_hint="WORKBOOK") from None
    missing = [s for s in (layout.PIXIE_SHEET, layout.CONF_SHEET) if s not in book.sheet_names()]
    if missing:
        raise click.BadParameter(
            f"{path.name} is not a Pixie workbook (no sheet {', '.join(missing)})",
            param_hint="WORKBOOK",
        )
    return book


def workbook_xlwings_version(book) -> str | None:
    """The xlwings version the builder recorded for the workbook's VBA."""
    for prop in book.wb.custom_doc_props.props:
        if prop.name == vbaproject.VERSION_PROPERTY:
            return str(prop.value)
    return None


def write_to_sheet(book, key: str, value: str) -> str:
    """Set ``key`` in the workbook's xlwings.conf sheet (in place, or as a new row at the
    end of the block xlwings reads, A1 down to the first blank); the cell written."""
    ws = book.wb[layout.CONF_SHEET]
    row = 1
    while ws.cell(row, 1).value not in (None, ""):
        if str(ws.cell(row, 1).value).strip().upper() == key.upper():
            break
        row += 1
    ws.cell(row, 1).value = key
    ws.cell(row, 2).value = value
    book.save()
    return f"{layout.CONF_SHEET}!B{row}"


def write_user_config(path: Path, key: str, value: str) -> None:
    """Set ``key`` in xlwings' user config file (``"KEY","value"`` lines, as xlwings' own
    ``update_user_config`` writes them), keeping every other line; written atomically."""
    lines = path.read_text("utf-8").splitlines() if path.is_file() else []
    kept = [line for line in lines if line.strip() and line.split(",")[0].strip('"').upper() != key]
    text = "".join(f"{line}\n" for line in [*kept, f'"{key}","{value}"'])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".xlwings-", suffix=".conf", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --- the command ---------------------------------------------------------------------------


def run_setup(
    workbook: Path | None,
    platform: str,
    executable: Path,
    home: Path,
    installed: str | None,
) -> int:
    """Write the interpreter, check the rest, print both; the exit status."""
    book = open_workbook(workbook) if workbook is not None else None
    interpreter = interpreter_for(platform, executable)
    key = INTERPRETER_KEY[platform]
    if book is not None:
        needed = workbook_xlwings_version(book)
        cell = write_to_sheet(book, key, str(interpreter))
        click.echo(f"{key} = {interpreter}  → {workbook.name}, {cell}")
    else:
        needed = vbaproject.VBA_XLWINGS_VERSION
        conf = user_config_file(platform, home)
        write_user_config(conf, key.upper(), str(interpreter))
        click.echo(f"{key} = {interpreter}  → {conf} (every workbook without its own)")
    checks = [check_version(needed, installed)]
    bridge_version = needed or installed or vbaproject.VBA_XLWINGS_VERSION
    if platform == "windows":
        checks.append(check_dll(bridge_version, interpreter))
    else:
        checks.append(check_applescript(bridge_version, home))
    for check in checks:
        for line in check.lines():
            click.echo(line)
    if all(c.ok for c in checks):
        click.echo("Excel is ready: open the workbook, enable macros, press a button.")
        return OK
    return NEEDS_DOING


@click.group()
def excel() -> None:
    """Set Excel up to run Pixie XL with this Python."""


@excel.command("setup")
@click.pass_context
@click.argument("workbook", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--platform",
    "platform_",
    type=click.Choice(sorted(INTERPRETER_KEY)),
    hidden=True,
    help="The Excel platform to set up (default: this machine's).",
)
def setup(ctx: click.Context, workbook: Path | None, platform_: str | None) -> None:
    """Point Excel at this Python and check what Excel needs.

    Writes this Python (pythonw.exe beside it on Windows) as the interpreter Excel starts:
    into WORKBOOK's xlwings.conf sheet, or, without a WORKBOOK, into xlwings' user config
    file (used by every Pixie workbook that names none). Then checks that the installed
    xlwings is the version the workbook's VBA needs, and on Windows that its DLL is beside
    the interpreter, on macOS that `xlwings runpython install` was done. Prints what it found
    and what to do.

    Exit status: 0 all is well, 1 something needs doing, 2 usage error (no such file, not a
    Pixie workbook, the file open in Excel or LibreOffice, read-only).
    """
    platform = platform_ or PLATFORMS.get(sys.platform)
    if platform is None:
        click.echo(
            f"pixie-xl: Excel runs on Windows and macOS, not on {sys.platform}: run "
            "pixie-xl excel setup there, with the Python Excel should start",
            err=True,
        )
        ctx.exit(USAGE)
    ctx.exit(run_setup(workbook, platform, Path(sys.executable), Path.home(), installed_xlwings()))
