"""``import``, ``validate``, ``save`` and ``refresh``: the workbook buttons, headless."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from pixie_xl.cli.common import (
    INVALID,
    OK,
    open_book,
    parse_date,
    print_findings,
    progress,
    server_option,
    token_option,
)
from pixie_xl.core.errors import ServerUnreachable

workbook_arg = click.argument(
    "workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--into",
    "into",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The workbook whose Budgets table receives the rows.",
)
@server_option
@token_option
@click.pass_context
def import_(ctx, file: Path, into: Path, server, token) -> None:
    """Import a budget file (.xlsx or .csv) into a workbook, all or nothing.

    The rows are validated with the workbook's own rows against the service (or, offline,
    the last refresh); with any error nothing is imported and each error is printed.
    """
    from pixie_xl.excel import actions

    book = open_book(into)
    client = _client_or_none(book, server, token)
    progress(f"importing {file.name}")
    findings = actions.import_budgets(book, file, client)
    book.save()
    status = print_findings(findings)
    click.echo(f"{into}: nothing imported" if status else f"{into}: imported {file.name}")
    ctx.exit(status)


@click.command()
@workbook_arg
@server_option
@token_option
@click.pass_context
def validate(ctx, workbook: Path, server, token) -> None:
    """Validate the Budgets table; findings go to the Checks sheet and are printed.

    Checks against the service when it answers, else against the last refresh.
    """
    from pixie_xl.excel import actions

    book = open_book(workbook)
    client = _client_or_none(book, server, token)
    progress("validating" + ("" if client else " against the last refresh (offline)"))
    findings = actions.validate(book, client)
    book.save()
    status = print_findings(findings)
    if status == OK:
        from pixie_xl.sheets.tables import read_budget_rows

        n = len(read_budget_rows(book))
        rows = f"{n} row" if n == 1 else f"{n} rows"
        warnings = len(findings)
        click.echo(
            f"{workbook.name}: no errors in {rows}, {warnings} warning(s) above"
            if warnings
            else f"{workbook.name}: no problems in {rows}"
        )
    ctx.exit(status)


@click.command()
@workbook_arg
@server_option
@token_option
@click.pass_context
def save(ctx, workbook: Path, server, token) -> None:
    """Validate, then save every new or changed budget all or nothing.

    Budget ID and Version are written back into the workbook; edits to locked budgets
    become corrections (listed as notes).
    """
    from pixie_xl.excel import actions

    book = open_book(workbook)
    client = actions.book_client(book, server, token)
    outcome = actions.save(book, client, progress)
    book.save()
    status = print_findings(outcome.findings)
    if outcome.ok:
        click.echo(f"saved {len(outcome.saved)} budget(s)")
    ctx.exit(status if status else OK)


@click.command()
@workbook_arg
@server_option
@token_option
@click.option(
    "--from", "frm", metavar="DATE", callback=parse_date, help="First day of the report period."
)
@click.option(
    "--to", "to", metavar="DATE", callback=parse_date, help="Last day of the report period."
)
@click.option(
    "--object",
    "object_id",
    metavar="OBJ",
    default=None,
    help="Report on this object and its descendants only (default: every object).",
)
@click.pass_context
def refresh(
    ctx, workbook: Path, server, token, frm: date | None, to: date | None, object_id
) -> None:
    """Pull what changed from the service and rebuild Variance, Parents, months and Alerts.

    The period defaults to the workbook's Report from/to, else the current year.
    """
    from pixie_xl.excel import actions

    book = open_book(workbook)
    client = actions.book_client(book, server, token)
    out = actions.refresh(book, client, frm, to, progress, object_id)
    progress("saving the workbook")
    book.save()
    print_findings(out.get("findings", ()))
    click.echo(
        f"{workbook}: {len(out['rows'])} variance rows, {len(out['alerts'])} alert(s), "
        f"period {out['from']}..{out['to']}"
    )
    if out.get("changes"):
        click.echo(f"since the last refresh: {out['changes']}")
    ctx.exit(OK)


def _client_or_none(book, server, token):
    """A client when the service answers; None (work offline) when it does not."""
    from pixie_xl.excel import actions

    client = actions.book_client(book, server, token)
    try:
        client.healthz()
    except ServerUnreachable as exc:
        if server or exc.code == "not_pixie":  # a wrong URL is not "offline"
            raise
        return None
    return client


__all__ = ["INVALID", "import_", "refresh", "save", "validate"]
