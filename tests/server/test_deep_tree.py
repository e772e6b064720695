"""D5: a deep object tree is checked in one pass, on post and on every report."""

from __future__ import annotations

import pytest

DEPTH = 12_000


def chain(depth: int) -> list[dict]:
    """``O0 ← O1 ← … ← O(depth-1)``: each object the parent of the next."""
    out = [{"id": "O0", "kind": "department"}]
    out += [{"id": f"O{i}", "kind": "project", "parent": f"O{i - 1}"} for i in range(1, depth)]
    return out


@pytest.mark.timeout(120)
def test_a_12k_deep_chain_posts_and_reports_without_quadratic_work(client, headers):
    h = headers("admin")
    resp = client.post("/api/v1/objects", json=chain(DEPTH), headers=h)
    assert resp.status_code == 201, resp.get_json()
    period = "from=2026-01-01&to=2026-12-31"
    for query in (period, f"{period}&object=O0", f"{period}&object=O{DEPTH // 2}"):
        assert client.get(f"/api/v1/variance?{query}", headers=h).status_code == 200
    # a cycle closed at the far end of the chain is still found, and nothing is saved
    resp = client.post(
        "/api/v1/objects",
        json={"id": "O0", "kind": "department", "parent": f"O{DEPTH - 1}"},
        headers=h,
    )
    assert resp.status_code == 422
    assert [f["code"] for f in resp.get_json()["findings"]] == ["object_cycle"]
    listed = client.get("/api/v1/objects", headers=h).get_json()["objects"]
    assert next(o for o in listed if o["id"] == "O0")["parent"] is None
