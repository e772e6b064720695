"""Phasing and proration: a budget line's amount for any date range (SPEC §2 "Proration").

A line covers its budget's period ``start..end`` (both inclusive) and is spread by its
phasing:

* ``days`` — evenly over the days: the budget of a range is
  ``amount × overlap days / period days``.
* ``months`` — every calendar month the period touches weighs 1, a month the period covers
  only partly weighs the share of its days covered. The amount is split over the months in
  proportion to these weights; each month's part is spread evenly over the period's days
  in that month.
* a profile name — as ``months`` but each month weighs its profile weight (times the share
  of its days covered).

All arithmetic is exact (``Fraction`` or integers) and the result is rounded once, half to
even, to the minor unit. Worked example: 4,800.00 phased by ``months`` over 15 Jan – 28 Feb
2026. January weighs 17/31 (17 of its 31 days), February 28/28 = 1, so January gets
4,800 × (17/31) / (17/31 + 1) = 1,700.00 and February 3,100.00. The budget of 1–14 February
is 3,100 × 14/28 = 1,550.00:

>>> from datetime import date
>>> prorate(480000, date(2026, 1, 15), date(2026, 2, 28), "months",
...         date(2026, 2, 1), date(2026, 2, 14), {})
155000
>>> split_by_month(480000, date(2026, 1, 15), date(2026, 2, 28), "months", {})
[(datetime.date(2026, 1, 1), 170000), (datetime.date(2026, 2, 1), 310000)]

:func:`prorate` is the plain reference; :func:`prorate_array` computes the same figures for
many lines at once with numpy integers (the variance engine uses it).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from fractions import Fraction

import numpy as np

from .allocation import largest_remainder
from .errors import InvalidInput
from .records import PHASING_DAYS, PHASING_MONTHS, Profile

_INT64_MAX = np.iinfo(np.int64).max
#: the least common multiple of every month length (28, 29, 30, 31 days): W × days × L/dim
#: is an integer for every month, so month weights stay integers in the vectorised path
_MONTH_LCM = 377580


def month_end(d: date) -> date:
    """The last day of ``d``'s month."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def calendar_months(start: date, end: date) -> Iterator[tuple[date, date]]:
    """(first day, last day) of each calendar month that ``start..end`` touches, in order.

    Steps from a month's last day, never to the first of the next month past ``end``, so a
    period ending on ``date.max`` (9999-12-31, a common "no end") is walked without leaving
    the calendar.

    >>> list(calendar_months(date(9999, 11, 15), date.max))[-1]
    (datetime.date(9999, 12, 1), datetime.date(9999, 12, 31))
    """
    m = start.replace(day=1)
    while True:
        last = month_end(m)
        yield m, last
        if last >= end:
            return
        m = last + timedelta(days=1)


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput(f"the period ends ({end}) before it starts ({start})")


def check_range(frm: date, to: date) -> None:
    """A report range ending before it starts is refused (a line outside a range gives 0)."""
    if to < frm:
        raise InvalidInput(f"the report period ends ({to}) before it starts ({frm})")


def profile_weights(phasing: str, profiles: Mapping[str, Profile]) -> tuple[Fraction, ...] | None:
    """The twelve month weights of a phasing (``None`` for ``days``), checked.

    ``days`` and ``months`` are matched case-insensitively; a profile by its name, exactly
    or else case-insensitively. An unknown name, a profile without twelve weights, a negative
    weight or a profile of zeros is refused.
    """
    key = (phasing or PHASING_DAYS).strip()
    if key.lower() == PHASING_DAYS:
        return None
    if key.lower() == PHASING_MONTHS:
        return (Fraction(1),) * 12
    profile = profiles.get(key)
    if profile is None:
        folded = {name.lower(): p for name, p in profiles.items()}
        profile = folded.get(key.lower())
    if profile is None:
        raise InvalidInput(f'unknown phasing "{phasing}": not days, months or a known profile')
    if len(profile.weights) != 12:
        raise InvalidInput(f'profile "{profile.name}" has {len(profile.weights)} weights, not 12')
    ws = tuple(Fraction(w) for w in profile.weights)
    if any(w < 0 for w in ws):
        raise InvalidInput(f'profile "{profile.name}" has a negative weight')
    if not any(ws):
        raise InvalidInput(f'profile "{profile.name}" has only zero weights')
    return ws


