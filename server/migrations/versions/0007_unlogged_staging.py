"""Ingest staging unlogged on PostgreSQL (issue 12.4): staged lines skip the write-ahead log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 22:10:00

The staging table holds only lines of batches that have not merged yet, and a batch that
did not merge is deleted anyway (at the next start, or by age). An unlogged table is what
PostgreSQL offers for such rows: it writes them without the write-ahead log, and empties
the table after a crash, which is what the start would do. SQLite has no such thing.
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ingest_staging SET UNLOGGED")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ingest_staging SET LOGGED")
