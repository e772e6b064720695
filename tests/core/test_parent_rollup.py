"""The parents' roll-up (issue 11 item 2): each parent's figures including its descendants,
the sums of what the ``object=`` filter gives for it, with status worked out from the sums."""

from __future__ import annotations

import pytest

from pixie_xl.core.errors import NotFound
from pixie_xl.core.records import Status
from pixie_xl.core.variance import parent_rows, status_of, variance_rows
from tests.core.test_variance import ACTUALS, AFTER, BUDGETS, POS, YEAR, facts


def _figures(rows):
    return [
        (r.object, r.activity, r.kind.value, str(r.current), str(r.actual), str(r.committed))
        for r in rows
    ]


def test_each_parent_rolls_up_its_subtree_by_activity_and_kind():
    rows = parent_rows(facts(BUDGETS, ACTUALS, POS), *YEAR, AFTER)
    # ROOT has P1, P2 and (under P2) P3; P2 has P3; P1 and P3 have no children
    assert _figures(rows) == [
        ("P2", "MAINT", "income", "1000.00", "900.00", "None"),
        ("P2", "ROAD", "income", "2000.00", "1500.00", "None"),
        ("P2", "ROAD", "cost", "1000.00", "900.00", "200.00"),
        ("P2", "SNOW", "cost", "0.00", "50.00", "0.00"),
        ("ROOT", "MAINT", "income", "1000.00", "900.00", "None"),
        ("ROOT", "MAINT", "cost", "1000.00", "700.00", "100.00"),
        ("ROOT", "ROAD", "income", "2000.00", "1500.00", "None"),
        ("ROOT", "ROAD", "cost", "2000.00", "1400.00", "400.00"),  # P1 500 + P2 900
        ("ROOT", "SNOW", "cost", "0.00", "50.00", "0.00"),
    ]
    road = rows[7]
    assert str(road.variance) == "600.00" and str(road.available) == "200.00"
    assert road.status is status_of("cost", 200000, 140000, 40000, 140000, facts().settings)
    assert rows[8].status is Status.UNBUDGETED


def test_a_parent_row_is_the_sum_of_the_object_filter_rows():
    f = facts(BUDGETS, ACTUALS, POS)
    for parent in ("ROOT", "P2"):
        filtered = variance_rows(f, *YEAR, AFTER, parent)
        mine = [r for r in parent_rows(f, *YEAR, AFTER) if r.object == parent]
        for kind in ("income", "cost"):
            want = sum(r.actual.minor for r in filtered if r.kind.value == kind)
            got = sum(r.actual.minor for r in mine if r.kind.value == kind)
            assert got == want, (parent, kind)


def test_an_object_limits_the_roll_up_to_the_parents_inside_its_subtree():
    f = facts(BUDGETS, ACTUALS, POS)
    assert {r.object for r in parent_rows(f, *YEAR, AFTER, "P2")} == {"P2"}
    assert parent_rows(f, *YEAR, AFTER, "P1") == []  # no children: no roll-up
    with pytest.raises(NotFound, match="NOPE"):
        parent_rows(f, *YEAR, AFTER, "NOPE")