def month_weights(
    start: date, end: date, phasing: str, profiles: Mapping[str, Profile]
) -> list[tuple[date, Fraction]]:
    """The weight of each month the period touches: (first day of month, weight).

    ``days`` weighs each month by the period's days in it; ``months`` by the share of the
    month covered; a profile by its weight times that share.

    >>> month_weights(date(2026, 1, 15), date(2026, 2, 28), "months", {})
    [(datetime.date(2026, 1, 1), Fraction(17, 31)), (datetime.date(2026, 2, 1), Fraction(1, 1))]
    """
    _check_period(start, end)
    shape = profile_weights(phasing, profiles)
    out = []
    for m, last in calendar_months(start, end):
        covered = (min(end, last) - max(start, m)).days + 1
        if shape is None:
            out.append((m, Fraction(covered)))
        else:
            out.append((m, shape[m.month - 1] * Fraction(covered, last.day)))
    return out


def exact_part(
    amount_minor: int,
    start: date,
    end: date,
    phasing: str,
    frm: date,
    to: date,
    profiles: Mapping[str, Profile],
) -> Fraction:
    """The line's exact (unrounded) budget for ``frm..to``, in minor units.

    0 for a range outside the line's period; a range ending before it starts is refused.
    """
    _check_period(start, end)
    check_range(frm, to)
    lo, hi = max(start, frm), min(end, to)
    if hi < lo:
        return Fraction(0)
    weights = month_weights(start, end, phasing, profiles)
    whole = sum((w for _, w in weights), Fraction(0))
    if profile_weights(phasing, profiles) is None or whole == 0:
        # days, or a profile that weighs every month of the period 0: spread by days
        return Fraction(amount_minor * ((hi - lo).days + 1), (end - start).days + 1)
    total = Fraction(0)
    for m, w in weights:
        m_lo, m_hi = max(start, m), min(end, month_end(m))
        covered = (m_hi - m_lo).days + 1
        in_range = (min(m_hi, hi) - max(m_lo, lo)).days + 1
        if in_range > 0 and w:
            total += amount_minor * w / whole * Fraction(in_range, covered)
    return total


def prorate(
    amount_minor: int,
    start: date,
    end: date,
    phasing: str,
    frm: date,
    to: date,
    profiles: Mapping[str, Profile],
) -> int:
    """The line's budget for ``frm..to`` (inclusive), rounded half-even to the minor unit.

    >>> prorate(36500, date(2026, 1, 1), date(2026, 12, 31), "days",
    ...         date(2026, 1, 1), date(2026, 1, 31), {})
    3100
    """
    return round(exact_part(amount_minor, start, end, phasing, frm, to, profiles))


def split_by_month(
    amount_minor: int, start: date, end: date, phasing: str, profiles: Mapping[str, Profile]
) -> list[tuple[date, int]]:
    """The line's amount per month of its period; the parts add up exactly (largest remainder).

    >>> [p for _, p in split_by_month(10000, date(2026, 1, 1), date(2026, 3, 31), "months", {})]
    [3334, 3333, 3333]
    """
    weights = month_weights(start, end, phasing, profiles)
    if not any(w for _, w in weights):
        weights = month_weights(start, end, PHASING_DAYS, profiles)
    parts = largest_remainder(amount_minor, [w for _, w in weights])
    return [(m, p) for (m, _), p in zip(weights, parts, strict=True)]


# --- the vectorised path -----------------------------------------------------------------


