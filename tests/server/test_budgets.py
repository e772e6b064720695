"""The budget endpoints through HTTP with the server's clock under the test's control.

The company is in Europe/Copenhagen. Scenarios follow SPEC §2 (R1–R7): a budget saved on
one day may be changed in place that day; from the next local midnight it is locked and an
edit becomes a correction, while the master stays as it was and visible in ``/versions``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pixie_server import auth, db
from pixie_server.clock import FixedClock
from pixie_server.models import ActivityRow, AuditRow, ObjectRow, SettingsRow
from sqlalchemy import select

from tests.builders import at

CPH = ZoneInfo("Europe/Copenhagen")
ROLES = ("viewer", "accountant", "integration", "admin")


class Service:
    """The app with a test clock, a token per role and a little master data."""

    def __init__(self, app, clock: FixedClock):
        self.app, self.clock = app, clock
        self.client = self.app.test_client()
        with self.app.app_context(), db.transaction(self.app) as s:
            s.get(SettingsRow, 1).timezone = "Europe/Copenhagen"
            s.add_all(
                [
                    ObjectRow(id="P1", name="Road 7", kind="project", currency="EUR"),
                    ObjectRow(
                        id="P2", name="Bridge", kind="project", parent_id="P1", currency="EUR"
                    ),
                    ObjectRow(id="P3", name="Depot", kind="project", currency="EUR"),
                    ActivityRow(code="ROAD", name="Road work", active=True),
                    ActivityRow(code="MAINT", name="Maintenance", active=True),
                    ActivityRow(code="OLD", name="Retired", active=False),
                ]
            )
            self.tokens = {r: auth.add_token(s, r, f"{r}-user", self.app) for r in ROLES}

    def headers(self, role: str = "accountant", **extra) -> dict:
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def call(self, method: str, path: str, role: str = "accountant", body=None, **extra):
        return self.client.open(path, method=method, json=body, headers=self.headers(role, **extra))

    def create(self, body: dict, role: str = "accountant"):
        return self.call("POST", "/api/v1/budgets", role, body)

    def put(self, bid: str, body: dict, role: str = "accountant"):
        return self.call("PUT", f"/api/v1/budgets/{bid}", role, body)

    def get(self, path: str, role: str = "viewer"):
        return self.call("GET", path, role)

    def versions(self, bid: str) -> list[dict]:
        return self.get(f"/api/v1/budgets/{bid}/versions").json["versions"]

    def audit(self) -> list[AuditRow]:
        with self.app.app_context():
            return list(db.session().execute(select(AuditRow).order_by(AuditRow.id)).scalars())


def budget(
    object: str = "P1",
    start: str = "2026-01-01",
    end: str = "2026-12-31",
    lines=(("ROAD", "0", "1000.00"),),
    version: int | None = None,
) -> dict:
    body = {
        "object": object,
        "start": start,
        "end": end,
        "lines": [{"activity": a, "income": i, "cost": c} for a, i, c in lines],
    }
    if version is not None:
        body["version"] = version
    return body


def local(text: str) -> datetime:
    """An instant given as wall time in Copenhagen."""
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


@pytest.fixture
def svc(make_app, db_url, clock):
    """The service on SQLite and on PostgreSQL (the service tests' ``db_url``)."""
    clock.set(at("2026-01-10T09:00:00+00:00"))
    return Service(make_app(db_url, first_token=False), clock)


def figures(b: dict) -> list[tuple[str, str, str]]:
    return [(ln["activity"], ln["income"], ln["cost"]) for ln in b["lines"]]


# --- R2, R3, R4, R5, R7 ---------------------------------------------------------------------


def test_a_new_budget_is_a_master_and_may_be_edited_in_place_the_same_day(svc):
    made = svc.create(budget())
    assert made.status_code == 201
    bid = made.json["id"]
    assert made.headers["Location"].endswith(f"/api/v1/budgets/{bid}")
    assert (made.json["kind"], made.json["version"], made.json["locked"]) == ("master", 1, False)

    svc.clock.set(at("2026-01-10T22:59:00+00:00"))  # 23:59 in Copenhagen, same day
    edited = svc.put(bid, budget(end="2026-06-30", lines=[("ROAD", "0", "1100.00")], version=1))
    assert edited.status_code == 200, edited.json
    assert (edited.json["kind"], edited.json["version"], edited.json["end"]) == (
        "master",
        2,
        "2026-06-30",
    )
    assert [v["version"] for v in svc.versions(bid)] == [2]


def test_the_next_day_an_edit_is_a_correction_and_the_master_stays_visible(svc):
    bid = svc.create(budget()).json["id"]
    svc.clock.set(at("2026-01-10T23:00:00+00:00"))  # midnight in Copenhagen: locked
    assert svc.get(f"/api/v1/budgets/{bid}").json["locked"] is True

    corr = svc.put(bid, budget(lines=[("ROAD", "0", "1200.00"), ("MAINT", "50", "0")], version=1))
    assert corr.status_code == 200, corr.json
    assert (corr.json["kind"], corr.json["version"], corr.json["locked"]) == (
        "correction",
        2,
        False,
    )

    master, correction = svc.versions(bid)
    assert (master["kind"], master["version"], master["locked"]) == ("master", 1, True)
    assert figures(master) == [("ROAD", "0.00", "1000.00")]
    assert figures(correction) == [("ROAD", "0.00", "1200.00"), ("MAINT", "50.00", "0.00")]
    current = svc.get(f"/api/v1/budgets/{bid}").json
    assert figures(current) == figures(correction)  # R5: the newest correction counts


def test_the_dates_of_a_locked_budget_cannot_change(svc):
    bid = svc.create(budget()).json["id"]
    svc.clock.advance(days=1)
    refused = svc.put(bid, budget(end="2026-11-30", version=1))
    assert refused.status_code == 409
    assert refused.content_type == "application/problem+json"
    assert refused.json["code"] == "dates_locked"
    assert "2026-01-01 to 2026-12-31" in refused.json["detail"]
    assert [v["end"] for v in svc.versions(bid)] == ["2026-12-31"]


def test_a_correction_is_edited_in_place_and_deleted_the_same_day_then_the_master_counts(svc):
    bid = svc.create(budget()).json["id"]
    svc.clock.advance(days=1)
    svc.put(bid, budget(lines=[("ROAD", "0", "1200.00")], version=1))
    again = svc.put(bid, budget(lines=[("ROAD", "0", "1250.00")], version=2))
    assert (again.json["kind"], again.json["seq"], again.json["version"]) == ("correction", 1, 3)
    assert len(svc.versions(bid)) == 2

    gone = svc.call("DELETE", f"/api/v1/budgets/{bid}?version=3")
    assert gone.status_code == 200, gone.json
    assert gone.json["deleted"] == "correction"
    current = svc.get(f"/api/v1/budgets/{bid}").json
    assert (current["kind"], current["version"]) == ("master", 1)  # R7
    assert figures(current) == [("ROAD", "0.00", "1000.00")]
    # the deleted correction's token is never handed out again
    nxt = svc.put(bid, budget(lines=[("ROAD", "0", "900.00")], version=1))
    assert nxt.json["version"] == 4


def test_a_correction_locks_too_and_the_next_edit_is_a_new_correction(svc):
    bid = svc.create(budget()).json["id"]
    svc.clock.advance(days=1)
    svc.put(bid, budget(lines=[("ROAD", "0", "1200.00")], version=1))
    svc.clock.advance(days=1)
    second = svc.put(bid, budget(lines=[("ROAD", "0", "1300.00")], version=2))
    assert (second.json["kind"], second.json["seq"], second.json["version"]) == ("correction", 2, 3)
    assert [figures(v)[0][2] for v in svc.versions(bid)] == ["1000.00", "1200.00", "1300.00"]


def test_nothing_locked_is_deleted(svc):
    bid = svc.create(budget()).json["id"]
    svc.clock.advance(days=1)
    refused = svc.call("DELETE", f"/api/v1/budgets/{bid}?version=1")
    assert refused.status_code == 409
    assert refused.json["code"] == "locked"
    svc.put(bid, budget(lines=[("ROAD", "0", "1200.00")], version=1))
    svc.clock.advance(days=1)
    assert svc.call("DELETE", f"/api/v1/budgets/{bid}?version=2").json["code"] == "locked"
    assert len(svc.versions(bid)) == 2


def test_an_unlocked_master_is_deleted_whole_with_if_match(svc):
    bid = svc.create(budget()).json["id"]
    gone = svc.call("DELETE", f"/api/v1/budgets/{bid}", **{"If-Match": '"1"'})
    assert gone.status_code == 200, gone.json
    assert gone.json["deleted"] == "budget"
    assert svc.get(f"/api/v1/budgets/{bid}").status_code == 404
    assert svc.get("/api/v1/budgets").json["budgets"] == []
    # its dates are free again
    assert svc.create(budget()).status_code == 201


def test_a_delete_without_the_version_is_refused(svc):
    bid = svc.create(budget()).json["id"]
    refused = svc.call("DELETE", f"/api/v1/budgets/{bid}")
    assert refused.status_code == 409
    assert refused.json["code"] == "version_required"
    assert svc.get(f"/api/v1/budgets/{bid}").status_code == 200


# --- R6 and R1 ------------------------------------------------------------------------------


def test_an_edit_from_an_older_version_is_stale_and_names_the_newer_version(svc):
    bid = svc.create(budget()).json["id"]
    svc.put(bid, budget(lines=[("ROAD", "0", "1100.00")], version=1))
    stale = svc.put(bid, budget(lines=[("ROAD", "0", "1500.00")], version=1))
    assert stale.status_code == 409
    assert stale.json["code"] == "stale_version"
    assert "current version is 2" in stale.json["detail"]
    assert figures(svc.get(f"/api/v1/budgets/{bid}").json) == [("ROAD", "0.00", "1100.00")]
    missing = svc.put(bid, budget(lines=[("ROAD", "0", "1500.00")]))
    assert missing.json["code"] == "version_required"


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("2027-01-01", "2027-06-30", 201),  # touches 31 December: fine
        ("2026-12-31", "2027-06-30", 409),  # shares a day
        ("2026-03-01", "2026-03-31", 409),  # inside
    ],
)
def test_budgets_of_one_object_may_touch_but_not_overlap(svc, start, end, status):
    svc.create(budget())
    made = svc.create(budget(start=start, end=end))
    assert made.status_code == status
    if status == 409:
        assert made.json["code"] == "overlap"
    assert svc.create(budget(object="P3", start=start, end=end)).status_code == 201


