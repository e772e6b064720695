"""The app as a whole: health, first start, authentication, errors, OpenAPI, clock."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

import pytest
from pixie_server import create_app, db
from pixie_server.clock import starting_at
from sqlalchemy import text

from tests.server.conftest import START


def test_healthz_answers_without_a_token_with_the_server_time_in_the_company_tz(
    client, admin_headers, clock
):
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "time": START.isoformat(), "timezone": "UTC"}
    client.put("/api/v1/settings", json={"timezone": "Europe/Berlin"}, headers=admin_headers)
    clock.advance(hours=1)
    body = client.get("/healthz").get_json()
    assert body["time"] == "2026-03-10T11:00:00+01:00"
    assert body["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/openapi.json"),
        ("GET", "/api/v1/objects"),
        ("POST", "/api/v1/objects"),
        ("GET", "/api/v1/sync"),
        ("POST", "/api/v1/ingest"),
        ("GET", "/api/v1/audit"),
        ("PUT", "/api/v1/settings"),
        ("GET", "/no/such/page"),
    ],
)
def test_without_a_valid_token_nothing_answers_but_401(client, method, path):
    for auth in (None, "Bearer ", "Bearer pxl_wrong", "Basic abc"):
        headers = {"Authorization": auth} if auth else {}
        resp = client.open(path, method=method, headers=headers)
        assert resp.status_code == 401
        assert resp.mimetype == "application/problem+json"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert resp.get_json()["code"] in {"unauthorized", "invalid_token"}


def test_first_start_writes_an_admin_token_only_the_user_can_read(app, client, token_file):
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    token = token_file.read_text().strip()
    assert token.startswith("pxl_") and len(token) == 4 + 43
    resp = client.get("/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200


def test_a_second_start_keeps_the_first_token(app, db_url, token_file, make_app):
    first = token_file.read_text()
    make_app(db_url)  # a second start on the same database and token file
    assert token_file.read_text() == first


def test_tokens_are_stored_hashed(app, token):
    value = token("viewer")
    with app.app_context():
        rows = db.session().execute(text("SELECT token_hash FROM api_tokens")).all()
    assert all(value not in r[0] for r in rows)


def test_a_revoked_token_is_refused(app, client, token):
    value = token("viewer", "leaver")
    headers = {"Authorization": f"Bearer {value}"}
    assert client.get("/api/v1/objects", headers=headers).status_code == 200
    with app.app_context(), db.transaction(app) as s:
        s.execute(text("UPDATE api_tokens SET revoked_at = created_at WHERE name = 'leaver'"))
    resp = client.get("/api/v1/objects", headers=headers)
    assert resp.status_code == 401 and resp.get_json()["code"] == "invalid_token"


def test_errors_are_problem_json_with_stable_codes(client, admin_headers):
    resp = client.get("/api/v1/nothing", headers=admin_headers)
    assert resp.status_code == 404
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == "not_found"
    resp = client.delete("/api/v1/objects", headers=admin_headers)
    assert (resp.status_code, resp.get_json()["code"]) == (405, "method_not_allowed")
    resp = client.put("/api/v1/settings", data="not json", headers=admin_headers)
    assert (resp.status_code, resp.get_json()["code"]) == (422, "bad_json")


def test_openapi_describes_every_route_the_app_serves(app, client, admin_headers):
    doc = client.get("/openapi.json", headers=admin_headers).get_json()
    assert doc["openapi"].startswith("3.1")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        if getattr(app.view_functions[rule.endpoint], "pixie_only_405", False):
            continue  # /budgets/batch's other methods: 405 with Allow: POST, OPTIONS
        path = rule.rule.replace("<", "{").replace(">", "}")
        path = path.replace("{int:", "{").replace("{string:", "{")
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in doc["paths"][path], (method, path)


def test_the_clock_comes_from_the_app_configuration_never_a_request(client, admin_headers):
    resp = client.get(
        "/healthz", headers={**admin_headers, "Date": "Mon, 01 Jan 2001 00:00:00 GMT"}
    )
    assert resp.get_json()["time"] == START.isoformat()


def test_pixie_clock_at_starts_the_clock_at_an_instant_and_runs_forward():
    clock = starting_at("2026-10-25T00:59:58Z")
    first = clock()
    assert first >= datetime(2026, 10, 25, 0, 59, 58, tzinfo=UTC)
    assert (first - datetime(2026, 10, 25, 0, 59, 58, tzinfo=UTC)).total_seconds() < 60
    assert clock() >= first


def test_pixie_clock_at_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PIXIE_CLOCK_AT", "2027-01-01T12:00:00+00:00")
    # create_app itself: make_app passes its own PIXIE_CLOCK, which would win over the variable
    app = create_app(
        {
            "PIXIE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "PIXIE_TOKEN_FILE": str(tmp_path / "t"),
        }
    )
    assert app.test_client().get("/healthz").get_json()["time"].startswith("2027-01-01T12:0")
    db.engine(app).dispose()
