"""The formulas against the core's Variance rows, on a cache filled with the demo data.

No service: the cache is filled directly, as a refresh would leave it. Every Variance row's
figures must come back from the formulas, and a parent's figures must be its rows' sums.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from pixie_xl.core import variance
from pixie_xl.core.money import Money
from pixie_xl.demo import dataset
from pixie_xl.excel import cache as cache_mod
from pixie_xl.excel import udfs

FROM, TO = date(2026, 1, 1), date(2026, 12, 31)
Q2 = (date(2026, 4, 1), date(2026, 6, 30))


def cents(text: str) -> int:
    return Money.of(text or "0").minor


@pytest.fixture(scope="module")
def lookup(tmp_path_factory):
    root = tmp_path_factory.mktemp("cache")
    ds = dataset.generate()
    cache = cache_mod.Cache("http://demo:1", root)
    budgets = []
    for i, project in enumerate(dataset.PLAN):
        rows = [r for r in ds.good_budgets if r[2] == project]
        master = {
            "id": f"B{i}", "object": project, "start": rows[0][3], "end": rows[0][4],
            "version": 1, "kind": "master", "created_at": "2026-01-05T09:00:00+01:00",
            "lines": [{"activity": r[5], "income": r[6], "cost": r[7], "phasing": r[8]}
                      for r in rows],
        }  # fmt: skip
        versions = [master]
        if project == "P-100":  # a correction raising the first line's cost by 10,000
            lines = [dict(ln) for ln in master["lines"]]
            lines[0]["cost"] = str(Decimal(lines[0]["cost"]) + 10000)
            versions.append(dict(master, version=2, kind="correction", lines=lines,
                                 created_at="2026-03-01T09:00:00+01:00"))  # fmt: skip
        budgets.append(versions)
    cache.fill(
        settings={"timezone": "Europe/Amsterdam", "currency": "EUR"},
        objects=[
            dict(zip(["id", "name", "kind", "parent", "currency"], o, strict=True))
            for o in ds.objects
        ],
        activities=[{"code": a[0], "name": a[1], "active": a[2] == "true"} for a in ds.activities],
        lines=[(r[0], r[1], r[2], r[3], r[5], r[6], r[4], cents(r[7]), r[8]) for r in ds.lines],
        pos=[(*r[:5], cents(r[5]), cents(r[6]), r[7]) for r in ds.orders],
        budgets=budgets,
        server_time=datetime(2026, 11, 2, 8, tzinfo=timezone(timedelta(hours=1))),
    )
    return cache.lookup()


@pytest.fixture(autouse=True)
def use(lookup, monkeypatch):
    """The formulas find the demo cache by PIXIE_SERVER, as in Excel without a Pixie sheet."""
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(lookup.cache.dir.parent))
    monkeypatch.setenv("PIXIE_SERVER", "http://demo:1")
    udfs.forget()
    yield
    udfs.forget()


def dec(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


@pytest.mark.parametrize("period", [(FROM, TO), Q2])
def test_every_variance_row_comes_back_from_the_formulas(lookup, period):
    rows = variance.variance_rows(lookup.facts, *period, lookup.today)
    assert rows
    for r in rows:
        args = (r.object, r.activity, *period, str(r.kind))
        assert dec(udfs.PIXIE_ACTUAL(*args)) == r.actual.decimal, args
        assert dec(udfs.PIXIE_BUDGET(*args)) == r.current.decimal, args
        assert dec(udfs.PIXIE_BUDGET(*args, "original")) == r.original.decimal, args
        assert dec(udfs.PIXIE_VARIANCE(*args)) == r.variance.decimal, args
        assert udfs.PIXIE_STATUS(*args) == str(r.status), args
        if r.committed is not None:
            assert dec(udfs.PIXIE_COMMITTED(*args[:4])) == r.committed.decimal, args
            assert dec(udfs.PIXIE_AVAILABLE(*args[:4])) == r.available.decimal, args


def test_a_parent_is_the_sum_of_its_projects(lookup):
    rows = variance.variance_rows(lookup.facts, FROM, TO, lookup.today, object_id="DEPT-ROADS")
    for kind in ("cost", "income"):
        mine = [r for r in rows if str(r.kind) == kind]
        assert dec(udfs.PIXIE_ACTUAL("DEPT-ROADS", "*", FROM, TO, kind)) == sum(
            (r.actual.decimal for r in mine), Decimal(0)
        )
        assert dec(udfs.PIXIE_BUDGET("DEPT-ROADS", "*", FROM, TO, kind)) == sum(
            (r.current.decimal for r in mine), Decimal(0)
        )
    everything = variance.totals(variance.variance_rows(lookup.facts, FROM, TO, lookup.today))
    assert (
        dec(udfs.PIXIE_ACTUAL("*", "*", FROM, TO, "cost"))
        + dec(udfs.PIXIE_ACTUAL("*", "*", FROM, TO, "income"))
        == everything["actual"].decimal
    )


def test_the_correction_shows_beside_the_original(lookup):
    cur = udfs.PIXIE_BUDGET("P-100", "ROAD", FROM, TO, "cost")
    orig = udfs.PIXIE_BUDGET("P-100", "ROAD", FROM, TO, "cost", "original")
    assert dec(cur) - dec(orig) == Decimal("10000.00")


def test_the_table_formula_has_a_header_and_the_subtree_rows(lookup):
    table = udfs.PIXIE_TABLE("C-PORT", FROM, TO)
    assert table[0] == list(udfs.TABLE_HEADER)
    assert {row[0] for row in table[1:]} == {"P-400"}
    assert all(len(row) == len(udfs.TABLE_HEADER) for row in table)
    assert udfs.PIXIE_TABLE("NOPE", FROM, TO) == '#PIXIE! unknown object "NOPE"'
