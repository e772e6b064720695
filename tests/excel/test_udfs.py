"""The worksheet formulas on a small hand-made cache (no Excel, no service).

DEPT has two projects, P1 and P2; the actual lines below are few enough to add by hand.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pixie_xl.excel import cache as cache_mod
from pixie_xl.excel import udfs

ACTUALS = pd.DataFrame(
    [
        # object, activity, kind, date, amount (cents)
        ("P1", "ROAD", "cost", date(2026, 1, 5), 100_00),
        ("P1", "ROAD", "cost", date(2026, 2, 10), 250_50),
        ("P1", "MAINT", "cost", date(2026, 2, 11), 40_00),
        ("P2", "ROAD", "cost", date(2026, 3, 1), 999_99),
        ("P2", "ROAD", "income", date(2026, 3, 15), 1500_00),
    ],
    columns=["object", "activity", "kind", "date", "amount"],
)
ORDERS = pd.DataFrame(
    [("P1", "ROAD", date(2026, 2, 1), 300_00)], columns=["object", "activity", "date", "amount"]
)


SERVER_TIME = datetime(2026, 3, 20, 8, 0, tzinfo=timezone(timedelta(hours=1)))


def budget(bid: str, obj_id: str, *versions: dict) -> list[dict]:
    """A budget's versions as the service sends them: 2026, one ROAD line each."""
    return [
        {"id": bid, "object": obj_id, "start": "2026-01-01", "end": "2026-12-31", "version": n,
         "kind": "master" if n == 1 else "correction", "created_at": "2026-01-05T09:00:00+01:00",
         "lines": [{"activity": "ROAD", "phasing": "days", **amounts}]}
        for n, amounts in enumerate(versions, start=1)
    ]  # fmt: skip


@pytest.fixture
def lookup(tmp_path, monkeypatch):
    """The Lookup of a real cache, filled as a refresh would leave it."""
    cache = cache_mod.Cache("http://fake:1", tmp_path)
    cache.fill(
        settings={"timezone": "Europe/Amsterdam", "currency": "EUR"},
        objects=[
            {"id": "DEPT", "name": "Roads", "kind": "department", "currency": "EUR"},
            {"id": "P1", "name": "P1", "kind": "project", "parent": "DEPT"},
            {"id": "P2", "name": "P2", "kind": "project", "parent": "DEPT"},
        ],
        activities=[{"code": "ROAD", "name": "Road work"}, {"code": "MAINT", "name": "M"}],
        lines=[
            (f"L{i}", f"T{i}", o, a, k, str(day), None, amount, "")
            for i, (o, a, k, day, amount) in enumerate(ACTUALS.itertuples(index=False))
        ],
        pos=[
            (f"PO{i}", o, a, "Vendor", str(day), amount, 0, "approved")
            for i, (o, a, day, amount) in enumerate(ORDERS.itertuples(index=False))
        ],
        budgets=[
            # P1: 365.00 of road work over 2026, corrected to 730.00
            budget("B1", "P1", {"cost": "365.00"}, {"cost": "730.00"}),
            # P2: 3,650.00 of income over 2026
            budget("B2", "P2", {"income": "3650.00"}),
        ],
        server_time=SERVER_TIME,
    )
    lk = cache.lookup()
    assert lk.today == date(2026, 3, 20)  # the server's day, not this machine's
    # the formulas find it as in Excel without a Pixie sheet: by PIXIE_SERVER
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PIXIE_SERVER", "http://fake:1")
    udfs.forget()
    yield lk
    udfs.forget()


Q1 = (date(2026, 1, 1), date(2026, 3, 31))


def test_actual_of_a_project_an_activity_and_a_period(lookup):
    assert udfs.PIXIE_ACTUAL("P1", "ROAD", *Q1, "cost") == 350.50
    assert udfs.PIXIE_ACTUAL("P1", "ROAD", date(2026, 2, 10), date(2026, 2, 10)) == 250.50
    assert udfs.PIXIE_ACTUAL("P1", "*", *Q1) == 390.50
    assert udfs.PIXIE_ACTUAL("P2", "ROAD", *Q1, "income") == 1500.00


def test_a_parent_includes_its_descendants(lookup):
    assert udfs.PIXIE_ACTUAL("DEPT", "ROAD", *Q1, "cost") == 1350.49
    assert udfs.PIXIE_ACTUAL("*", "*", *Q1, "cost") == 1390.49


def test_budget_is_prorated_by_days_current_or_original(lookup):
    # Q1 2026 has 90 of 365 days
    assert udfs.PIXIE_BUDGET("P1", "ROAD", *Q1, "cost") == 180.00
    assert udfs.PIXIE_BUDGET("P1", "ROAD", *Q1, "cost", "original") == 90.00
    assert udfs.PIXIE_BUDGET("DEPT", "*", *Q1, "income") == 900.00
    assert udfs.PIXIE_BUDGET("P2", "MAINT", *Q1, "income") == 0


