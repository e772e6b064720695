"""``pixie-xl demo``: the whole cycle on an embedded dataset."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--out",
    "out",
    default="demo-out",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the dataset, the service's database and token, and the workbook.",
)
def demo(out: Path) -> None:
    """Run the whole cycle against a fresh local service.

    Starts the service, ingests a year of demo actuals, builds a workbook, imports a
    budget file with mistakes (printing them) and its corrected version, saves, makes a
    correction on a later day, refreshes the variance and prints a summary.
    """
    from pixie_xl.demo.run import run

    run(out, say=click.echo)
