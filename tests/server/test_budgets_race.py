"""Concurrent writers against a live server (real sockets, a request per thread).

Several accountants save the same budget from the same version at the same instant:
exactly one wins, every other gets 409 ``stale_version`` (R6), and the budget holds the
winner's figures. Several create overlapping budgets of one object at once: exactly one is
created (R1). Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from pixie_server import auth, db
from pixie_server.models import ActivityRow, ObjectRow

from tests.builders import at

WRITERS = 4


@pytest.fixture
def live(app, live_server, clock):
    """``(url, tokens)``: the service on SQLite and on PostgreSQL under waitress (its eight
    threads take every writer's request at once), holding one object and one activity,
    and a token per writer."""
    clock.set(at("2026-01-10T09:00:00+00:00"))
    with app.app_context(), db.transaction(app) as s:
        s.add_all(
            [
                ObjectRow(id="P1", name="Road 7", kind="project", currency="EUR"),
                ActivityRow(code="ROAD", name="Road work", active=True),
            ]
        )
        tokens = [auth.add_token(s, "accountant", f"acc{i}", app) for i in range(WRITERS)]
    return live_server, tokens


def body(cost: str, version: int | None = None, start="2026-01-01", end="2026-12-31") -> dict:
    b = {
        "object": "P1",
        "start": start,
        "end": end,
        "lines": [{"activity": "ROAD", "cost": cost}],
    }
    if version is not None:
        b["version"] = version
    return b


def all_at_once(calls):
    """Run the calls in threads released together by a barrier; their responses in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_editors_racing_from_one_version_one_wins_the_rest_are_stale(live):
    base, tokens = live
    sessions = [requests.Session() for _ in tokens]
    for s, t in zip(sessions, tokens, strict=True):
        s.headers["Authorization"] = f"Bearer {t}"
    made = sessions[0].post(f"{base}/api/v1/budgets", json=body("100.00"), timeout=30)
    assert made.status_code == 201, made.text
    bid, version = made.json()["id"], 1
    for round_ in range(3):
        costs = [f"{round_ + 2}{i}1.00" for i in range(len(sessions))]
        answers = all_at_once(
            [
                (
                    lambda s=s, c=c, v=version: s.put(
                        f"{base}/api/v1/budgets/{bid}", json=body(c, v), timeout=30
                    )
                )
                for s, c in zip(sessions, costs, strict=True)
            ]
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] + [409] * (len(sessions) - 1), [a.text for a in answers]
        assert {a.json()["code"] for a in answers if a.status_code == 409} == {"stale_version"}
        winner = next(a.json() for a in answers if a.status_code == 200)
        assert winner["version"] == version + 1
        now = sessions[0].get(f"{base}/api/v1/budgets/{bid}", timeout=30).json()
        assert (now["version"], now["lines"][0]["cost"]) == (
            winner["version"],
            winner["lines"][0]["cost"],
        )
        version = winner["version"]


def test_overlapping_creates_at_once_make_one_budget(live):
    base, tokens = live
    periods = [("2026-01-01", "2026-06-30"), ("2026-06-01", "2026-12-31")] * (len(tokens) // 2)

    def create(token, start, end):
        return requests.post(
            f"{base}/api/v1/budgets",
            json=body("10.00", start=start, end=end),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    answers = all_at_once(
        [(lambda t=t, p=p: create(t, *p)) for t, p in zip(tokens, periods, strict=True)]
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (len(answers) - 1), [a.text for a in answers]
    listed = requests.get(
        f"{base}/api/v1/budgets?object=P1",
        headers={"Authorization": f"Bearer {tokens[0]}"},
        timeout=30,
    ).json()["budgets"]
    assert len(listed) == 1