def test_variance_and_available_follow_the_variance_table(lookup):
    # cost: budget 180.00 − actual 350.50; available also takes the 300.00 committed
    assert udfs.PIXIE_VARIANCE("P1", "ROAD", *Q1, "cost") == -170.50
    assert udfs.PIXIE_AVAILABLE("P1", "ROAD", *Q1) == -470.50
    # income: actual 1,500.00 − budget 900.00 is favourable
    assert udfs.PIXIE_VARIANCE("P2", "ROAD", *Q1, "income") == 600.00


def test_status_of_rolled_up_figures(lookup):
    # P1 road: 350.50 spent + 300.00 committed against 180.00
    assert udfs.PIXIE_STATUS("P1", "ROAD", *Q1, "cost") == "OVER"
    # P2 income: 1,500.00 in 79 of 90 days runs ahead of 900.00
    assert udfs.PIXIE_STATUS("P2", "ROAD", *Q1, "income") == "OK"
    # maintenance has actuals and no budget
    assert udfs.PIXIE_STATUS("P1", "MAINT", *Q1, "cost") == "UNBUDGETED"
    assert udfs.PIXIE_STATUS("P2", "MAINT", *Q1, "cost") == "OK"


def test_a_period_without_lines_is_zero(lookup):
    assert udfs.PIXIE_ACTUAL("P1", "ROAD", date(2026, 4, 1), date(2026, 12, 31)) == 0
    assert udfs.PIXIE_ACTUAL("P2", "MAINT", *Q1) == 0


def test_committed_is_dated_by_the_order(lookup):
    assert udfs.PIXIE_COMMITTED("DEPT", "*", *Q1) == 300.00
    assert udfs.PIXIE_COMMITTED("P1", "ROAD", date(2026, 1, 1), date(2026, 1, 31)) == 0


def test_dates_as_excel_serials_datetimes_and_text(lookup):
    serial_jan1, serial_mar31 = 46023.0, 46112.0  # what Excel holds for those dates
    expected = udfs.PIXIE_ACTUAL("P1", "*", *Q1)
    assert udfs.PIXIE_ACTUAL("P1", "*", serial_jan1, serial_mar31) == expected
    assert udfs.PIXIE_ACTUAL("P1", "*", datetime(2026, 1, 1), datetime(2026, 3, 31)) == expected
    assert udfs.PIXIE_ACTUAL("P1", "*", "2026-01-01", "2026-03-31") == expected


def test_codes_as_typed_with_spaces_and_the_kind_in_any_case(lookup):
    assert udfs.PIXIE_ACTUAL(" P1 ", "ROAD ", *Q1, "Cost") == 350.50
    assert udfs.PIXIE_ACTUAL("P2", "ROAD", *Q1, " INCOME") == 1500.00
    assert udfs.PIXIE_ACTUAL("P1", "ROAD", *Q1, "") == 350.50  # a blank kind is cost


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("P-9", "*", *Q1), '#PIXIE! unknown object "P-9"'),
        (("P1", "PAVE", *Q1), '#PIXIE! unknown activity "PAVE"'),
        (("P1", "*", "next week", Q1[1]), '#PIXIE! from date "next week" is not a date'),
        (("P1", "*", Q1[1], Q1[0]), "#PIXIE! to date is before from date"),
        (("P1", "*", *Q1, "profit"), '#PIXIE! kind "profit" is not income or cost'),
        (("P1", "*", None, Q1[1]), '#PIXIE! from date "None" is not a date'),
        # P1's road work has an open order: its committed sums exist, yet are no actual
        (("P1", "ROAD", *Q1, "committed"), '#PIXIE! kind "committed" is not income or cost'),
        (("P1", "ROAD", Q1[1], Q1[0]), "#PIXIE! to date is before from date"),
    ],
)
def test_a_bad_argument_gives_readable_text(lookup, args, text):
    assert udfs.PIXIE_ACTUAL(*args) == text


def test_without_any_refresh_the_cell_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("PIXIE_SERVER", raising=False)
    udfs.forget()
    text = udfs.PIXIE_ACTUAL("P1", "*", *Q1)
    udfs.forget()
    assert text.startswith("#PIXIE! no data yet")


def test_last_refresh_is_a_time(lookup):
    assert isinstance(udfs.PIXIE_LAST_REFRESH(), datetime)


# --- PIXIE_ALLOCATE --------------------------------------------------------------------


def test_allocate_gives_the_extra_penny_to_the_largest_remainder():
    parts = udfs.PIXIE_ALLOCATE(100.0, [[1], [1], [1]])
    assert [p[0] for p in parts] == [33.34, 33.33, 33.33]


def test_allocate_keeps_the_shape_of_a_row_of_weights():
    assert udfs.PIXIE_ALLOCATE(10.0, [[1, 3]]) == [[2.5, 7.5]]


