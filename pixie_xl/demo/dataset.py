"""A deterministic, realistic demo dataset (SPEC §5 ingest formats).

A roads department with three projects and a customer with one project; activities ROAD,
MAINT, DESIGN, SURVEY (and an inactive LEGACY); a year 2026 of tasks with expense and
income lines up to the end of October; purchase orders in every status. Budgets for 2026
in two files: one with the mistakes accountants make, and its corrected version.

>>> ds = generate()
>>> len(ds.objects), sorted({row[5] for row in ds.lines})
(6, ['cost', 'income'])
>>> generate().lines == ds.lines
True
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path

from pixie_xl.core.records import BUDGET_COLUMNS, INGEST_FORMATS

YEAR = 2026
#: the last day with actuals: the demo's "today" is early November
LAST_ACTUAL = date(YEAR, 10, 31)

OBJECTS = [
    # id, name, kind, parent, currency
    ("DEPT-ROADS", "Roads department", "department", "", "EUR"),
    ("P-100", "Harbour road renewal", "project", "DEPT-ROADS", "EUR"),
    ("P-200", "Ring road maintenance", "project", "DEPT-ROADS", "EUR"),
    ("P-300", "Bridge deck design", "project", "DEPT-ROADS", "EUR"),
    ("C-PORT", "Portvale council", "customer", "", "EUR"),
    ("P-400", "Quay wall survey", "project", "C-PORT", "EUR"),
]
ACTIVITIES = [
    ("ROAD", "Road work", "true"),
    ("MAINT", "Maintenance", "true"),
    ("DESIGN", "Design", "true"),
    ("SURVEY", "Survey", "true"),
    ("LEGACY", "Old cost codes", "false"),
]
#: per project: activity → (yearly cost budget, yearly income budget) in whole euros
PLAN = {
    "P-100": {"ROAD": (180_000, 240_000), "DESIGN": (30_000, 0), "SURVEY": (12_000, 0)},
    "P-200": {"MAINT": (90_000, 110_000), "ROAD": (40_000, 0)},
    "P-300": {"DESIGN": (60_000, 75_000), "SURVEY": (8_000, 0)},
    "P-400": {"SURVEY": (25_000, 36_000), "DESIGN": (10_000, 0)},
}
#: how fast each project really spends against plan by the end of October (10/12 = 83 %)
PACE = {"P-100": 0.95, "P-200": 0.80, "P-300": 0.55, "P-400": 1.30}
#: spending nobody budgeted for: project → activity → yearly cost in whole euros
UNPLANNED = {"P-200": {"SURVEY": (4_800, 0)}}
VENDORS = ["Asfalt & Co", "Nordic Survey", "Bridgeworks Ltd", "Kerb Supplies", "GeoScan"]
#: tasks per project and activity
TASKS = 12
PO_STATUSES = ["draft", "approved", "received", "invoiced", "cancelled"]

BUDGET_HEADER = list(BUDGET_COLUMNS.values())


@dataclass(frozen=True)
class Dataset:
    objects: list[tuple]
    activities: list[tuple]
    #: line_id, task_id, object, activity, task_created, kind, date, amount, reference
    lines: list[tuple]
    #: po_id, object, activity, vendor, ordered_on, amount, invoiced_amount, status
    orders: list[tuple]
    good_budgets: list[list[str]]
    bad_budgets: list[list[str]]


def _cents(x: float) -> str:
    """Whole cents as decimal text (the generator's only float, rounded once here)."""
    cents = round(x * 100)
    return f"{cents // 100}.{cents % 100:02d}"


def generate(seed: int = 2026) -> Dataset:
    """The whole dataset; the same seed gives the same data."""
    rnd = random.Random(seed)
    lines: list[tuple] = []
    orders: list[tuple] = []
    days = (LAST_ACTUAL - date(YEAR, 1, 1)).days
    task_nos, line_nos = count(1), count(1)
    actual_plan = {p: {**plan, **UNPLANNED.get(p, {})} for p, plan in PLAN.items()}
    for project, plan in actual_plan.items():
        for activity, (cost, income) in plan.items():
            spend = cost * PACE.get(project, 1.0) * 10 / 12
            earn = income * PACE.get(project, 1.0) * 10 / 12
            for _ in range(TASKS):
                task = (f"T-{next(task_nos):04d}", project, activity)
                lines += _task_lines(rnd, task, spend, earn, days, line_nos)
            _add_orders(rnd, orders, project, activity, cost)
    good = _good_budgets()
    return Dataset(OBJECTS, ACTIVITIES, lines, orders, good, _bad_budgets(good))


def _task_lines(rnd, task: tuple, spend: float, earn: float, days: int, line_nos) -> list[tuple]:
    """One task's lines: created on a random day of the year at a random working hour, three
    expense lines within 20 days of it and, where the activity earns, an invoice 30 days on.
    ``task`` is (task_id, object, activity); ``line_nos`` numbers the lines."""
    created = date(YEAR, 1, 1) + timedelta(days=rnd.randrange(days - 20))
    at = datetime(created.year, created.month, created.day, 8 + rnd.randrange(9), rnd.randrange(60))
    head = (*task, at.isoformat() + "+01:00")
    out = []
    for _ in range(3):
        when = min(created + timedelta(days=rnd.randrange(20)), LAST_ACTUAL)
        amount = spend / TASKS / 3 * rnd.uniform(0.7, 1.3)
        out.append(_line(next(line_nos), head, "cost", when, amount, "EXP"))
    if earn:
        when = min(created + timedelta(days=30), LAST_ACTUAL)
        amount = earn / TASKS * rnd.uniform(0.8, 1.2)
        out.append(_line(next(line_nos), head, "income", when, amount, "INV"))
    return out


def _line(n: int, head: tuple, kind: str, when: date, amount: float, ref: str) -> tuple:
    """Actual line ``n`` in the ingest format (``head``: task_id, object, activity, created)."""
    return (f"L-{n:05d}", *head, kind, when.isoformat(), _cents(amount), f"{ref}-{n:05d}")


def _add_orders(rnd, orders: list[tuple], project: str, activity: str, cost: int) -> None:
    """A purchase order in each status for one activity of a project, appended to ``orders``."""
    for k, status in enumerate(PO_STATUSES):
        amount = cost * rnd.uniform(0.02, 0.06)
        invoiced = amount * (0.4 if status in ("received", "invoiced") else 0.0)
        if status == "invoiced":
            invoiced = amount
        ordered = date(YEAR, 1 + (k * 2 + len(orders)) % 10, 1 + rnd.randrange(27))
        orders.append(
            (
                f"PO-{len(orders) + 1:04d}",
                project,
                activity,
                VENDORS[len(orders) % len(VENDORS)],
                ordered.isoformat(),
                _cents(amount),
                _cents(invoiced),
                status,
            )
        )


def _good_budgets() -> list[list[str]]:
    rows = []
    for project, plan in PLAN.items():
        phasing = "months" if project == "P-200" else "days"
        for activity, (cost, income) in plan.items():
            rows.append(
                [
                    "",
                    "",
                    project,
                    f"{YEAR}-01-01",
                    f"{YEAR}-12-31",
                    activity,
                    f"{income}.00" if income else "",
                    f"{cost}.00",
                    phasing,
                    "",
                ]
            )
    return rows


def _bad_budgets(good: list[list[str]]) -> list[list[str]]:
    """The same budgets with five classic mistakes."""
    bad = [list(r) for r in good]
    bad[0][7] = "12,5O"  # a text amount: comma and a letter O
    bad[3][5] = "MAINTENANCE"  # an unknown activity
    bad[5][3], bad[5][4] = f"{YEAR}-12-31", f"{YEAR}-01-01"  # end before start (P-300)
    bad[6][4] = f"{YEAR}-01-01"
    bad[6][3] = f"{YEAR}-12-31"
    bad.append(list(bad[7]))  # a duplicate activity line (P-400 SURVEY twice)
    # an overlap: a second P-100 budget for the summer
    bad.append(
        [
            "",
            "",
            "P-100",
            f"{YEAR}-06-01",
            f"{YEAR}-08-31",
            "ROAD",
            "",
            "5000.00",
            "days",
            "summer works",
        ]
    )
    return bad


def write(ds: Dataset, folder: Path) -> dict[str, Path]:
    """Write the CSV files the demo ingests and imports; returns them by name."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {
        "objects": ds.objects,
        "activities": ds.activities,
        "actuals": ds.lines,
        "purchase_orders": ds.orders,
    }
    files = {name: (list(INGEST_FORMATS[name]), rows[name]) for name in rows}
    files |= {
        "budgets_with_mistakes": (BUDGET_HEADER, ds.bad_budgets),
        "budgets": (BUDGET_HEADER, ds.good_budgets),
    }
    out = {}
    for name, (header, rows) in files.items():
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)
        out[name] = path
    return out
