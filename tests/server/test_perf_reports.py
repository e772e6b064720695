"""Reports are memoised per process, but never answer for a state they were not computed
from: every committed write moves the database's stamp (``sync_state``), which each
request reads. On the hand-checked January dataset of ``test_reports`` (SQLite and
PostgreSQL), each kind of write is followed by the report that must show it."""

from __future__ import annotations

import threading

import pytest
from pixie_server import auth, db
from pixie_server.api.reports import Memo

from tests.server.test_reports import JAN, reports  # noqa: F401  (the dataset fixture)

HEADER = "line_id,task_id,object,activity,task_created,kind,date,amount,reference"


def _row(rows, obj, activity):
    return next(r for r in rows if (r["object"], r["activity"]) == (obj, activity))


def _token(reports, role):  # noqa: F811
    with reports.app.app_context(), db.transaction(reports.app) as s:
        return auth.add_token(s, role, role, reports.app)


def _ingest(reports, token, csv: str) -> None:  # noqa: F811
    resp = reports.client.post(
        "/api/v1/ingest",
        data=(HEADER + "\n" + csv).encode(),
        content_type="text/csv",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status_code == 200, resp.json


def test_an_ingested_line_and_its_change_show_in_the_next_report(reports):  # noqa: F811
    integration = _token(reports, "integration")
    before = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    assert _row(before, "P2", "ROAD")["actual"] == "900.00"
    line = "X1,TX1,P2,ROAD,2026-01-03T08:00:00+00:00,cost,2026-01-03,{},ref"
    _ingest(reports, integration, line.format("40.00"))
    assert (
        _row(reports.call("GET", f"/api/v1/variance?{JAN}")["rows"], "P2", "ROAD")["actual"]
        == "940.00"
    )
    _ingest(reports, integration, line.format("45.50"))
    after = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    assert _row(after, "P2", "ROAD")["actual"] == "945.50"


def test_a_budget_edit_shows_in_the_next_report(reports):  # noqa: F811
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    assert _row(rows, "P3", "MAINT")["status"] == "UNBUDGETED"
    (p3,) = reports.call("GET", "/api/v1/budgets?object=P3")["budgets"]
    reports.budget("P3", [("ROAD", "2000.00", "0"), ("MAINT", "0", "100.00")], p3["id"], 1)
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    assert (_row(rows, "P3", "MAINT")["current"], _row(rows, "P3", "MAINT")["status"]) == (
        "100.00",
        "OK",
    )


def test_a_change_of_cost_dating_re_dates_the_next_report(reports):  # noqa: F811
    admin = _token(reports, "admin")
    # a task created on 20 December whose line is dated 10 January
    reports.actual("P3", "MAINT", "cost", "2026-01-10", 70, created="2025-12-20T08:00:00+00:00")
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    assert _row(rows, "P3", "MAINT")["actual"] == "120.00"  # 50 + 70, by line date
    resp = reports.client.put(
        "/api/v1/settings",
        json={"cost_date": "task_created"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert resp.status_code == 200, resp.json
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    assert _row(rows, "P3", "MAINT")["actual"] == "50.00"  # the 70 now belongs to December


def test_alerts_and_variance_of_one_state_agree_and_repeat(reports):  # noqa: F811
    first = reports.call("GET", f"/api/v1/variance?{JAN}")
    assert reports.call("GET", f"/api/v1/variance?{JAN}") == first
    alerts = reports.call("GET", f"/api/v1/alerts?{JAN}")["alerts"]
    not_ok = [r for r in first["rows"] if r["status"] != "OK"]
    assert sorted(alerts, key=lambda r: (r["object"], r["activity"])) == not_ok
    one = reports.call("GET", f"/api/v1/variance?{JAN}&object=P2")["rows"]
    assert [(r["object"], r["activity"]) for r in one] == [("P2", "ROAD")]


def test_a_new_day_moves_the_forecast_of_a_memoised_report(reports):  # noqa: F811
    from tests.builders import at

    reports.clock.set(at("2026-01-15T09:00:00+00:00"))
    assert reports.call("GET", f"/api/v1/variance?{JAN}")["today"] == "2026-01-15"
    reports.clock.set(at("2026-01-16T09:00:00+00:00"))
    body = reports.call("GET", f"/api/v1/variance?{JAN}")
    assert body["today"] == "2026-01-16"
    assert _row(body["rows"], "P2", "ROAD")["forecast"] == "1743.75"  # 900 / 16 × 31


def test_twenty_simultaneous_asks_compute_once():
    memo, calls, go = Memo(), [], threading.Event()

    def compute():
        calls.append(1)
        go.wait()
        return "the answer"

    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(memo.get("k", compute))) for _ in range(20)
    ]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join()
    assert (len(calls), answers) == (1, ["the answer"] * 20)


def test_a_failed_computation_is_raised_to_its_waiters_and_not_kept():
    memo = Memo()

    def fail():
        raise LookupError("no such object")

    with pytest.raises(LookupError):
        memo.get("k", fail)
    assert memo.get("k", lambda: 7) == 7


def test_the_memo_keeps_its_newest_entries():
    memo = Memo(size=2)
    for k in "abc":
        memo.get(k, lambda k=k: k.upper())
    assert memo.get("a", lambda: "again") == "again"  # evicted, computed afresh
    assert memo.get("c", lambda: "again") == "C"


def test_entries_of_an_older_stamp_are_dropped_once_a_newer_one_is_seen():
    memo = Memo()
    assert memo.get(("P1", (5, 1)), lambda: "before the write", (5, 1)) == "before the write"
    assert memo.get(("P1", (6, 2)), lambda: "after the write", (6, 2)) == "after the write"
    assert memo.get(("P1", (5, 1)), lambda: "old, again", (5, 1)) == "old, again"
    # a request that read the old stamp is answered, but its result is not kept
    assert memo.get(("P1", (5, 1)), lambda: "old, once more", (5, 1)) == "old, once more"
    assert memo.get(("P1", (6, 2)), lambda: "not computed", (6, 2)) == "after the write"


def test_a_write_works_out_again_only_the_rows_of_the_objects_it_changed(reports):  # noqa: F811
    """After an ingest for P2, the table of January keeps the very row records of P1 and P3
    (not worked out again) and has P2's new figure (pixie_server.report_delta)."""
    integration = _token(reports, "integration")

    def table():
        reports.call("GET", f"/api/v1/variance?{JAN}")
        (entry,) = [
            e for fam, e in reports.app.extensions["pixie_tables"]._last.items() if fam[2] is None
        ]
        return {(r.object, r.activity, r.kind.value): r for r in entry[2]}

    before = table()
    _ingest(reports, integration, "X9,TX9,P2,ROAD,2026-01-03T08:00:00+00:00,cost,2026-01-03,5.00,")
    after = table()
    assert after.keys() == before.keys()
    for key, row in after.items():
        if key[0] == "P2":
            assert row is not before[key] and str(row.actual) == "905.00"
        else:
            assert row is before[key]
