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
def new(path: Path, server: str | None) -> None:
    """Build a new Pixie workbook (.xlsm with buttons and formulas) at PATH."""
    from pixie_xl import client as wire
    from pixie_xl.excel.builder import build_workbook

    if path.suffix.lower() not in (".xlsm", ".xlsx"):
        raise click.BadParameter("the workbook must end in .xlsm (or .xlsx)", param_hint="PATH")
    path.parent.mkdir(parents=True, exist_ok=True)
    build_workbook(path, server_url=wire.resolve_server(server))
    click.echo(str(path))
