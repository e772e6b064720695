"""``allocate`` and ``transfer``: the Allocate and Transfer buttons, headless (SPEC §5).

Both change only the workbook's Budgets table; ``pixie-xl save`` sends the change (a
transfer on a locked budget then becomes a correction, its audit entry naming it a
transfer).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from pixie_xl.cli.actions import _client_or_none, workbook_arg
from pixie_xl.cli.common import OK, USAGE, open_book, parse_date, server_option, token_option


def _kind_amount(cost: str | None, income: str | None) -> tuple[str, str]:
    if (cost is None) == (income is None):
        raise click.UsageError("give exactly one of --cost X or --income X")
    return ("cost", cost) if cost is not None else ("income", income)


amount_options = (
    click.option("--cost", metavar="X", help="A cost amount, e.g. 1234.50."),
    click.option("--income", metavar="X", help="An income amount, e.g. 1234.50."),
)


def _with_amounts(fn):
    for option in reversed(amount_options):
        fn = option(fn)
    return fn


@click.command()
@workbook_arg
@click.option("--parent", required=True, metavar="OBJ", help="The object whose children get rows.")
@click.option("--activity", required=True, metavar="ACT", help="The activity of every row.")
@_with_amounts
@click.option("--from", "frm", required=True, metavar="DATE", callback=parse_date)
@click.option("--to", "to", required=True, metavar="DATE", callback=parse_date)
@click.option(
    "--by",
    default="even",
    show_default=True,
    metavar="METHOD",
    help="even, days (by the days of each month: a row per child and month), "
    "percent:A=40,B=60, or actuals:YEAR (each child's actuals of that year).",
)
@server_option
@token_option
@click.pass_context
def allocate(
    ctx, workbook: Path, parent, activity, cost, income, frm: date, to: date, by, server, token
) -> None:
    """Add one Budgets row per child of PARENT, the parts adding up exactly to the amount.

    Nothing is sent to the service: check the rows, then run pixie-xl save.
    """
    from pixie_xl.excel import control

    kind, amount = _kind_amount(cost, income)
    book = open_book(workbook)
    client = _client_or_none(book, server, token)
    a = control.Allocation(parent, activity, kind, amount, frm, to, by)
    rows = control.allocate(book, client, a)
    book.save()
    for r in rows:
        click.echo(f"{r['object']}  {r['start']}..{r['end']}  {activity} {kind} {r['amount']}")
    click.echo(f"{workbook.name}: {len(rows)} row(s) added to the Budgets table; not saved yet")
    ctx.exit(OK)


@click.command()
@workbook_arg
@click.option("--budget", "budget_id", required=True, metavar="ID", help="The budget's ID.")
@click.option("--from", "frm", required=True, metavar="ACT", help="The activity giving.")
@click.option("--to", "to", required=True, metavar="ACT", help="The activity receiving.")
@_with_amounts
@server_option
@token_option
@click.pass_context
def transfer(ctx, workbook: Path, budget_id, frm, to, cost, income, server, token) -> None:
    """Move an amount between two lines of one budget in the Budgets table; its total is
    kept. Run pixie-xl save to save it (on a locked budget: a correction)."""
    from pixie_xl.excel import control

    kind, amount = _kind_amount(cost, income)
    book = open_book(workbook)
    client = _client_or_none(book, server, token)  # the company currency, without a refresh
    text = control.transfer(book, control.Transfer(budget_id, frm, to, kind, amount), client)
    book.save()
    click.echo(f"{workbook.name}: {text}")
    ctx.exit(OK)


__all__ = ["USAGE", "allocate", "transfer"]
