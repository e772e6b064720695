"""Allocation ("splashing"): split an amount by weights so the parts add up exactly (SPEC §2).

Every split goes through :func:`largest_remainder`: each part gets the whole minor units of
its exact share, and the minor units left over go one each to the parts with the largest
remainders (ties: the earlier part first). So 100.00 over three parts is 33.34, 33.33,
33.33 and never 100.01.

>>> largest_remainder(10000, [1, 1, 1])
[3334, 3333, 3333]
>>> largest_remainder(-10000, [1, 1, 1])
[-3334, -3333, -3333]
>>> [str(m) for m in allocate_by_percent(Money.of("10.00"), [50, 30, 20])]
['5.00', '3.00', '2.00']

A negative total is split as the mirror image of the positive one, so that reversing an
allocation (a credit) gives back exactly the negated parts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

from .errors import InvalidInput
from .money import Money
from .records import PHASING_DAYS, BudgetLine, Kind

Weight = int | Decimal | Fraction


def _fraction(w: object, i: int) -> Fraction:
    if isinstance(w, bool) or not isinstance(w, int | Decimal | Fraction):
        raise InvalidInput(f"weight {i + 1} ({w!r}) is not a number")
    if isinstance(w, Decimal) and not w.is_finite():
        raise InvalidInput(f"weight {i + 1} ({w}) is not a finite number")
    f = Fraction(w)
    if f < 0:
        raise InvalidInput(f"weight {i + 1} is negative ({w}); weights must be 0 or more")
    return f


def largest_remainder(total_minor: int, weights: Sequence[Weight]) -> list[int]:
    """Split ``total_minor`` in proportion to ``weights``; the parts add up to it exactly.

    Weights are ``int``, ``Decimal`` or ``Fraction``, none negative and not all zero. The
    arithmetic is exact (no float anywhere).

    >>> largest_remainder(1, [1, 1, 1])
    [1, 0, 0]
    >>> largest_remainder(100, [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")])
    [50, 25, 25]
    """
    if isinstance(total_minor, bool) or not isinstance(total_minor, int):
        raise InvalidInput(f"the amount to split must be whole minor units, not {total_minor!r}")
    ws = [_fraction(w, i) for i, w in enumerate(weights)]
    if not ws:
        raise InvalidInput("cannot split an amount over no parts")
    whole = sum(ws, Fraction(0))
    if whole == 0:
        raise InvalidInput("cannot split an amount by weights that are all zero")
    if total_minor < 0:
        return [-p for p in largest_remainder(-total_minor, ws)]
    exact = [total_minor * w / whole for w in ws]
    parts = [e.numerator // e.denominator for e in exact]
    left = total_minor - sum(parts)
    # the largest remainders first; sorted() is stable, so ties keep the earlier part first
    order = sorted(range(len(ws)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[:left]:
        parts[i] += 1
    return parts


def allocate(amount: Money, weights: Sequence[Weight]) -> list[Money]:
    """Split ``amount`` by ``weights`` into Money parts that add up to it exactly.

    >>> [str(m) for m in allocate(Money.of("100.00"), [1, 1, 1])]
    ['33.34', '33.33', '33.33']
    """
    return [Money(p, amount.currency) for p in largest_remainder(amount.minor, weights)]


def allocate_even(amount: Money, n: int) -> list[Money]:
    """Split ``amount`` into ``n`` equal parts (the extra minor units go to the first ones)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidInput(f"cannot split an amount into {n!r} parts; give 1 or more")
    return allocate(amount, [1] * n)


def allocate_by_percent(amount: Money, percents: Sequence[int | Decimal | str]) -> list[Money]:
    """Split ``amount`` by percentages that must add up to exactly 100.

    >>> allocate_by_percent(Money.of("1.00"), [50, 40])
    Traceback (most recent call last):
    ...
    pixie_xl.core.errors.InvalidInput: the percentages add up to 90, not 100
    """
    ps = [Decimal(p) if isinstance(p, str) else p for p in percents]
    fs = [_fraction(p, i) for i, p in enumerate(ps)]
    if sum(fs, Fraction(0)) != 100:
        shown = sum((Decimal(f.numerator) / Decimal(f.denominator) for f in fs), Decimal(0))
        raise InvalidInput(f"the percentages add up to {shown.normalize():f}, not 100")
    return allocate(amount, fs)


def allocate_by_days(amount: Money, ranges: Sequence[tuple[date, date]]) -> list[Money]:
    """Split ``amount`` in proportion to the days of each range (both ends inclusive).

    >>> [str(m) for m in allocate_by_days(Money.of("59.00"), [
    ...     (date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28))])]
    ['31.00', '28.00']
    """
    days = []
    for i, (start, end) in enumerate(ranges):
        if end < start:
            raise InvalidInput(f"range {i + 1} ends ({end}) before it starts ({start})")
        days.append((end - start).days + 1)
    return allocate(amount, days)


def allocate_by_reference(amount: Money, reference: Sequence[Money]) -> list[Money]:
    """Split ``amount`` in proportion to reference amounts (e.g. last year's actuals).

    When every reference amount is zero there is no shape to follow and the amount is split
    evenly. A negative reference amount (a credit larger than the month's costs) cannot be a
    share and is refused.

    >>> [str(m) for m in allocate_by_reference(Money.of("10.00"), [Money.of("0"), Money.of("0")])]
    ['5.00', '5.00']
    """
    minors = [r.minor for r in reference]
    for i, m in enumerate(minors):
        if m < 0:
            raise InvalidInput(
                f"reference amount {i + 1} is negative ({reference[i]}); "
                "a reference must be 0 or more"
            )
    if minors and not any(minors):
        return allocate_even(amount, len(minors))
    return allocate(amount, minors)


def transfer(
    lines: tuple[BudgetLine, ...],
    from_activity: str,
    to_activity: str,
    amount: Money,
    kind: Kind | str,
) -> tuple[BudgetLine, ...]:
    """Move ``amount`` of ``kind`` from one activity's line to another's; the total is kept.

    A missing target line is added (after the others) with the source line's phasing, so
    the moved money keeps its shape. A transfer that would take the source line below zero
    is refused. Saving the result is an ordinary edit (on a locked budget, a correction).
    """
    if kind not in (Kind.INCOME.value, Kind.COST.value):
        raise InvalidInput(f'unknown kind "{kind}": use income or cost')
    kind = Kind(kind)
    field = "income" if kind is Kind.INCOME else "cost"
    if amount.minor <= 0:
        raise InvalidInput(f"the amount to transfer must be more than zero, not {amount}")
    if from_activity == to_activity:
        raise InvalidInput(f"cannot transfer from {from_activity} to itself")
    src = next((i for i, ln in enumerate(lines) if ln.activity == from_activity), None)
    if src is None:
        raise InvalidInput(f"the budget has no {from_activity} line to transfer from")
    have: Money = getattr(lines[src], field)
    if (have - amount).minor < 0:
        raise InvalidInput(
            f"cannot transfer {amount} from {from_activity}: its {field} budget is only {have}"
        )
    out = list(lines)
    out[src] = dataclasses.replace(lines[src], **{field: have - amount})
    dst = next((i for i, ln in enumerate(lines) if ln.activity == to_activity), None)
    if dst is None:
        zero = Money.zero(amount.currency)
        new = BudgetLine(to_activity, zero, zero, lines[src].phasing or PHASING_DAYS)
        out.append(dataclasses.replace(new, **{field: amount}))
    else:
        out[dst] = dataclasses.replace(lines[dst], **{field: getattr(lines[dst], field) + amount})
    return tuple(out)
