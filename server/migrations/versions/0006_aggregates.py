"""Incremental aggregates (issue 12.5): actual sums per day and per task creation, committed
cost per order day, created and backfilled from the stored lines and orders

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 02:00:00

The reports read these sums instead of scanning every line (:mod:`pixie_server.aggregates`
keeps them in each write's transaction). The backfill sums the live lines with their
task's object, activity and creation instant (lines without a task count nowhere, as in
the reports), and the uninvoiced rest of live approved and received orders.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _key() -> list[sa.Column]:
    return [
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("activity_code", sa.String(length=200), nullable=False),
    ]


def _lines_table(name: str, when: sa.Column) -> None:
    op.create_table(
        name,
        when,
        *_key(),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            when.name, "object_id", "activity_code", "kind", name=op.f(f"pk_{name}")
        ),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    _lines_table("actual_day_sums", sa.Column("day", sa.Date(), nullable=False))
    _lines_table(
        "actual_created_sums", sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)
    )
    op.create_table(
        "committed_day_sums",
        sa.Column("day", sa.Date(), nullable=False),
        *_key(),
        sa.Column("committed_minor", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "object_id", "activity_code", name=op.f("pk_committed_day_sums")
        ),
        sqlite_with_rowid=False,
    )
    for table, when, source in (
        ("actual_day_sums", "day", "l.date"),
        ("actual_created_sums", "created_at", "t.created_at"),
    ):
        op.execute(
            f"INSERT INTO {table} ({when}, object_id, activity_code, kind, amount_minor, lines)"
            f" SELECT {source}, t.object_id, t.activity_code, l.kind, sum(l.amount_minor),"
            " count(*) FROM actual_lines AS l JOIN tasks AS t ON t.id = l.task_id"
            f" WHERE NOT l.deleted GROUP BY {source}, t.object_id, t.activity_code, l.kind"
        )
    op.execute(
        "INSERT INTO committed_day_sums (day, object_id, activity_code, committed_minor, orders)"
        " SELECT ordered_on, object_id, activity_code, sum(CASE WHEN amount_minor >"
        " invoiced_minor THEN amount_minor - invoiced_minor ELSE 0 END), count(*)"
        " FROM purchase_orders WHERE NOT deleted AND status IN ('approved', 'received')"
        " GROUP BY ordered_on, object_id, activity_code"
    )


def downgrade() -> None:
    for table in ("committed_day_sums", "actual_created_sums", "actual_day_sums"):
        op.drop_table(table)
