"""Migration 0003 on a database whose audit trail predates signing: the old entries stay
as they were (sha256-chained, marked legacy up to the last id) and still verify, the first
signed entry chains on to them, and tampering with either part is still found."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from pixie_server import audit, db, migrations
from sqlalchemy import text


def _old_entry(prev: str, n: int) -> dict:
    """An entry as the service wrote it before 0003 (plain sha256 over prev + body)."""
    at = datetime(2026, 1, 1, 9, n, tzinfo=UTC)
    body = {
        "at": at.isoformat(),
        "actor": "ann",
        "action": "upsert",
        "entity": "profile",
        "entity_id": f"p{n}",
        "before": None,
        "after": json.dumps({"n": n}),
    }
    digest = hashlib.sha256(
        (prev + json.dumps(body, sort_keys=True, separators=(",", ":"))).encode()
    )
    return {**body, "at": at.replace(tzinfo=None), "prev_hash": prev, "hash": digest.hexdigest()}


def test_an_old_trail_is_kept_as_legacy_and_new_entries_are_signed(empty_db_url, make_app):
    db_url = empty_db_url
    engine = db.make_engine(db_url)
    migrations.upgrade(engine, "0002")
    prev, rows = audit.GENESIS, []
    for n in range(3):
        rows.append(_old_entry(prev, n))
        prev = rows[-1]["hash"]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit (at, actor, action, entity, entity_id, before, after, "
                "prev_hash, hash) VALUES (:at, :actor, :action, :entity, :entity_id, :before, "
                ":after, :prev_hash, :hash)"
            ),
            rows,
        )
    engine.dispose()
    app = make_app(db_url, first_token=False)
    with app.app_context():
        assert audit.verify(db.session())["ok"] is True
    with app.app_context(), db.transaction(app) as s:
        new = audit.record(s, "bob", "upsert", "profile", "p9", None, {"n": 9})
    assert new.prev_hash == prev and new.hash != audit.legacy_hash(prev, new)
    with app.app_context():
        assert audit.verify(db.session()) == {
            "ok": True,
            "entries": 4,
            "broken_id": None,
            "reason": None,
        }
    with app.app_context(), db.transaction(app) as s:
        s.execute(text("UPDATE audit SET actor = 'eve' WHERE id = 2"))
    with app.app_context():
        report = audit.verify(db.session())
    assert (report["broken_id"], report["reason"]) == (2, "entry_altered")
