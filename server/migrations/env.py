"""Alembic environment: the engine comes from the caller (``config.attributes``)."""

from __future__ import annotations

from alembic import context
from pixie_server.models import Base
from sqlalchemy import text

cfg = context.config
engine = cfg.attributes["engine"]

#: any constant: serialises migrations of several workers starting at once on PostgreSQL
PG_LOCK = 0x50495849


def run() -> None:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK})
            conn.commit()
        try:
            context.configure(
                connection=conn,
                target_metadata=Base.metadata,
                render_as_batch=conn.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK})
                conn.commit()


run()
