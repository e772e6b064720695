"""GET /api/v1/sync: pages, cursors, and a client that ends with exactly the server's state."""

from __future__ import annotations

import threading

import requests
from pixie_server import db
from sqlalchemy import text

from tests.server.data import LINES_HEADER, apply, lines, seed, send, sync_all


def server_state(app) -> dict:
    with app.app_context():
        s = db.session()
        rows = s.execute(
            text(
                "SELECT l.id, t.object_id, l.kind, l.date, l.amount_minor FROM actual_lines l"
                " JOIN tasks t ON t.id = l.task_id WHERE NOT l.deleted"
            )
        ).all()
    return {("line", r[0]): (r[1], r[2], str(r[3]), f"{r[4] / 100:.2f}") for r in rows}


def test_pages_follow_the_cursor_until_nothing_more(client, headers):
    h = headers("viewer")
    seed(client, headers("integration"))
    send(
        client,
        headers("integration"),
        lines(*(f"L-{i},T-{i},P-1,ROAD,2026-03-01,cost,2026-03-02,{i}.00," for i in range(7))),
    )
    state, cursor, pages = sync_all(client, h, limit=3)
    assert pages == 3 and len(state) == 7
    last = client.get(f"/api/v1/sync?cursor={cursor}", headers=h).get_json()
    assert (last["lines"], last["more"], last["next_cursor"]) == ([], False, cursor)


def test_bad_cursor_and_limit_are_refused(client, headers):
    h = headers("viewer")
    for query in ("cursor=abc", "cursor=-1", "limit=0", "limit=999999"):
        resp = client.get(f"/api/v1/sync?{query}", headers=h)
        assert resp.status_code == 422, query
        assert resp.get_json()["code"] in {"bad_cursor", "bad_limit"}


def test_a_client_paging_while_others_write_ends_with_the_server_state(
    app, live_server, admin_headers
):
    """Writers insert, change and delete lines while a reader pages with small pages."""
    url = live_server
    http = requests.Session()
    http.headers.update(admin_headers)
    for table in (
        "id,name,kind,parent,currency\nP-1,A,project,,EUR\nP-2,B,project,,EUR\n",
        "code,name,active\nROAD,Road,true\n",
    ):
        http.post(f"{url}/api/v1/ingest", data=table, headers={"Content-Type": "text/csv"})

    def writer(w: int) -> None:
        s = requests.Session()
        s.headers.update({**admin_headers, "Content-Type": "text/csv"})
        for batch in range(12):
            rows = [
                f"W{w}-{batch}-{i},T{w}-{batch},P-{1 + batch % 2},ROAD,2026-03-01,cost,"
                f"2026-03-02,{batch}.{i:02d},"
                for i in range(20)
            ]
            if batch:  # change one earlier line and delete another
                rows.append(
                    f"W{w}-{batch - 1}-0,T{w}-{batch - 1},P-{1 + (batch - 1) % 2},ROAD,"
                    f"2026-03-01,cost,2026-03-02,99.99,"
                )
            assert s.post(f"{url}/api/v1/ingest", data=lines(*rows)).status_code == 200
            if batch > 1:
                body = lines(f"W{w}-{batch - 2}-1,,,,,,,,,delete", header=LINES_HEADER + ",op")
                assert s.post(f"{url}/api/v1/ingest", data=body).status_code == 200

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    state: dict = {}
    cursor = ""
    while any(t.is_alive() for t in threads):
        page = http.get(f"{url}/api/v1/sync", params={"cursor": cursor, "limit": 7}).json()
        apply(state, page)
        cursor = page["next_cursor"]
    for t in threads:
        t.join()
    while True:  # catch up after the writers finished
        page = http.get(f"{url}/api/v1/sync", params={"cursor": cursor, "limit": 7}).json()
        apply(state, page)
        cursor = page["next_cursor"]
        if not page["more"]:
            break
    expected = server_state(app)
    assert len(expected) == 3 * (12 * 20 - 10)
    assert state == expected


def test_a_page_asked_again_is_the_same_until_a_write_changes_it(client, headers):
    """JSON pages are kept per data stamp (the report memo): asked again the page is the
    same bytes, encoded once; after a write the same cursor's page shows the write."""
    h, writer = headers("viewer"), headers("integration")
    seed(client, writer)
    row = "L-1,T-1,P-1,ROAD,2026-03-01,cost,2026-03-02,{},"
    send(client, writer, lines(row.format("10.00")))
    first = client.get("/api/v1/sync?cursor=0&limit=10", headers=h)
    kept = [k for k in client.application.extensions["pixie_reports"]._done if k[0] == "sync"]
    assert len(kept) == 1
    assert client.get("/api/v1/sync?cursor=0&limit=10", headers=h).data == first.data
    send(client, writer, lines(row.format("12.50")))
    page = client.get("/api/v1/sync?cursor=0&limit=10", headers=h).get_json()
    assert [(x["line_id"], x["amount"]) for x in page["lines"]] == [("L-1", "12.50")]
    assert page["next_cursor"] != first.get_json()["next_cursor"]
