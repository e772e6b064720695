"""Pixie XL sync service (SPEC §4): ``create_app`` builds it, ``serve`` runs it.

Settings come from the environment with the ``PIXIE_`` prefix, then from ``test_config``:

| setting | default |
|---|---|
| ``PIXIE_DATABASE_URL`` | ``sqlite:///<user data dir>/pixie.db`` |
| ``PIXIE_TOKEN_FILE`` | ``<user config dir>/token`` (first start writes the admin token here) |
| ``PIXIE_CLOCK_AT`` | unset; an ISO instant the clock starts at (demo and test aid) |
| ``PIXIE_CLOCK`` | (config only) a callable returning an aware UTC datetime |
| ``PIXIE_MAX_INGEST_BODY`` | 67108864 (64 MiB), the largest body of ingest and budget batches |
| ``PIXIE_MAX_BODY`` | 1048576 (1 MiB), the largest body of every other request |
| ``PIXIE_AUDIT_KEY`` | unset; the audit trail's signing key as text (≥ 32 characters) |
| ``PIXIE_AUDIT_KEY_FILE`` | ``audit.key`` beside the token file (created 0600 on first start) |
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from flask import Flask
from platformdirs import user_config_dir, user_data_dir

from . import audit_key, auth, clock, db, edge, migrations, problems, staging

log = logging.getLogger("pixie_server")


def default_database_url() -> str:
    path = Path(user_data_dir("pixie-xl")) / "pixie.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def default_token_file() -> str:
    return str(Path(user_config_dir("pixie-xl")) / "token")


def create_app(test_config: dict | None = None, *, first_token: bool = True) -> Flask:
    """Build the service: configuration, database (migrated to head), auth, blueprints."""
    app = Flask(__name__)
    app.json.sort_keys = False
    app.config.update(
        PIXIE_DATABASE_URL=None,
        PIXIE_TOKEN_FILE=None,
        PIXIE_CLOCK=None,
        PIXIE_CLOCK_AT=None,
        PIXIE_MAX_INGEST_BODY=64 * 1024 * 1024,
        PIXIE_MAX_BODY=1024 * 1024,
    )
    app.config.update({k: v for k, v in os.environ.items() if k.startswith("PIXIE_")})
    if test_config:
        app.config.update(test_config)
    app.config["PIXIE_DATABASE_URL"] = app.config["PIXIE_DATABASE_URL"] or default_database_url()
    app.config["PIXIE_TOKEN_FILE"] = app.config["PIXIE_TOKEN_FILE"] or default_token_file()
    for key in ("PIXIE_MAX_INGEST_BODY", "PIXIE_MAX_BODY"):
        app.config[key] = edge.byte_size(app.config[key], key)
    app.config["MAX_CONTENT_LENGTH"] = app.config["PIXIE_MAX_INGEST_BODY"]
    if app.config["PIXIE_CLOCK"] is None:
        at = app.config["PIXIE_CLOCK_AT"]
        app.config["PIXIE_CLOCK"] = clock.starting_at(at) if at else clock.real_now

    db.init_app(app)
    migrations.upgrade(db.engine(app))
    staging.clean_at_start(app)  # rows a dead ingest staged (issue 9, D4)
    audit_key.load(app)  # read or create the audit key now: a bad key file fails the start
    problems.init_app(app)
    edge.init_app(app)  # before auth: refuses oversized bodies and bad parameters unread
    auth.init_app(app)

    from .api import BLUEPRINTS

    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    if first_token:
        ensure_first_token(app)
    return app


def ensure_first_token(app: Flask) -> str | None:
    """On the first start (no token at all) create an admin token and write it, mode 0600.

    Returns the file's path when a token was created.
    """
    from sqlalchemy import func, select

    from .models import ApiToken

    with app.app_context(), db.transaction(app) as s:
        if s.execute(select(func.count()).select_from(ApiToken)).scalar_one():
            return None
        token = auth.add_token(s, "admin", "admin", app)
        path = Path(app.config["PIXIE_TOKEN_FILE"])
        auth.write_token_file(path, token, app.config.get("PIXIE_SERVER_URL"))
    print(f"pixie: first start, admin token written to {path}", file=sys.stderr)
    return str(path)


def serve(
    db_url: str | None = None, host: str = "127.0.0.1", port: int = 8750, threads: int = 8
) -> None:
    """Run the service under waitress until interrupted."""
    from waitress import serve as waitress_serve

    app = create_app({"PIXIE_DATABASE_URL": db_url} if db_url else None)
    from . import webhooks

    webhooks.start_worker(app)  # sends the outbox's signed events (issue 13)
    print(
        f"pixie: serving {app.config['PIXIE_DATABASE_URL']} on http://{host}:{port}",
        file=sys.stderr,
    )
    waitress_serve(
        app,
        host=host,
        port=port,
        threads=threads,
        channel_timeout=300,
        max_request_body_size=app.config["PIXIE_MAX_INGEST_BODY"],
    )
