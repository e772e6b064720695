"""``POST /api/v1/checks/commitment`` and ``on_over`` = ``stop`` (issue 13), on SQLite and
PostgreSQL, through the service's API as a purchasing system would use it.

P-1 (child of D-1) has a 2026 budget of ROAD cost 1000.00 and 500.00 of actuals; D-1 has
a ROAD budget of 5000.00 of its own. Warn from 80 %, over above 100 % (the defaults): a
purchase of 299.99 is OK (79.999 %), 300.00 WARN (exactly 80 %), 500.00 still WARN
(exactly 100 %: OVER is *above* over_ratio), 500.01 OVER.
"""

from __future__ import annotations

import pytest

from tests.server.data import ORDERS_HEADER, lines, seed, send

ACTUAL = "L1,T1,P-1,ROAD,2026-02-01T08:00:00Z,cost,2026-02-02,500.00,inv-1"


def _budget(client, headers, obj: str, cost: str):
    body = {
        "object": obj,
        "start": "2026-01-01",
        "end": "2026-12-31",
        "lines": [{"activity": "ROAD", "income": "0", "cost": cost}],
    }
    resp = client.post("/api/v1/budgets", json=body, headers=headers)
    assert resp.status_code == 201, resp.json
    return resp.json


@pytest.fixture
def books(client, headers):
    admin = headers("admin")
    seed(client, admin)
    _budget(client, headers("accountant"), "P-1", "1000.00")
    _budget(client, headers("accountant"), "D-1", "5000.00")
    assert send(client, admin, lines(ACTUAL)).status_code == 200
    return client


def check(client, headers, amount: str, *, role="integration", **extra):
    body = {"object": "P-1", "activity": "ROAD", "amount": amount, "date": "2026-03-10"}
    body.update(extra)
    return client.post("/api/v1/checks/commitment", json=body, headers=headers(role))


@pytest.mark.parametrize(
    ("amount", "status", "available_after"),
    [
        ("299.99", "OK", "200.01"),
        ("300.00", "WARN", "200.00"),
        ("499.99", "WARN", "0.01"),
        ("500.00", "WARN", "0.00"),
        ("500.01", "OVER", "-0.01"),
    ],
)
def test_the_check_answers_at_the_ratio_edges_to_the_cent(
    books, headers, amount, status, available_after
):
    resp = check(books, headers, amount)
    assert resp.status_code == 200, resp.json
    got = resp.json
    assert got["status"] == status
    assert (got["current_budget"], got["actual"], got["committed"], got["available"]) == (
        "1000.00",
        "500.00",
        "0.00",
        "500.00",
    )
    assert (got["from"], got["to"]) == ("2026-01-01", "2026-12-31")
    assert [a["object"] for a in got["after"]] == ["P-1", "D-1"]
    assert got["after"][0]["available"] == available_after
    assert got["after"][0]["status"] == status
    # D-1's subtree: its own 5000 and P-1's 1000; spent 500 + the purchase
    assert got["after"][1]["current_budget"] == "6000.00"
    assert got["after"][1]["status"] == "OK"


def test_the_ratios_come_from_the_settings(books, headers):
    put = books.put("/api/v1/settings", json={"warn_ratio": "0.5"}, headers=headers("admin"))
    assert put.status_code == 200, put.json
    assert check(books, headers, "0.00").json["status"] == "WARN"  # 500 of 1000 = 50 %


def test_committed_orders_count_and_the_check_saves_nothing(books, headers):
    order = "PO-1,P-1,ROAD,Acme,2026-03-01,120.00,20.00,approved"
    assert send(books, headers("admin"), lines(order, header=ORDERS_HEADER)).status_code == 200
    before = books.get("/api/v1/audit?limit=10000", headers=headers("admin")).json["entries"]
    got = check(books, headers, "300.00", role="viewer").json
    assert (got["committed"], got["available"], got["status"]) == ("100.00", "400.00", "WARN")
    assert got["after"][0]["spent"] == "900.00"
    after = books.get("/api/v1/audit?limit=10000", headers=headers("admin")).json["entries"]
    assert after == before
    v = books.get(
        "/api/v1/variance?from=2026-01-01&to=2026-12-31&object=P-1", headers=headers("viewer")
    )
    assert v.json["rows"][0]["committed"] == "100.00"


def test_a_date_no_budget_covers_has_nothing_available(books, headers):
    got = check(books, headers, "10.00", date="2027-05-01").json
    assert (got["budget"], got["current_budget"], got["status"]) == (None, "0.00", "OVER")
    assert (got["from"], got["to"]) == ("2027-05-01", "2027-05-01")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"amount": "12.345"}, "amount", "too_many_decimals"),
        ({"amount": 12}, "amount", "not_a_number"),
        ({"amount": "-1.00"}, "amount", "negative_amount"),
        ({"object": "NOPE"}, "object", "unknown_object"),
        ({"activity": "NOPE"}, "activity", "unknown_activity"),
        ({"date": "2026-02-30"}, "date", "not_a_date"),
        ({"vendor": "Acme"}, "vendor", "unknown_field"),
    ],
)
def test_bad_input_is_refused_naming_the_field(books, headers, change, field, code):
    resp = check(books, headers, **{"amount": "1.00", **change})
    assert resp.status_code == 422, resp.json
    assert (resp.json["field"], resp.json["code"]) == (field, code), resp.json


