"""``pixie-xl workbook new PATH``: build a fresh workbook from code."""

from __future__ import annotations

from pathlib import Path

import click

from pixie_xl.cli.common import server_option


@click.group()
def workbook() -> None:
    """Create workbooks."""


@workbook.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@server_option
@click.option("--force", is_flag=True, help="Replace PATH if it exists (never while it is open).")
def new(path: Path, server: str | None, force: bool) -> None:
    """Build a new Pixie workbook (.xlsm with buttons and formulas) at PATH.

    An existing PATH is never overwritten unless --force is given.
    """
    from pixie_xl import client as wire
    from pixie_xl.core.errors import BadFile
    from pixie_xl.excel.builder import build_workbook
    from pixie_xl.sheets.filelocks import check_writable

    if path.suffix.lower() not in (".xlsm", ".xlsx"):
        raise click.BadParameter("the workbook must end in .xlsm (or .xlsx)", param_hint="PATH")
    if path.exists() and not force:
        raise click.BadParameter(
            f"{path} exists and may hold unsaved budgets: choose another PATH, or add "
            "--force to replace it",
            param_hint="PATH",
        )
    try:
        check_writable(path)
    except BadFile as exc:
        raise click.BadParameter(exc.message, param_hint="PATH") from None
    url = wire.resolve_server(server)
    wire.server_url(url)  # "not a url" is a usage error before anything is built
    path.parent.mkdir(parents=True, exist_ok=True)
    build_workbook(path, server_url=url)
    click.echo(str(path))
