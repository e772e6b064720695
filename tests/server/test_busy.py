"""D4: a writer that cannot get the write lock in time answers 503 ``busy`` with
``Retry-After`` (not 500 after 30 s), on SQLite and PostgreSQL; readers are not held up,
and once the lock is free the same write goes through."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import pytest
import requests
from pixie_server import db, staging
from sqlalchemy import text

from tests.server.conftest import free_port, spawn_server, stop_server
from tests.server.data import ACTIVITIES, OBJECTS, lines, synced_lines

ROWS = 200_000
#: the service's lock timeout in the long-ingest test: far shorter than the ingest (several
#: seconds), long enough for a save that waits for the lock while this test holds it
LOCK_TIMEOUT = 2.0
#: how long that test holds the write lock between two chunks: long enough for the save sent
#: meanwhile to reach the lock on a machine busy with other work (0.25 s was not, once)
HOLD = 0.75


def hold_write_lock(db_url: str):
    """Another process's long write: a transaction that took the write lock and waits."""
    engine = db.make_engine(db_url)
    conn = engine.connect()
    conn.begin()
    conn.execute(text("UPDATE sync_state SET version = version + 1 WHERE id = 1"))
    return engine, conn


@pytest.mark.app_config(PIXIE_LOCK_TIMEOUT="0.5")
@pytest.mark.timeout(60)
def test_a_write_that_cannot_get_the_lock_in_time_answers_503_busy(app, admin_headers, db_url):
    client, h = app.test_client(), admin_headers
    assert db.lock_timeout(app) == 0.5  # the app_config marker reached the app
    engine, conn = hold_write_lock(db_url)
    try:
        began = time.monotonic()
        resp = client.put("/api/v1/settings", json={"over_ratio": "1.1"}, headers=h)
        waited = time.monotonic() - began
        assert resp.status_code == 503
        assert resp.mimetype == "application/problem+json"
        assert resp.get_json()["code"] == "busy"
        assert int(resp.headers["Retry-After"]) >= 1
        assert waited < 20  # the configured 0.5 s, not the old 30 s
        # readers still answer while the writer holds the lock
        assert client.get("/api/v1/settings", headers=h).get_json()["over_ratio"] == "1.0"
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()
    again = client.put("/api/v1/settings", json={"over_ratio": "1.1"}, headers=h)
    assert (again.status_code, again.get_json()["over_ratio"]) == (200, "1.1")


def test_a_lock_timeout_that_is_not_a_number_of_seconds_stops_the_start(db_url, make_app):
    with pytest.raises(ValueError, match="PIXIE_LOCK_TIMEOUT"):
        make_app(db_url, first_token=False, PIXIE_LOCK_TIMEOUT="soon")


def staged_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM ingest_staging")).scalar_one()


#: ingests the long-ingest test may send before one is caught staging (each a new batch)
TRIES = 3


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_writer_during_a_long_ingest_of_a_real_server_saves_without_busy(db_url, token_file):
    """The issue's case, since the fix: a 200k-line ingest is staged in short transactions,
    so a budget saved while it runs goes through at once, with a lock timeout far shorter
    than the ingest (it used to hear 503 ``busy``); a sync meanwhile sees none of the
    batch's lines, and all of them once the ingest answered."""
    port = free_port()
    env = {**os.environ, "PIXIE_LOCK_TIMEOUT": str(LOCK_TIMEOUT)}
    proc, _ = spawn_server(db_url, token_file, port, env=env)
    url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
    csv_ = {**auth, "Content-Type": "text/csv"}
    save = _save_between_two_chunks if db_url.startswith("sqlite") else _save_once_staging
    engine = db.make_engine(db_url)
    try:
        for table in (OBJECTS, ACTIVITIES):
            assert requests.post(f"{url}/api/v1/ingest", data=table, headers=csv_).ok
        for attempt in range(TRIES):
            before = synced_lines(url, auth)
            sender, done = _ingest_in_background(f"{url}/api/v1/ingest", _batch(attempt), csv_)
            placed = save(engine, sender, f"{url}/api/v1/budgets", BUDGET, auth)
            if placed:
                break
            sender.join()  # (the lock came after the staging: try a new batch)
        else:
            pytest.fail(f"{TRIES} ingests were staged before this process saw one staging")
        began, saved = placed
        waited = time.monotonic() - began
        during = [synced_lines(url, auth)]
        while sender.is_alive():
            during.append(synced_lines(url, auth))
            time.sleep(0.05)
        sender.join()
        assert len(during) > 1, "the ingest finished before the budget was saved"
        assert saved.status_code == 201, saved.text
        assert waited < 5
        # nothing of the batch until its one merge commits (just before the answer), then all
        after = before + ROWS
        assert during[0] == before and set(during) <= {before, after} and during == sorted(during)
        assert done[0].status_code == 200 and done[0].json()["results"][0]["written"] == ROWS
        assert synced_lines(url, auth) == after
        assert staged_count(engine) == 0
    finally:
        engine.dispose()
        stop_server(proc)


