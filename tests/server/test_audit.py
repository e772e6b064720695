"""The audit trail: one entry per change, chained by hash; a tampered row is named."""

from __future__ import annotations

from pixie_server import audit, db
from sqlalchemy import text

from tests.server.data import seed


def entries(client, h) -> list[dict]:
    return client.get("/api/v1/audit", headers=h).get_json()["entries"]


def test_each_change_is_one_entry_with_who_when_before_and_after(client, admin_headers, clock):
    client.put("/api/v1/settings", json={"over_ratio": "1.1"}, headers=admin_headers)
    clock.advance(minutes=5)
    client.put("/api/v1/settings", json={"over_ratio": "1.2"}, headers=admin_headers)
    got = [
        (e["at"], e["actor"], e["action"], e["before"]["over_ratio"], e["after"]["over_ratio"])
        for e in entries(client, admin_headers)
    ]
    assert got == [
        ("2026-03-10T09:00:00+00:00", "admin-user", "update", "1.0", "1.1"),
        ("2026-03-10T09:05:00+00:00", "admin-user", "update", "1.1", "1.2"),
    ]


def test_an_intact_chain_verifies(client, admin_headers, headers):
    seed(client, headers("integration"))
    client.put("/api/v1/settings", json={"timezone": "Europe/Berlin"}, headers=admin_headers)
    assert client.get("/api/v1/audit/verify", headers=admin_headers).get_json() == {
        "ok": True,
        "entries": 3,
        "broken_id": None,
        "reason": None,
    }


def test_a_row_changed_in_the_database_is_named(app, client, admin_headers, headers):
    seed(client, headers("integration"))
    client.put("/api/v1/settings", json={"timezone": "Europe/Berlin"}, headers=admin_headers)
    second = entries(client, admin_headers)[1]["id"]
    with app.app_context(), db.transaction(app) as s:
        s.execute(text("UPDATE audit SET actor = 'someone else' WHERE id = :i"), {"i": second})
    report = client.get("/api/v1/audit/verify", headers=admin_headers).get_json()
    assert (report["ok"], report["broken_id"], report["reason"]) == (False, second, "entry_altered")


def test_a_deleted_row_breaks_the_chain_at_the_next_entry(app, client, admin_headers, headers):
    seed(client, headers("integration"))
    client.put("/api/v1/settings", json={"timezone": "Europe/Berlin"}, headers=admin_headers)
    ids = [e["id"] for e in entries(client, admin_headers)]
    with app.app_context(), db.transaction(app) as s:
        s.execute(text("DELETE FROM audit WHERE id = :i"), {"i": ids[1]})
    report = client.get("/api/v1/audit/verify", headers=admin_headers).get_json()
    assert (report["broken_id"], report["reason"]) == (ids[2], "chain_broken")


def test_record_is_what_budget_writes_use(app):
    with app.test_request_context(), db.transaction(app) as s:
        row = audit.record(s, "ann", "create", "budget", "B-1", None, {"lines": 2})
        assert row.prev_hash == audit.GENESIS and len(row.hash) == 64
    with app.app_context():
        assert audit.verify(db.session())["ok"]


def test_the_audit_trail_pages(client, admin_headers):
    for ratio in ("1.1", "1.2", "1.3"):
        client.put("/api/v1/settings", json={"over_ratio": ratio}, headers=admin_headers)
    page = client.get("/api/v1/audit?limit=2", headers=admin_headers).get_json()
    assert page["more"] and len(page["entries"]) == 2
    rest = client.get(f"/api/v1/audit?after={page['next_after']}", headers=admin_headers)
    assert [e["after"]["over_ratio"] for e in rest.get_json()["entries"]] == ["1.3"]
