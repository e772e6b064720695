"""The whole API fuzzed against its own ``/openapi.json`` by ``schemathesis run --checks all``
(every check: no 5xx, documented status codes, content types and headers, response
schemas, schema-violating requests refused, ``Allow`` right, auth not ignored …), against
a real service process on SQLite and on PostgreSQL (issue 9 D14).

The run has a fixed seed and a bounded number of examples per operation so that it stays
short and repeatable (``PIXIE_FUZZ_EXAMPLES=200`` for a longer hunt); the service holds a
little master data, so generated budgets sometimes name a real object and activity. The
one setting beside the defaults is in ``schemathesis.toml``: a write or report given
schema-valid data naming an unknown object (or breaking a rule) may answer 422.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from pixie_xl import client as wire
from tests.server.conftest import free_port, spawn_server, stop_server

#: examples per operation and phase
EXAMPLES = int(os.environ.get("PIXIE_FUZZ_EXAMPLES", "3"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = {
    "objects": [{"id": "P1", "name": "Road 7", "kind": "project", "currency": "EUR"}],
    "activities": [{"code": "ROAD", "name": "Road work", "active": True}],
}


def test_schemathesis_checks_all_pass(db_url, tmp_path):
    # Every phase on SQLite; on PostgreSQL the coverage phase (boundary values of every
    # field, most of the run's time) is left out: what is particular to PostgreSQL is what
    # reaches the database, which the example, fuzzing and stateful phases send.
    phases = "examples,coverage,fuzzing,stateful"
    if db_url.startswith("postgresql"):
        phases = "examples,fuzzing,stateful"
    port = free_port()
    proc, _ = spawn_server(db_url, tmp_path / "token", port)
    try:
        url = f"http://127.0.0.1:{port}"
        token, _ = wire.read_token_file(tmp_path / "token")
        auth = f"Authorization: Bearer {token}"
        seeded = requests.post(
            f"{url}/api/v1/ingest",
            json=SEED,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert seeded.status_code == 200, seeded.text
        run = subprocess.run(
            [
                Path(sys.executable).with_name("schemathesis"),
                "--config-file",
                CONFIG,
                "run",
                f"{url}/openapi.json",
                "--checks",
                "all",
                "-H",
                auth,
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                "1",
                "--no-color",
                "--workers",
                "1",
                "--phases",
                phases,
            ],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp_path,  # its cache folder (.schemathesis) goes there
        )
    finally:
        stop_server(proc)
    out = run.stdout.replace(token, "pxl_…")
    assert "/api/v1/budgets" in out, out[-3000:]
    assert run.returncode == 0, out[-12000:]
