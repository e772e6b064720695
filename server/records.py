"""Rows ↔ core records, and loaders the views (ours and the budget ones) share."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pixie_xl.core.money import Money
from pixie_xl.core.records import (
    Activity,
    ActualLine,
    CostDate,
    CrmObject,
    IncomeDate,
    Kind,
    ObjectKind,
    POStatus,
    Profile,
    PurchaseOrder,
    Settings,
    Task,
)

from .models import (
    ActivityRow,
    ActualLineRow,
    ObjectRow,
    ProfileRow,
    PurchaseOrderRow,
    SettingsRow,
    TaskRow,
)


def object_record(row: ObjectRow) -> CrmObject:
    return CrmObject(row.id, row.name, ObjectKind(row.kind), row.parent_id, row.currency)


def activity_record(row: ActivityRow) -> Activity:
    return Activity(row.code, row.name, bool(row.active))


def settings_record(row: SettingsRow | None) -> Settings:
    if row is None:
        return Settings()
    return Settings(
        timezone=row.timezone,
        currency=row.currency,
        cost_date=CostDate(row.cost_date),
        income_date=IncomeDate(row.income_date),
        warn_ratio=Decimal(row.warn_ratio),
        over_ratio=Decimal(row.over_ratio),
    )


def profile_record(row: ProfileRow) -> Profile:
    return Profile(row.name, tuple(Decimal(w) for w in json.loads(row.weights)))


def load_settings(s: Session) -> Settings:
    return settings_record(s.get(SettingsRow, 1))


def load_objects(s: Session) -> list[CrmObject]:
    return [object_record(r) for r in s.execute(select(ObjectRow).order_by(ObjectRow.id)).scalars()]


def load_activities(s: Session) -> list[Activity]:
    rows = s.execute(select(ActivityRow).order_by(ActivityRow.code)).scalars()
    return [activity_record(r) for r in rows]


def load_profiles(s: Session) -> list[Profile]:
    rows = s.execute(select(ProfileRow).order_by(ProfileRow.name)).scalars()
    return [profile_record(r) for r in rows]


def load_tasks(s: Session) -> list[Task]:
    rows = s.execute(select(TaskRow)).scalars()
    return [Task(r.id, r.object_id, r.activity_code, r.created_at) for r in rows]


def load_actual_lines(s: Session, currency: str) -> list[ActualLine]:
    """Every live (not deleted) actual line, in the company ``currency``."""
    rows = s.execute(select(ActualLineRow).where(ActualLineRow.deleted.is_(False))).scalars()
    return [
        ActualLine(
            r.id, r.task_id, Kind(r.kind), r.date, Money(r.amount_minor, currency), r.reference
        )
        for r in rows
    ]


def load_purchase_orders(s: Session, currency: str) -> list[PurchaseOrder]:
    rows = s.execute(select(PurchaseOrderRow).where(PurchaseOrderRow.deleted.is_(False))).scalars()
    return [
        PurchaseOrder(
            r.id,
            r.object_id,
            r.activity_code,
            r.vendor,
            r.ordered_on,
            Money(r.amount_minor, currency),
            Money(r.invoiced_minor, currency),
            POStatus(r.status),
        )
        for r in rows
    ]
