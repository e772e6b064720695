"""The audit chain's head is looked up once per write transaction and carried along; the
chain stays exact for many entries in one transaction, across transactions, and after a
transaction that was rolled back."""

from __future__ import annotations

from pixie_server import audit, db
from pixie_server.models import AuditHead


def _verify(app) -> dict:
    with app.app_context(), db.transaction(app) as s:
        return audit.verify(s)


def test_many_entries_in_one_transaction_chain_exactly(app):
    with app.app_context(), db.transaction(app) as s:
        rows = [
            audit.record(s, "alice", "upsert", "profile", f"p{i}", None, {"i": i}) for i in range(5)
        ]
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    with app.app_context(), db.transaction(app) as s:
        audit.record(s, "bob", "upsert", "profile", "p5", None, {"i": 5})
    assert _verify(app) == {"ok": True, "entries": 5 + 1, "broken_id": None, "reason": None}


def test_an_entry_rolled_back_is_not_the_next_ones_predecessor(app):
    with app.app_context(), db.transaction(app) as s:
        kept = audit.record(s, "alice", "upsert", "profile", "kept", None, {})
    factory = app.extensions[db.EXT][1]
    with app.app_context(), factory() as s:
        db.lock_writes(s)
        audit.record(s, "alice", "upsert", "profile", "gone", None, {})
        s.rollback()
        db.lock_writes(s)
        after = audit.record(s, "alice", "upsert", "profile", "next", None, {})
        s.commit()
    assert after.prev_hash == kept.hash
    assert _verify(app)["ok"] is True


def test_one_session_writing_twice_chains_on_to_its_own_last_entry(app):
    """The session keeps its objects across commits: the head is read from the database,
    never from an older copy the session still holds."""
    factory = app.extensions[db.EXT][1]
    with app.app_context(), factory() as s:
        held = s.get(AuditHead, 1)  # a copy the session keeps while it is referenced
        db.lock_writes(s)
        first = audit.record(s, "alice", "upsert", "profile", "a", None, {})
        s.commit()
        db.lock_writes(s)
        second = audit.record(s, "alice", "upsert", "profile", "b", None, {})
        s.commit()
    assert second.prev_hash == first.hash
    assert _verify(app)["ok"] is True
    assert held.entries == 0  # the copy is still the old one; the chain did not use it
