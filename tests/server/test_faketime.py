"""The end-of-day lock of a real server process, by its own system clock, across the
night the clocks go back in Copenhagen.

libfaketime sets the clock of the service process itself (no test hook in the app): on
2026-10-25 Copenhagen falls back from CEST to CET at 03:00, so that day has 25 hours and
its midnight at the end is 23:00 UTC.

==================  ====================  ======================================
UTC                 Copenhagen            what the service must do
==================  ====================  ======================================
2026-10-25 22:58    23:58 (CET)           create a budget: a master
2026-10-25 22:58    23:58                 edit it: still the master, in place
2026-10-25 23:00:30 2026-10-26 00:00:30   edit it: locked since midnight → a correction
==================  ====================  ======================================
"""

from __future__ import annotations

import os

import pytest
import requests

from tests.conftest import need_program
from tests.server.conftest import free_port, spawn_server, stop_server
from tests.server.data import ACTIVITIES, OBJECTS


def serve_at(faketime: str, instant: str, db_url: str, token_file, port: int):
    """Start the service in a process whose clock starts at ``instant`` (UTC)."""
    env = {k: v for k, v in os.environ.items() if k != "PIXIE_CLOCK_AT"}  # its own clock
    env["TZ"] = "UTC"
    return spawn_server(db_url, token_file, port, wrapper=(faketime, "-f", f"@{instant}"), env=env)


@pytest.mark.slow
def test_the_lock_follows_the_server_clock_across_the_fall_back_night(tmp_path):
    faketime = need_program("faketime", "to move the clock of a real server process")
    db_url = f"sqlite:///{tmp_path / 'pixie.db'}"
    token_file = tmp_path / "token"
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    proc, health = serve_at(faketime, "2026-10-25 22:58:00", db_url, token_file, port)
    try:
        assert health["time"].startswith("2026-10-25T22:58")  # the process's clock, in UTC
        auth = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        csv = {**auth, "Content-Type": "text/csv"}
        for table in (OBJECTS, ACTIVITIES):
            assert requests.post(f"{url}/api/v1/ingest", data=table, headers=csv).ok
        put = requests.put(
            f"{url}/api/v1/settings", json={"timezone": "Europe/Copenhagen"}, headers=auth
        )
        assert put.ok, put.text
        local = requests.get(f"{url}/healthz").json()["time"]
        assert local.startswith("2026-10-25T23:58") and local.endswith("+01:00")  # CET
        budget = {
            "object": "P-1",
            "start": "2026-01-01",
            "end": "2026-12-31",
            "lines": [{"activity": "ROAD", "income": "0", "cost": "1000.00"}],
        }
        made = requests.post(f"{url}/api/v1/budgets", json=budget, headers=auth)
        assert made.status_code == 201, made.text
        b = made.json()
        assert (b["kind"], b["locked"]) == ("master", False)

        budget["lines"][0]["cost"] = "1100.00"
        edited = requests.put(
            f"{url}/api/v1/budgets/{b['id']}",
            json={**budget, "version": b["version"]},
            headers=auth,
        )
        assert edited.ok, edited.text
        assert edited.json()["kind"] == "master"  # edited in place before midnight
    finally:
        stop_server(proc)

    proc, health = serve_at(faketime, "2026-10-25 23:00:30", db_url, token_file, port)
    try:
        assert health["time"].startswith("2026-10-26T00:00")  # midnight has passed
        current = requests.get(f"{url}/api/v1/budgets/{b['id']}", headers=auth).json()
        assert current["locked"] is True
        budget["lines"][0]["cost"] = "1200.00"
        corrected = requests.put(
            f"{url}/api/v1/budgets/{b['id']}",
            json={**budget, "version": current["version"]},
            headers=auth,
        )
        assert corrected.ok, corrected.text
        assert corrected.json()["kind"] == "correction"
        versions = requests.get(f"{url}/api/v1/budgets/{b['id']}/versions", headers=auth).json()
        versions = versions.get("versions", versions) if isinstance(versions, dict) else versions
        assert [(v["kind"], v["lines"][0]["cost"]) for v in versions] == [
            ("master", "1100.00"),
            ("correction", "1200.00"),
        ]
    finally:
        stop_server(proc)
