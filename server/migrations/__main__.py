"""``python -m pixie_server.migrations revision "message"``: autogenerate a migration."""

from __future__ import annotations

import sys
import tempfile

from alembic import command
from sqlalchemy import create_engine

from . import config


def main(argv: list[str]) -> None:
    message = argv[1] if len(argv) > 1 else "change"
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/scratch.db")
        cfg = config(engine)
        command.upgrade(cfg, "head")
        command.revision(cfg, message=message, autogenerate=True)


if __name__ == "__main__":
    main(sys.argv)