def test_a_period_that_ends_before_it_starts_is_refused(svc):
    made = svc.create(budget(start="2026-05-01", end="2026-04-30"))
    assert (made.status_code, made.json["code"]) == (409, "end_before_start")


# --- the end of the day in Copenhagen, across the daylight-saving changes -------------------


@pytest.mark.parametrize(
    ("created", "edited", "kind"),
    [
        # clocks go forward on 29 March: that day has 23 hours
        ("2026-03-28T23:30", "2026-03-29T00:30", "correction"),
        ("2026-03-29T00:30", "2026-03-29T23:30", "master"),
        ("2026-03-29T23:30", "2026-03-30T00:30", "correction"),
        # clocks go back on 25 October: that day has 25 hours
        ("2026-10-24T23:30", "2026-10-25T00:30", "correction"),
        ("2026-10-25T00:30", "2026-10-25T23:30", "master"),
        ("2026-10-25T23:30", "2026-10-26T00:30", "correction"),
    ],
)
def test_the_lock_is_local_midnight_on_daylight_saving_days(svc, created, edited, kind):
    svc.clock.set(local(created))
    bid = svc.create(budget()).json["id"]
    svc.clock.set(local(edited))
    after = svc.put(bid, budget(lines=[("ROAD", "0", "1111.00")], version=1))
    assert after.status_code == 200, after.json
    assert after.json["kind"] == kind


