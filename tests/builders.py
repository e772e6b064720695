"""Test data builders with defaults, so a test states only what matters (STYLE §13).

>>> line("ROAD", cost="100.00").cost.minor
10000
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pixie_xl.core.money import Money
from pixie_xl.core.records import (
    BudgetDraft,
    BudgetHistory,
    BudgetLine,
    BudgetVersion,
    CrmObject,
    ObjectKind,
    VersionKind,
)


def money(text: str | int = 0, currency: str = "EUR") -> Money:
    return Money.of(str(text), currency)


def line(
    activity: str = "ROAD",
    income: str = "0",
    cost: str = "0",
    phasing: str = "days",
    note: str = "",
) -> BudgetLine:
    return BudgetLine(activity, money(income), money(cost), phasing, note)


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    """An aware instant from ISO text; naive text is taken as UTC."""
    t = datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def version(
    budget_id: str = "B1",
    seq: int = 0,
    *,
    object: str = "P1",
    start: str = "2026-01-01",
    end: str = "2026-12-31",
    lines=None,
    created_at: str = "2026-01-10T09:00:00+00:00",
    revision: int | None = None,
) -> BudgetVersion:
    return BudgetVersion(
        budget_id=budget_id,
        seq=seq,
        kind=VersionKind.MASTER if seq == 0 else VersionKind.CORRECTION,
        object=object,
        start=d(start),
        end=d(end),
        lines=tuple(lines if lines is not None else [line("ROAD", cost="1000.00")]),
        created_at=at(created_at),
        revision=revision if revision is not None else seq + 1,
    )


def history(*versions: BudgetVersion) -> BudgetHistory:
    return BudgetHistory(tuple(versions) if versions else (version(),))


def draft(
    budget_id: str | None = None,
    *,
    object: str = "P1",
    start: str = "2026-01-01",
    end: str = "2026-12-31",
    lines=None,
    based_on: int | None = None,
) -> BudgetDraft:
    return BudgetDraft(
        budget_id=budget_id,
        object=object,
        start=d(start),
        end=d(end),
        lines=tuple(lines if lines is not None else [line("ROAD", cost="1000.00")]),
        based_on=based_on,
    )


def obj(
    id: str, parent: str | None = None, kind: str = "project", name: str | None = None
) -> CrmObject:
    return CrmObject(id, name or id, ObjectKind(kind), parent)


def variance_row(
    object: str = "P-1",
    activity: str = "ROAD",
    kind: str = "cost",
    current: str = "100.00",
    actual: str = "0",
    committed: str | None = None,
    original: str | None = None,
    name: str | None = None,
    status: str = "OK",
):
    """A Variance row with its derived figures worked out as SPEC §3 says (forecast = actual).

    >>> r = variance_row(current="200.00", actual="150.00", committed="10.00")
    >>> str(r.variance), str(r.available), r.used_pct
    ('50.00', '40.00', Decimal('0.8'))
    """

    from pixie_xl.core.records import Kind, Status, VarianceRow

    cur, act = money(current), money(actual)
    is_cost = kind == "cost"
    com = money(committed or "0") if is_cost else None
    var = cur - act if is_cost else act - cur
    used = (act + com) if is_cost else act
    return VarianceRow(
        object=object,
        object_name=name if name is not None else f"Object {object}",
        activity=activity,
        kind=Kind(kind),
        original=money(original) if original is not None else cur,
        current=cur,
        actual=act,
        committed=com,
        variance=var,
        variance_pct=(var.decimal / cur.decimal) if cur.minor else None,
        used_pct=(used.decimal / cur.decimal).normalize() if cur.minor else None,
        available=(cur - act - com) if is_cost else None,
        forecast=act,
        status=Status(status),
    )


def month_row(
    object: str = "P-1",
    activity: str = "ROAD",
    kind: str = "cost",
    month: str = "2026-01-01",
    budget: str = "0",
    actual: str = "0",
):
    """A Variance by month row; variance is favourable-positive as in the Variance table."""
    from pixie_xl.core.records import Kind, MonthRow

    b, a = money(budget), money(actual)
    return MonthRow(
        object, f"Object {object}", activity, Kind(kind), d(month), b, a,
        b - a if kind == "cost" else a - b,
    )  # fmt: skip
