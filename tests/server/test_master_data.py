"""Objects, activities, settings and profiles through the API."""

from __future__ import annotations


def test_objects_are_created_listed_and_updated_by_id(client, headers):
    h = headers("integration")
    body = [
        {"id": "D-1", "name": "Roads", "kind": "department"},
        {"id": "P-1", "name": "Bridge", "kind": "project", "parent": "D-1"},
    ]
    assert client.post("/api/v1/objects", json=body, headers=h).status_code == 201
    again = client.post("/api/v1/objects", json=body, headers=h)
    assert (again.status_code, again.get_json()["unchanged"]) == (200, 2)
    client.post(
        "/api/v1/objects",
        json={"id": "P-1", "name": "Big bridge", "kind": "project", "parent": "D-1"},
        headers=h,
    )
    listed = client.get("/api/v1/objects", headers=h).get_json()["objects"]
    assert listed == [
        {"id": "D-1", "name": "Roads", "kind": "department", "parent": None, "currency": "EUR"},
        {"id": "P-1", "name": "Big bridge", "kind": "project", "parent": "D-1", "currency": "EUR"},
    ]


def test_a_cycle_of_parents_is_refused_and_nothing_saved(client, headers):
    h = headers("integration")
    client.post("/api/v1/objects", json={"id": "A", "name": "A", "kind": "project"}, headers=h)
    client.post(
        "/api/v1/objects",
        json={"id": "B", "name": "B", "kind": "project", "parent": "A"},
        headers=h,
    )
    resp = client.post(
        "/api/v1/objects",
        json={"id": "A", "name": "A", "kind": "project", "parent": "B"},
        headers=h,
    )
    assert resp.status_code == 422
    assert [f["code"] for f in resp.get_json()["findings"]] == ["object_cycle"]
    objects = client.get("/api/v1/objects", headers=h).get_json()["objects"]
    assert [o["parent"] for o in objects] == [None, "A"]


def test_object_problems_are_all_reported_with_their_field(client, headers):
    resp = client.post(
        "/api/v1/objects",
        json=[
            {"id": "X", "name": "X", "kind": "planet"},
            {"id": "Y", "name": "Y", "kind": "project", "currency": "USD", "parent": "nobody"},
        ],
        headers=headers("admin"),
    )
    findings = {(f["source"]["cell"], f["code"]) for f in resp.get_json()["findings"]}
    assert findings == {
        ("row 1, kind", "bad_kind"),
        ("row 2, currency", "currency_not_company"),
        ("row 2, parent", "unknown_parent"),
    }


def test_activities_can_be_deactivated(client, headers):
    h = headers("integration")
    client.post(
        "/api/v1/activities",
        json=[{"code": "ROAD", "name": "Road work"}, {"code": "MAINT", "name": "Maintenance"}],
        headers=h,
    )
    client.post(
        "/api/v1/activities",
        json={"code": "MAINT", "name": "Maintenance", "active": False},
        headers=h,
    )
    assert client.get("/api/v1/activities", headers=h).get_json()["activities"] == [
        {"code": "MAINT", "name": "Maintenance", "active": False},
        {"code": "ROAD", "name": "Road work", "active": True},
    ]


def test_settings_change_is_validated_and_audited(client, admin_headers):
    bad = client.put(
        "/api/v1/settings",
        json={
            "timezone": "Mars/Olympus",
            "warn_ratio": 0.8,
            "cost_date": "whenever",
            "colour": "red",
        },
        headers=admin_headers,
    )
    assert bad.status_code == 422
    assert {f["code"] for f in bad.get_json()["findings"]} == {
        "bad_timezone",
        "bad_ratio",
        "bad_choice",
        "unknown_field",
    }
    good = client.put(
        "/api/v1/settings",
        json={"timezone": "Europe/Vienna", "cost_date": "task_created", "warn_ratio": "0.9"},
        headers=admin_headers,
    )
    assert good.get_json() == {
        "timezone": "Europe/Vienna",
        "currency": "EUR",
        "cost_date": "task_created",
        "income_date": "income",
        "warn_ratio": "0.9",
        "over_ratio": "1.0",
        "on_over": "warn",  # issue 13
    }
    entries = client.get("/api/v1/audit?entity=settings", headers=admin_headers).get_json()
    (entry,) = entries["entries"]
    assert entry["actor"] == "admin-user"
    assert entry["before"]["timezone"] == "UTC" and entry["after"]["timezone"] == "Europe/Vienna"


def test_warn_ratio_above_over_ratio_is_refused(client, admin_headers):
    resp = client.put("/api/v1/settings", json={"warn_ratio": "1.2"}, headers=admin_headers)
    assert resp.status_code == 422


def test_profiles_hold_twelve_weights(client, headers):
    h = headers("accountant")
    weights = ["1", "1", "2", "2", "3", "3", "3", "3", "2", "2", "1", "0.5"]
    assert (
        client.post(
            "/api/v1/profiles", json={"name": "summer", "weights": weights}, headers=h
        ).status_code
        == 200
    )
    bad = client.post("/api/v1/profiles", json={"name": "short", "weights": ["1"] * 11}, headers=h)
    assert bad.get_json()["findings"][0]["code"] == "bad_weights"
    assert client.get("/api/v1/profiles", headers=h).get_json() == {
        "profiles": [{"name": "summer", "weights": weights}]
    }


def test_a_nul_character_in_a_name_is_refused_not_a_server_error(client, headers):
    resp = client.post(
        "/api/v1/objects",
        json={"id": "P-1", "name": "a\x00b", "kind": "project"},
        headers=headers("integration"),
    )
    assert (resp.status_code, resp.get_json()["code"]) == (422, "nul_character")


def test_the_children_of_a_parent_refused_in_the_same_file_are_not_called_orphans(client, headers):
    """An objects file whose department is refused (another currency) names that one cell:
    its projects are not told their parent is unknown, which would send the accountant to
    the wrong rows; nothing of the file is saved."""
    csv = (
        "id,name,kind,parent,currency\n"
        "D-9,Roads US,department,,USD\n"
        "P-91,Bridge,project,D-9,EUR\n"
        "P-92,Tunnel,project,D-9,\n"
        "P-93,Ramp,project,D-404,EUR\n"
    )
    h = headers("integration")
    resp = client.post(
        "/api/v1/ingest?name=objects.csv", data=csv, headers={**h, "Content-Type": "text/csv"}
    )
    assert resp.status_code == 422, resp.get_json()
    findings = [(f["source"]["cell"], f["code"]) for f in resp.get_json()["findings"]]
    assert findings == [
        ("row 2, currency", "currency_not_company"),
        ("row 5, parent", "unknown_parent"),
    ]
    assert client.get("/api/v1/objects", headers=h).get_json()["objects"] == []
