"""A server process killed with SIGKILL in the middle of a large ingest leaves nothing partial."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time

import pytest
import requests
from pixie_server import db
from sqlalchemy import text

from tests.server.conftest import free_port, spawn_server
from tests.server.data import ACTIVITIES, OBJECTS, lines, synced_lines

ROWS = 200_000


def start(db_url: str, token_file, port: int) -> subprocess.Popen:
    return spawn_server(db_url, token_file, port)[0]


def staged_count(db_url: str) -> int:
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM ingest_staging")).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.slow
def test_sigkill_during_a_large_ingest_leaves_all_or_nothing(db_url, token_file):
    """Killed while the batch's lines are being staged (issue 9, D4: chunks committed in
    their own transactions): no line of it is visible, and the restart cleans the staging
    table; the same batch sent again is taken whole."""
    port = free_port()
    proc = start(db_url, token_file, port)
    url = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {token_file.read_text().strip()}", "Content-Type": "text/csv"}
    for table in (OBJECTS, ACTIVITIES):
        assert requests.post(f"{url}/api/v1/ingest", data=table, headers=auth).ok
    body = lines(
        *(
            f"L-{i},T-{i // 10},P-{1 + i // 10 % 2},ROAD,2026-03-01,cost,2026-03-02,{i}.25,"
            for i in range(ROWS)
        )
    ).encode()

    answered = []

    def upload() -> None:
        with contextlib.suppress(requests.RequestException):  # the server dies under it
            answered.append(
                requests.post(f"{url}/api/v1/ingest", data=body, headers=auth, timeout=120)
            )

    sender = threading.Thread(target=upload)
    sender.start()
    while sender.is_alive() and staged_count(db_url) == 0:
        time.sleep(0.01)  # until some chunks of the batch are committed to staging
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    sender.join()
    assert answered == [], "the batch finished before the kill; the test proves nothing"
    assert staged_count(db_url) > 0  # the dead batch's committed chunks are there

    proc = start(db_url, token_file, port)
    try:
        assert synced_lines(url, auth) == 0
        assert staged_count(db_url) == 0  # cleaned at the start
        # the same batch, not cut short this time, is accepted whole
        resp = requests.post(f"{url}/api/v1/ingest", data=body, headers=auth, timeout=120)
        assert resp.json()["results"][0]["written"] == ROWS
        verify = requests.get(f"{url}/api/v1/audit/verify", headers=auth).json()
        assert verify["ok"] and verify["entries"] == 3
    finally:
        proc.kill()
        proc.wait()
