"""Ingest staging (issue 9, D4): lines of a long batch staged in chunks before one merge

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 00:30:00

A long actual-lines batch is written here in short transactions that each release the write
lock, one row per chunk of lines (a JSON array of the target columns of ``actual_lines``);
one final transaction merges the batch's lines into ``actual_lines`` and deletes its rows.
Nothing reads this table but that merge, so readers never see half a batch.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_staging",
        sa.Column("batch", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("staged_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("batch", "n", name=op.f("pk_ingest_staging")),
    )


def downgrade() -> None:
    op.drop_table("ingest_staging")
