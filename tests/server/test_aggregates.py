"""The reports read incremental aggregates (issue 12.5); they must give the figures the
lines give. A model test: random batches through ``POST /api/v1/ingest`` (new lines,
replaced lines, lines moved to another task, tasks moved to another object, activity or
creation instant, deletions and revivals, orders changing status and amounts, small
batches written directly and longer ones staged), settings re-dating the lines; after each
batch ``/api/v1/variance`` of a random period must equal, to the cent, the sums a small
oracle here computes from the raw rows of ``actual_lines``, ``tasks`` and
``purchase_orders`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pixie_server import budget_store, db, staging
from pixie_server.api.reports import row_json
from pixie_server.records import load_objects, load_profiles, load_settings
from sqlalchemy import text

from pixie_xl.core import variance
from pixie_xl.core.dating import uses_task_date
from pixie_xl.core.facts import Facts
from pixie_xl.core.records import INGEST_FORMATS
from pixie_xl.core.tree import ObjectTree

OBJECTS = ["P1", "P2", "P3"]
ACTIVITIES = ["ROAD", "MAINT"]
LINE_IDS = [f"L{i}" for i in range(10)]
TASK_IDS = [f"T{i}" for i in range(5)]
ORDER_IDS = [f"PO{i}" for i in range(4)]
DAY0 = date(2026, 1, 30)
ZONES = ["UTC", "Europe/Copenhagen", "Asia/Kathmandu", "America/St_Johns"]
STATUSES = ["draft", "approved", "received", "invoiced", "cancelled"]

days = st.integers(0, 6).map(lambda n: DAY0 + timedelta(days=n))
# task instants around the local midnights of the period, to the minute
instants = st.integers(0, 7 * 24 * 4).map(
    lambda q: datetime(2026, 1, 29, 20, tzinfo=UTC) + timedelta(minutes=15 * q - 7 * (q % 3))
)
cents = st.integers(-50_000, 500_000)
task_attrs = st.tuples(st.sampled_from(OBJECTS), st.sampled_from(ACTIVITIES), instants)
line_row = st.tuples(
    st.sampled_from(LINE_IDS),
    st.sampled_from(TASK_IDS),
    st.sampled_from(["cost", "income"]),
    days,
    cents,
)
order_row = st.tuples(
    st.sampled_from(ORDER_IDS),
    st.sampled_from(OBJECTS),
    st.sampled_from(ACTIVITIES),
    days,
    st.integers(0, 300_000),
    st.integers(0, 300_000),
    st.sampled_from(STATUSES),
)
batch = st.one_of(
    st.tuples(
        st.just("lines"),
        st.lists(line_row, max_size=9, unique_by=lambda r: r[0]),
        st.fixed_dictionaries(dict.fromkeys(TASK_IDS, task_attrs)),
        st.lists(st.sampled_from(LINE_IDS), max_size=3, unique=True),
    ),
    st.tuples(
        st.just("orders"),
        st.lists(order_row, max_size=4, unique_by=lambda r: r[0]),
        st.lists(st.sampled_from(ORDER_IDS), max_size=2, unique=True),
    ),
    st.tuples(
        st.just("budget"),
        st.sampled_from(OBJECTS),
        st.lists(
            st.tuples(st.sampled_from(ACTIVITIES), st.integers(0, 9_000), st.integers(0, 9_000)),
            min_size=1,
            max_size=2,
            unique_by=lambda r: r[0],
        ),
    ),
    st.tuples(
        st.just("settings"),
        st.sampled_from(ZONES),
        st.sampled_from(["expense", "task_created"]),
        st.sampled_from(["income", "task_created"]),
    ),
)
period = st.tuples(days, st.integers(0, 6))


def _money(minor: int) -> str:
    return f"{'-' if minor < 0 else ''}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def _budget(client, admin, obj: str, lines) -> None:
    """The object's budget over the whole week: created, or saved from its version."""
    body = {
        "object": obj,
        "start": DAY0.isoformat(),
        "end": (DAY0 + timedelta(days=6)).isoformat(),
        "lines": [
            {"activity": a, "income": _money(i * 100), "cost": _money(c * 100)} for a, i, c in lines
        ],
    }
    found = client.get("/api/v1/budgets", query_string={"object": obj}, headers=admin)
    budgets = found.get_json()["budgets"]
    if budgets:
        body["version"] = budgets[0]["version"]
        resp = client.put(f"/api/v1/budgets/{budgets[0]['id']}", json=body, headers=admin)
    else:
        resp = client.post("/api/v1/budgets", json=body, headers=admin)
    assert resp.status_code < 300, resp.get_json()


def _write(client, h, admin, op) -> None:
    if op[0] == "budget":
        return _budget(client, admin, op[1], op[2])
    if op[0] == "settings":
        _, zone, cost_date, income_date = op
        body = {"timezone": zone, "cost_date": cost_date, "income_date": income_date}
        resp = client.put("/api/v1/settings", json=body, headers=admin)
    elif op[0] == "lines":
        _, rows, attrs, deletes = op
        items = [
            {
                "line_id": lid,
                "task_id": task,
                "object": attrs[task][0],
                "activity": attrs[task][1],
                "task_created": attrs[task][2].isoformat(),
                "kind": kind,
                "date": day.isoformat(),
                "amount": _money(minor),
                "reference": "",
                "op": "",
            }
            for lid, task, kind, day, minor in rows
        ]
        written = {r[0] for r in rows}
        items += [{"line_id": lid, "op": "delete"} for lid in deletes if lid not in written]
        if not items:
            return
        resp = _ingest_csv(client, h, items)
    else:
        _, rows, deletes = op
        items = [
            {
                "po_id": pid,
                "object": obj,
                "activity": act,
                "vendor": "Acme",
                "ordered_on": day.isoformat(),
                "amount": _money(amount),
                "invoiced_amount": _money(invoiced),
                "status": status,
            }
            for pid, obj, act, day, amount, invoiced, status in rows
        ]
        written = {r[0] for r in rows}
        items += [{"po_id": pid, "op": "delete"} for pid in deletes if pid not in written]
        if not items:
            return
        resp = client.post("/api/v1/ingest", json={"purchase_orders": items}, headers=h)
    assert resp.status_code == 200, resp.get_json()