BUDGET = {
    "object": "P-1",
    "start": "2026-01-01",
    "end": "2026-12-31",
    "lines": [{"activity": "ROAD", "income": "0", "cost": "1000.00"}],
}


def _batch(attempt: int) -> bytes:
    """:data:`ROWS` new actual lines (their ids are new on each attempt)."""
    return lines(
        *(
            f"L{attempt}-{i},T{attempt}-{i // 10},P-1,ROAD,2026-03-01,cost,2026-03-02,{i}.25,"
            for i in range(ROWS)
        )
    ).encode()


def _ingest_in_background(url: str, body: bytes, headers: dict):
    """``(thread, answers)``: the ingest sent from a thread of its own, started."""
    done: list = []
    sender = threading.Thread(
        target=lambda: done.append(requests.post(url, data=body, headers=headers, timeout=300))
    )
    sender.start()
    return sender, done


def _save_once_staging(engine, sender, url: str, budget: dict, auth: dict):
    """PostgreSQL: ``(when, answer)`` of the budget saved once the ingest is staging (its
    chunks are COPY batches of their own), or None if the ingest answered first."""
    while sender.is_alive() and staged_count(engine) == 0:
        time.sleep(0.01)
    if not sender.is_alive():
        return None
    return time.monotonic(), requests.post(url, json=budget, headers=auth, timeout=60)


def _save_between_two_chunks(engine, sender, url: str, budget: dict, auth: dict):
    """SQLite: ``(when, answer)`` of the budget saved while the ingest is still staging,
    for sure. Its chunks are one row each, committed a fraction of a millisecond apart, so a
    save sent when the first one shows would reach the lock after the last one, when the
    merge holds it; and so would a lock taken with SQLite's busy handler, which sleeps a
    millisecond and more between its tries. So this process watches for the first chunk and
    then asks for the write lock without waiting, again and again, until it gets it between
    two chunks (the next chunk waits), the save is sent meanwhile, and once the lock is let
    go the service lets its waiting writer go before its next chunk
    (``db.let_waiting_writers_go``). None where the lock came only after the last chunk
    (the process was not given the processor in time, on a busy machine)."""
    chunks = ROWS // staging.CHUNK
    count = "SELECT count(*) FROM ingest_staging"
    answer: list = []
    saver = threading.Thread(
        target=lambda: answer.append(requests.post(url, json=budget, headers=auth, timeout=60))
    )
    conn = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        while sender.is_alive() and conn.execute(count).fetchone()[0] == 0:
            time.sleep(0.0005)
        while sender.is_alive():
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc), exc
        staged = conn.execute(count).fetchone()[0] if conn.in_transaction else 0
        if not 0 < staged < chunks:
            return None  # (the lock came after the last chunk: the merge has begun or ended)
        began = time.monotonic()
        try:
            saver.start()
            time.sleep(HOLD)  # (the save is waiting for the lock by now)
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()
    saver.join()
    return began, answer[0]
