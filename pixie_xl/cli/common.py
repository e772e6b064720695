"""What every command shares: exit statuses, error reporting, progress and the book.

Exit statuses (SPEC §5): 0 success, 1 validation errors (each printed as
``Sheet!Cell: message``), 2 usage error, 3 server unreachable or token refused.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click

from pixie_xl.core import errors
from pixie_xl.core.findings import Finding

OK, INVALID, USAGE, UNREACHABLE = 0, 1, 2, 3


def exit_status(exc: errors.PixieError) -> int:
    """The exit status of an operational failure."""
    if isinstance(exc, errors.ServerUnreachable | errors.Unauthorized | errors.Forbidden):
        return UNREACHABLE
    if exc.code == "no_cache":  # offline, and nothing refreshed to work from
        return UNREACHABLE
    if exc.code == "usage":
        return USAGE
    return INVALID


class PixieGroup(click.Group):
    """A click group that turns a PixieError into a message and its exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except errors.PixieError as exc:
            for f in getattr(exc, "findings", None) or ():
                click.echo(str(f), err=True)
            click.echo(f"pixie-xl: {exc.message}", err=True)
            ctx.exit(exit_status(exc))


def progress(message: str) -> None:
    """A phase line on stderr (shown on a terminal and in logs alike)."""
    click.echo(f"… {message}", err=True)


def print_findings(findings: Sequence[Finding]) -> int:
    """Print every finding (``Sheet!Cell: message``); the exit status they call for."""
    for f in findings:
        tag = "" if f.is_error else f"[{f.severity}] "
        click.echo(f"{tag}{f}")
    return INVALID if any(f.is_error for f in findings) else OK


def open_book(path: Path, *, write: bool = True):
    """The workbook file as a Book (keeps its VBA project and buttons).

    A file that is not a Pixie workbook (no Budgets sheet), or that will be written while
    another program holds it open or it is read-only, is a usage error before any work.
    """
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.filelocks import check_writable
    from pixie_xl.sheets.layout import BUDGETS_SHEET

    if not Path(path).exists():
        raise click.BadParameter(f"{path} does not exist", param_hint="WORKBOOK")
    try:
        if write:
            check_writable(Path(path))
        book = FileBook.open(Path(path))
    except errors.BadFile as exc:
        raise click.BadParameter(exc.message, param_hint="WORKBOOK") from None
    if BUDGETS_SHEET not in book.sheet_names():
        raise click.BadParameter(
            f"{Path(path).name} has no {BUDGETS_SHEET} sheet, so it is not a Pixie workbook: "
            "make one with pixie-xl workbook new PATH",
            param_hint="WORKBOOK",
        )
    return book


def parse_date(_ctx, param, value: str | None) -> date | None:
    """A click callback for ISO dates."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f'"{value}" is not a date (YYYY-MM-DD)') from None


server_option = click.option(
    "--server",
    "server",
    metavar="URL",
    help="The sync service (default: PIXIE_SERVER, then the workbook's Pixie sheet).",
)
token_option = click.option(
    "--token",
    metavar="TOKEN",
    help="Bearer token (default: PIXIE_TOKEN, the Pixie sheet, then the token file).",
)


def is_tty() -> bool:
    return sys.stderr.isatty()
