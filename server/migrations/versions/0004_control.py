"""Budget control (issue 13): settings.on_over, webhook subscriptions, outbox, deliveries

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 00:10:00

``settings.on_over`` is ``warn`` on existing databases (nothing changes until an admin sets
``stop``). The webhook tables start empty; ``row_statuses`` holds the last status seen of
each Variance row, which later changes are compared with.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _instant(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_over", sa.String(length=10), nullable=False, server_default="warn")
        )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        _instant("created_at"),
        _instant("deleted_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhooks")),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _instant("created_at"),
        _instant("next_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _instant("delivered_at", nullable=True),
        _instant("lease_until", nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhooks.id"], name=op.f("fk_webhook_events_webhook_id_webhooks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
    )
    op.create_index(
        op.f("ix_webhook_events_webhook_id"), "webhook_events", ["webhook_id"], unique=False
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        _instant("at"),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_webhook_id"),
        "webhook_deliveries",
        ["webhook_id"],
        unique=False,
    )
    op.create_table(
        "row_statuses",
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("activity_code", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint(
            "object_id", "activity_code", "kind", "year", name=op.f("pk_row_statuses")
        ),
    )


def downgrade() -> None:
    op.drop_table("row_statuses")
    op.drop_index(op.f("ix_webhook_deliveries_webhook_id"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_webhook_events_webhook_id"), table_name="webhook_events")
    op.drop_table("webhook_events")
    op.drop_table("webhooks")
    with op.batch_alter_table("settings", schema=None) as batch_op:
        batch_op.drop_column("on_over")
