"""Who may call what: every route of this part of the service × every role."""

from __future__ import annotations

import pytest

OBJECTS_CSV = "id,name,kind,parent,currency\nP-9,Nine,project,,EUR\n"

#: (method, path, body kwargs) → the roles that get through (others get 403)
READ = {"viewer", "accountant", "integration", "admin"}
ROUTES = [
    ("GET", "/openapi.json", {}, READ),
    ("GET", "/api/v1/objects", {}, READ),
    ("GET", "/api/v1/activities", {}, READ),
    ("GET", "/api/v1/settings", {}, READ),
    ("GET", "/api/v1/profiles", {}, READ),
    ("GET", "/api/v1/sync", {}, READ),
    ("GET", "/api/v1/audit", {}, READ),
    ("GET", "/api/v1/audit/verify", {}, {"admin"}),
    (
        "POST",
        "/api/v1/objects",
        {"json": {"id": "P-1", "name": "One", "kind": "project"}},
        {"integration", "admin"},
    ),
    ("POST", "/api/v1/activities", {"json": {"code": "ROAD"}}, {"integration", "admin"}),
    (
        "POST",
        "/api/v1/ingest",
        {"data": OBJECTS_CSV, "content_type": "text/csv"},
        {"integration", "admin"},
    ),
    ("PUT", "/api/v1/settings", {"json": {"warn_ratio": "0.75"}}, {"admin"}),
    (
        "POST",
        "/api/v1/profiles",
        {"json": {"name": "flat", "weights": ["1"] * 12}},
        {"accountant", "admin"},
    ),
    ("POST", "/api/v1/tokens", {"json": {"role": "viewer"}}, {"admin"}),
]
ROLES = ["viewer", "accountant", "integration", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_only_the_roles_it_allows(client, headers, role):
    for method, path, kwargs, allowed in ROUTES:
        resp = client.open(path, method=method, headers=headers(role), **kwargs)
        if role in allowed:
            assert resp.status_code in (200, 201), (method, path, role, resp.get_json())
        else:
            assert resp.status_code == 403, (method, path, role)
            assert resp.get_json()["code"] == "forbidden"
