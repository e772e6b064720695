"""A long plain CSV batch read a column at a time stores what the row checks would store.

``staging.STAGE_ABOVE`` is lowered so that a few rows make a "long" batch. The same body
goes through :func:`actuals_columns.check_csv` and through the row checks (with a blank
``op`` column, which only the row path reads): the same lines (as staged JSON), tasks and
report sums. Anything the columnar checks do not take whole goes to the row path, which
names every problem with its row and field.
"""

from __future__ import annotations

import json

import pytest
from pixie_server import actuals_check, actuals_columns, aggregates, db, staging

from tests.server.data import LINES_HEADER, lines, seed, send

ROWS = [
    "L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,12.50,a",
    "L-2,T-1,P-1,ROAD,2026-03-02,income,2026-03-04,-0.05,",
    "L-3,T-2,P-2,MAINT,2026-03-02T10:00:00,cost,2026-12-31,7.00,Büro 4",
    "L-4,T-3,P-1,MAINT,2026-03-02T10:00:00+05:00,cost,2026-01-01,0.00,",
    "L-5,T-4,P-2,ROAD,2026-03-02T05:00:00Z,cost,2026-03-03,1234567.89,x y",
]


@pytest.fixture
def long_above_3(monkeypatch):
    monkeypatch.setattr(staging, "STAGE_ABOVE", 3)


def _both(app, rows: list[str], header: str = LINES_HEADER):
    """The batch by columns (or None) and by rows, from the same body."""
    body = lines(*rows, header=header)
    with app.app_context():
        s = db.session()
        columns = actuals_columns.check_csv(s, body.encode(), "t.csv")
        cells = [r.split(",") for r in rows]
        head = [*header.split(","), "op"]
        by_rows = actuals_check.check_actuals(s, head, [[*c, ""] for c in cells], "t.csv")
        s.rollback()
    return columns, by_rows


def _staged(batch) -> list[str]:
    return [line for chunk in batch.chunks for line in json.loads(chunk)]


def _as_staged(lines: list) -> list[str]:
    """What the row path stages for ``lines`` (the merge cuts them by the same widths)."""
    return json.loads(staging._json(lines, staging.widths(lines)))


def test_a_clean_long_batch_gives_the_lines_tasks_and_sums_of_the_row_checks(
    app, client, headers, long_above_3
):
    seed(client, headers("integration"))
    columns, by_rows = _both(app, ROWS)
    assert columns is not None
    assert _staged(columns) == _as_staged(by_rows.lines)
    assert json.loads(columns.ids) == [ln[0] for ln in by_rows.lines]
    assert columns.widths == staging.widths(by_rows.lines)
    assert columns.tasks == by_rows.tasks
    assert (columns.count, columns.rows, columns.deletes) == (5, 5, [])
    grouped = aggregates.group_lines(by_rows.lines, by_rows.tasks, by_rows.sqlite)
    assert columns.sums == tuple({k: list(v) for k, v in g.items()} for g in grouped)


def test_two_texts_of_one_task_instant_are_one_task_by_columns_as_by_rows(
    app, client, headers, long_above_3
):
    seed(client, headers("integration"))
    row = "L-9,T-4,P-2,ROAD,2026-03-02T05:00:00+00:00,cost,2026-03-03,1.00,"
    columns, by_rows = _both(app, [*ROWS, row])
    assert columns is not None
    assert _staged(columns) == _as_staged(by_rows.lines)
    assert columns.tasks == by_rows.tasks
    grouped = aggregates.group_lines(by_rows.lines, by_rows.tasks, by_rows.sqlite)
    assert columns.sums == tuple({k: list(v) for k, v in g.items()} for g in grouped)


def test_chunks_hold_staging_chunk_lines_each(app, client, headers, long_above_3, monkeypatch):
    monkeypatch.setattr(staging, "CHUNK", 2)
    seed(client, headers("integration"))
    columns, by_rows = _both(app, ROWS)
    assert [len(json.loads(c)) for c in columns.chunks] == [2, 2, 1]
    assert _staged(columns) == _as_staged(by_rows.lines)


def test_a_bom_and_columns_in_another_order_are_read_by_columns(app, client, headers, long_above_3):
    seed(client, headers("integration"))
    names = LINES_HEADER.split(",")
    order = [8, *range(8)]  # reference first
    header = ",".join(names[i] for i in order)
    rows = [",".join(r.split(",")[i] for i in order) for r in ROWS]
    with app.app_context():
        body = ("\ufeff" + lines(*rows, header=header)).encode()
        columns = actuals_columns.check_csv(db.session(), body, "t.csv")
    _, by_rows = _both(app, ROWS)
    assert columns is not None
    assert _staged(columns) == _as_staged(by_rows.lines)


