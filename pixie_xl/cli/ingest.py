"""``pixie-xl ingest FILE...``: send objects, activities, actual lines or orders."""

from __future__ import annotations

from pathlib import Path

import click

from pixie_xl.cli.common import progress, server_option, token_option
from pixie_xl.core.findings import Finding, SourceRef


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
    from pixie_xl.core.errors import ValidationFailed

    client = wire.Client(wire.resolve_server(server), token)
    for path in files:
        progress(f"ingesting {path.name}")
        try:
            answer = client.ingest(path)
        except ValidationFailed as exc:
            exc.findings = at_cells(exc.findings, path)
            raise
        click.echo(f"{path.name}: {wire.ingest_summary(answer)}")


def at_cells(findings: list[Finding], path: Path) -> list[Finding]:
    """The service's ``file!row 2, amount`` as ``file!H2``, the way the sheet names cells."""
    from pixie_xl.core.errors import BadFile
    from pixie_xl.sheets.cells import col_letter
    from pixie_xl.sheets.readers import read_header

    try:
        cols = [h.strip().lower() for h in read_header(path)]
    except (BadFile, OSError):
        return findings
    out = []
    for f in findings:
        where = f.source.cell if f.source else ""
        row, _, field = where.removeprefix("row ").partition(", ")
        if where.startswith("row ") and row.isdigit() and field in cols:
            f = Finding(
                SourceRef(f.source.sheet, f"{col_letter(cols.index(field) + 1)}{row}"),
                f.code,
                f.message,
                f.severity,
            )
        out.append(f)
    return out