def _ingest_csv(client, h, items):
    """Actual lines as a CSV upload: the path that stages long batches."""
    cols = [*INGEST_FORMATS["actuals"], "op"]
    lines = [",".join(cols)] + [",".join(str(i.get(c, "")) for c in cols) for i in items]
    return client.post(
        "/api/v1/ingest",
        data=("\n".join(lines) + "\n").encode(),
        content_type="text/csv",
        headers=h,
    )


def oracle(app, frm: date, to: date, today: date) -> dict:
    """The report of ``frm..to`` the core's engine gives from every live line and order,
    each dated here from the raw rows and the settings (SPEC §1 dating: own date, or the
    task's creation day in the company zone; committed cost: the uninvoiced rest of live
    approved and received orders, never below zero)."""
    with app.app_context():
        s = db.session()
        conn = s.connection()
        lines = conn.execute(
            text(
                "SELECT t.object_id, t.activity_code, l.kind, l.date, t.created_at,"
                " l.amount_minor FROM actual_lines l JOIN tasks t ON t.id = l.task_id"
                " WHERE NOT l.deleted"
            )
        ).all()
        orders = conn.execute(
            text(
                "SELECT object_id, activity_code, ordered_on, amount_minor, invoiced_minor,"
                " status FROM purchase_orders WHERE NOT deleted"
            )
        ).all()
        settings_ = load_settings(s)
        tree = ObjectTree(load_objects(s))
        budgets = budget_store.load_histories(
            s, {o.id: o.currency for o in tree.objects.values()}, default_currency="EUR"
        )
        profiles = {p.name: p for p in load_profiles(s)}
        s.close()
    zone = ZoneInfo(settings_.timezone)
    dated = []
    for obj, act, kind, day, created, minor in lines:
        if uses_task_date(kind, settings_):
            created = created if isinstance(created, datetime) else _instant(created)
            day = created.astimezone(zone).date()
        dated.append((obj, act, kind, _day(day), minor))
    committing = [
        (obj, act, _day(day), max(amount - invoiced, 0))
        for obj, act, day, amount, invoiced, status in orders
        if status in ("approved", "received")
    ]
    facts = Facts(
        objects=tree,
        settings=settings_,
        profiles=profiles,
        budgets=budgets,
        actuals=_table(dated, ["object", "activity", "kind", "date", "amount"]),
        commitments=_table(committing, ["object", "activity", "date", "amount"]),
    )
    rows = list(variance.variance_rows(facts, frm, to, today))
    return {
        "rows": [row_json(r) for r in rows],
        "totals": {k: str(v) for k, v in variance.totals(rows, settings_.currency).items()},
    }


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _table(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            c: pd.Series([r[i] for r in rows], dtype=object)
            for i, c in enumerate(columns)
            if c not in ("date", "amount")
        }
    )
    out["date"] = np.array([r[columns.index("date")] for r in rows], dtype="datetime64[s]")
    out["amount"] = np.array([r[-1] for r in rows], dtype=np.int64)
    return out


def _instant(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(st.tuples(batch, period), min_size=1, max_size=6))
def test_reports_from_the_aggregates_equal_the_lines(app, client, headers, monkeypatch, ops):
    monkeypatch.setattr(staging, "STAGE_ABOVE", 4)  # batches of 5+ lines are staged
    h, admin = headers("integration"), headers("admin")
    body = {  # the same master data every example (an upsert that changes nothing)
        "objects": [
            {"id": o, "name": o, "kind": "project", "parent": "", "currency": "EUR"}
            for o in OBJECTS
        ],
        "activities": [{"code": a, "name": a, "active": "true"} for a in ACTIVITIES],
    }
    assert client.post("/api/v1/ingest", json=body, headers=h).status_code == 200
    viewer = headers("viewer")
    for op, (frm, days_) in ops:
        _write(client, h, admin, op)
        # a random period, and the whole week every step (its table is then worked out
        # from the one before the write: pixie_server.report_delta)
        for a, b in ((frm, frm + timedelta(days=days_)), (DAY0, DAY0 + timedelta(days=6))):
            resp = client.get(
                "/api/v1/variance",
                query_string={"from": a.isoformat(), "to": b.isoformat()},
                headers=viewer,
            )
            assert resp.status_code == 200, resp.get_json()
            body = resp.get_json()
            want = oracle(app, a, b, date.fromisoformat(body["today"]))
            assert _keyed(body["rows"]) == _keyed(want["rows"])
            assert list(_keyed(body["rows"])) == list(_keyed(want["rows"]))  # in order
            assert body["totals"] == want["totals"]


def _keyed(rows: list[dict]) -> dict:
    return {(r["object"], r["activity"], r["kind"]): r for r in rows}