@pytest.mark.parametrize(
    "row",
    [
        'L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,"quoted"',
        "L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,1.5,",
        "L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,+1.00,",
        "L-9,T-9,P-1,ROAD,2026-03-02,Cost,2026-03-03,1.00,",
        " L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,",
        "L-9,T-9 ,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,",
        "L-9,T-9,P-1,ROAD,2026-03-02, cost,2026-03-03,1.00,",
        "L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03 ,1.00,",
        "L-Ä,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,",
        "L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,back\\slash",
        "L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,tab\there",
    ],
    ids=[
        "quotes",
        "short decimals",
        "plus sign",
        "kind in capitals",
        "id with a space",
        "task with a space",
        "kind with a space",
        "date with a space",
        "non-ASCII id",
        "backslash",
        "tab",
    ],
)
def test_values_the_row_path_reads_otherwise_go_to_it_and_store_the_same(
    app, client, headers, long_above_3, row
):
    """Each row is one the row checks accept (trimming, lowering, another amount form,
    another text of the same instant): left to them, the batch stores what they store."""
    h = headers("integration")
    seed(client, h)
    with app.app_context():
        body = lines(*ROWS, row).encode()
        assert actuals_columns.check_csv(db.session(), body, "t.csv") is None
    resp = send(client, h, lines(*ROWS, row))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["results"][0]["written"] == 6


@pytest.mark.parametrize(
    ("row", "cell", "code"),
    [
        ("L-1,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,", "row 7, line_id", "duplicate_id"),
        ("L-9,T-9,P-7,ROAD,2026-03-02,cost,2026-03-03,1.00,", "row 7, object", "unknown_object"),
        ("L-9,T-9,P-1,DIG,2026-03-02,cost,2026-03-03,1.00,", "row 7, activity", "unknown_activity"),
        ("L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-02-30,1.00,", "row 7, date", "bad_date"),
        ("L-9,T-9,P-1,ROAD,2026-03-02,gift,2026-03-03,1.00,", "row 7, kind", "bad_kind"),
        ("L-9,T-9,P-1,ROAD,yesterday,cost,2026-03-03,1.00,", "row 7, task_created", "bad_date"),
        ("L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,12.345,", "row 7, amount", None),
        ("L-9,T-1,P-2,ROAD,2026-03-02,cost,2026-03-03,1.00,", "row 7, task_id", "task_conflict"),
        (f"L-9,{'T' * 201},P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,", "row 7, task_id", None),
        (
            f"L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,{'r' * 4001}",
            "row 7, reference",
            None,
        ),
    ],
)
def test_a_bad_value_in_a_long_batch_is_named_by_row_and_field_and_nothing_is_saved(
    client, headers, long_above_3, row, cell, code
):
    h = headers("integration")
    seed(client, h)
    resp = send(client, h, lines(*ROWS, row), name="big.csv")
    assert resp.status_code == 422, resp.get_json()
    findings = resp.get_json()["findings"]
    found = [(f["source"]["sheet"], f["source"]["cell"]) for f in findings]
    assert found == [("big.csv", cell)]
    assert code is None or findings[0]["code"] == code
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []


def test_a_blank_line_goes_to_the_row_path_which_skips_it(app, client, headers, long_above_3):
    h = headers("integration")
    seed(client, h)
    body = lines(*ROWS[:3], "", *ROWS[3:])
    with app.app_context():
        assert actuals_columns.check_csv(db.session(), body.encode(), "t.csv") is None
    resp = send(client, h, body)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["results"][0]["written"] == 5


def test_a_long_batch_sent_again_changes_nothing_and_a_changed_line_is_a_change(
    client, headers, long_above_3
):
    h = headers("integration")
    seed(client, h)
    first = send(client, h, lines(*ROWS)).get_json()["results"][0]
    again = send(client, h, lines(*ROWS)).get_json()["results"][0]
    changed = [*ROWS[:4], ROWS[4].replace("1234567.89", "1234567.90")]
    third = send(client, h, lines(*changed)).get_json()["results"][0]
    assert (first["written"], first["unchanged"]) == (5, 0)
    assert (again["written"], again["unchanged"]) == (0, 5)
    assert (third["written"], third["unchanged"]) == (1, 4)
    got = client.get("/api/v1/sync", headers=h).get_json()["lines"]
    assert {ln["line_id"]: ln["amount"] for ln in got}["L-5"] == "1234567.90"


def test_what_the_merge_stores_from_a_long_batch_is_what_was_sent(client, headers, long_above_3):
    """The staged texts are cut back into the very values: ids of different lengths,
    negative and large amounts, references with spaces at either end or empty."""
    h = headers("integration")
    seed(client, h)
    rows = [*ROWS, "L-10000,T-10,P-1,ROAD,2026-03-02,income,2026-12-31,-98765.43,  two sides  "]
    assert send(client, h, lines(*rows)).status_code == 200
    got = client.get("/api/v1/sync", headers=h).get_json()["lines"]
    stored = {ln["line_id"]: (ln["task_id"], ln["kind"], ln["date"], ln["amount"]) for ln in got}
    refs = {ln["line_id"]: ln["reference"] for ln in got}
    sent = [r.split(",") for r in rows]
    assert stored == {r[0]: (r[1], r[5], r[6], r[7]) for r in sent}
    assert refs == {r[0]: r[8] for r in sent}
