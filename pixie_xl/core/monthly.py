"""Figures by month and single roll-up figures (the ``Variance by month`` sheet, formulas).

Where a report splits a line's budget into months, the line's budget for the report period
(prorated and rounded once) is split over the months of the period in proportion to the
line's exact budget in each month, by largest remainder, so the months add up exactly to
the line's budget for the period (SPEC §2 "Proration").
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .allocation import largest_remainder
from .errors import InvalidInput
from .facts import KEYS, Facts, _day, _period_budgets, _sums, as_kind, combine, exact_sum, texts
from .gcpause import no_gc
from .money import Money
from .phasing import (
    _date,
    _integer_shapes,
    _month_fractions,
    calendar_months,
    check_range,
    exact_part,
    too_fine,
)
from .records import Kind, MonthRow

_INT64_MAX = np.iinfo(np.int64).max


def report_months(frm: date, to: date) -> list[tuple[date, date, date]]:
    """(first day of month, first day in range, last day in range) for each month of frm..to.

    >>> report_months(date(2026, 1, 15), date(2026, 2, 10))[1]
    (datetime.date(2026, 2, 1), datetime.date(2026, 2, 1), datetime.date(2026, 2, 10))
    """
    check_range(frm, to)
    return [(m, max(frm, m), min(to, last)) for m, last in calendar_months(frm, to)]


def split_rows(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Largest remainder row by row: row ``i`` of ``total`` split by ``weights[i]``.

    Weights are non-negative integers; a row of zero weights is given all to nothing (and
    must have a zero total). Ties go to the earlier column; a negative total is the mirror
    image of the positive one, as in :func:`.allocation.largest_remainder`.

    >>> split_rows(np.array([10000, -1]), np.array([[1, 1, 1], [1, 1, 1]])).tolist()
    [[3334, 3333, 3333], [-1, 0, 0]]
    """
    n, k = weights.shape
    out = np.zeros((n, k), dtype=np.int64)
    if n == 0 or k == 0:
        return out
    w = weights.astype(np.int64)
    g = np.maximum(np.gcd.reduce(w, axis=1), 1)
    w = w // g[:, None]
    s = w.sum(axis=1)
    t = np.abs(total.astype(np.int64))
    live = s > 0
    safe = live & (t <= _INT64_MAX // np.maximum(w.max(axis=1), 1)) & (s < 2**62)
    if safe.any():
        ws, ts, ss = w[safe], t[safe], s[safe][:, None]
        p = ts[:, None] * ws
        fl = p // ss
        rem = p - fl * ss
        left = ts - fl.sum(axis=1)
        order = np.argsort(-rem, axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.broadcast_to(np.arange(k), order.shape), axis=1)
        out[safe] = fl + (ranks < left[:, None])
    for i in np.flatnonzero(live & ~safe):
        out[i] = largest_remainder(int(t[i]), [int(x) for x in w[i]])
    return np.where((total < 0)[:, None], -out, out)


def _month_weights(b: pd.DataFrame, months, profiles) -> np.ndarray:
    """Each line's (integer, unreduced) weight in each report month."""
    s, e = b["start"].to_numpy(), b["end"].to_numpy()
    names, codes = np.unique(b["phasing"].to_numpy().astype(str), return_inverse=True)
    shapes = _integer_shapes(names, profiles)
    by_month = shapes.any(axis=1)[codes]
    w = np.zeros((len(b), len(months)), dtype=np.int64)
    for j, (_, lo, hi) in enumerate(months):
        w[:, j] = np.clip(np.minimum(e, _day(hi)) - np.maximum(s, _day(lo)) + 1, 0, None)
    idx = np.flatnonzero(by_month)
    if len(idx):
        shape = shapes[codes[idx]]
        nums = [
            _month_fractions(s[idx], e[idx], shape, _day(lo), _day(hi), reduce=False)
            for _, lo, hi in months
        ]
        den = nums[0][1] if nums else np.zeros(len(idx), dtype=np.int64)
        ok = den > 0  # a profile weighing all of the period's months 0 is spread by days
        ok &= ~too_fine(shape.max(axis=1), s[idx], e[idx])  # split exactly: _split_exactly
        for j, (num, _) in enumerate(nums):
            w[idx[ok], j] = num[ok]
    return w


def _split_exactly(b: pd.DataFrame, months, profiles, parts: np.ndarray) -> None:
    """Re-split, with exact fractions, the lines whose int64 month weights could wrap."""
    names, codes = np.unique(b["phasing"].to_numpy().astype(str), return_inverse=True)
    shapes = _integer_shapes(names, profiles)
    s, e = b["start"].to_numpy(), b["end"].to_numpy()
    for i in np.flatnonzero(too_fine(shapes.max(axis=1)[codes], s, e)):
        start, end, ph = _date(s[i]), _date(e[i]), str(names[codes[i]])
        amount = int(b["amount"].iat[i])
        ws = [exact_part(amount, start, end, ph, lo, hi, profiles) for _, lo, hi in months]
        parts[i] = largest_remainder(int(b["prorated"].iat[i]), ws)


def month_frame(facts: Facts, frm: date, to: date, object_id: str | None = None):
    """Current budget and actual per object, activity, kind and month, as columns."""
    if to < frm:
        raise InvalidInput(f"the report period ends ({to}) before it starts ({frm})")
    keep = facts.keep(object_id)
    months = report_months(frm, to)
    month_index = np.array([m for m, _, _ in months], dtype="datetime64[M]").astype(np.int64)
    b = _period_budgets(facts, frm, to, keep)
    b = b.loc[b["current"].to_numpy() & (b["prorated"].to_numpy() != 0)]
    parts = split_rows(b["prorated"].to_numpy(), _month_weights(b, months, facts.profiles))
    _split_exactly(b, months, facts.profiles, parts)
    nz_line, nz_month = np.nonzero(parts)
    budget = (
        {
            **{k: b[k].to_numpy(dtype=object)[nz_line] for k in KEYS},
            "month": month_index[nz_month],
        },
        {"budget": parts[nz_line, nz_month]},
    )
    a = facts.actuals
    a = a.assign(
        month=facts.actual_days.astype("datetime64[D]").astype("datetime64[M]").view(np.int64)
    )
    actual = _sums(a, facts.actual_days, frm, to, keep, [*KEYS, "month"])
    keys = {k: np.asarray(actual.index.get_level_values(k), dtype=object) for k in KEYS}
    keys["month"] = np.asarray(actual.index.get_level_values("month"), dtype=np.int64)
    actual = (keys, {"actual": actual.to_numpy(dtype=np.int64)})
    parts = [p for p in (budget, actual) if len(p[0]["object"])]
    return combine(parts, ["budget", "actual"], by_month=True)


def month_rows(facts: Facts, frm: date, to: date, object_id: str | None = None) -> list[MonthRow]:
    """Budget (current), actual and variance per month for each object, activity and kind.

    Ordered by object, activity, kind (income first), month; only months with a non-zero
    budget or actual. Variance is favourable when positive, as in the Variance table.
    """
    t = month_frame(facts, frm, to, object_id)
    cur = facts.settings.currency
    zero = Money(0, cur)  # one for every empty month: a Money cannot change
    kinds = {k.value: k for k in Kind}
    codes, firsts = pd.factorize(t["month"])
    months = np.asarray([d.date() for d in firsts], dtype=object)[codes].tolist()
    cols = [texts(t[c]) for c in KEYS] + [t[c].tolist() for c in ("budget", "actual")]
    del t, codes
    names = {o: facts.name(o) for o in set(cols[0])}
    rows = []
    with no_gc():
        for o, a, k, bud, act, m in zip(*cols, months, strict=True):
            kind = kinds[k]
            var = act - bud if kind is Kind.INCOME else bud - act
            rows.append(
                MonthRow(o, names[o], a, kind, m, Money(bud, cur) if bud else zero,
                         Money(act, cur) if act else zero, Money(var, cur) if var else zero)
            )  # fmt: skip
    return rows


def figure(
    facts: Facts,
    object_id: str,
    activity: str,
    frm: date,
    to: date,
    kind: Kind | str,
    what: str,
) -> Money:
    """One roll-up: ``what`` of ``kind`` for the object and its descendants in ``frm..to``.

    ``object_id`` may be a parent or ``"*"`` (everything), ``activity`` may be ``"*"``;
    ``what`` is ``actual``, ``budget_current``, ``budget_original`` or ``committed``
    (committed is cost only: 0 for income).
    """
    kind = as_kind(kind)
    if what not in ("actual", "budget_current", "budget_original", "committed"):
        raise InvalidInput(
            f'unknown figure "{what}": use actual, budget_current, budget_original or committed'
        )
    if to < frm:
        raise InvalidInput(f"the period ends ({to}) before it starts ({frm})")
    keep = facts.keep(object_id)
    cur = facts.settings.currency
    if what == "committed" and kind is Kind.INCOME:
        return Money.zero(cur)
    if what.startswith("budget"):
        b = _period_budgets(facts, frm, to, keep)
        mask = (b["kind"] == kind.value).to_numpy() & b[what.removeprefix("budget_")].to_numpy()
        if activity != "*":
            mask &= (b["activity"] == activity).to_numpy()
        return Money(exact_sum(b["prorated"].to_numpy()[mask]), cur)
    frame, days = (
        (facts.commitments, facts.commitment_days)
        if what == "committed"
        else (facts.actuals, facts.actual_days)
    )
    mask = (days >= _day(frm)) & (days <= _day(to))
    if what == "actual":
        mask &= (frame["kind"].astype(str) == kind.value).to_numpy()
    if activity != "*":
        mask &= (frame["activity"].astype(str) == activity).to_numpy()
    if keep is not None:
        mask &= frame["object"].isin(keep).to_numpy()
    return Money(exact_sum(frame["amount"].to_numpy()[mask]), cur)
