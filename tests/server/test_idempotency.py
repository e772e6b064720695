"""Idempotency-Key: a retried write takes effect once; a reused key is refused."""

from __future__ import annotations

from tests.server.data import lines, seed, send


def audit_count(client, h) -> int:
    return len(client.get("/api/v1/audit", headers=h).get_json()["entries"])


def test_a_retry_with_the_same_key_replays_the_answer_and_writes_once(client, headers):
    h = headers("integration")
    seed(client, h)
    body = lines("L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A")
    first = send(client, h, body, **{"Idempotency-Key": "batch-1"})
    before = audit_count(client, h)
    again = send(client, h, body, **{"Idempotency-Key": "batch-1"})
    assert again.status_code == first.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert audit_count(client, h) == before


def test_the_same_key_with_another_body_is_refused(client, headers):
    h = headers("admin")
    client.put(
        "/api/v1/settings", json={"warn_ratio": "0.7"}, headers={**h, "Idempotency-Key": "k"}
    )
    resp = client.put(
        "/api/v1/settings", json={"warn_ratio": "0.6"}, headers={**h, "Idempotency-Key": "k"}
    )
    assert (resp.status_code, resp.get_json()["code"]) == (422, "idempotency_key_reused")
    assert client.get("/api/v1/settings", headers=h).get_json()["warn_ratio"] == "0.7"


def test_keys_belong_to_one_token(client, token):
    a = {"Authorization": f"Bearer {token('admin', 'ann')}", "Idempotency-Key": "same"}
    b = {"Authorization": f"Bearer {token('admin', 'bob')}", "Idempotency-Key": "same"}
    client.put("/api/v1/settings", json={"warn_ratio": "0.7"}, headers=a)
    resp = client.put("/api/v1/settings", json={"warn_ratio": "0.6"}, headers=b)
    assert resp.status_code == 200 and "Idempotent-Replayed" not in resp.headers


def test_a_refused_write_is_not_stored_so_a_corrected_retry_runs(client, headers):
    h = {**headers("admin"), "Idempotency-Key": "fix-me"}
    bad = client.put("/api/v1/settings", json={"timezone": "Nowhere/Land"}, headers=h)
    assert bad.status_code == 422
    again = client.put("/api/v1/settings", json={"timezone": "Europe/Paris"}, headers=h)
    assert again.status_code == 200 and again.get_json()["timezone"] == "Europe/Paris"


def test_an_oversized_key_is_refused(client, admin_headers):
    resp = client.put(
        "/api/v1/settings", json={}, headers={**admin_headers, "Idempotency-Key": "k" * 201}
    )
    assert resp.get_json()["code"] == "bad_idempotency_key"
