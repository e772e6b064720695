"""The formula cache filled directly: lines in the Arrow file, the running sums, and the
committed rule and the sums agreeing with the core (its refresh over a real service is in
``tests/server/test_sync_cache.py``)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixie_xl.core import facts as core_facts
from pixie_xl.core.tree import ObjectTree
from pixie_xl.excel import cache as cache_mod
from pixie_xl.excel.cache import Cache, lookup
from pixie_xl.excel.cache.lookup import _running_sums
from tests.builders import obj

SETTINGS = {"timezone": "Europe/Amsterdam", "currency": "EUR"}
OBJECTS = [
    {"id": "DEPT", "name": "Roads", "kind": "department", "currency": "EUR"},
    {"id": "P1", "name": "Harbour road", "kind": "project", "parent": "DEPT"},
]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path))
    cache_mod.forget_lookups()
    return Cache("http://fake:1")


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


def test_the_lookup_is_rebuilt_after_the_cache_changes(cache, monkeypatch):
    monkeypatch.setattr(lookup, "CHECK_EVERY", 0.0)
    first = filled(cache)
    assert cache.lookup() is first
    extra = ("L9", "T9", "P1", "ROAD", "cost", "2026-02-05", "2026-01-31T23:30:00+00:00", 100_00)
    cache.fill(settings=SETTINGS, objects=OBJECTS, activities=[], lines=[(*extra, "")])
    second = cache.lookup()
    assert second is not first
    feb = (date(2026, 2, 1).toordinal(), date(2026, 2, 28).toordinal())
    assert second.amount("P1", "ROAD", *feb, "cost") == 200_00


def test_a_second_process_reads_the_lines_file(cache):
    first = filled(cache)
    assert (cache.dir / "lines.arrow").exists()
    assert cache.lines()["amount"].to_pylist() == [100_00, 50_00]
    cache_mod.forget_lookups()  # as a fresh Excel session would start
    again = cache.lookup()
    assert again is not first
    assert again.sums == first.sums
    pd.testing.assert_frame_equal(again.actuals, first.actuals)


def test_only_open_orders_commit_their_uninvoiced_rest(cache):
    """The core's rule (``PurchaseOrder.committed``), order by order."""
    statuses = ["draft", "approved", "received", "invoiced", "cancelled", "approved"]
    invoiced = [0, 200_00, 0, 0, 0, 600_00]  # the last one is over-invoiced: nothing left
    pos = [(f"PO{i}", "P1", "ROAD", "V", "2026-02-01", 500_00, inv, st)
           for i, (st, inv) in enumerate(zip(statuses, invoiced, strict=True))]  # fmt: skip
    cache.fill(settings=SETTINGS, objects=OBJECTS, activities=[], lines=[], pos=pos)
    lk = cache.lookup()
    assert lk.commitments["amount"].tolist() == [300_00, 500_00]
    feb1 = date(2026, 2, 1).toordinal()
    assert lk.amount("DEPT", "*", feb1, feb1, "committed") == 800_00


TREE_OBJECTS = [
    {"id": "DEPT", "name": "Roads", "kind": "department"},
    {"id": "P1", "name": "A", "kind": "project", "parent": "DEPT"},
    {"id": "P2", "name": "B", "kind": "project", "parent": "DEPT"},
    {"id": "P3", "name": "C", "kind": "project"},
]
_line = st.tuples(
    st.sampled_from(["P1", "P2", "P3", "DEPT"]),
    st.sampled_from(["ROAD", "MAINT"]),
    st.sampled_from(["income", "cost"]),
    st.integers(0, 90),
    st.integers(-(10**9), 10**9),
)
_order = st.tuples(
    st.sampled_from(["P1", "P2", "P3"]),
    st.sampled_from(["draft", "approved", "received", "invoiced"]),
    st.integers(0, 90),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(_line, max_size=30),
    orders=st.lists(_order, max_size=8),
    period=st.tuples(st.integers(0, 90), st.integers(0, 90)),
)
def test_the_running_sums_equal_the_core_facts(cache, lines, orders, period):
    """Every look-up of the formulas is the core's period sum of the same subtree."""
    day0 = date(2026, 1, 1)
    rows = [
        (
            f"L{i}",
            f"T{i}",
            o,
            a,
            k,
            (day0 + timedelta(d)).isoformat(),
            "2026-01-01T09:00:00+00:00",
            amt,
            "",
        )
        for i, (o, a, k, d, amt) in enumerate(lines)
    ]
    pos = [(f"PO{i}", o, "ROAD", "V", (day0 + timedelta(d)).isoformat(), amt, inv, status)
           for i, (o, status, d, amt, inv) in enumerate(orders)]  # fmt: skip
    cache = Cache(f"http://property-{uuid.uuid4().hex}:1")  # a fresh cache per example
    cache.fill(settings=SETTINGS, objects=TREE_OBJECTS, activities=[], lines=rows, pos=pos)
    lk = cache.lookup()
    frm, to = sorted(day0 + timedelta(d) for d in period)
    for node in ("DEPT", "P1", "P3", "*"):
        got = core_facts.period_sums(lk.facts, frm, to, None if node == "*" else node)
        for act in ("ROAD", "MAINT", "*"):
            sel = got if act == "*" else got[got["activity"] == act]
            for kind, column in (("income", "actual"), ("cost", "actual"), ("cost", "committed")):
                want = int(sel.loc[sel["kind"] == kind, column].fillna(0).sum())
                name = "committed" if column == "committed" else kind
                assert lk.amount(node, act, frm.toordinal(), to.toordinal(), name) == want, (
                    node, act, name)  # fmt: skip


def test_fill_takes_dates_as_objects_or_text_with_a_time(cache):
    created = "2026-01-31T23:30:00+00:00"
    late = "2026-02-04T23:00:00+01:00"  # its own date, not UTC's
    rows = [("L1", "T1", "P1", "ROAD", "cost", date(2026, 2, 3), created, 1, ""),
            ("L2", "T1", "P1", "ROAD", "cost", late, created, 2, "")]  # fmt: skip
    cache.fill(settings=SETTINGS, objects=OBJECTS, activities=[], lines=rows)
    assert cache.lines()["date"].to_pylist() == [date(2026, 2, 3), date(2026, 2, 4)]
    cache.fill(settings=SETTINGS, objects=OBJECTS, activities=[], lines=rows[1:])
    assert cache.lines()["date"].to_pylist() == [date(2026, 2, 3), date(2026, 2, 4)]
