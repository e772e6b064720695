"""``pixie-xl serve``: run the sync service under waitress.

The port is bound before anything else happens, so a port in use is one message and
nothing is written; then the database is opened (a bad URL, an unwritable SQLite path or
an unreachable PostgreSQL is one message, exit status 2 or 3), then the service answers.
"""

from __future__ import annotations

import os
import sys

import click

from pixie_xl.cli.common import UNREACHABLE, USAGE


def open_app(db_url: str | None, server_url: str | None = None, *, first_token: bool = True):
    """``create_app`` for ``db_url`` resolved as ``serve`` does; failures become messages.

    The database is ``--db``, else ``PIXIE_DATABASE_URL``, else the SQLite file in the
    user's data folder; :func:`database_shown` names it.
    """
    from pixie_server import create_app, default_database_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

    from pixie_xl.core.errors import PixieError

    try:
        db_url = db_url or os.environ.get("PIXIE_DATABASE_URL") or default_database_url()
    except OSError as exc:
        fail(f"cannot make the database folder: {exc.strerror or exc} ({exc.filename})", USAGE)
    config: dict = {"PIXIE_DATABASE_URL": db_url}
    if server_url:
        config["PIXIE_SERVER_URL"] = server_url
    try:
        return create_app(config, first_token=first_token)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        fail(
            f'"{db_url}" is not a database URL Pixie can use ({_first_line(exc)}): write '
            "sqlite:///PATH/pixie.db or postgresql+psycopg://USER@HOST:PORT/NAME",
            USAGE,
        )
    except OperationalError as exc:
        url = database_shown(db_url)
        if db_url.startswith("sqlite"):
            fail(
                f"cannot open {url}: {_first_line(exc.orig)}; check that its folder "
                "exists and is writable",
                USAGE,
            )
        fail(
            f"the database at {url} does not answer: {_first_line(exc.orig)}",
            UNREACHABLE,
        )
    except SQLAlchemyError as exc:
        fail(f"cannot use the database at {database_shown(db_url)}: {_first_line(exc)}", USAGE)
    except OSError as exc:
        fail(
            f"cannot open {database_shown(db_url)}: {exc.strerror or exc}; check that its "
            "folder exists and is writable",
            USAGE,
        )
    except PixieError as exc:
        fail(exc.message, USAGE)


def database_shown(url: str) -> str:
    """The database URL without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # only for display
        return url


def fail(message: str, status: int):
    click.echo(f"pixie-xl: {message}", err=True)
    raise SystemExit(status)


def _first_line(exc: object) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


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
    """Run the Pixie sync service (first start writes an admin token file, bound to it)."""
    from waitress.server import create_server

    holder = _Later()
    try:
        server = create_server(holder, host=host, port=port, threads=threads, channel_timeout=300)
    except OSError as exc:
        fail(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; is another service "
            "running there? Choose another --port",
            USAGE,
        )
    url = f"http://{_url_host(host)}:{server.effective_port}"
    app = open_app(db_url, url)
    holder.app = app
    from pixie_server import webhooks

    webhooks.start_worker(app)  # sends the outbox's signed events, as pixie_server.serve does
    server.adj.max_request_body_size = app.config["MAX_CONTENT_LENGTH"]
    shown = database_shown(app.config["PIXIE_DATABASE_URL"])
    print(f"pixie: serving {shown} on {url}", file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:  # pragma: no cover - interactive stop
        pass
    finally:
        server.close()


def _url_host(host: str) -> str:
    """The host a local client uses for ``host`` (a wildcard address means loopback)."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


class _Later:
    """A WSGI app whose real app is set once the port is bound and the database open."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)
