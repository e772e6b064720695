"""The audit trail: one entry per change, chained by hash; a tampered row is named."""

from __future__ import annotations

import stat

import pytest
from pixie_server import audit, create_app, db
from pixie_server.audit_key import AuditKeyError
from pixie_server.models import AuditHead, AuditRow
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


# --- D10: truncation and rewriting are found (SQLite and PostgreSQL) -----------------------


def _trail(app, client, admin_headers, headers) -> list[int]:
    """Three entries of master data and two of settings; returns their ids."""
    seed(client, headers("integration"))
    for zone in ("Europe/Berlin", "Europe/Vienna"):
        client.put("/api/v1/settings", json={"timezone": zone}, headers=admin_headers)
    return [e["id"] for e in entries(client, admin_headers)]


def _sql(app, statement: str, **params) -> None:
    with app.app_context(), db.transaction(app) as s:
        s.execute(text(statement), params)


def _verify(client, admin_headers) -> tuple:
    report = client.get("/api/v1/audit/verify", headers=admin_headers).get_json()
    return report["ok"], report["broken_id"], report["reason"]


def test_deleting_the_last_entries_is_found(app, client, admin_headers, headers):
    ids = _trail(app, client, admin_headers, headers)
    _sql(app, "DELETE FROM audit WHERE id >= :i", i=ids[-2])
    assert _verify(client, admin_headers) == (False, ids[-1], "truncated")


def test_rewriting_the_last_entry_and_its_hash_is_found(app, client, admin_headers, headers):
    ids = _trail(app, client, admin_headers, headers)
    with app.app_context(), db.transaction(app) as s:
        last = s.get(AuditRow, ids[-1])
        last.actor = "someone else"
        forged = audit.legacy_hash(last.prev_hash, last)  # the hash anyone can compute
        s.execute(
            text("UPDATE audit SET actor = 'someone else', hash = :h WHERE id = :i"),
            {"h": forged, "i": ids[-1]},
        )
        s.expunge_all()
    assert _verify(client, admin_headers) == (False, ids[-1], "entry_altered")
    # moving the head on to the forged hash does not help: the head is signed too
    _sql(app, "UPDATE audit_head SET last_hash = :h", h=forged)
    assert _verify(client, admin_headers) == (False, None, "head_altered")


def test_deleting_a_middle_entry_is_found(app, client, admin_headers, headers):
    ids = _trail(app, client, admin_headers, headers)
    _sql(app, "DELETE FROM audit WHERE id = :i", i=ids[2])
    assert _verify(client, admin_headers) == (False, ids[3], "chain_broken")


def test_changing_a_field_is_found(app, client, admin_headers, headers):
    ids = _trail(app, client, admin_headers, headers)
    _sql(app, "UPDATE audit SET after = :a WHERE id = :i", a='{"timezone":"UTC"}', i=ids[3])
    assert _verify(client, admin_headers) == (False, ids[3], "entry_altered")


def test_rolling_the_head_back_is_found_by_the_budget_anchor(app, client, admin_headers):
    seed(client, admin_headers)
    body = {
        "object": "P-1",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "lines": [{"activity": "ROAD", "income": "0", "cost": "100.00"}],
    }
    with app.app_context():
        before_budget = dict(db.session().get(AuditHead, 1).__dict__)
    assert client.post("/api/v1/budgets", json=body, headers=admin_headers).status_code == 201
    # remove the budget's entry and put back the head as it was (a genuine, signed head)
    _sql(app, "DELETE FROM audit WHERE id > :i", i=before_budget["last_id"])
    _sql(
        app,
        "UPDATE audit_head SET entries = :n, last_id = :i, last_hash = :h, mac = :m",
        n=before_budget["entries"],
        i=before_budget["last_id"],
        h=before_budget["last_hash"],
        m=before_budget["mac"],
    )
    assert _verify(client, admin_headers) == (False, None, "anchor_missing")


def test_the_trail_is_checked_with_the_key_it_was_signed_with(
    db_url, client, admin_headers, make_app, tmp_path
):
    client.put("/api/v1/settings", json={"over_ratio": "1.1"}, headers=admin_headers)
    # a second start with another audit key (and its token file elsewhere)
    other = make_app(
        db_url,
        first_token=False,
        PIXIE_TOKEN_FILE=str(tmp_path / "elsewhere" / "token"),
        PIXIE_AUDIT_KEY="k" * 40,
    )
    with other.app_context():
        report = audit.verify(db.session())
    assert (report["ok"], report["reason"]) == (False, "wrong_key")
    assert "PIXIE_AUDIT_KEY" in report["detail"]


def test_the_audit_key_file_is_private_and_a_planted_link_is_refused(tmp_path):
    # create_app itself: what it tests is the key file create_app makes beside the token file
    app = create_app(
        {
            "PIXIE_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
            "PIXIE_TOKEN_FILE": str(tmp_path / "token"),
        },
        first_token=False,
    )
    db.engine(app).dispose()
    key = tmp_path / "audit.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    target = tmp_path / "target"
    target.write_text("x" * 64)
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "audit.key").symlink_to(target)
    with pytest.raises(AuditKeyError, match="not a link"):
        create_app(
            {
                "PIXIE_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
                "PIXIE_TOKEN_FILE": str(planted / "token"),
            },
            first_token=False,
        )
    assert target.read_text() == "x" * 64