def test_allocate_refuses_bad_weights_with_text():
    assert udfs.PIXIE_ALLOCATE(10.0, [[0, 0]]) == "#PIXIE! weights are all zero"
    assert udfs.PIXIE_ALLOCATE(10.0, [[1, -1]]).startswith("#PIXIE! weights must")
    assert udfs.PIXIE_ALLOCATE(10.0, [["x", 1]]).startswith("#PIXIE! weights must")
    assert udfs.PIXIE_ALLOCATE(10.001, [[1]]).startswith("#PIXIE!")


@given(
    cents=st.integers(0, 10**12),
    weights=st.lists(st.integers(0, 1000), min_size=1, max_size=12).filter(any),
)
def test_allocated_parts_add_up_exactly(cents, weights):
    amount = float(Decimal(cents) / 100)
    parts = udfs.PIXIE_ALLOCATE(amount, [[w] for w in weights])
    total = sum(Decimal(str(p[0])) for p in parts)
    assert total == Decimal(cents) / 100


def test_a_cache_made_after_the_first_formula_is_found(monkeypatch, tmp_path):
    """A formula typed before the first refresh starts working once a refresh ran."""
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PIXIE_SERVER", "http://later:1")
    udfs.forget()
    assert udfs.PIXIE_LAST_REFRESH().startswith("#PIXIE! no data yet")
    cache_mod.Cache("http://later:1").fill(
        settings={"timezone": "UTC", "currency": "EUR"},
        objects=[{"id": "P1", "name": "P1", "kind": "project"}],
        activities=[{"code": "ROAD", "name": "Road"}],
        lines=[("L1", "T1", "P1", "ROAD", "cost", "2026-01-05", None, 100_00, "")],
    )
    assert udfs.PIXIE_ACTUAL("P1", "*", *Q1) == 100.00
    # a refresh in this process shows at once
    cache_mod.Cache("http://later:1").fill(
        settings={"timezone": "UTC", "currency": "EUR"},
        objects=[],
        activities=[],
        lines=[("L2", "T2", "P1", "ROAD", "cost", "2026-01-06", None, 50_00, "")],
    )
    assert udfs.PIXIE_ACTUAL("P1", "*", *Q1) == 150.00
    udfs.forget()


def test_a_code_only_the_lines_know_is_refused_as_unknown(monkeypatch, tmp_path):
    """A line may name an object or an activity that the cache's lists lack; the
    roll-ups hold its amounts, but a formula naming that code is refused like any other."""
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PIXIE_SERVER", "http://lines:1")
    udfs.forget()
    cache_mod.Cache("http://lines:1").fill(
        settings={"timezone": "UTC", "currency": "EUR"},
        objects=[{"id": "P1", "name": "P1", "kind": "project"}],
        activities=[{"code": "ROAD", "name": "Road"}],
        lines=[
            ("L1", "T1", "P1", "ROAD", "cost", "2026-01-05", None, 100_00, ""),
            ("L2", "T2", "P9", "ROAD", "cost", "2026-01-06", None, 7_00, ""),
            ("L3", "T3", "P1", "PAVE", "cost", "2026-01-07", None, 5_00, ""),
        ],
    )
    assert udfs.PIXIE_ACTUAL("P9", "ROAD", *Q1) == '#PIXIE! unknown object "P9"'
    assert udfs.PIXIE_ACTUAL("P1", "PAVE", *Q1) == '#PIXIE! unknown activity "PAVE"'
    assert udfs.PIXIE_ACTUAL("P1", "*", *Q1) == 105.00
    assert udfs.PIXIE_ACTUAL("*", "ROAD", *Q1) == 107.00
    udfs.forget()


def test_the_calling_workbook_names_its_server(monkeypatch, tmp_path):
    """xlwings passes the calling cell as ``caller``; its workbook's Pixie sheet wins."""
    from types import SimpleNamespace

    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PIXIE_SERVER", "http://other:1")
    udfs.forget()
    for url, cents in (("http://mine:1", 100_00), ("http://other:1", 7_00)):
        cache_mod.Cache(url).fill(
            settings={"timezone": "UTC", "currency": "EUR"},
            objects=[{"id": "P1", "name": "P1", "kind": "project"}],
            activities=[{"code": "ROAD", "name": "Road"}],
            lines=[("L1", "T1", "P1", "ROAD", "cost", "2026-01-05", None, cents, "")],
        )
    pixie = {"B3": SimpleNamespace(value="http://mine:1")}
    sheets = {"Pixie": SimpleNamespace(range=pixie.__getitem__)}
    caller = SimpleNamespace(sheet=SimpleNamespace(book=SimpleNamespace(
        fullname="C:/Budgets/Mine.xlsm", sheets=sheets)))  # fmt: skip
    assert udfs.PIXIE_ACTUAL("P1", "*", *Q1, "cost", caller) == 100.00
    assert udfs.PIXIE_ACTUAL("P1", "*", *Q1, "cost") == 7.00  # no caller: PIXIE_SERVER
    udfs.forget()
