"""``pixie-xl serve``: run the sync service under waitress."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--db",
    "db_url",
    default=None,
    metavar="URL",
    help="Database URL (default: PIXIE_DATABASE_URL, else a SQLite file in the "
    "user's data folder).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8750,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Worker threads."
)
def serve(db_url: str | None, host: str, port: int, threads: int) -> None:
    """Run the Pixie sync service (first start writes an admin token file)."""
    from pixie_server import serve as run

    run(db_url=db_url, host=host, port=port, threads=threads)