# --- what is not a budget ------------------------------------------------------------------


def test_every_bad_field_is_a_finding_that_names_it(svc):
    body = budget(
        lines=[
            ("ROAD", "0", "100.00"),
            ("MAINT", "1.234", "0"),
            ("NOPE", "0", "12,5O"),
            ("OLD", "0", "5"),
            ("ROAD", "0", "-3"),
        ]
    )
    refused = svc.create(body)
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    got = {(f["source"]["cell"], f["code"]) for f in refused.json["findings"]}
    assert got == {
        ("lines[1].income", "too_many_decimals"),
        ("lines[2].activity", "unknown_activity"),
        ("lines[2].cost", "not_a_number"),
        ("lines[3].activity", "inactive_activity"),
        ("lines[4].cost", "negative_amount"),
        ("lines[4].activity", "duplicate_activity"),  # said as the sheet says it (issue 10.1)
    }
    assert svc.get("/api/v1/budgets").json["budgets"] == []


def test_unknown_object_bad_dates_and_bad_json_are_422(svc):
    refused = svc.create(budget(object="NOPE", start="1 March", end="2026-02-30"))
    got = {(f["source"]["cell"], f["code"]) for f in refused.json["findings"]}
    assert got == {("object", "unknown_object"), ("start", "not_a_date"), ("end", "not_a_date")}
    raw = svc.client.post(
        "/api/v1/budgets",
        data="{not json",
        headers=svc.headers(**{"Content-Type": "application/json"}),
    )
    assert (raw.status_code, raw.json["code"]) == (422, "bad_json")


