"""The fast path of the actual-lines checks gives what the full row checks give.

The full checks run for every row when a batch has an ``op`` column (blank here, so it
deletes nothing): the same rows through both give the same lines and tasks, also for rows
the fast path leaves to the full checks. Findings of a long batch name their rows.
"""

from __future__ import annotations

import pytest
from pixie_server import actuals_check, db

from tests.server.data import LINES_HEADER, lines, seed, send

HEADER = LINES_HEADER.split(",")
ROWS = [
    ["L-1", "T-1", "P-1", "ROAD", "2026-03-02", "cost", "2026-03-03", "12.50", "a"],
    ["L-2", "T-1", "P-1", "ROAD", "2026-03-02", "income", "2026-03-04", "-0.05", ""],
    ["L-3", "T-2", "P-2", "MAINT", "2026-03-02T10:00:00", "cost", "2026-12-31", "7.00", "b,c"],
    ["L-4", "T-3", "P-1", "MAINT", "2026-03-02T10:00:00+05:00", "cost", "2026-01-01", "0.00", ""],
]


def _both(app, rows: list[list[str]]):
    with app.app_context():
        s = db.session()
        fast = actuals_check.check_actuals(s, HEADER, [list(r) for r in rows], "t.csv")
        full = actuals_check.check_actuals(s, [*HEADER, "op"], [[*r, ""] for r in rows], "t.csv")
        s.rollback()
    return fast, full


def test_a_clean_batch_gives_the_same_lines_and_tasks_fast_as_by_the_full_checks(
    app, client, headers
):
    seed(client, headers("integration"))
    fast, full = _both(app, ROWS)
    assert fast.lines == full.lines
    assert fast.tasks == full.tasks
    assert (fast.rows, fast.deletes) == (full.rows, full.deletes) == (4, [])
    assert fast.lines[1] == ("L-2", "T-1", "income", fast.lines[1][3], -5, "")


@pytest.mark.parametrize(
    "row",
    [
        ["L-5", "T-5", "P-1", "ROAD", "2026-03-02", "cost", "2026-03-03", "12.5", ""],
        ["L-5", "T-5", "P-1", "ROAD", "2026-03-02", " Cost", "2026-03-03", "12.50", ""],
        [" L-5", "T-5", "P-1", "ROAD", "2026-03-02", "cost", "2026-03-03", "12.50", ""],
        [
            "L-5",
            "T-1",
            "P-1",
            "ROAD",
            "2026-03-02T00:00:00+00:00",
            "cost",
            "2026-03-03",
            "1.00",
            "",
        ],
    ],
    ids=["short decimals", "kind with a space", "id with a space", "instant written twice"],
)
def test_rows_the_fast_path_leaves_give_the_same_lines_and_tasks(app, client, headers, row):
    """What the full checks accept and the fast path leaves to them gives the same."""
    seed(client, headers("integration"))
    rows = [*ROWS[:1], row]
    rows[0] = [*rows[0][:4], "2026-03-02T00:00:00Z", *rows[0][5:]]
    fast, full = _both(app, rows)
    assert (fast.lines, fast.tasks) == (full.lines, full.tasks)


def test_findings_of_a_large_batch_still_name_their_rows(client, headers):
    h = headers("integration")
    seed(client, h)
    good = [f"L-{i},T-{i // 3},P-1,ROAD,2026-03-02,cost,2026-03-03,{i}.00," for i in range(3000)]
    good[1500] = "L-1500,T-500,P-9,ROAD,2026-03-02,cost,2026-03-03,1.00,"
    good[2999] = "L-2999,T-999,P-1,ROAD,2026-03-02,cost,2026-13-03,1.00,"
    resp = send(client, h, lines(*good), name="big.csv")
    assert resp.status_code == 422, resp.get_json()
    findings = resp.get_json()["findings"]
    found = [(f["source"]["sheet"], f["source"]["cell"], f["code"]) for f in findings]
    assert found == [
        ("big.csv", "row 1502, object", "unknown_object"),
        ("big.csv", "row 3001, date", "bad_date"),
    ]
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []
