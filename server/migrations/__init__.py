"""Schema migrations (alembic), run programmatically at start: ``upgrade head``.

No ``alembic.ini`` is needed: :func:`config` builds the Config in code. To write a new
migration: ``.venv/bin/python -m pixie_server.migrations revision "what"`` (autogenerate
against a scratch SQLite database at head).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

HERE = Path(__file__).parent


def config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database of ``engine`` to ``revision``; safe to call from several workers."""
    command.upgrade(config(engine), revision)
