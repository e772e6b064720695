"""Bad input at the service's edge (issue 9: D7, D8, D11): every hostile or careless value
is a 4xx problem naming its field or parameter, the same on SQLite and on PostgreSQL, and
nothing wrong is stored."""

from __future__ import annotations

import pytest
from pixie_server import edge

from tests.server.data import lines, seed, send

DEEP = "[" * 5000 + "]" * 5000
LONG = "x" * 201


def budget(**over) -> dict:
    body = {
        "object": "P-1",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "lines": [{"activity": "ROAD", "cost": "100.00"}],
    }
    body.update(over)
    return body


def post(client, h, path: str, body, method: str = "POST"):
    return client.open(path, method=method, json=body, headers=h)


def problem(resp) -> tuple[int, str]:
    assert resp.mimetype == "application/problem+json", resp.get_data(as_text=True)
    return resp.status_code, resp.get_json()["code"]


def fields(resp) -> set[str]:
    return {f["source"]["cell"] for f in resp.get_json().get("findings", [])}


@pytest.fixture
def h(client, headers):
    admin = headers("admin")
    seed(client, admin)
    return admin


# --- D7: no 5xx from bad input ------------------------------------------------------------


def test_json_nested_1000_deep_is_refused_on_every_json_route(app, client, h):
    routes = [
        (rule.rule.replace("<budget_id>", "B-1"), method)
        for rule in app.url_map.iter_rules()
        if not getattr(app.view_functions[rule.endpoint], "pixie_only_405", False)
        for method in sorted((rule.methods or set()) & {"POST", "PUT"})
    ]
    assert len(routes) >= 8, routes
    for path, method in routes:
        resp = client.open(
            path, method=method, data=DEEP, content_type="application/json", headers=h
        )
        assert problem(resp) == (422, "bad_json"), (method, path)
        assert "deeper than" in resp.get_json()["detail"]


def test_unicode_digits_in_numbers_of_the_query_are_refused(client, h):
    for path in (
        "/api/v1/sync?cursor=²",
        "/api/v1/sync?limit=١٢",
        "/api/v1/audit?after=²",
        "/api/v1/audit?limit=³",
        "/api/v1/budgets/B-1?version=²",
    ):
        method = "DELETE" if "version" in path else "GET"
        resp = client.open(path, method=method, headers=h)
        assert resp.status_code == 422, (path, resp.get_data(as_text=True))


def test_version_numbers_of_5000_digits_are_refused(client, h):
    big = "9" * 5000
    resp = client.delete(f"/api/v1/budgets/B-1?version={big}", headers=h)
    assert problem(resp) == (422, "bad_version")
    resp = client.delete("/api/v1/budgets/B-1", headers={**h, "If-Match": f'"{big}"'})
    assert problem(resp) == (422, "bad_version")
    resp = client.put(
        "/api/v1/budgets/B-1",
        data='{"version": ' + big + ', "lines": []}',
        content_type="application/json",
        headers=h,
    )
    assert problem(resp) == (422, "bad_json")
    resp = post(client, h, "/api/v1/budgets", budget(version=2**31))
    assert problem(resp) == (422, "validation_failed") and fields(resp) == {"version"}


def test_profile_weights_with_huge_exponents_are_refused(client, h):
    for w in ("1e999999999", "1E5", "NaN", "١", 3):
        weights = ["1"] * 11 + [w]
        resp = post(client, h, "/api/v1/profiles", {"name": "odd", "weights": weights})
        assert problem(resp) == (422, "validation_failed"), w
        assert resp.get_json()["findings"][0]["code"] == "bad_weights"
    assert client.get("/api/v1/profiles", headers=h).get_json() == {"profiles": []}


@pytest.mark.parametrize(
    "created", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "20260101T0800"]
)
def test_task_created_at_the_calendar_edges_is_a_finding(client, h, created):
    resp = send(client, h, lines(f"L-1,T-1,P-1,ROAD,{created},cost,2026-03-03,10.00,A"))
    assert problem(resp) == (422, "validation_failed")
    (finding,) = resp.get_json()["findings"]
    assert finding["source"]["cell"] == "row 2, task_created"


def test_a_lone_surrogate_in_a_note_or_a_parameter_is_refused(client, h):
    body = '{"object": "P-1", "start": "2026-01-01", "end": "2026-12-31", "lines":'
    body += ' [{"activity": "ROAD", "cost": "1.00", "note": "a\\ud800b"}]}'
    resp = client.post("/api/v1/budgets", data=body, content_type="application/json", headers=h)
    assert problem(resp) == (422, "bad_json")
    assert "surrogate" in resp.get_json()["detail"]
    resp = client.get("/api/v1/budgets?object=%ED%A0%80", headers=h)
    assert resp.status_code < 500
    assert client.get("/api/v1/budgets", headers=h).get_json() == {"budgets": []}


# --- D8: what PostgreSQL refuses, refused first and alike on both -------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit?entity=a%00b",
        "/api/v1/audit?actor=%00",
        "/api/v1/budgets?object=P%001",
        "/api/v1/budgets/B%001",
        "/api/v1/budgets/B%001/versions",
        "/api/v1/variance?object=%00&from=2026-01-01&to=2026-01-31",
    ],
)
def test_nul_in_filters_and_ids_is_refused_naming_the_parameter(client, h, path):
    resp = client.get(path, headers=h)
    assert problem(resp) == (422, "bad_parameter"), resp.get_data(as_text=True)
    assert resp.get_json()["parameter"] in ("entity", "actor", "object", "budget_id")


