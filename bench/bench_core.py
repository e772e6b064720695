"""The core's Variance table on 1,000,000 actual lines against 100,000 budget lines.

Synthetic data, generated with numpy: 5,000 objects in a small tree (10 departments, 490
groups, 4,500 projects), 50 activities, two years of actual lines (2025–2026), 10,000
budgets of 10 lines each (one for 2025 and one for 2026 per object; one in ten corrected;
lines mostly ``days`` phasing, some ``months`` and some a seasonal profile) and 3,000
purchase orders. The report period is 2026, as of 30 September 2026 (the period runs, so
forecasts are run-rates).

The floor, measured in the same run, is pandas grouping the same 1,000,000 lines by
object, activity, kind and month. Targets: the full Variance table (proration, actuals,
commitments, statuses) within 2× of the floor; peak memory under 1 GiB.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd

from bench.harness import Result, absolute, best_of, peak_rss_mib, relative
from pixie_xl.core.money import Money
from pixie_xl.core.monthly import month_frame
from pixie_xl.core.records import (
    BudgetHistory,
    BudgetLine,
    BudgetVersion,
    CrmObject,
    ObjectKind,
    Profile,
    Settings,
    VersionKind,
)
from pixie_xl.core.tree import ObjectTree
from pixie_xl.core.variance import Facts, month_rows, variance_frame, variance_rows

N_ACTUALS = 1_000_000
N_OBJECTS = 5_000
N_ACTIVITIES = 50
LINES_PER_BUDGET = 10
N_POS = 3_000
FROM, TO, TODAY = date(2026, 1, 1), date(2026, 12, 31), date(2026, 9, 30)
SEASON = Profile("Season", tuple(Decimal(w) for w in (1, 1, 2, 2, 3, 3, 3, 2, 2, 1, 1, "0.5")))


def objects() -> list[CrmObject]:
    out = [CrmObject(f"D{i:02d}", f"Department {i}", ObjectKind.DEPARTMENT) for i in range(10)]
    out += [
        CrmObject(f"G{i:03d}", f"Group {i}", ObjectKind.COST_CENTRE, f"D{i % 10:02d}")
        for i in range(490)
    ]
    out += [
        CrmObject(f"P{i:04d}", f"Project {i}", ObjectKind.PROJECT, f"G{i % 490:03d}")
        for i in range(N_OBJECTS - 500)
    ]
    return out


def budgeted(obj: int, j):
    """Activity of an object's ``j``-th budget line (j ≥ 10: an activity it has no budget for;
    7 is prime to 50, so an object's first 11 activities are distinct)."""
    return (obj * 7 + j) % N_ACTIVITIES


def budgets(ids: list[str], rng: np.random.Generator) -> list[BudgetHistory]:
    created = datetime(2024, 12, 1, tzinfo=UTC)
    out = []
    phasings = rng.choice(["days", "months", "Season"], p=[0.8, 0.15, 0.05], size=len(ids) * 20)
    amounts = rng.integers(0, 5_000_000, size=(len(ids) * 2 * LINES_PER_BUDGET, 3))
    k = 0
    for i, oid in enumerate(ids):
        for year in (2025, 2026):
            acts = [budgeted(i, j) for j in range(LINES_PER_BUDGET)]
            lines = []
            for a in acts:
                inc, cost, fix = (int(x) for x in amounts[k])
                lines.append(
                    BudgetLine(f"A{a:02d}", Money(inc if a % 3 == 0 else 0), Money(cost),
                               str(phasings[k]))
                )  # fmt: skip
                k += 1
            master = BudgetVersion(f"B{i}-{year}", 0, VersionKind.MASTER, oid, date(year, 1, 1),
                                   date(year, 12, 31), tuple(lines), created, 1)  # fmt: skip
            versions = [master]
            if i % 10 == 0:
                fixed = tuple(BudgetLine(ln.activity, ln.income, Money(fix), ln.phasing)
                              for ln in lines)  # fmt: skip
                versions.append(
                    BudgetVersion(master.budget_id, 1, VersionKind.CORRECTION, oid, master.start,
                                  master.end, fixed, created, 2)
                )  # fmt: skip
            out.append(BudgetHistory(tuple(versions)))
    return out


def codes_frame(columns: dict[str, tuple[np.ndarray, list[str]]], **plain) -> pd.DataFrame:
    data = {
        name: pd.Categorical.from_codes(codes, categories=cats)
        for name, (codes, cats) in columns.items()
    }
    return pd.DataFrame({**data, **plain})