def test_text_that_no_database_stores_is_a_finding(svc):
    body = budget()
    body["lines"][0]["note"] = "pothole\x00repair"
    refused = svc.create(body)
    assert refused.status_code == 422
    assert [(f["source"]["cell"], f["code"]) for f in refused.json["findings"]] == [
        ("lines[0].note", "bad_character")
    ]


def test_an_inactive_activity_keeps_the_lines_it_already_has(svc):
    with svc.app.app_context(), db.transaction(svc.app) as s:
        s.get(ActivityRow, "MAINT").active = True
    bid = svc.create(budget(lines=[("ROAD", "0", "10"), ("MAINT", "0", "20")])).json["id"]
    with svc.app.app_context(), db.transaction(svc.app) as s:
        s.get(ActivityRow, "MAINT").active = False
    kept = svc.put(bid, budget(lines=[("ROAD", "0", "10"), ("MAINT", "0", "25")], version=1))
    assert kept.status_code == 200, kept.json


# --- batches: all or nothing ----------------------------------------------------------------


def test_a_batch_with_bad_items_saves_nothing_and_names_every_item(svc):
    items = [
        budget(object="P1"),
        budget(object="P3", lines=[("ROAD", "0", "abc")]),
        budget(object="P2", start="2026-13-01"),
    ]
    refused = svc.call("POST", "/api/v1/budgets/batch", body={"budgets": items})
    assert refused.status_code == 422
    got = {(f["source"]["cell"], f["code"]) for f in refused.json["findings"]}
    assert got == {("budgets[1].lines[0].cost", "not_a_number"), ("budgets[2].start", "not_a_date")}
    at = {
        tuple(f["source"][k] for k in ("list", "item", "line", "field"))
        for f in refused.json["findings"]
    }
    assert at == {("budgets", 1, 0, "cost"), ("budgets", 2, None, "start")}
    assert svc.get("/api/v1/budgets").json["budgets"] == []


def test_a_bad_profile_of_a_batch_is_named_by_its_item(svc):
    profiles = [{"name": "flat", "weights": ["1"] * 12}, {"name": "odd", "weights": ["1"] * 11}]
    body = {"budgets": [budget()], "profiles": profiles}
    refused = svc.call("POST", "/api/v1/budgets/batch", body=body)
    assert refused.status_code == 422
    (f,) = refused.json["findings"]
    assert f["code"] == "bad_weights"
    assert f["source"] == {
        **{"sheet": "request", "cell": "profiles[1]"},
        **{"list": "profiles", "item": 1, "line": None, "field": ""},
    }
    assert svc.get("/api/v1/budgets").json["budgets"] == []


def test_a_batch_the_rules_refuse_saves_nothing(svc):
    bid = svc.create(budget()).json["id"]
    items = [
        budget(object="P3"),
        {**budget(lines=[("ROAD", "0", "5")], version=7), "id": bid},  # stale
        budget(object="P3", start="2026-12-31", end="2027-03-31"),  # overlaps item 0
    ]
    refused = svc.call("POST", "/api/v1/budgets/batch", body={"budgets": items})
    assert refused.status_code == 409
    got = {(f["source"]["cell"], f["code"]) for f in refused.json["findings"]}
    assert got == {("budgets[1].version", "stale_version"), ("budgets[2].start", "overlap")}
    at = {(f["source"]["item"], f["source"]["field"]) for f in refused.json["findings"]}
    assert at == {(1, "version"), (2, "start")}
    assert [b["object"] for b in svc.get("/api/v1/budgets").json["budgets"]] == ["P1"]


def test_a_batch_creates_and_edits_together(svc):
    bid = svc.create(budget()).json["id"]
    svc.clock.advance(days=1)
    items = [
        {**budget(lines=[("ROAD", "0", "1200.00")], version=1), "id": bid},
        budget(object="P3"),
        budget(object="P2"),
    ]
    saved = svc.call("POST", "/api/v1/budgets/batch", body={"budgets": items})
    assert saved.status_code == 200, saved.json
    assert [(b["object"], b["kind"]) for b in saved.json["budgets"]] == [
        ("P1", "correction"),
        ("P3", "master"),
        ("P2", "master"),
    ]
    # saving the same figures again changes nothing
    again = [{**budget(lines=[("ROAD", "0", "1200.00")], version=2), "id": bid}]
    same = svc.call("POST", "/api/v1/budgets/batch", body={"budgets": again})
    assert same.json["actions"] == ["unchanged"]
    assert len(svc.versions(bid)) == 2


# --- listing --------------------------------------------------------------------------------


