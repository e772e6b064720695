"""D6: the company currency gives stored minor units their meaning, so it cannot change
while any money is stored; dating settings still may (they re-date at the next refresh)."""

from __future__ import annotations

import pytest

from tests.server.data import ORDERS_HEADER, lines, seed, send

LINE = "L1,T1,P-1,ROAD,2026-03-01T10:00:00+00:00,cost,2026-03-01,12.34,inv 1"
ORDER = "PO1,P-1,ROAD,Acme,2026-03-02,12.34,0,approved"
BUDGET = {
    "object": "P-1",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "lines": [{"activity": "ROAD", "income": "0", "cost": "12.34"}],
}


def _store(client, h, what: str) -> None:
    if what == "actual line":
        assert send(client, h, lines(LINE)).status_code == 200
    elif what == "purchase order":
        assert send(client, h, lines(ORDER, header=ORDERS_HEADER)).status_code == 200
    else:
        assert client.post("/api/v1/budgets", json=BUDGET, headers=h).status_code == 201


@pytest.mark.parametrize("what", ["actual line", "purchase order", "budget"])
def test_the_currency_cannot_change_while_money_is_stored(client, admin_headers, what):
    seed(client, admin_headers)
    _store(client, admin_headers, what)
    resp = client.put("/api/v1/settings", json={"currency": "JPY"}, headers=admin_headers)
    assert resp.status_code == 409
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["code"] == "currency_in_use"
    assert "EUR" in problem["detail"] and "JPY" in problem["detail"]
    assert what in problem["detail"]
    settings = client.get("/api/v1/settings", headers=admin_headers).get_json()
    assert settings["currency"] == "EUR"
    if what == "actual line":
        report = client.get(
            "/api/v1/variance?from=2026-03-01&to=2026-03-31", headers=admin_headers
        ).get_json()
        assert report["currency"] == "EUR" and report["totals"]["actual"] == "12.34"


def test_dating_settings_and_the_same_currency_still_change_with_money_stored(
    client, admin_headers
):
    seed(client, admin_headers)
    _store(client, admin_headers, "actual line")
    body = {"currency": "EUR", "cost_date": "task_created", "timezone": "Europe/Berlin"}
    resp = client.put("/api/v1/settings", json=body, headers=admin_headers)
    assert resp.status_code == 200
    assert resp.get_json()["cost_date"] == "task_created"


def test_the_currency_changes_before_any_money_is_stored(client, admin_headers):
    seed(client, admin_headers)
    resp = client.put("/api/v1/settings", json={"currency": "JPY"}, headers=admin_headers)
    assert (resp.status_code, resp.get_json()["currency"]) == (200, "JPY")
