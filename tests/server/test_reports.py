"""``/api/v1/variance`` and ``/api/v1/alerts`` on a small dataset checked by hand.

January 2026 (31 days), budgets covering exactly January, so nothing is prorated; the
report is read on 10 February, after the period, so the forecast is the actual. Warn at
80 %, over above 100 %.

=======  ======  ======  ========  ======  =========  ==========
object   act.    kind    budget    actual  committed  status
=======  ======  ======  ========  ======  =========  ==========
P1       ROAD    cost    800→1000  500     100        OK (60 %)
P1       MAINT   cost    1000      700     150        WARN (85 %)
P2       ROAD    cost    1000      900     200        OVER (110 %)
P3       ROAD    income  2000      1000    –          BEHIND (50 %)
P3       MAINT   cost    –         50      –          UNBUDGETED
=======  ======  ======  ========  ======  =========  ==========

P2 is a child of P1. Lines that must not count: dated in February, deleted, on a draft or
cancelled order, an order invoiced beyond its amount (commits 0).
"""

from __future__ import annotations

import pytest
from pixie_server import auth, db, ingest
from pixie_server.clock import FixedClock
from pixie_server.models import ActivityRow, ObjectRow, SettingsRow

from tests.builders import at

JAN = "from=2026-01-01&to=2026-01-31"


class Reports:
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
                ]
            )
            self.token = auth.add_token(s, "accountant", "alice", self.app)
            self.viewer = auth.add_token(s, "viewer", "vera", self.app)
        self.seq = 0

    def call(self, method, path, body=None, token=None):
        headers = {"Authorization": f"Bearer {token or self.token}"}
        resp = self.client.open(path, method=method, json=body, headers=headers)
        assert resp.status_code < 400, resp.json
        return resp.json

    def budget(self, obj: str, lines, bid: str | None = None, version: int | None = None):
        body = {
            "object": obj,
            "start": "2026-01-01",
            "end": "2026-01-31",
            "lines": [{"activity": a, "income": i, "cost": c} for a, i, c in lines],
        }
        if bid:
            body["version"] = version
            return self.call("PUT", f"/api/v1/budgets/{bid}", body)
        return self.call("POST", "/api/v1/budgets", body)

    def ingest(self, batch: dict) -> None:
        """Write ``batch`` the way ``POST /api/v1/ingest`` does (so the aggregates the
        reports read are kept by the real write path)."""
        with self.app.app_context(), db.transaction(self.app) as s:
            ingest.ingest_json(s, batch)

    def actual(self, obj, activity, kind, day, amount, *, created=None, deleted=False):
        self.seq += 1
        n = self.seq
        line = {
            "line_id": f"L{n}",
            "task_id": f"T{n}",
            "object": obj,
            "activity": activity,
            "task_created": created or f"{day}T08:00:00+00:00",
            "kind": kind,
            "date": day,
            "amount": f"{amount}.00",
            "reference": "",
        }
        self.ingest({"actuals": [line]})
        if deleted:
            self.ingest({"actuals": [{**line, "op": "delete"}]})

    def order(self, obj, activity, day, amount, invoiced=0, status="approved"):
        self.seq += 1
        order = {
            "po_id": f"PO{self.seq}",
            "object": obj,
            "activity": activity,
            "vendor": "Acme",
            "ordered_on": day,
            "amount": f"{amount}.00",
            "invoiced_amount": f"{invoiced}.00",
            "status": status,
        }
        self.ingest({"purchase_orders": [order]})


@pytest.fixture
def reports(make_app, db_url, clock):
    """The dataset on SQLite and on PostgreSQL (the service tests' ``db_url``)."""
    clock.set(at("2026-01-05T09:00:00+00:00"))
    r = Reports(make_app(db_url, first_token=False), clock)
    p1 = r.budget("P1", [("ROAD", "0", "800.00"), ("MAINT", "0", "1000.00")])
    r.budget("P2", [("ROAD", "0", "1000.00")])
    r.budget("P3", [("ROAD", "2000.00", "0")])
    r.clock.set(at("2026-01-06T09:00:00+00:00"))
    r.budget("P1", [("ROAD", "0", "1000.00"), ("MAINT", "0", "1000.00")], p1["id"], 1)

    r.actual("P1", "ROAD", "cost", "2026-01-10", 300)
    r.actual("P1", "ROAD", "cost", "2026-01-31", 200)
    r.actual("P1", "ROAD", "cost", "2026-02-01", 999)  # after the period
    r.actual("P1", "ROAD", "cost", "2026-01-15", 999, deleted=True)
    r.order("P1", "ROAD", "2026-01-05", 250, invoiced=150)  # commits 100
    r.order("P1", "ROAD", "2026-01-05", 999, status="draft")
    r.order("P1", "ROAD", "2026-01-05", 999, status="cancelled")

    r.actual("P1", "MAINT", "cost", "2026-01-20", 700)
    r.order("P1", "MAINT", "2026-01-20", 150, status="received")
    r.order("P1", "MAINT", "2026-01-21", 100, invoiced=120)  # invoiced beyond: commits 0

    r.actual("P2", "ROAD", "cost", "2026-01-02", 900)
    r.order("P2", "ROAD", "2026-01-31", 200)
    r.order("P2", "ROAD", "2026-02-01", 999)  # placed after the period

    r.actual("P3", "ROAD", "income", "2026-01-25", 1000)
    r.actual("P3", "MAINT", "cost", "2026-01-26", 50)
    r.clock.set(at("2026-02-10T09:00:00+00:00"))
    yield r
    db.engine(r.app).dispose()