def mul_div_round(a: np.ndarray, b: np.ndarray, d: np.ndarray) -> np.ndarray:
    """``a × b / d`` rounded half-even, element by element, exactly (``d`` > 0).

    int64 where ``a × b`` fits, Python integers for the (rare) elements where it would not.

    >>> mul_div_round(np.array([5, 15, -5]), np.array([1, 1, 1]), np.array([2, 2, 2])).tolist()
    [2, 8, -2]
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    d = np.broadcast_to(np.asarray(d, dtype=np.int64), a.shape)
    b = np.broadcast_to(b, a.shape)
    safe = np.abs(a) <= _INT64_MAX // np.maximum(np.abs(b), 1)
    out = np.empty(a.shape, dtype=np.int64)
    p = np.where(safe, a * np.where(safe, b, 0), 0)
    q = p // d
    r2 = 2 * (p - q * d)
    out[:] = q + ((r2 > d) | ((r2 == d) & (q % 2 == 1)))
    for i in np.flatnonzero(~safe):
        out[i] = round(Fraction(int(a[i]) * int(b[i]), int(d[i])))  # may not fit: refused
    return out


def _days(x) -> np.ndarray:
    """Days since 1970-01-01 of an array of dates or datetime64 values."""
    arr = np.asarray(x)
    if arr.dtype == object:
        arr = arr.astype("datetime64[D]")
    return arr.astype("datetime64[D]").astype(np.int64)


def _date(day: np.int64) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))


def _integer_shapes(phasings: np.ndarray, profiles: Mapping[str, Profile]) -> np.ndarray:
    """Per distinct phasing: twelve integer month weights (row of zeros for ``days``)."""
    table = np.zeros((len(phasings), 12), dtype=np.int64)
    for i, ph in enumerate(phasings):
        shape = profile_weights(str(ph), profiles)
        if shape is None:
            continue
        scale = np.lcm.reduce([w.denominator for w in shape])
        ints = [int(w * int(scale)) for w in shape]
        g = np.gcd.reduce(ints)
        table[i] = [w // g for w in ints]
    return table


def prorate_array(
    amount: np.ndarray,
    start,
    end,
    phasing: np.ndarray,
    frm: date,
    to: date,
    profiles: Mapping[str, Profile],
) -> np.ndarray:
    """:func:`prorate` for many lines at once: int64 minor units per line.

    ``amount`` int64, ``start``/``end`` arrays of dates (``datetime64`` or ``date``),
    ``phasing`` an array of phasing names. The result equals :func:`prorate` line by line.
    """
    amount = np.asarray(amount, dtype=np.int64)
    s, e = _days(start), _days(end)
    if len(s) and (e < s).any():
        i = int(np.flatnonzero(e < s)[0])
        raise InvalidInput(f"a budget period ends before it starts (line {i + 1})")
    check_range(frm, to)
    f, t = _days(np.array([frm], dtype="datetime64[D]"))[0], _days(np.array([to]))[0]
    lo, hi = np.maximum(s, f), np.minimum(e, t)
    overlap = np.clip(hi - lo + 1, 0, None)
    period = e - s + 1
    out = np.zeros(len(amount), dtype=np.int64)
    full = (overlap == period) & (overlap > 0)
    out[full] = amount[full]

    names, codes = np.unique(np.asarray(phasing, dtype=object).astype(str), return_inverse=True)
    shapes = _integer_shapes(names, profiles)
    by_months = shapes.any(axis=1)[codes]
    partial = (overlap > 0) & ~full & (amount != 0)
    # fine profile weights over many months could overflow int64 sums: those go the exact way
    huge = too_fine(shapes.max(axis=1)[codes], s, e) & partial
    for i in np.flatnonzero(huge):
        out[i] = prorate(
            int(amount[i]), _date(s[i]), _date(e[i]), str(names[codes[i]]), frm, to, profiles
        )
    idx = np.flatnonzero(partial & by_months & ~huge)
    fallback = np.zeros(0, dtype=np.int64)
    if len(idx):
        n, d = _month_fractions(s[idx], e[idx], shapes[codes[idx]], f, t)
        ok = d > 0
        out[idx[ok]] = mul_div_round(amount[idx[ok]], n[ok], d[ok])
        fallback = idx[~ok]  # every month of the period weighs 0: spread by days
    days = np.concatenate([np.flatnonzero(partial & ~by_months), fallback])
    if len(days):
        out[days] = mul_div_round(amount[days], overlap[days], period[days])
    return out


def _months_spanned(s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """How many calendar months each period ``s..e`` (epoch days) touches."""
    ms = s.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    me = e.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return me - ms + 1


def too_fine(shape_max: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Lines whose integer month weights could add up beyond int64 (W × L × months ≥ 2**62).

    A profile with fine weights (``0.123456789``) on a line running to 9999-12-31 would;
    those lines are prorated and split exactly, one by one.
    """
    return shape_max.astype(np.float64) * _MONTH_LCM * _months_spanned(s, e) >= 2.0**62


def _month_fractions(s, e, shape, f, t, reduce: bool = True):
    """Numerator and denominator of the share of ``f..t`` in each line's month weights.

    For each line: N = Σ W × (days of f..t in month) × L/dim, D = Σ W × (days of the period
    in month) × L/dim over the months of its period, reduced by their gcd unless ``reduce``
    is false (then D is the same for every ``f..t`` of a line).
    """
    ms = s.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    counts = _months_spanned(s, e)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    line = np.repeat(np.arange(len(s)), counts)
    m = ms[line] + (np.arange(counts.sum()) - starts[line])
    m_lo = m.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    m_hi = (m + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - 1
    per_day = _MONTH_LCM // (m_hi - m_lo + 1)
    w = shape[line, m % 12] * per_day
    c_lo, c_hi = np.maximum(s[line], m_lo), np.minimum(e[line], m_hi)
    covered = c_hi - c_lo + 1
    in_range = np.clip(np.minimum(c_hi, t) - np.maximum(c_lo, f) + 1, 0, None)
    num = np.add.reduceat(w * in_range, starts)
    den = np.add.reduceat(w * covered, starts)
    if not reduce:
        return num, den
    g = np.maximum(np.gcd(num, den), 1)
    return num // g, den // g
