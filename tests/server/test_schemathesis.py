"""The whole API fuzzed against its own ``/openapi.json`` (schemathesis): whatever a client
sends, within the documented shapes or not, the service never answers with a 5xx.

Runs on SQLite with an admin token (the role that reaches every write) and a little master
data, so generated budgets sometimes name a real object and activity. Each operation gets a
bounded, derandomised number of examples so the run stays short and repeatable; every
operation that fails is reported, not only the first.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pixie_server import db
from pixie_server.models import ActivityRow, ObjectRow
from schemathesis.checks import not_a_server_error

#: examples per operation (``PIXIE_FUZZ_EXAMPLES=200`` for a longer hunt)
EXAMPLES = int(os.environ.get("PIXIE_FUZZ_EXAMPLES", "15"))


@pytest.fixture
def db_url(tmp_path):
    """SQLite only here: the fuzzing is about the HTTP layer, not the database."""
    return f"sqlite:///{tmp_path / 'pixie.db'}"


def test_no_request_makes_the_service_fail(app, headers):
    auth = headers("admin")
    with app.app_context(), db.transaction(app) as s:
        s.add_all(
            [
                ObjectRow(id="P1", name="Road 7", kind="project", currency="EUR"),
                ActivityRow(code="ROAD", name="Road work", active=True),
            ]
        )
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, headers=auth)
    failures, tried = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            case.call_and_validate(headers=auth, checks=[not_a_server_error])

        try:
            check()
        except Exception as exc:  # collect every failing operation, then report them all
            failures.append(f"{operation.label}: {exc}")
    assert any("/api/v1/budgets" in t for t in tried), tried
    assert not failures, "\n\n".join(failures)
