"""Issue 9, D4: a long actual-lines batch is staged in short transactions and merged in one;
the result is the same as the one-transaction path, and nothing of it shows before the merge.

These tests lower the staging thresholds (module settings) so small batches take the
staged way; tests/server/test_busy.py and test_crash.py drive 200k lines on a real server.
"""

from __future__ import annotations

from datetime import date

import pytest
from alembic.script import ScriptDirectory
from pixie_server import db, migrations, staging
from sqlalchemy import text

from tests.server.data import lines, seed, send, sync_all


@pytest.fixture
def staged(monkeypatch):
    """Every batch of more than 3 lines is staged, 4 lines per staging transaction."""
    monkeypatch.setattr(staging, "STAGE_ABOVE", 3)
    monkeypatch.setattr(staging, "CHUNK", 4)


def staged_rows(app) -> int:
    with db.engine(app).connect() as conn:
        return conn.execute(text("SELECT count(*) FROM ingest_staging")).scalar_one()


def rows(n: int, amount: str = "1.00", task_of=lambda i: i // 2) -> list[str]:
    return [f"L-{i},T-{task_of(i)},P-1,ROAD,2026-03-02,cost,2026-03-03,{amount}," for i in range(n)]


BATCHES = [
    lines(*rows(10)),
    lines(*rows(10)),  # unchanged
    lines(*rows(6, "2.00")),  # six changed
    lines(*rows(10, task_of=lambda i: i // 2 if i != 9 else 99)),  # a new task for L-9
    lines(
        *(r + "," for r in rows(4, "2.00")),
        "L-5,T-2,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,,delete",
        header="line_id,task_id,object,activity,task_created,kind,date,amount,reference,op",
    ),
    lines(*rows(10, task_of=lambda i: i // 2 if i < 8 else 4)),  # T-4 gains lines
]


def run_batches(client, h) -> list[dict]:
    return [send(client, h, b).get_json()["results"][0] for b in BATCHES]


def test_a_staged_batch_answers_and_stores_what_the_one_transaction_path_does(
    app, client, headers, monkeypatch, tmp_path
):
    h = headers("integration")
    seed(client, h)
    plain = run_batches(client, h)
    plain_state, _, _ = sync_all(client, h)

    # the same batches again, staged, on a fresh database of the same kind
    for key in ("written", "unchanged", "deleted", "tasks_changed", "lines_resent", "rows"):
        assert all(key in r for r in plain)
    with app.app_context(), db.transaction(app) as s:
        for table in ("actual_lines", "tasks"):
            s.execute(text(f"DELETE FROM {table}"))
    monkeypatch.setattr(staging, "STAGE_ABOVE", 3)
    monkeypatch.setattr(staging, "CHUNK", 4)
    again = run_batches(client, h)
    state, _, _ = sync_all(client, h)
    assert again == plain
    assert state == plain_state
    assert staged_rows(app) == 0


def test_a_staged_batch_is_seen_whole_by_sync_and_leaves_no_staged_rows(
    app, client, headers, staged
):
    h = headers("integration")
    seed(client, h)
    result = send(client, h, lines(*rows(11))).get_json()["results"][0]
    assert (result["written"], result["rows"]) == (11, 11)
    state, _, _ = sync_all(client, h)
    assert sorted(k[1] for k in state) == sorted(f"L-{i}" for i in range(11))
    assert staged_rows(app) == 0
    verify = client.get("/api/v1/audit/verify", headers=headers("admin")).get_json()
    assert verify["ok"]


def test_a_batch_with_a_finding_is_refused_before_anything_is_staged(app, client, headers, staged):
    h = headers("integration")
    seed(client, h)
    bad = lines(*rows(10), "L-99,T-99,P-1,ROAD,2026-03-02,cost,2026-03-03,x,")
    resp = send(client, h, bad)
    assert resp.status_code == 422
    assert resp.get_json()["findings"][0]["source"]["cell"] == "row 12, amount"
    assert staged_rows(app) == 0
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []


def test_a_staged_batch_sent_twice_with_one_key_is_written_once(app, client, headers, staged):
    h = headers("integration")
    seed(client, h)
    body = lines(*rows(9))
    first = send(client, h, body, **{"Idempotency-Key": "big-1"})
    second = send(client, h, body, **{"Idempotency-Key": "big-1"})
    assert first.status_code == second.status_code == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.get_json() == first.get_json()
    entries = client.get("/api/v1/audit?entity=batch", headers=h).get_json()["entries"]
    assert len(entries) == 3  # objects, activities, the lines once
    other = send(client, h, lines(*rows(8)), **{"Idempotency-Key": "big-1"})
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    assert staged_rows(app) == 0


def test_staged_rows_of_a_dead_batch_are_cleaned_at_start_and_never_read(
    app, client, headers, db_url, make_app
):
    h = headers("integration")
    seed(client, h)
    sqlite = db.engine(app).dialect.name == "sqlite"
    day = "2026-03-03" if sqlite else date(2026, 3, 3)
    with app.app_context(), db.staging_transaction(app) as s:
        line = ("L-1", "T-1", "cost", day, 100, "")
        blob = staging._json([line], staging.widths([line]))
        staging._insert(s, "dead", 0, 1, blob, sqlite)
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []
    assert staged_rows(app) == 1
    make_app(db_url, first_token=False)  # a second start on the same database
    assert staged_rows(app) == 0


def test_the_migrations_have_one_head_with_the_staging_table():
    script = ScriptDirectory.from_config(migrations.config())
    heads = script.get_heads()  # one head, at or past 0005 (later: 0006, 0007)
    assert len(heads) == 1 and script.get_revision(heads[0]).revision >= "0005"


def test_a_batch_whose_staged_rows_a_start_removed_is_refused_busy_and_saves_nothing(
    app, client, headers, db_url, make_app, staged
):
    """Two service processes on one database: one starts while the other's batch waits
    for the write lock with its lines staged. The start cleans the staging table; the
    batch then refuses itself (503 busy) instead of merging a part. PostgreSQL only: on
    SQLite the start's clean waits for the same write lock as the batch."""
    import threading
    import time

    from tests.server.test_busy import hold_write_lock

    if not db_url.startswith("postgresql"):
        pytest.skip("needs a lock the start's clean does not wait for")
    h = headers("integration")
    seed(client, h)
    engine, conn = hold_write_lock(db_url)  # the batch will wait for it after staging
    answers: list = []
    sender = threading.Thread(target=lambda: answers.append(send(client, h, lines(*rows(10)))))
    try:
        sender.start()
        for _ in range(500):
            with db.engine(app).connect() as c:
                if c.execute(text("SELECT count(*) FROM ingest_staging")).scalar_one() == 3:
                    break  # all three chunks of the batch are staged
            time.sleep(0.01)
        db.engine(make_app(db_url, first_token=False)).dispose()  # the other process starts
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()
        sender.join()
    resp = answers[0]
    assert resp.status_code == 503 and resp.get_json()["code"] == "busy", resp.get_json()
    assert int(resp.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []
    assert send(client, h, lines(*rows(10))).get_json()["results"][0]["written"] == 10


@pytest.mark.parametrize("path", ["columns", "rows"])
@pytest.mark.parametrize("ragged", ["line ids", "task ids", "neither"])
def test_the_merge_cuts_back_what_was_sent_whichever_ids_differ_in_width(
    app, client, headers, staged, path, ragged
):
    """The merge trims only fields that can hold padding: line ids and task ids of one
    width and of several come back as sent, and the kind, day and amount always do."""
    h = headers("integration")
    seed(client, h)
    lid = {"line ids": lambda i: f"L-{10**i}"}.get(ragged, lambda i: f"L-{i}")
    task = {"task ids": lambda i: f"T-{10**i}"}.get(ragged, lambda i: f"T-{i}")
    sent = [
        (
            lid(i),
            task(i),
            ("cost", "income")[i % 2],
            f"2026-03-0{1 + i}",
            f"{-1 - i}{i}.0{i}",
            f" r{i}",
        )
        for i in range(6)
    ]
    extra = ",op" if path == "rows" else ""
    body = lines(
        *(
            f"{a},{b},P-1,ROAD,2026-03-02,{k},{d},{m},{r}{',' if extra else ''}"
            for a, b, k, d, m, r in sent
        ),
        header="line_id,task_id,object,activity,task_created,kind,date,amount,reference" + extra,
    )
    assert send(client, h, body).get_json()["results"][0]["written"] == 6
    got = client.get("/api/v1/sync", headers=h).get_json()["lines"]
    fields = ("line_id", "task_id", "kind", "date", "amount", "reference")
    assert sorted(tuple(ln[f] for f in fields) for ln in got) == sorted(sent)
    assert staged_rows(app) == 0