def test_the_list_filters_by_object_descendants_and_date(svc):
    for obj, start, end in [
        ("P1", "2026-01-01", "2026-06-30"),
        ("P1", "2026-07-01", "2026-12-31"),
        ("P2", "2026-01-01", "2026-12-31"),
        ("P3", "2026-03-01", "2026-03-31"),
    ]:
        assert svc.create(budget(object=obj, start=start, end=end)).status_code == 201

    def listed(query: str) -> list[tuple[str, str]]:
        return [
            (b["object"], b["start"]) for b in svc.get(f"/api/v1/budgets{query}").json["budgets"]
        ]

    assert listed("?object=P1") == [("P1", "2026-01-01"), ("P1", "2026-07-01")]
    assert listed("?object=P1&descendants=1") == [
        ("P1", "2026-01-01"),
        ("P1", "2026-07-01"),
        ("P2", "2026-01-01"),
    ]
    assert listed("?date=2026-03-15") == [
        ("P1", "2026-01-01"),
        ("P2", "2026-01-01"),
        ("P3", "2026-03-01"),
    ]
    assert svc.get("/api/v1/budgets?date=March").status_code == 422


# --- roles, idempotency, audit ----------------------------------------------------------


def _status(svc, method: str, path: str, role: str | None, body=None) -> int:
    headers = svc.headers(role) if role else {}
    if method == "DELETE":
        path += "?version=99"
    return svc.client.open(path, method=method, json=body, headers=headers).status_code


def test_every_endpoint_by_role(svc):
    bid = svc.create(budget(object="P3")).json["id"]
    new = budget(start="2030-01-01", end="2030-12-31")
    table = [
        # method, path, body, viewer, accountant, integration, admin
        ("GET", "/api/v1/budgets", None, 200, 200, 200, 200),
        ("GET", f"/api/v1/budgets/{bid}", None, 200, 200, 200, 200),
        ("GET", f"/api/v1/budgets/{bid}/versions", None, 200, 200, 200, 200),
        ("GET", "/api/v1/variance?from=2026-01-01&to=2026-01-31", None, 200, 200, 200, 200),
        ("GET", "/api/v1/alerts?from=2026-01-01&to=2026-01-31", None, 200, 200, 200, 200),
        ("POST", "/api/v1/budgets", new, 403, 201, 403, 409),  # admin: overlaps accountant's
        ("POST", "/api/v1/budgets/batch", {"budgets": []}, 403, 200, 403, 200),
        ("PUT", f"/api/v1/budgets/{bid}", budget(object="P3", version=99), 403, 409, 403, 409),
        ("DELETE", f"/api/v1/budgets/{bid}", None, 403, 409, 403, 409),
    ]
    for method, path, body, *expected in table:
        got = [_status(svc, method, path, role, body) for role in ROLES]
        assert got == expected, (method, path)
        assert _status(svc, method, path, None, body) == 401, (method, path)


def test_a_retried_create_with_the_same_idempotency_key_makes_one_budget(svc):
    first = svc.call("POST", "/api/v1/budgets", body=budget(), **{"Idempotency-Key": "k-1"})
    again = svc.call("POST", "/api/v1/budgets", body=budget(), **{"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json["id"] == first.json["id"]
    assert len(svc.get("/api/v1/budgets").json["budgets"]) == 1
    other = svc.call(
        "POST", "/api/v1/budgets", body=budget(object="P3"), **{"Idempotency-Key": "k-1"}
    )
    assert (other.status_code, other.json["code"]) == (422, "idempotency_key_reused")


def test_every_change_is_in_the_audit_trail_with_before_and_after(svc):
    bid = svc.create(budget()).json["id"]
    svc.put(bid, budget(lines=[("ROAD", "0", "1100.00")], version=1))
    svc.clock.advance(days=1)
    svc.put(bid, budget(lines=[("ROAD", "0", "1200.00")], version=2))
    svc.call("DELETE", f"/api/v1/budgets/{bid}?version=3")
    entries = [e for e in svc.audit() if e.entity == "budget"]
    assert [(e.action, e.actor, e.entity_id) for e in entries] == [
        ("budget.create", "accountant-user", bid),
        ("budget.edit_in_place", "accountant-user", bid),
        ("budget.new_correction", "accountant-user", bid),
        ("budget.delete_correction", "accountant-user", bid),
    ]
    assert entries[0].before is None
    assert '"1000.00"' in entries[1].before and '"1100.00"' in entries[1].after
    assert '"1200.00"' in entries[3].before and '"1200.00"' not in entries[3].after
