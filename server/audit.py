"""The tamper-evident audit trail.

Each entry's ``hash`` is sha256 over the previous entry's hash and the canonical JSON of
the entry (sorted keys, no spaces); the first entry's ``prev_hash`` is 64 zeros. Changing,
inserting or deleting a row breaks the chain at that row, and :func:`verify` names it.
Entries are written inside the write transaction, whose lock orders them.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from . import clock
from .models import AuditRow

GENESIS = "0" * 64


def canonical(value) -> str | None:
    """Canonical JSON text of ``value`` (None stays None)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, row: AuditRow) -> str:
    body = {
        "at": row.at.astimezone(UTC).isoformat(),
        "actor": row.actor,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "before": row.before,
        "after": row.after,
    }
    return hashlib.sha256((prev_hash + canonical(body)).encode()).hexdigest()


def _head(s: Session) -> str:
    """The chain's last hash as ``s``'s transaction sees it.

    Looked up once per transaction and then carried along: the write lock
    (:func:`pixie_server.db.lock_writes`) keeps every other writer out until commit, so a
    batch of 2,000 budgets does not look it up 2,000 times.
    """
    txn = s.get_transaction()
    known = s.info.get(_HEAD)
    if known is not None and known[0] is txn:
        return known[1]
    last = s.execute(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).scalar()
    return last or GENESIS


_HEAD = "pixie_audit_head"
_TABLE = AuditRow.__table__
_FIELDS = tuple(c.key for c in _TABLE.columns if c.key != "id")
_INSERT = insert(_TABLE).returning(_TABLE.c.id)


def record(s: Session, actor: str, action: str, entity: str, entity_id, before, after) -> AuditRow:
    """Append one entry (in ``s``'s write transaction). ``before``/``after``: JSON-able.

    Returns the entry as written (with its ``id``), not attached to the session.
    """
    prev = _head(s)
    row = AuditRow(
        at=clock.now(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=canonical(before),
        after=canonical(after),
        prev_hash=prev,
    )
    row.hash = entry_hash(prev, row)
    # A Core insert: no unit-of-work flush per entry (a batch of budgets writes thousands).
    # The returned row is the entry as written, with its id; it is not in the session.
    values = {k: getattr(row, k) for k in _FIELDS}
    row.id = s.execute(_INSERT, values).scalar_one()
    s.info[_HEAD] = (s.get_transaction(), row.hash)
    return row


def as_json(row: AuditRow) -> dict:
    return {
        "id": row.id,
        "at": row.at.isoformat(),
        "actor": row.actor,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "before": json.loads(row.before) if row.before is not None else None,
        "after": json.loads(row.after) if row.after is not None else None,
        "hash": row.hash,
    }


def verify(s: Session) -> dict:
    """Walk the chain; ``{"ok": True, "entries": n}`` or the first broken entry's id."""
    prev = GENESIS
    n = 0
    for row in s.execute(select(AuditRow).order_by(AuditRow.id)).scalars():
        n += 1
        if row.prev_hash != prev:
            return {"ok": False, "entries": n, "broken_id": row.id, "reason": "chain_broken"}
        if entry_hash(prev, row) != row.hash:
            return {"ok": False, "entries": n, "broken_id": row.id, "reason": "entry_altered"}
        prev = row.hash
    return {"ok": True, "entries": n, "broken_id": None, "reason": None}
