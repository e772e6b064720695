"""sync_state.version: a counter every writing transaction moves

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 11:10:00

Reports memoise their facts per process keyed by this counter and ``seq`` (read on every
request), so any committed write makes the next report compute afresh.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("sync_state", schema=None) as batch_op:
        batch_op.drop_column("version")
