"""Model-based: any sequence of creates, edits, deletes and clock moves, sent through HTTP,
leaves the service exactly where a small model of SPEC R1–R7 says it should be: the same
answer (status and refusal code) for every request, and the same versions, tokens, dates
and figures for every budget afterwards.

The model is written here from the SPEC, independently of ``pixie_xl.core.rules`` (which
the service calls): each request's answer is the first row of a decision table whose
condition holds, over facts the model keeps (versions, their local creation days, the
highest token handed out)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pixie_server import auth, create_app, db
from pixie_server.clock import FixedClock
from pixie_server.models import ActivityRow, ObjectRow, SettingsRow

from tests.builders import at

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


def local_day(instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(TZ)).date()


@dataclass
class Version:
    seq: int
    token: int
    start: date
    end: date
    cost: int
    day: date  # the local day it was created: it locks when that day is over (R2, R4)

    def row(self) -> tuple:
        kind = "master" if self.seq == 0 else "correction"
        dates = (self.start.isoformat(), self.end.isoformat())
        return (self.seq, kind, self.token, *dates, f"{self.cost}.00")


@dataclass
class Budget:
    versions: list[Version]
    issued: int = 1  # the highest token ever handed out: a deleted one is never reused

    def next_token(self) -> int:
        self.issued += 1
        return self.issued


@dataclass
class Facts:
    """What a request's answer depends on; the tables below read nothing else."""

    stale: bool = False
    same: bool = False
    overlaps: bool = False
    only_master: bool = False
    locked: bool = False
    moves: bool = False


#: (condition, answer): the first row whose condition holds is the answer
CREATE_TABLE = [
    (lambda f: f.overlaps, (409, "overlap")),  # R1
    (lambda f: True, (201, "create")),  # R2
]
EDIT_TABLE = [
    (lambda f: f.stale, (409, "stale_version")),  # R6
    (lambda f: f.same, (200, "unchanged")),
    (lambda f: f.only_master and not f.locked and f.overlaps, (409, "overlap")),  # R1
    (lambda f: f.only_master and not f.locked, (200, "edit")),  # R2: anything may change
    (lambda f: f.moves, (409, "dates_locked")),  # R3
    (lambda f: f.locked, (200, "correct")),  # R3, R4
    (lambda f: True, (200, "edit")),  # R4: an unlocked correction
]
DELETE_TABLE = [
    (lambda f: f.stale, (409, "stale_version")),  # R6
    (lambda f: f.locked, (409, "locked")),  # R7: nothing locked is deleted
    (lambda f: f.only_master, (200, "drop_budget")),  # R2
    (lambda f: True, (200, "drop_correction")),  # R7
]


def answer(table, facts: Facts) -> tuple[int, str]:
    return next(outcome for holds, outcome in table if holds(facts))


@dataclass
class Model:
    budgets: dict[str, Budget] = field(default_factory=dict)

    def overlaps(self, start: date, end: date, skip: str | None = None) -> bool:
        """R1 against the master dates of every other budget (all are of P1)."""
        return any(
            start <= b.versions[0].end and b.versions[0].start <= end
            for bid, b in self.budgets.items()
            if bid != skip
        )

    def create(self, start: date, end: date, cost: int, today: date) -> tuple[int, str]:
        return answer(CREATE_TABLE, Facts(overlaps=self.overlaps(start, end)))

    def created(self, bid: str, start: date, end: date, cost: int, today: date) -> None:
        self.budgets[bid] = Budget([Version(0, 1, start, end, cost, today)])

    def edit(self, bid: str, token: int, end: date, cost: int, today: date) -> tuple[int, str]:
        b = self.budgets[bid]
        cur = b.versions[-1]
        facts = Facts(
            stale=token != cur.token,
            same=(end, cost) == (cur.end, cur.cost),
            overlaps=self.overlaps(cur.start, end, skip=bid),
            only_master=len(b.versions) == 1,
            locked=today > cur.day,
            moves=end != b.versions[0].end,
        )
        outcome = answer(EDIT_TABLE, facts)
        if outcome[1] == "edit":
            cur.end, cur.cost, cur.token = end, cost, b.next_token()
        elif outcome[1] == "correct":
            first = b.versions[0]
            b.versions.append(
                Version(cur.seq + 1, b.next_token(), first.start, first.end, cost, today)
            )
        return outcome

    def delete(self, bid: str, token: int, today: date) -> tuple[int, str]:
        b = self.budgets[bid]
        cur = b.versions[-1]
        facts = Facts(
            stale=token != cur.token, only_master=len(b.versions) == 1, locked=today > cur.day
        )
        outcome = answer(DELETE_TABLE, facts)
        if outcome[1] == "drop_budget":
            del self.budgets[bid]
        elif outcome[1] == "drop_correction":
            b.versions.pop()
        return outcome


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=operations)
def test_the_service_answers_every_budget_request_as_the_spec_model_does(migrated_sqlite_file, ops):
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(at("2026-01-10T20:00:00+00:00"))
        database = Path(tmp) / "pixie.db"
        shutil.copyfile(migrated_sqlite_file, database)
        # an app of its own per example: a function-scoped app fixture would carry one
        # example's budgets into the next, and the model starts from none
        app = create_app(
            {
                "PIXIE_DATABASE_URL": f"sqlite:///{database}",
                "PIXIE_TOKEN_FILE": str(Path(tmp) / "token"),
                "PIXIE_CLOCK": clock,
            },
            first_token=False,
        )
        try:
            run(app, clock, ops)
        finally:
            db.engine(app).dispose()


def answered(resp) -> tuple[int, str]:
    return resp.status_code, (resp.json or {}).get("code", "")


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
    model = Model()
    order: list[str] = []
    for op in ops:
        today = local_day(clock())
        if op[0] == "advance":
            clock.advance(hours=op[1])
            continue
        if op[0] == "create":
            start, end = period(op[1], op[2])
            status, outcome = model.create(start, end, op[3], today)
            resp = client.post(
                "/api/v1/budgets", json=body(start, end, op[3], None), headers=headers
            )
            if status == 201:
                assert resp.status_code == 201, resp.json
                model.created(resp.json["id"], start, end, op[3], today)
                order.append(resp.json["id"])
            else:
                assert answered(resp) == (status, outcome), resp.json
            continue
        if not order or order[op[1] % len(order)] not in model.budgets:
            continue
        bid = order[op[1] % len(order)]
        current = model.budgets[bid].versions[-1]
        if op[0] == "edit":
            _, _, cost, move, stale = op
            token_ = current.token + 7 if stale else current.token
            end = current.end + (timedelta(days=1) if move else timedelta(0))
            status, outcome = model.edit(bid, token_, end, cost, today)
            resp = client.put(
                f"/api/v1/budgets/{bid}",
                json=body(current.start, end, cost, token_),
                headers=headers,
            )
        else:
            token_ = current.token + 7 if op[2] else current.token
            status, outcome = model.delete(bid, token_, today)
            resp = client.delete(f"/api/v1/budgets/{bid}?version={token_}", headers=headers)
        if status == 200:
            assert resp.status_code == 200, (outcome, resp.json)
        else:
            assert answered(resp) == (status, outcome), resp.json

    listed = client.get("/api/v1/budgets", headers=headers).json["budgets"]
    assert sorted(b["id"] for b in listed) == sorted(model.budgets)
    for bid, b in model.budgets.items():
        got = client.get(f"/api/v1/budgets/{bid}/versions", headers=headers).json["versions"]
        assert [shown(v) for v in got] == [v.row() for v in b.versions]
