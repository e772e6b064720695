"""The formula cache: delta sync into SQLite, tombstones, and the running sums."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pixie_xl.core.tree import ObjectTree
from pixie_xl.excel import cache as cache_mod
from pixie_xl.excel.cache import Cache, _running_sums
from tests.builders import obj

SETTINGS = {"timezone": "Europe/Amsterdam", "currency": "EUR"}
OBJECTS = [
    {"id": "DEPT", "name": "Roads", "kind": "department", "currency": "EUR"},
    {"id": "P1", "name": "Harbour road", "kind": "project", "parent": "DEPT"},
]


def line(i, kind="cost", day="2026-01-05", amount="100.00", obj="P1", act="ROAD"):
    return {
        "line_id": f"L{i}",
        "task_id": f"T{i}",
        "object": obj,
        "activity": act,
        "task_created": "2026-01-01T09:00:00+01:00",
        "kind": kind,
        "date": day,
        "amount": amount,
    }


class FakeService:
    """A client whose sync pages come from a list; records the cursors asked for."""

    base_url = "http://fake:1"

    def __init__(self, pages):
        self.pages, self.cursors = pages, []

    def healthz(self):
        return {"status": "ok", "time": "2026-03-01T10:00:00+01:00", "timezone": "Europe/Amsterdam"}

    def settings(self):
        return SETTINGS

    def objects(self):
        return OBJECTS

    def activities(self):
        return [{"code": "ROAD", "name": "Road work", "active": True}]

    def profiles(self):
        return []

    def budgets(self):
        return []

    def sync(self, cursor):
        self.cursors.append(cursor)
        return self.pages.pop(0) if self.pages else {"lines": [], "next_cursor": cursor}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path))
    cache_mod.forget_lookups()
    return Cache("http://fake:1")


def rows(cache):
    with cache.connect() as conn:
        return dict(conn.execute("SELECT line_id, amount FROM lines ORDER BY line_id"))


def test_a_refresh_stores_lines_in_minor_units_and_the_cursor(cache):
    service = FakeService(
        [
            {"lines": [line(1), line(2, amount="0.05")], "next_cursor": "c1", "has_more": True},
            {
                "lines": [line(3, kind="income", amount="250.10")],
                "next_cursor": "c2",
                "has_more": False,
            },
        ]
    )
    stats = cache.refresh(service)
    assert stats.pages == 2 and stats.lines == 3
    assert rows(cache) == {"L1": 10000, "L2": 5, "L3": 25010}
    assert cache.meta("cursor") == "c2"
    assert service.cursors == [None, "c1"]


def test_the_next_refresh_moves_only_the_changes(cache):
    cache.refresh(FakeService([{"lines": [line(1), line(2)], "next_cursor": "c1"}]))
    later = FakeService(
        [
            {
                "lines": [line(2, amount="120.00")],
                "deleted": [{"type": "line", "id": "L1"}],
                "next_cursor": "c2",
            }
        ]
    )
    stats = cache.refresh(later)
    assert later.cursors[0] == "c1"  # it starts where the last refresh stopped
    assert stats.lines == 1 and stats.deleted == 1
    assert rows(cache) == {"L2": 12000}


def test_the_cache_is_found_as_the_most_recent(cache, tmp_path):
    assert Cache.most_recent(tmp_path) is None
    cache.refresh(FakeService([{"lines": [line(1)], "next_cursor": "c1"}]))
    found = Cache.most_recent(tmp_path)
    assert found is not None and found.server_url == "http://fake:1"
    # the service said 10:00 on 1 March, seconds ago: today is its day, not this machine's
    assert cache.server_today() == date(2026, 3, 1)


def test_master_data_comes_back_as_records(cache):
    cache.refresh(FakeService([]))
    assert [o.id for o in cache.objects()] == ["DEPT", "P1"]
    assert cache.tree().ancestors("P1") == ["DEPT"]
    assert cache.settings().timezone == "Europe/Amsterdam"
    assert [a.code for a in cache.activities()] == ["ROAD"]


def test_running_sums_roll_up_to_parents_and_stars():
    """P1 and P2 under DEPT; the sums per key and date, accumulated."""
    tree = ObjectTree([obj("DEPT", kind="department"), obj("P1", "DEPT"), obj("P2", "DEPT")])
    actuals = pd.DataFrame(
        [
            ("P1", "ROAD", "cost", date(2026, 1, 5), 10000),
            ("P1", "ROAD", "cost", date(2026, 1, 5), 500),
            ("P1", "MAINT", "cost", date(2026, 2, 1), 2000),
            ("P2", "ROAD", "cost", date(2026, 1, 20), 3000),
            ("P2", "ROAD", "income", date(2026, 1, 20), 9999),
        ],
        columns=["object", "activity", "kind", "date", "amount"],
    )
    commitments = pd.DataFrame(
        [("P2", "ROAD", date(2026, 3, 1), 700)], columns=["object", "activity", "date", "amount"]
    )
    sums = _running_sums(actuals, commitments, tree)
    jan5, jan20, feb1 = (
        date(2026, 1, 5).toordinal(),
        date(2026, 1, 20).toordinal(),
        date(2026, 2, 1).toordinal(),
    )
    assert sums[("P1", "ROAD", "cost")] == ([jan5], [0, 10500])
    assert sums[("DEPT", "ROAD", "cost")] == ([jan5, jan20], [0, 10500, 13500])
    assert sums[("DEPT", "*", "cost")] == ([jan5, jan20, feb1], [0, 10500, 13500, 15500])
    assert sums[("*", "*", "income")][1] == [0, 9999]
    assert sums[("*", "ROAD", "committed")][1] == [0, 700]
    assert ("P1", "ROAD", "income") not in sums


def filled(cache, settings=SETTINGS):
    cache.fill(
        settings=settings,
        objects=OBJECTS,
        activities=[{"code": "ROAD", "name": "Road work", "active": True}],
        lines=[
            # line_id, task, object, activity, kind, date, task_created, cents, reference
            (
                "L1",
                "T1",
                "P1",
                "ROAD",
                "cost",
                "2026-02-03",
                "2026-01-31T23:30:00+00:00",
                100_00,
                "",
            ),
            (
                "L2",
                "T1",
                "P1",
                "ROAD",
                "cost",
                "2026-03-10",
                "2026-01-31T23:30:00+00:00",
                50_00,
                "",
            ),
        ],
        pos=[
            ("PO1", "P1", "ROAD", "Asfalt", "2026-02-01", 500_00, 200_00, "approved"),
            ("PO2", "P1", "ROAD", "Asfalt", "2026-02-01", 900_00, 0, "draft"),
            ("PO3", "P1", "ROAD", "Asfalt", "2026-02-01", 900_00, 900_00, "received"),
        ],
    )
    return cache.lookup()


def test_a_filled_cache_answers_lookups(cache):
    lk = filled(cache)
    feb = (date(2026, 2, 1).toordinal(), date(2026, 2, 28).toordinal())
    assert lk.amount("P1", "ROAD", *feb, "cost") == 100_00
    assert lk.amount("DEPT", "*", *feb, "cost") == 100_00
    # only the approved order's uninvoiced rest is committed
    assert lk.amount("DEPT", "*", *feb, "committed") == 300_00


def test_dating_by_task_creation_moves_lines_to_the_local_creation_day(cache):
    """Created 23:30 UTC on 31 January is 1 February in Amsterdam."""
    lk = filled(cache, dict(SETTINGS, cost_date="task_created"))
    jan = (date(2026, 1, 1).toordinal(), date(2026, 1, 31).toordinal())
    feb1 = date(2026, 2, 1).toordinal()
    assert lk.amount("P1", "ROAD", *jan, "cost") == 0
    assert lk.amount("P1", "ROAD", feb1, feb1, "cost") == 150_00


def test_the_lookup_is_rebuilt_after_a_refresh(cache, monkeypatch):
    monkeypatch.setattr(cache_mod, "CHECK_EVERY", 0.0)
    first = filled(cache)
    assert cache.lookup() is first
    cache.refresh(FakeService([{"lines": [line(9, day="2026-02-05")], "next_cursor": "c9"}]))
    second = cache.lookup()
    assert second is not first
    feb = (date(2026, 2, 1).toordinal(), date(2026, 2, 28).toordinal())
    assert second.amount("P1", "ROAD", *feb, "cost") == 200_00


def test_a_second_process_reads_the_lines_snapshot(cache):
    first = filled(cache)
    assert (cache.dir / "lines.npz").exists()
    cache_mod.forget_lookups()  # as a fresh Excel session would start
    again = cache.lookup()
    assert again is not first
    assert again.sums == first.sums
    pd.testing.assert_frame_equal(again.actuals, first.actuals)
