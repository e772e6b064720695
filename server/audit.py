"""The tamper-evident audit trail.

Each entry's ``hash`` is HMAC-SHA256, under the key of :mod:`pixie_server.audit_key` (kept
outside the database), over the previous entry's hash and the canonical JSON of the entry
(sorted keys, no spaces); the first entry's ``prev_hash`` is 64 zeros. Entries stored
before signing began (``id <= audit_head.legacy_upto``, migration 0003) keep their plain
sha256 chain and are verified that way.

The chain's head (count, last id, last hash) lives in the ``audit_head`` row, signed too,
and every budget row carries the hash of its last entry; both move in the transaction that
writes the entry. So changing an entry, inserting or deleting one anywhere (the last ones
included) or rewriting an entry with a recomputed hash is found by :func:`verify`, which
names the first broken entry. Entries are written inside the write transaction, whose lock
orders them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from . import audit_key, clock
from .models import AuditHead, AuditRow, BudgetRow

GENESIS = "0" * 64


def canonical(value) -> str | None:
    """Canonical JSON text of ``value`` (None stays None)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _body(prev_hash: str, row: AuditRow) -> str:
    body = {
        "at": row.at.astimezone(UTC).isoformat(),
        "actor": row.actor,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "before": row.before,
        "after": row.after,
    }
    return prev_hash + canonical(body)


def entry_hash(prev_hash: str, row: AuditRow) -> str:
    """The signed hash of an entry (HMAC under the audit key)."""
    return audit_key.sign(_body(prev_hash, row))


def legacy_hash(prev_hash: str, row: AuditRow) -> str:
    """The hash of an entry written before signing began (plain sha256)."""
    return hashlib.sha256(_body(prev_hash, row).encode()).hexdigest()


@dataclass
class Head:
    entries: int
    last_id: int
    last_hash: str
    legacy_upto: int

    def mac(self) -> str:
        return audit_key.sign(
            f"head:{self.entries}:{self.last_id}:{self.last_hash}:{self.legacy_upto}"
        )


def _head(s: Session) -> Head:
    """The chain's head as ``s``'s transaction sees it.

    Read once per transaction and then carried along: the write lock
    (:func:`pixie_server.db.lock_writes`) keeps every other writer out until commit, so a
    batch of 2,000 budgets does not read it 2,000 times.
    """
    txn = s.get_transaction()
    known = s.info.get(_HEAD)
    if known is not None and known[0] is txn:
        return known[1]
    row = _read_head(s)
    if row is None:  # deleted by hand: chain on, verify reports it
        return Head(0, 0, GENESIS, 0)
    return Head(row.entries, row.last_id, row.last_hash, row.legacy_upto)


def _read_head(s: Session):
    """The head row as the database holds it now (a Core read: the session's identity map
    may hold an older copy, since entries move the head by Core updates)."""
    return s.execute(select(*AuditHead.__table__.c).where(AuditHead.__table__.c.id == 1)).first()


_HEAD = "pixie_audit_head"
_TABLE = AuditRow.__table__
_FIELDS = tuple(c.key for c in _TABLE.columns if c.key != "id")
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_MOVE_HEAD = update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1)
_ANCHOR = BudgetRow.__table__


def record(s: Session, actor: str, action: str, entity: str, entity_id, before, after) -> AuditRow:
    """Append one entry (in ``s``'s write transaction). ``before``/``after``: JSON-able.

    Moves the signed head and, for a budget, the budget row's anchor in the same
    transaction. Returns the entry as written (with its ``id``), not attached to the session.
    """
    head = _head(s)
    row = AuditRow(
        at=clock.now(),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=canonical(before),
        after=canonical(after),
        prev_hash=head.last_hash,
    )
    row.hash = entry_hash(head.last_hash, row)
    # A Core insert: no unit-of-work flush per entry (a batch of budgets writes thousands).
    values = {k: getattr(row, k) for k in _FIELDS}
    row.id = s.execute(_INSERT, values).scalar_one()
    head = Head(head.entries + 1, row.id, row.hash, head.legacy_upto)
    moved = s.execute(
        _MOVE_HEAD.values(
            entries=head.entries,
            last_id=head.last_id,
            last_hash=head.last_hash,
            key_id=audit_key.key_id(),
            mac=head.mac(),
        )
    )
    if moved.rowcount == 0:
        s.execute(
            insert(AuditHead.__table__).values(
                id=1, **vars(head), key_id=audit_key.key_id(), mac=head.mac()
            )
        )
    if entity == "budget":
        s.execute(update(_ANCHOR).where(_ANCHOR.c.id == row.entity_id).values(audit_hash=row.hash))
    s.info[_HEAD] = (s.get_transaction(), head)
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


def _broken(n: int, broken_id, reason: str, detail: str) -> dict:
    return {"ok": False, "entries": n, "broken_id": broken_id, "reason": reason, "detail": detail}


def _check_head(row) -> dict | None:
    """Why the head row cannot be trusted, or None."""
    if row is None:
        return _broken(0, None, "head_missing", "the audit head row is missing")
    if row.key_id is not None and row.key_id != audit_key.key_id():
        msg = (
            "the audit trail was signed with another key than this service's: give it the "
            "same PIXIE_AUDIT_KEY (or audit.key file) as the service that wrote it"
        )
        return _broken(0, None, "wrong_key", msg)
    head = Head(row.entries, row.last_id, row.last_hash, row.legacy_upto)
    if row.mac is None and row.last_id == row.legacy_upto:
        return None  # no entry signed since migration 0003: the first one signs the head
    if row.mac != head.mac():
        return _broken(0, None, "head_altered", "the audit head row was changed by hand")
    return None


def verify(s: Session) -> dict:
    """Walk the chain; ``{"ok": True, "entries": n, ...}`` or the first broken entry's id,
    a ``reason`` code and a ``detail`` for a person."""
    head_row = _read_head(s)
    bad = _check_head(head_row)
    if bad is not None:
        return bad
    prev, n, last_id = GENESIS, 0, 0
    budgets: dict[str, str] = {}
    for row in s.execute(select(AuditRow).order_by(AuditRow.id)).scalars():
        n += 1
        if row.prev_hash != prev:
            msg = f"entry {row.id} does not follow the entry before it (one is missing or added)"
            return _broken(n, row.id, "chain_broken", msg)
        sign = legacy_hash if row.id <= head_row.legacy_upto else entry_hash
        if sign(prev, row) != row.hash:
            return _broken(n, row.id, "entry_altered", f"entry {row.id} was changed")
        if row.entity == "budget":
            budgets[row.entity_id] = row.hash
        prev, last_id = row.hash, row.id
    if (n, last_id, prev) != (head_row.entries, head_row.last_id, head_row.last_hash):
        msg = (
            f"the trail ends at entry {last_id} ({n} entries) but its head names entry "
            f"{head_row.last_id} ({head_row.entries} entries): the last entries were removed"
        )
        return _broken(n, head_row.last_id, "truncated", msg)
    anchors = s.execute(
        select(BudgetRow.id, BudgetRow.audit_hash).where(BudgetRow.audit_hash.is_not(None))
    )
    for budget_id, anchor in anchors:
        if budgets.get(budget_id) != anchor:
            msg = f"budget {budget_id}'s last audit entry is not in the trail"
            return _broken(n, None, "anchor_missing", msg)
    return {"ok": True, "entries": n, "broken_id": None, "reason": None}
