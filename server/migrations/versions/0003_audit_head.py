"""audit_head and budgets.audit_hash: an audit trail that detects truncation and rewriting

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:50:00

Entries written from now on are HMAC-signed under a key kept outside the database (see
``pixie_server.audit_key``); the ``audit_head`` row holds the count, last id and last hash
of the chain, signed too, and is moved in the same transaction as every entry. Each
budget row carries the hash of its last audit entry.

Entries already stored are kept as they are and marked legacy (``legacy_upto`` = the last
id): they stay sha256-chained, are still verified that way, and the first signed entry
chains on to the last legacy one. They are not re-signed: re-signing would make an
altered old entry look genuine. The head's own signature is written by the first entry
signed after this migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("legacy_upto", sa.BigInteger(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=True),
        sa.Column("mac", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    with op.batch_alter_table("budgets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    count, last_id = bind.execute(sa.text("SELECT count(*), max(id) FROM audit")).one()
    last_hash = GENESIS
    if last_id is not None:
        last_hash = bind.execute(
            sa.text("SELECT hash FROM audit WHERE id = :i"), {"i": last_id}
        ).scalar_one()
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "entries": count,
                "last_id": last_id or 0,
                "last_hash": last_hash,
                "legacy_upto": last_id or 0,
                "key_id": None,
                "mac": None,
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("budgets", schema=None) as batch_op:
        batch_op.drop_column("audit_hash")
    op.drop_table("audit_head")
