"""``pixie-xl history WORKBOOK --budget ID``: one budget's master and corrections side by
side, on the workbook's History sheet and on the terminal."""

from __future__ import annotations

from pathlib import Path

import click

from pixie_xl.cli.common import open_book, server_option, token_option


@click.command()
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--budget", "budget_id", required=True, metavar="ID", help="The Budget ID.")
@server_option
@token_option
def history(workbook: Path, budget_id: str, server, token) -> None:
    """Write a budget's History sheet: the master and each correction side by side."""
    from pixie_xl.excel import actions
    from pixie_xl.excel.history import grid_text

    book = open_book(workbook)
    grid = actions.show_history(book, actions.book_client(book, server, token), budget_id)
    book.save()
    click.echo(grid_text(grid))
