"""``pixie-xl ingest FILE...``: send objects, activities, actual lines or orders."""

from __future__ import annotations

from pathlib import Path

import click

from pixie_xl.cli.common import progress, server_option, token_option


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@server_option
@token_option
def ingest(files: tuple[Path, ...], server: str | None, token: str | None) -> None:
    """Send CSV/.xlsx files of objects, activities, actual lines or purchase orders.

    Each file is recognised by its header row and ingested idempotently by id, so sending
    a file twice changes nothing. The header rows:

    \b
    objects:         id,name,kind,parent,currency
    activities:      code,name,active
    actual lines:    line_id,task_id,object,activity,task_created,kind,date,amount,reference
    purchase orders: po_id,object,activity,vendor,ordered_on,amount,invoiced_amount,status

    Dates are YYYY-MM-DD (task_created may carry a time and offset); amounts use a dot.
    """
    from pixie_xl import client as wire

    client = wire.Client(wire.resolve_server(server), token)
    for path in files:
        progress(f"ingesting {path.name}")
        click.echo(f"{path.name}: {wire.ingest_summary(client.ingest(path))}")
