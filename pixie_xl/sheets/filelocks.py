"""Whether a workbook file may be written: not held open by Excel or LibreOffice, not
read-only (SPEC §5). One check, called by the CLI before any work starts and by
:meth:`FileBook.save <pixie_xl.sheets.filebook.FileBook.save>` before it writes.

Excel marks an open workbook with an owner file ``~$NAME`` beside it (for long names the
first two characters of NAME are dropped); LibreOffice with ``.~lock.NAME#``.

>>> [p.name for p in lock_files(Path("/books/Budget.xlsm"))]
['~$Budget.xlsm', '~$dget.xlsm', '.~lock.Budget.xlsm#']
"""

from __future__ import annotations

import stat
from pathlib import Path

from pixie_xl.core.errors import BadFile

PROGRAMS = {"~$": "Excel", ".~lock.": "LibreOffice"}


def lock_files(path: Path) -> list[Path]:
    """The files whose presence says another program holds ``path`` open."""
    name = path.name
    names = [f"~${name}", f"~${name[2:]}" if len(name) > 2 else None, f".~lock.{name}#"]
    return [path.with_name(n) for n in dict.fromkeys(n for n in names if n)]


def check_writable(path: Path | str) -> None:
    """Raise ``BadFile`` (exit status 2) when ``path`` must not be written; say what to do."""
    path = Path(path)
    for lock in lock_files(path):
        if lock.exists():
            program = next(p for prefix, p in PROGRAMS.items() if lock.name.startswith(prefix))
            raise BadFile(
                f"{path.name} is open in {program} ({lock.name} beside it): close it there "
                f"and run the command again; nothing was written. If {program} is not "
                f"running, delete {lock.name}",
                code="usage",
            )
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if not mode & stat.S_IWUSR:
        raise BadFile(
            f"{path.name} is read-only: make it writable (chmod u+w, or untick Read-only in "
            "its properties) or work on a copy; nothing was written",
            code="usage",
        )