def test_the_check_needs_a_token(books):
    body = {"object": "P-1", "activity": "ROAD", "amount": "1.00", "date": "2026-03-10"}
    assert books.post("/api/v1/checks/commitment", json=body).status_code == 401


# --- on_over ----------------------------------------------------------------------------


def _orders(*rows: str) -> str:
    return lines(*rows, header=ORDERS_HEADER)


def test_on_over_is_a_setting_admins_change(client, headers):
    assert client.get("/api/v1/settings", headers=headers("viewer")).json["on_over"] == "warn"
    put = client.put("/api/v1/settings", json={"on_over": "stop"}, headers=headers("admin"))
    assert put.status_code == 200 and put.json["on_over"] == "stop"
    assert client.get("/api/v1/settings", headers=headers("viewer")).json["on_over"] == "stop"
    bad = client.put("/api/v1/settings", json={"on_over": "halt"}, headers=headers("admin"))
    assert bad.status_code == 422
    assert bad.json["findings"][0]["source"]["cell"] == "on_over"
    denied = client.put("/api/v1/settings", json={"on_over": "warn"}, headers=headers("accountant"))
    assert denied.status_code == 403


def test_stop_refuses_an_order_that_takes_its_line_over_and_the_whole_batch(books, headers):
    admin = headers("admin")
    assert books.put("/api/v1/settings", json={"on_over": "stop"}, headers=admin).status_code == 200
    batch = _orders(
        "PO-1,P-1,ROAD,Acme,2026-03-01,400.00,0,approved",  # 900 of 1000: fits
        "PO-2,P-1,ROAD,Acme,2026-03-02,100.01,0,received",  # 1000.01: over
    )
    resp = send(books, admin, batch)
    assert resp.status_code == 409, resp.json
    assert resp.json["code"] == "over_budget"
    assert "PO-1, PO-2" in resp.json["detail"] and "available -0.01" in resp.json["detail"]
    line = resp.json["lines"][0]
    assert (line["object"], line["activity"], line["orders"]) == ("P-1", "ROAD", ["PO-1", "PO-2"])
    assert (line["current_budget"], line["actual"], line["committed"]) == (
        "1000.00",
        "500.00",
        "500.01",
    )
    got = check(books, headers, "0.00").json
    assert got["committed"] == "0.00"  # nothing of the batch was saved
    # to the cent: exactly the budget is not over
    fits = _orders(
        "PO-1,P-1,ROAD,Acme,2026-03-01,400.00,0,approved",
        "PO-2,P-1,ROAD,Acme,2026-03-02,100.00,0,received",
    )
    assert send(books, admin, fits).status_code == 200
    # a draft commits nothing, so it is never refused; a further approved cent is
    assert (
        send(books, admin, _orders("PO-3,P-1,ROAD,Acme,2026-03-03,9.00,0,draft")).status_code == 200
    )
    over = send(books, admin, _orders("PO-3,P-1,ROAD,Acme,2026-03-03,0.01,0,approved"))
    assert over.status_code == 409 and "PO-3" in over.json["detail"]
    # lowering an order on a line that is full is not refused
    lower = send(books, admin, _orders("PO-1,P-1,ROAD,Acme,2026-03-01,300.00,0,approved"))
    assert lower.status_code == 200, lower.json


def test_warn_lets_the_order_through(books, headers):
    admin = headers("admin")
    resp = send(books, admin, _orders("PO-9,P-1,ROAD,Acme,2026-03-01,900.00,0,approved"))
    assert resp.status_code == 200
    assert check(books, headers, "0.00").json["status"] == "OVER"


def test_a_refused_batch_leaves_nothing_in_the_report_memo(books, headers):
    """The stop check reads inside the write transaction, whose data stamp is not
    committed: a batch it refuses must not leave its objects behind for the next stamp."""
    admin, viewer = headers("admin"), headers("viewer")  # tokens first: each is a write
    assert books.put("/api/v1/settings", json={"on_over": "stop"}, headers=admin).status_code == 200
    batch = {
        "objects": [
            {"id": "P-9", "name": "Ghost", "kind": "project", "parent": "P-1", "currency": "EUR"}
        ],
        "purchase_orders": [
            {
                "po_id": "PO-1",
                "object": "P-1",
                "activity": "ROAD",
                "vendor": "Acme",
                "ordered_on": "2026-03-01",
                "amount": "600.00",
                "status": "approved",
            }
        ],
    }
    refused = books.post("/api/v1/ingest", json=batch, headers=admin)
    assert refused.status_code == 409, refused.json
    assert send(books, admin, "code,name,active\nNEW,New,true\n").status_code == 200
    ghost = books.get("/api/v1/variance?from=2026-01-01&to=2026-12-31&object=P-9", headers=viewer)
    assert ghost.status_code == 404, ghost.json