def facts(seed: int = 7) -> Facts:
    rng = np.random.default_rng(seed)
    objs = objects()
    ids = [o.id for o in objs]
    acts = [f"A{a:02d}" for a in range(N_ACTIVITIES)]
    first = np.datetime64("2025-01-01")
    # actual lines mostly on the activities their object budgets, one in eleven not
    on = rng.integers(0, N_OBJECTS, N_ACTUALS, dtype=np.int32)
    what = budgeted(on.astype(np.int64), rng.integers(0, LINES_PER_BUDGET + 1, N_ACTUALS))
    actuals = codes_frame(
        {
            "object": (on, ids),
            "activity": (what.astype(np.int8), acts),
            "kind": (rng.integers(0, 2, N_ACTUALS, dtype=np.int8), ["income", "cost"]),
        },
        date=(first + rng.integers(0, 730, N_ACTUALS)).astype("datetime64[ns]"),
        amount=rng.integers(-5_000, 200_000, N_ACTUALS, dtype=np.int64),
    )
    commitments = codes_frame(
        {
            "object": (rng.integers(0, N_OBJECTS, N_POS, dtype=np.int32), ids),
            "activity": (rng.integers(0, N_ACTIVITIES, N_POS, dtype=np.int8), acts),
        },
        date=(first + rng.integers(0, 730, N_POS)).astype("datetime64[ns]"),
        amount=rng.integers(0, 10_000_000, N_POS, dtype=np.int64),
    )
    return Facts(
        objects=ObjectTree(objs),
        settings=Settings(),
        profiles={"Season": SEASON},
        budgets=budgets(ids, rng),
        actuals=actuals,
        commitments=commitments,
    )


def floor_groupby(actuals: pd.DataFrame) -> pd.Series:
    month = actuals["date"].to_numpy().astype("datetime64[M]")
    return (
        actuals.assign(month=month)
        .groupby(["object", "activity", "kind", "month"], observed=True)["amount"]
        .sum()
    )


def run() -> list[Result]:
    t0 = time.perf_counter()
    f = facts()
    built = time.perf_counter() - t0
    n_lines = sum(
        len(v.lines) for h in f.budgets for v in {id(v): v for v in (h.master, h.current)}.values()
    )
    print(f"data: {len(f.actuals):,} actual lines, {n_lines:,} budget lines in "
          f"{len(f.budgets):,} budgets, {len(f.commitments):,} POs ({built:.1f} s)")  # fmt: skip

    floor = best_of(lambda: floor_groupby(f.actuals))
    t0 = time.perf_counter()
    table = variance_frame(f, FROM, TO, TODAY)  # first call: converts the budgets to arrays
    cold = time.perf_counter() - t0
    warm = best_of(lambda: variance_frame(f, FROM, TO, TODAY))
    rows_s = best_of(lambda: variance_rows(f, FROM, TO, TODAY), repeat=1)
    month_table_s = best_of(lambda: month_frame(f, FROM, TO), repeat=1)
    months_s = best_of(lambda: month_rows(f, FROM, TO), repeat=1)
    subtree_s = best_of(lambda: variance_frame(f, FROM, TO, TODAY, object_id="D03"))
    memory = peak_rss_mib()
    # the same with plain text columns, as the cache and the service load them from SQL
    # (measured after the memory figure: the text columns alone take ~200 MiB more)
    text = dataclasses.replace(
        f,
        actuals=f.actuals.astype({k: str for k in ("object", "activity", "kind")}),
        commitments=f.commitments.astype({k: str for k in ("object", "activity")}),
    )
    text_floor = best_of(lambda: floor_groupby(text.actuals))
    variance_frame(text, FROM, TO, TODAY)
    text_warm = best_of(lambda: variance_frame(text, FROM, TO, TODAY))
    statuses = table["status"].value_counts().to_dict()
    print(f"variance: {len(table):,} rows, statuses {statuses}")
    return [
        absolute("pandas_groupby_1m_floor", floor, "s", None),
        relative("variance_table_1m_actuals_100k_budget_lines", warm, floor, "s", 2.0),
        absolute("variance_table_first_call_incl_budget_conversion", cold, "s", None, floor=floor),
        absolute("variance_rows_as_records", rows_s, "s", None, floor=floor),
        absolute("variance_table_one_department", subtree_s, "s", None, floor=floor),
        absolute("month_table_1m_actuals", month_table_s, "s", None, floor=floor),
        absolute("month_rows_as_records", months_s, "s", None, floor=floor),
        absolute("core_peak_memory", memory, "MiB", 1024.0),
        relative("variance_table_text_columns", text_warm, text_floor, "s", 2.0),
    ]
