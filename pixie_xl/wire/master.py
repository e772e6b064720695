"""Master data on the wire (SPEC §4), both ways: objects, activities, settings, profiles.

The service writes ``*_json``, the client and the cache read ``*_from_json``:

>>> object_from_json(object_json(CrmObject("P1", "Road", ObjectKind.PROJECT, None, "EUR")))
CrmObject(id='P1', name='Road', kind=<ObjectKind.PROJECT: 'project'>, parent=None, currency='EUR')
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pixie_xl.core.records import (
    Activity,
    CostDate,
    CrmObject,
    IncomeDate,
    ObjectKind,
    Profile,
    Settings,
)


def object_json(o: CrmObject) -> dict:
    return {
        "id": o.id,
        "name": o.name,
        "kind": str(o.kind),
        "parent": o.parent,
        "currency": o.currency,
    }


def object_from_json(o: Mapping) -> CrmObject:
    """An object; a missing name is its id, a missing kind ``project``."""
    return CrmObject(
        str(o["id"]),
        str(o.get("name") or o["id"]),
        ObjectKind(o.get("kind") or "project"),
        o.get("parent") or None,
        o.get("currency") or "EUR",
    )


def activity_json(a: Activity) -> dict:
    return {"code": a.code, "name": a.name, "active": a.active}


def activity_from_json(a: Mapping) -> Activity:
    return Activity(str(a["code"]), str(a.get("name") or a["code"]), bool(a.get("active", True)))


def settings_json(st: Settings) -> dict:
    """The company settings (ratios as decimal text)."""
    return {
        "timezone": st.timezone,
        "currency": st.currency,
        "cost_date": str(st.cost_date),
        "income_date": str(st.income_date),
        "warn_ratio": str(st.warn_ratio),
        "over_ratio": str(st.over_ratio),
    }


def settings_from_json(s: Mapping) -> Settings:
    """The company settings; a missing field takes :class:`Settings`' default."""
    base = Settings()
    return Settings(
        timezone=s.get("timezone") or base.timezone,
        currency=s.get("currency") or base.currency,
        cost_date=CostDate(s.get("cost_date") or base.cost_date),
        income_date=IncomeDate(s.get("income_date") or base.income_date),
        warn_ratio=Decimal(str(s.get("warn_ratio", base.warn_ratio))),
        over_ratio=Decimal(str(s.get("over_ratio", base.over_ratio))),
    )


def profile_json(p: Profile) -> dict:
    """A seasonal profile: its name and twelve weights as decimal text."""
    return {"name": p.name, "weights": [str(w) for w in p.weights]}


def profile_from_json(p: Mapping) -> Profile:
    return Profile(str(p["name"]), tuple(Decimal(str(w)) for w in p["weights"]))
