"""GET /api/v1/sync as an Arrow IPC stream: the same changes as the JSON pages, exactly."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from tests.server.data import LINES_HEADER, ORDERS_HEADER, apply, lines, seed, send, sync_all

ARROW = "application/vnd.apache.arrow.stream"


def arrow_page(client, headers, cursor: str = "", limit: int | None = None):
    query = f"cursor={cursor}" + (f"&limit={limit}" if limit else "")
    resp = client.get(f"/api/v1/sync?{query}", headers={**headers, "Accept": ARROW})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == ARROW
    return pa.ipc.open_stream(resp.get_data()).read_all()


def arrow_apply(state: dict, table: pa.Table) -> None:
    """The JSON test client's ``apply`` over an Arrow page (amounts as text, like JSON)."""
    for r in table.to_pylist():
        key = (r["type"], r["id"])
        if r["deleted"]:
            state.pop(key, None)
        elif r["type"] == "line":
            state[key] = (r["object"], r["kind"], r["date"].isoformat(), str(r["amount"]))
        else:
            state[key] = (r["object"], str(r["amount"]), r["status"])


def arrow_sync_all(client, headers, limit: int | None = None) -> tuple[dict, str, int]:
    state: dict = {}
    cursor, pages = "", 0
    while True:
        table = arrow_page(client, headers, cursor, limit)
        pages += 1
        arrow_apply(state, table)
        meta = table.schema.metadata
        cursor = meta[b"next_cursor"].decode()
        if meta[b"more"] == b"false":
            return state, cursor, pages


def _seed_changes(client, h) -> None:
    seed(client, h)
    rows = [f"L-{i},T-{i},P-{1 + i % 2},ROAD,2026-03-01,cost,2026-03-{1 + i:02d},{i}.05,R{i}"
            for i in range(9)]  # fmt: skip
    rows.append("L-big,T-big,P-1,ROAD,2026-03-01,income,2026-03-02,-9999999999999.99,")
    resp = send(client, h, lines(*rows))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    orders = ["PO-1,P-1,ROAD,Acme,2026-03-03,100.10,0.00,approved",
              "PO-2,P-2,ROAD,Acme,2026-03-04,50.00,20.00,received"]  # fmt: skip
    assert send(client, h, lines(*orders, header=ORDERS_HEADER)).status_code == 200
    gone = lines("L-3,,,,,,,,,delete", header=LINES_HEADER + ",op")
    assert send(client, h, gone).status_code == 200
    changed = lines("L-4,T-4,P-1,ROAD,2026-03-01,cost,2026-03-05,4.99,R4")
    assert send(client, h, changed).status_code == 200


def test_a_full_arrow_pull_holds_what_the_json_pages_hold(client, headers):
    h = headers("integration")
    _seed_changes(client, h)
    json_state, json_cursor, _ = sync_all(client, headers("viewer"), limit=3)
    table = arrow_page(client, headers("viewer"))
    state: dict = {}
    arrow_apply(state, table)
    assert state == json_state and len(state) == 11
    meta = table.schema.metadata
    assert (meta[b"more"], meta[b"next_cursor"].decode()) == (b"false", json_cursor)
    assert (meta[b"currency"], meta[b"scale"]) == (b"EUR", b"2")
    # a full pull has no tombstones; money is decimal128, never a float, and exact
    assert not any(table["deleted"].to_pylist())
    assert table.schema.field("amount").type == pa.decimal128(19, 2)
    big = table.filter(pa.compute.equal(table["id"], "L-big"))
    assert big["amount"][0].as_py() == Decimal("-9999999999999.99")
    assert big["task_created"][0].as_py().isoformat() == "2026-03-01T00:00:00+00:00"
    assert table["seq"].to_pylist() == sorted(table["seq"].to_pylist())


def test_arrow_pages_follow_the_same_cursor_and_carry_tombstones(client, headers):
    h = headers("integration")
    _seed_changes(client, h)
    viewer = headers("viewer")
    json_state, json_cursor, _ = sync_all(client, viewer, limit=4)
    state, cursor, pages = arrow_sync_all(client, viewer, limit=4)
    assert (state, cursor) == (json_state, json_cursor) and pages == 3
    # a delta from an old cursor carries the deletion as a tombstone row
    delta = arrow_page(client, viewer, "1")
    tomb = [r for r in delta.to_pylist() if r["deleted"]]
    assert [(r["type"], r["id"]) for r in tomb] == [("line", "L-3")]
    json_delta: dict = {}
    apply(json_delta, client.get("/api/v1/sync?cursor=1", headers=viewer).get_json())
    arrow_delta: dict = {}
    arrow_apply(arrow_delta, delta)
    assert arrow_delta == json_delta


def test_json_stays_the_answer_without_an_arrow_accept(client, headers):
    seed(client, headers("integration"))
    viewer = headers("viewer")
    for accept in (None, "*/*", "application/json", f"application/json, {ARROW};q=0.5"):
        extra = {"Accept": accept} if accept else {}
        resp = client.get("/api/v1/sync", headers={**viewer, **extra})
        assert resp.mimetype == "application/json", accept
    resp = client.get("/api/v1/sync?limit=1000001", headers={**viewer, "Accept": ARROW})
    assert resp.status_code == 422 and resp.get_json()["code"] == "bad_limit"
