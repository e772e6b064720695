"""Model-based: any sequence of creates, edits, deletes and clock moves, sent through HTTP,
leaves the service exactly where the core's rules applied to an in-memory history say it
should be: the same answer (status and refusal code) for every request, and the same
versions, tokens, dates and figures for every budget afterwards."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pixie_server import auth, create_app, db
from pixie_server.clock import FixedClock
from pixie_server.models import ActivityRow, ObjectRow, SettingsRow

from pixie_xl.core import rules
from pixie_xl.core.records import BudgetDraft, BudgetHistory
from tests.builders import at, line

TZ = "Europe/Copenhagen"

create = st.tuples(st.just("create"), st.integers(1, 12), st.integers(1, 4), st.integers(1, 999))
edit = st.tuples(
    st.just("edit"), st.integers(0, 3), st.integers(1, 999), st.booleans(), st.booleans()
)
remove = st.tuples(st.just("delete"), st.integers(0, 3), st.booleans())
advance = st.tuples(st.just("advance"), st.sampled_from([1, 5, 11, 24, 30]))
operations = st.lists(st.one_of(create, edit, remove, advance), min_size=1, max_size=12)


def period(first_month: int, months: int) -> tuple[date, date]:
    start = date(2026, first_month, 1)
    end_month = first_month + months
    end = date(2026 + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


def body(start: date, end: date, cost: int, version: int | None) -> dict:
    b = {
        "object": "P1",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "lines": [{"activity": "ROAD", "cost": f"{cost}.00"}],
    }
    if version is not None:
        b["version"] = version
    return b


def shown(v: dict) -> tuple:
    return (v["seq"], v["kind"], v["version"], v["start"], v["end"], v["lines"][0]["cost"])


def modelled(h: BudgetHistory) -> list[tuple]:
    return [
        (
            v.seq,
            v.kind.value,
            v.revision,
            v.start.isoformat(),
            v.end.isoformat(),
            str(v.lines[0].cost),
        )
        for v in h.versions
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=operations)
def test_the_service_does_what_the_rules_say(ops):
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(at("2026-01-10T20:00:00+00:00"))
        app = create_app(
            {
                "PIXIE_DATABASE_URL": f"sqlite:///{Path(tmp) / 'pixie.db'}",
                "PIXIE_TOKEN_FILE": str(Path(tmp) / "token"),
                "PIXIE_CLOCK": clock,
            },
            first_token=False,
        )
        try:
            run(app, clock, ops)
        finally:
            db.engine(app).dispose()


def run(app, clock: FixedClock, ops) -> None:
    with app.app_context(), db.transaction(app) as s:
        s.get(SettingsRow, 1).timezone = TZ
        s.add_all(
            [
                ObjectRow(id="P1", name="Road 7", kind="project", currency="EUR"),
                ActivityRow(code="ROAD", name="Road work", active=True),
            ]
        )
        token = auth.add_token(s, "accountant", "alice", app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    model: dict[str, BudgetHistory] = {}
    order: list[str] = []

    def spans():
        return [
            rules.Span(b, h.master.object, h.master.start, h.master.end) for b, h in model.items()
        ]

    for op in ops:
        now = clock()
        if op[0] == "advance":
            clock.advance(hours=op[1])
            continue
        if op[0] == "create":
            start, end = period(op[1], op[2])
            draft = BudgetDraft(None, "P1", start, end, (line("ROAD", cost=str(op[3])),))
            decision = rules.decide_save(draft, None, spans(), now, TZ)
            resp = client.post(
                "/api/v1/budgets", json=body(start, end, op[3], None), headers=headers
            )
            if decision.ok:
                assert resp.status_code == 201, resp.json
                bid = resp.json["id"]
                model[bid] = rules.apply_save(draft, None, decision, now, budget_id=bid)
                order.append(bid)
            else:
                assert (resp.status_code, resp.json["code"]) == (409, decision.code)
            continue
        if not order:
            continue
        bid = order[op[1] % len(order)]
        if bid not in model:
            continue
        h = model[bid]
        if op[0] == "edit":
            _, _, cost, move, stale = op
            token_ = h.revision + 7 if stale else h.revision
            start, end = (
                h.current.start,
                h.current.end + (timedelta(days=1) if move else timedelta(0)),
            )
            draft = BudgetDraft(bid, "P1", start, end, (line("ROAD", cost=str(cost)),), token_)
            decision = rules.decide_save(draft, h, spans(), now, TZ)
            resp = client.put(
                f"/api/v1/budgets/{bid}", json=body(start, end, cost, token_), headers=headers
            )
            if decision.ok:
                assert resp.status_code == 200, (decision, resp.json)
                model[bid] = rules.apply_save(draft, h, decision, now, budget_id=bid)
            else:
                assert (resp.status_code, resp.json["code"]) == (409, decision.code)
        else:
            token_ = h.revision + 7 if op[2] else h.revision
            decision = rules.decide_delete(h, token_, now, TZ)
            resp = client.delete(f"/api/v1/budgets/{bid}?version={token_}", headers=headers)
            if decision.ok:
                assert resp.status_code == 200, (decision, resp.json)
                after = rules.apply_delete(h, decision)
                if after is None:
                    del model[bid]
                else:
                    model[bid] = after
            else:
                assert (resp.status_code, resp.json["code"]) == (409, decision.code)

    listed = client.get("/api/v1/budgets", headers=headers).json["budgets"]
    assert sorted(b["id"] for b in listed) == sorted(model)
    for bid, h in model.items():
        got = client.get(f"/api/v1/budgets/{bid}/versions", headers=headers).json["versions"]
        assert [shown(v) for v in got] == modelled(h)