def test_text_longer_than_its_column_is_refused_naming_the_field(client, h):
    resp = post(client, h, "/api/v1/objects", {"id": LONG, "kind": "project"})
    assert problem(resp) == (422, "validation_failed") and fields(resp) == {"objects[0].id"}
    resp = post(client, h, "/api/v1/activities", {"code": LONG, "active": True})
    assert fields(resp) == {"activities[0].code"}
    resp = post(client, h, "/api/v1/profiles", {"name": LONG, "weights": ["1"] * 12})
    assert problem(resp) == (422, "validation_failed")
    resp = post(client, h, "/api/v1/tokens", {"role": "viewer", "name": "n" * 100_000})
    assert problem(resp) == (422, "bad_field") and resp.get_json()["field"] == "name"
    resp = post(
        client, h, "/api/v1/budgets", budget(lines=[{"activity": "ROAD", "note": LONG * 50}])
    )
    assert fields(resp) == {"lines[0].note"}
    resp = post(client, h, "/api/v1/budgets/batch", {"budgets": [budget(id=LONG)]})
    assert problem(resp) == (422, "bad_field") and resp.get_json()["field"] == "budgets[0].id"
    resp = send(client, h, lines(f"{LONG},T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A"))
    assert fields(resp) == {"row 2, line_id"}
    resp = send(client, h, lines(f"L-1,{LONG},P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A"))
    assert fields(resp) == {"row 2, task_id"}
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []


def test_audit_after_beyond_int4_is_refused(client, h):
    resp = client.get("/api/v1/audit?after=2147483648", headers=h)
    assert problem(resp) == (422, "bad_parameter") and resp.get_json()["parameter"] == "after"
    assert client.get("/api/v1/audit?after=2147483647", headers=h).status_code == 200


# --- D11: accepted but wrong --------------------------------------------------------------


def test_ids_must_be_text_not_lists(client, h):
    resp = post(client, h, "/api/v1/objects", {"id": ["x"], "kind": "project"})
    assert problem(resp) == (422, "validation_failed") and fields(resp) == {"objects[0].id"}
    resp = post(client, h, "/api/v1/ingest", {"objects": [{"id": ["x"], "kind": "project"}]})
    assert problem(resp) == (422, "wrong_type") and resp.get_json()["field"] == "objects[0].id"
    ids = {o["id"] for o in client.get("/api/v1/objects", headers=h).get_json()["objects"]}
    assert "['x']" not in ids


@pytest.mark.parametrize("amount", [100, 12.5, "١٢", "1e3", "12,50"])
def test_budget_amounts_are_decimal_strings_of_ascii_digits(client, h, amount):
    resp = post(client, h, "/api/v1/budgets", budget(lines=[{"activity": "ROAD", "cost": amount}]))
    assert problem(resp) == (422, "validation_failed")
    assert fields(resp) == {"lines[0].cost"}


def test_ingest_amounts_are_ascii_and_json_numbers_are_refused(client, h):
    resp = send(client, h, lines("L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,١٢.٥٠,A"))
    assert fields(resp) == {"row 2, amount"}
    line = {
        "line_id": "L-1",
        "task_id": "T-1",
        "object": "P-1",
        "activity": "ROAD",
        "task_created": "2026-03-02",
        "kind": "cost",
        "date": "2026-03-03",
        "reference": "",
    }
    for amount in (12, 12.5):
        resp = post(client, h, "/api/v1/ingest", {"actuals": [{**line, "amount": amount}]})
        assert resp.status_code == 422 and resp.get_json()["field"] == "actuals[0].amount"


@pytest.mark.parametrize("day", ["20260101", "2026-W01-1", "2026-001", "٢٠٢٦-٠١-٠١"])
def test_dates_are_iso_yyyy_mm_dd_only(client, h, day):
    resp = post(client, h, "/api/v1/budgets", budget(start=day))
    assert fields(resp) == {"start"}
    resp = send(client, h, lines(f"L-1,T-1,P-1,ROAD,2026-03-02,cost,{day},10.00,A"))
    assert fields(resp) == {"row 2, date"}
    resp = client.get(f"/api/v1/budgets?date={day}", headers=h)
    assert problem(resp) == (422, "not_a_date")
    resp = client.get(f"/api/v1/variance?from={day}&to=2026-12-31", headers=h)
    assert problem(resp) == (422, "not_a_date")


def test_currency_codes_come_from_the_iso_4217_list(client, h):
    from pixie_xl.core import money

    assert set(money._EXPONENTS) <= edge.ISO_4217
    resp = client.put("/api/v1/settings", json={"currency": "ZZZ"}, headers=h)
    assert resp.status_code == 422
    assert client.get("/api/v1/settings", headers=h).get_json()["currency"] == "EUR"


# --- D14: what the OpenAPI document says is what the service does -------------------------


def test_budgets_batch_allows_post_only(client, h):
    resp = client.options("/api/v1/budgets/batch", headers=h)
    assert resp.headers["Allow"] == "POST, OPTIONS"
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        resp = client.open("/api/v1/budgets/batch", method=method, headers=h)
        assert problem(resp) == (405, "method_not_allowed"), method
        assert resp.headers["Allow"] == "POST, OPTIONS"


def test_query_flags_and_dates_outside_the_schema_are_refused(client, h):
    for query in ("descendants=null", "descendants=yes", "date=", "object=" + LONG):
        resp = client.get(f"/api/v1/budgets?{query}", headers=h)
        assert resp.status_code == 422, query
    resp = post(client, h, "/api/v1/activities", {"code": "A1", "name": False})
    assert fields(resp) == {"activities[0].name"}
    assert client.get("/api/v1/budgets?descendants=1&object=P-1", headers=h).status_code == 200