def table(rows) -> list[tuple]:
    return [
        (r["object"], r["activity"], r["kind"], r["original"], r["current"], r["actual"],
         r["committed"], r["status"])
        for r in rows
    ]  # fmt: skip


def test_the_variance_rows_match_the_hand_checked_table(reports):
    body = reports.call("GET", f"/api/v1/variance?{JAN}", token=reports.viewer)
    assert (body["from"], body["to"], body["today"], body["currency"]) == (
        "2026-01-01",
        "2026-01-31",
        "2026-02-10",
        "EUR",
    )
    assert table(body["rows"]) == [
        ("P1", "MAINT", "cost", "1000.00", "1000.00", "700.00", "150.00", "WARN"),
        ("P1", "ROAD", "cost", "800.00", "1000.00", "500.00", "100.00", "OK"),
        ("P2", "ROAD", "cost", "1000.00", "1000.00", "900.00", "200.00", "OVER"),
        ("P3", "MAINT", "cost", "0.00", "0.00", "50.00", "0.00", "UNBUDGETED"),
        ("P3", "ROAD", "income", "2000.00", "2000.00", "1000.00", None, "BEHIND"),
    ]


def test_the_derived_columns_of_a_cost_row_and_an_income_row(reports):
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    road = next(r for r in rows if (r["object"], r["activity"]) == ("P1", "ROAD"))
    assert (road["variance"], road["variance_pct"], road["used_pct"], road["available"]) == (
        "500.00",
        "50.00",
        "60.00",
        "400.00",
    )
    assert road["object_name"] == "Road 7"
    income = next(r for r in rows if r["kind"] == "income")
    assert (income["variance"], income["variance_pct"], income["used_pct"]) == (
        "-1000.00",
        "-50.00",
        "50.00",
    )
    assert (income["available"], income["forecast"]) == (None, "1000.00")
    unbudgeted = next(r for r in rows if r["status"] == "UNBUDGETED")
    assert (unbudgeted["variance_pct"], unbudgeted["used_pct"]) == (None, None)


def test_totals_add_the_money_columns(reports):
    body = reports.call("GET", f"/api/v1/variance?{JAN}")
    assert body["totals"]["current"] == "5000.00"
    assert body["totals"]["actual"] == "3150.00"
    assert body["totals"]["committed"] == "450.00"
    assert body["totals"]["original"] == "4800.00"


def test_an_object_includes_its_descendants(reports):
    rows = reports.call("GET", f"/api/v1/variance?{JAN}&object=P1")["rows"]
    assert sorted({r["object"] for r in rows}) == ["P1", "P2"]
    missing = reports.client.get(
        f"/api/v1/variance?{JAN}&object=NOPE",
        headers={"Authorization": f"Bearer {reports.token}"},
    )
    assert (missing.status_code, missing.json["code"]) == (404, "not_found")


def test_alerts_are_the_rows_not_ok_worst_first(reports):
    body = reports.call("GET", f"/api/v1/alerts?{JAN}")
    assert [(r["object"], r["activity"], r["status"]) for r in body["alerts"]] == [
        ("P2", "ROAD", "OVER"),
        ("P3", "MAINT", "UNBUDGETED"),
        ("P3", "ROAD", "BEHIND"),
        ("P1", "MAINT", "WARN"),
    ]


def test_costs_dated_by_task_creation_use_the_local_day(reports):
    with reports.app.app_context(), db.transaction(reports.app) as s:
        s.get(SettingsRow, 1).cost_date = "task_created"
    # created 23:30 UTC on 31 January = 00:30 on 1 February in Copenhagen: not January
    reports.actual("P3", "MAINT", "cost", "2026-01-10", 70, created="2026-01-31T23:30:00+00:00")
    # created 23:30 UTC on 31 December = 1 January in Copenhagen: January
    reports.actual("P3", "MAINT", "cost", "2026-02-15", 30, created="2025-12-31T23:30:00+00:00")
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    maint = next(r for r in rows if (r["object"], r["activity"]) == ("P3", "MAINT"))
    assert maint["actual"] == "80.00"  # 50 (created 26 Jan) + 30; not the 70


def test_while_the_period_runs_the_forecast_is_the_run_rate_by_the_local_today(reports):
    reports.clock.set(at("2026-01-15T23:30:00+00:00"))  # 16 January in Copenhagen
    body = reports.call("GET", f"/api/v1/variance?{JAN}")
    assert body["today"] == "2026-01-16"
    p2 = next(r for r in body["rows"] if r["object"] == "P2")
    assert p2["forecast"] == "1743.75"  # 900 / 16 days × 31 days


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("from=2026-01-01", "missing_value"),
        ("from=2026-02-01&to=2026-01-01", "end_before_start"),
        ("from=January&to=2026-01-31", "not_a_date"),
    ],
)
def test_a_bad_period_is_422(reports, query, code):
    resp = reports.client.get(
        f"/api/v1/variance?{query}", headers={"Authorization": f"Bearer {reports.token}"}
    )
    assert (resp.status_code, resp.json["code"]) == (422, code)


@pytest.mark.parametrize(
    "query", ["from=0001-01-01&to=0001-01-31", "from=9999-12-01&to=9999-12-31"]
)
def test_periods_at_the_ends_of_the_calendar_are_answered(reports, query):
    with reports.app.app_context(), db.transaction(reports.app) as s:
        s.get(SettingsRow, 1).cost_date = "task_created"
    body = reports.call("GET", f"/api/v1/variance?{query}")
    assert body["rows"] == []
