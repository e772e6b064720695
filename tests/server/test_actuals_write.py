"""Writing a checked batch of actual lines: master data that went away after the checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pixie_server import actuals_check, actuals_write, db

from pixie_xl.core.errors import ValidationFailed
from tests.server.data import seed

CREATED = datetime(2026, 3, 2, tzinfo=UTC)


def _batch(tasks: dict) -> actuals_check.CheckedActuals:
    return actuals_check.CheckedActuals([], tasks, [], 0, True)


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        (
            {"T-1": ("P-1", "ROAD", CREATED, 2), "T-2": ("P-GONE", "ROAD", CREATED, 3)},
            'row 3: object "P-GONE" of task T-2 is no longer known; nothing was saved',
        ),
        (
            {"T-1": ("P-1", "GONE", CREATED, 2), "T-2": ("P-GONE", "ROAD", CREATED, 3)},
            'row 2: activity "GONE" of task T-1 is no longer known; nothing was saved',
        ),
    ],
)
def test_a_task_whose_object_or_activity_went_away_refuses_the_batch(
    app, client, headers, tasks, message
):
    seed(client, headers("integration"))
    with app.app_context():
        s = db.session()
        with pytest.raises(ValidationFailed) as refused:
            actuals_write.write_actuals(s, _batch(tasks))
        s.rollback()
    assert str(refused.value.args[0]) == message


def test_known_objects_and_activities_pass(app, client, headers):
    seed(client, headers("integration"))
    with app.app_context():
        s = db.session()
        actuals_write._refuse_gone_master_data(s, {"T-1": ("P-1", "ROAD", CREATED, 2)})
        s.rollback()
