"""The Months sheet: budget, actual and variance with the months across (issue 11 item 3).

One row per object, activity and kind with its *own* figures (scope ``own``), then one row
per parent object, activity and kind with the figures of the parent and all its
descendants (scope ``subtree``), each the sum of what :func:`.monthly.month_rows` gives for
that parent (the ``object=`` filter's rows, i.e. the own rows of its subtree), so nothing
is computed twice a different way.

Months after the last month that has any actual in the report show the budget and leave
actual and variance blank (``None``): a month not yet booked is not a favourable variance.
The row's totals are those of the whole period, as in the Variance table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from .facts import Facts
from .money import Money
from .monthly import month_rows, report_months
from .records import Kind

OWN = "own"
SUBTREE = "subtree"


@dataclass(frozen=True, slots=True)
class AcrossRow:
    """One row of the Months table: the figures of each report month, then the totals."""

    object: str
    object_name: str
    activity: str
    kind: Kind
    scope: str
    budgets: tuple[Money, ...]
    #: None for the months after the last month with actuals
    actuals: tuple[Money | None, ...]
    variances: tuple[Money | None, ...]
    budget: Money
    actual: Money
    variance: Money


@dataclass(frozen=True, slots=True)
class MonthsAcross:
    months: tuple[date, ...]
    #: the last month with any actual in the report, None if there is none
    last_actual: date | None
    rows: tuple[AcrossRow, ...]


def months_across(
    facts: Facts, frm: date, to: date, object_id: str | None = None, own=None
) -> MonthsAcross:
    """Own rows of ``object_id``'s subtree (``None``: everything), then the parents' rows;
    ``own``: :func:`.monthly.month_rows` of the same arguments, where the caller has them."""
    months = tuple(m for m, _, _ in report_months(frm, to))
    own = month_rows(facts, frm, to, object_id) if own is None else own
    booked = [r.month for r in own if r.actual.minor]
    last = max(booked) if booked else None
    rows = _pivot(facts, own, months, last, OWN, by_object=True)
    tree = facts.objects
    scope = tree.subtree(object_id) if object_id not in (None, "*") else None
    for p in sorted(p for p, kids in tree.children.items() if kids):
        if scope is None or p in scope:
            sub = tree.subtree(p)  # the object= filter's rows of p: taken from ``own``
            mine = [r for r in own if r.object in sub]
            rows += _pivot(facts, mine, months, last, SUBTREE, p)
    return MonthsAcross(months, last, tuple(rows))


def _pivot(facts, rows, months, last, scope, parent=None, by_object=False) -> list[AcrossRow]:
    """Month rows summed per (object or ``parent``), activity and kind, months across."""
    cur = facts.settings.currency
    at = {m: i for i, m in enumerate(months)}
    sums: dict[tuple, list[list[int]]] = defaultdict(lambda: [[0] * len(months), [0] * len(months)])
    for r in rows:
        key = (r.object if by_object else parent, r.activity, r.kind)
        sums[key][0][at[r.month]] += r.budget.minor
        sums[key][1][at[r.month]] += r.actual.minor
    order = {Kind.INCOME: 0, Kind.COST: 1}
    out = []
    for (obj, activity, kind), (bud, act) in sorted(
        sums.items(), key=lambda kv: (kv[0][0], kv[0][1], order[kv[0][2]])
    ):
        sign = 1 if kind is Kind.INCOME else -1  # variance: actual − budget for income
        shown = [last is not None and m <= last for m in months]
        out.append(
            AcrossRow(
                object=obj,
                object_name=facts.name(obj),
                activity=activity,
                kind=kind,
                scope=scope,
                budgets=tuple(Money(b, cur) for b in bud),
                actuals=tuple(
                    Money(a, cur) if s else None for a, s in zip(act, shown, strict=True)
                ),
                variances=tuple(
                    Money(sign * (a - b), cur) if s else None
                    for a, b, s in zip(act, bud, shown, strict=True)
                ),
                budget=Money(sum(bud), cur),
                actual=Money(sum(act), cur),
                variance=Money(sign * (sum(act) - sum(bud)), cur),
            )
        )
    return out
