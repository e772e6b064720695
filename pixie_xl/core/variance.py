"""The Variance table, its months, alerts and single figures (SPEC §3 "Variance table").

One row per object, activity and kind with a non-zero budget, actual or commitment in the
report period ``frm..to``; each row holds the object's *own* figures, so column totals never
count twice. Budgets are prorated to the period (:mod:`.phasing`): *original* from each
budget's master, *current* from its newest version (R5).

Formulas (positive variance is favourable):

==========  =================================  ==============================
column      cost rows                          income rows
==========  =================================  ==============================
variance    current − actual                   actual − current
available   current − actual − committed       blank
used %      (actual + committed) / current     actual / current
status      OVER if actual + committed >       BEHIND if forecast <
            current × over_ratio; WARN if ≥    current × warn_ratio, else OK
            current × warn_ratio; else OK
==========  =================================  ==============================

Variance % = variance / current. The percentages are fractions (``0.1234`` is 12.34 %)
rounded half-even to four places, and blank (``None``) where the current budget is 0. A
row whose current budget is 0 but that has actuals or commitments is ``UNBUDGETED``.

Decisions where the specification is silent:

* **Commitments** count in the period their purchase order was placed in (``ordered_on``
  within ``frm..to``): an order is a commitment from the day it is placed.
* **Forecast** while the period runs (``frm ≤ today ≤ to``) is the run-rate
  ``actual / elapsed days × period days`` with ``elapsed = today − frm + 1``, rounded
  half-even; once the period has ended it is the actual. *Before the period starts* there
  is no run-rate yet: the forecast is the plan, i.e. the current budget, or the actual if
  more has already been booked (``max(actual, current)``). So no income row is ``BEHIND``
  before its period begins.
* **Income status** compares the forecast as shown (rounded to the minor unit).
* **One currency.** Rows are in the company currency (``settings.currency``). Objects in
  another currency are refused by the service at ingest; a budget line in another currency
  reaching the core is refused here (``currency_mismatch``).
* An object that appears in actuals but not in the object tree is shown with its id as its
  name; filtering by an unknown object id is refused (``not_found``).

:func:`variance_frame` is the vectorised engine (numpy/pandas over the actual lines,
integer proration over the budget lines); :func:`variance_rows` turns its result into
:class:`~.records.VarianceRow` records.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from .facts import Facts, budget_table, period_sums, texts
from .gcpause import no_gc
from .money import Money
from .monthly import figure, month_rows
from .phasing import mul_div_round
from .records import Kind, Settings, Status, VarianceRow

__all__ = [
    "Facts",
    "alerts",
    "budget_table",
    "figure",
    "kind_totals",
    "month_rows",
    "parent_frame",
    "parent_rows",
    "period_sums",
    "totals",
    "variance_frame",
    "variance_rows",
]

MONEY_COLUMNS = ("original", "current", "actual", "committed", "variance", "available", "forecast")
_STATUS_ORDER = {s: i for i, s in enumerate(Status)}
_INT62 = 2**62


# --- the Variance table --------------------------------------------------------------------


def _times(a: np.ndarray, k: int) -> np.ndarray:
    """``a × k`` exactly: int64 when it fits, Python integers when it would not."""
    if len(a) and int(np.abs(a).max()) * abs(k) >= _INT62:
        return a.astype(object) * k
    return a * k


def _ratio(r: Decimal) -> tuple[int, int]:
    f = Fraction(r)
    return f.numerator, f.denominator


def _pct(num: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """``num / cur`` in ten-thousandths, half-even (0 where ``cur`` is 0)."""
    sign = np.sign(cur)
    den = np.where(cur == 0, 1, np.abs(cur))
    out = np.zeros(len(num), dtype=np.int64)
    ok = cur != 0
    out[ok] = mul_div_round(num[ok] * sign[ok], 10000, den[ok])
    return out


def _forecast(actual: np.ndarray, current: np.ndarray, frm: date, to: date, today: date):
    if today > to:
        return actual.copy()
    if today < frm:
        return np.maximum(actual, current)
    period = (to - frm).days + 1
    elapsed = (today - frm).days + 1
    return mul_div_round(actual, period, elapsed)


def statuses(
    cost: np.ndarray,
    current: np.ndarray,
    actual: np.ndarray,
    committed: np.ndarray,
    forecast: np.ndarray,
    settings: Settings,
) -> np.ndarray:
    """The status word of each row (SPEC §3), exactly: ratios compared as fractions.

    The vectorised twin of :func:`status_of`; a property test holds them equal.
    """
    spent = np.where(cost, actual + committed, actual)
    wp, wq = _ratio(settings.warn_ratio)
    op, oq = _ratio(settings.over_ratio)
    over = _times(spent, oq) > _times(current, op)
    warn = _times(spent, wq) >= _times(current, wp)
    behind = _times(forecast, wq) < _times(current, wp)
    status = np.where(
        cost,
        np.where(over, Status.OVER.value, np.where(warn, Status.WARN.value, Status.OK.value)),
        np.where(behind, Status.BEHIND.value, Status.OK.value),
    ).astype(object)
    unbudgeted = (current == 0) & ((actual != 0) | (committed != 0))
    status[unbudgeted] = Status.UNBUDGETED.value
    status[(current == 0) & ~unbudgeted] = Status.OK.value
    return status


def forecast_of(actual: int, current: int, frm: date, to: date, today: date) -> int:
    """The forecast of one row in minor units: the run-rate while the period runs.

    >>> forecast_of(300, 1000, date(2026, 1, 1), date(2026, 1, 10), date(2026, 1, 5))
    600
    """
    return int(_forecast(np.array([actual]), np.array([current]), frm, to, today)[0])


def status_of(
    kind: Kind | str, current: int, actual: int, committed: int, forecast: int, settings: Settings
) -> Status:
    """The status of one row of figures in minor units (what ``PIXIE_STATUS`` shows).

    >>> status_of("cost", 1000, 850, 0, 850, Settings())
    <Status.WARN: 'WARN'>
    >>> status_of("income", 1000, 300, 0, 600, Settings())
    <Status.BEHIND: 'BEHIND'>
    """
    one = statuses(
        np.array([Kind(kind) is Kind.COST]),
        np.array([current]),
        np.array([actual]),
        np.array([committed]),
        np.array([forecast]),
        settings,
    )
    return Status(one[0])


def variance_frame(
    facts: Facts, frm: date, to: date, today: date, object_id: str | None = None
) -> pd.DataFrame:
    """The Variance table as columns (money in int64 minor units).

    Columns: object, activity, kind, original, current, actual, committed, variance,
    available, forecast (committed and available are 0 on income rows), variance_pct and
    used_pct (ten-thousandths, valid where ``has_pct``), has_pct, status.
    """
    t = _sums_to_date(facts, frm, to, today, object_id)
    return _derive(t, frm, to, today, facts.settings)


def _sums_to_date(facts: Facts, frm: date, to: date, today: date, object_id) -> pd.DataFrame:
    """:func:`period_sums` with ``to_date``: the current budget prorated to
    ``frm..min(today, to)`` by the same proration as the period's (0 for every row before
    the period starts)."""
    cutoff = min(today, to)
    if frm <= cutoff < to:
        return period_sums(facts, frm, to, object_id, to_date=cutoff)
    t = period_sums(facts, frm, to, object_id)
    if cutoff < frm:
        return t.assign(to_date=np.zeros(len(t), dtype=np.int64))
    return t.assign(to_date=t["current"].to_numpy(np.int64))  # the whole period is to date


def parent_frame(
    facts: Facts, frm: date, to: date, today: date, object_id: str | None = None
) -> pd.DataFrame:
    """The parents' roll-up as a :func:`variance_frame`: one row per parent object (an
    object with children), activity and kind, its figures those of its subtree, i.e. the
    sum of the rows the service's ``object=`` filter gives for it (the :func:`period_sums`
    rows of the objects in its subtree, taken once for all parents), with variance,
    forecast and status worked out from the sums.

    ``object_id``: only the parents inside that object's subtree (itself included).
    """
    tree = facts.objects
    scope = tree.subtree(object_id) if object_id not in (None, "*") else None
    parents = sorted(
        p for p, kids in tree.children.items() if kids and (scope is None or p in scope)
    )
    sums = ["original", "current", "actual", "committed", "to_date"]
    own = _sums_to_date(facts, frm, to, today, object_id)
    objects = own["object"].to_numpy(dtype=object)
    parts = []
    for p in parents:
        t = own.loc[np.isin(objects, list(tree.subtree(p)))]
        if len(t):
            g = t.groupby(["activity", "kind"], sort=False)[sums].sum().reset_index()
            parts.append(g.assign(object=p))
    if not parts:
        return _derive(own.iloc[0:0], frm, to, today, facts.settings)
    t = pd.concat(parts, ignore_index=True)[["object", "activity", "kind", *sums]]
    t = t.assign(_k=(t["kind"] != Kind.INCOME.value).astype(int))
    t = t.sort_values(["object", "activity", "_k"], kind="stable").drop(columns="_k")
    for c in sums:
        t[c] = t[c].astype(np.int64)
    return _derive(t.reset_index(drop=True), frm, to, today, facts.settings)


def parent_rows(
    facts: Facts, frm: date, to: date, today: date, object_id: str | None = None
) -> list[VarianceRow]:
    """:func:`parent_frame` as :class:`VarianceRow` records (the VarianceByParent table)."""
    return frame_to_rows(parent_frame(facts, frm, to, today, object_id), facts)


def _derive(t: pd.DataFrame, frm: date, to: date, today: date, settings: Settings):
    """Variance, available, forecast, percentages and status of rows of sums."""
    cur = t["current"].to_numpy(np.int64)
    act = t["actual"].to_numpy(np.int64)
    com = t["committed"].to_numpy(np.int64)
    cost = t["kind"].to_numpy() == Kind.COST.value
    com = np.where(cost, com, 0)
    variance = np.where(cost, cur - act, act - cur)
    spent = np.where(cost, act + com, act)
    forecast = _forecast(act, cur, frm, to, today)

    status = statuses(cost, cur, act, com, forecast, settings)
    btd = t["to_date"].to_numpy(np.int64)
    has_btd = btd != 0
    phased = np.zeros(len(t), dtype=np.int64)
    if has_btd.any():
        sign = np.sign(btd[has_btd])
        phased[has_btd] = mul_div_round(act[has_btd] * sign, cur[has_btd], np.abs(btd[has_btd]))

    # one new frame, not twelve column inserts (each a new column index: ~1 ms apiece)
    columns = {c: t[c].to_numpy() for c in t.columns}
    columns.update(
        committed=com,
        variance=variance,
        available=np.where(cost, cur - act - com, 0),
        forecast=forecast,
        variance_pct=_pct(variance, cur),
        used_pct=_pct(spent, cur),
        has_pct=cur != 0,
        status=status,
        variance_to_date=np.where(cost, btd - act, act - btd),
        estimate=act + (cur - btd),
        forecast_phased=phased,
        has_phased=has_btd,
    )
    return pd.DataFrame(columns, index=t.index)


def variance_rows(
    facts: Facts, frm: date, to: date, today: date, object_id: str | None = None
) -> list[VarianceRow]:
    """The Variance table's rows for ``frm..to`` as of ``today``.

    ``object_id``: that object and its descendants, each row still an object's own figures;
    ``None`` or ``"*"``: every object. Ordered by object, activity, kind (income first).
    """
    return frame_to_rows(variance_frame(facts, frm, to, today, object_id), facts)


def _row_columns(frame: pd.DataFrame, facts: Facts) -> list[list]:
    """The columns :func:`frame_to_rows` zips, in its order: object, activity, kind, the
    percentages, flags and status as plain values, then the money columns as ``Money``
    (every zero one ``Money``: a Money cannot change) and percentages as ``Decimal``."""
    cur = facts.settings.currency
    zero = Money(0, cur)

    def money(values: list) -> list:
        return [Money(m, cur) if m else zero for m in values]

    def pcts(values: list) -> list:
        seen: dict[int, Decimal] = {}
        return [seen[x] if x in seen else seen.setdefault(x, Decimal(x).scaleb(-4)) for x in values]

    cols = [texts(frame[c]) for c in ("object", "activity")]
    cols += [frame["kind"].tolist(), pcts(frame["variance_pct"].tolist()),
             pcts(frame["used_pct"].tolist())]  # fmt: skip
    cols += [frame[c].tolist() for c in ("has_pct", "status", "has_phased")]
    cols += [money(frame[c].tolist()) for c in (*MONEY_COLUMNS, "to_date", "variance_to_date",
                                                "estimate", "forecast_phased")]  # fmt: skip
    return cols


def frame_to_rows(frame: pd.DataFrame, facts: Facts) -> list[VarianceRow]:
    """:class:`VarianceRow` records of a :func:`variance_frame` (equal codes one ``str``)."""
    kinds = {k.value: k for k in Kind}
    statuses = {st.value: st for st in Status}
    cols = _row_columns(frame, facts)
    names = {o: facts.name(o) for o in set(cols[0])}
    rows = []
    with no_gc():
        for o, a, k, vp, up, has, st, has_fph, orig, curr, act, com, var, avail, fc, *td in zip(
            *cols, strict=True
        ):
            btd, vtd, eac, fph = td
            kind = kinds[k]
            is_cost = kind is Kind.COST
            rows.append(
                VarianceRow(
                    object=o,
                    object_name=names[o],
                    activity=a,
                    kind=kind,
                    original=orig,
                    current=curr,
                    actual=act,
                    committed=com if is_cost else None,
                    variance=var,
                    variance_pct=vp if has else None,
                    used_pct=up if has else None,
                    available=avail if is_cost else None,
                    forecast=fc,
                    status=statuses[st],
                    budget_to_date=btd,
                    variance_to_date=vtd,
                    estimate=eac,
                    forecast_phased=fph if has_fph else None,
                )
            )
    return rows


def _overrun(row: VarianceRow) -> int:
    if row.kind is Kind.COST:
        return row.actual.minor + (row.committed.minor if row.committed else 0) - row.current.minor
    return row.current.minor - row.forecast.minor


def alerts(rows: Sequence[VarianceRow]) -> list[VarianceRow]:
    """The rows whose status is not OK, worst first: by status (OVER, UNBUDGETED, BEHIND,
    WARN), then by the largest overrun (cost: actual + committed − current; income:
    current − forecast), then in table order."""
    bad = [r for r in rows if r.status is not Status.OK]
    return sorted(bad, key=lambda r: (_STATUS_ORDER[r.status], -_overrun(r)))


def totals(rows: Sequence[VarianceRow], currency: str | None = None) -> dict[str, Money]:
    """Column totals of the money columns; blank cells (income rows) count as nothing.

    >>> totals([])["actual"]
    Money(minor=0, currency='EUR')
    """
    cur = currency or (rows[0].current.currency if rows else "EUR")
    out = {}
    for c in MONEY_COLUMNS:
        out[c] = Money(sum(getattr(r, c).minor for r in rows if getattr(r, c) is not None), cur)
    return out


def kind_totals(
    rows: Sequence[VarianceRow], currency: str | None = None
) -> dict[str, dict[str, Money | None]]:
    """:func:`totals` of the income rows and of the cost rows, and the net between them:
    income − cost, but for the variance the income variance + the cost variance (each
    favourable when positive, so net actual − net current), and no net of ``available``
    (a cost figure). The sum of income and cost is never one of them (issue 11).

    >>> kind_totals([])["net"]["available"] is None
    True
    """
    cur = currency or (rows[0].current.currency if rows else "EUR")
    income = totals([r for r in rows if r.kind is Kind.INCOME], cur)
    cost = totals([r for r in rows if r.kind is Kind.COST], cur)
    net: dict[str, Money | None] = {}
    for c in MONEY_COLUMNS:
        i, k = income[c].minor, cost[c].minor
        net[c] = None if c == "available" else Money(i + k if c == "variance" else i - k, cur)
    return {"income": dict(income), "cost": dict(cost), "net": net}
