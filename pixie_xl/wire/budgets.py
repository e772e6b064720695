"""A budget on the wire (SPEC §4), both ways: the service writes :func:`budget_json`, the
client reads it with :func:`budget_from_json` and sends :func:`draft_to_json`.

A budget travels as::

    {"id": "B-7Q2K…", "object": "P1", "start": "2026-01-01", "end": "2026-12-31",
     "version": 3, "kind": "correction", "seq": 1, "created_at": "2026-01-11T08:00:00+00:00",
     "locked": false, "lines": [{"activity": "ROAD", "income": "0.00", "cost": "1200.00",
     "phasing": "days", "note": ""}]}

>>> budget_from_json({"id": "B1", "object": "P1", "start": "2026-01-01",
...     "end": "2026-12-31", "version": 2, "kind": "master",
...     "created_at": "2026-01-10T09:00:00+00:00",
...     "lines": [{"activity": "ROAD", "income": "0", "cost": "1000.00"}]}).lines[0].cost.minor
100000
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from pixie_xl.core import rules
from pixie_xl.core.money import Money
from pixie_xl.core.records import (
    PHASING_DAYS,
    BudgetDraft,
    BudgetHistory,
    BudgetLine,
    BudgetVersion,
    VersionKind,
)


def line_json(ln: BudgetLine) -> dict:
    """One budget line (amounts as decimal strings)."""
    return {
        "activity": ln.activity,
        "income": str(ln.income),
        "cost": str(ln.cost),
        "phasing": ln.phasing,
        "note": ln.note,
    }


def budget_json(v: BudgetVersion, now: datetime, tz) -> dict:
    """One budget state in the SPEC §4 shape, ``locked`` by the clock ``now`` in ``tz``."""
    return {
        "id": v.budget_id,
        "object": v.object,
        "start": v.start.isoformat(),
        "end": v.end.isoformat(),
        "version": v.revision,
        "kind": v.kind.value,
        "seq": v.seq,
        "created_at": v.created_at.isoformat(),
        "locked": rules.is_locked(v, now, tz),
        "lines": [line_json(ln) for ln in v.lines],
    }


def history_json(h: BudgetHistory | None, now: datetime, tz) -> dict | None:
    """Every version of a budget, oldest first (``None`` for no budget)."""
    if h is None:
        return None
    return {"versions": [budget_json(v, now, tz) for v in h.versions]}


def draft_to_json(d: BudgetDraft) -> dict:
    """The body of one budget in a save: ``id`` and ``version`` only when it edits one."""
    body: dict = {
        "object": d.object,
        "start": d.start.isoformat(),
        "end": d.end.isoformat(),
        "lines": [line_json(ln) for ln in d.lines],
    }
    if d.budget_id:
        body["id"] = d.budget_id
    if d.based_on is not None:
        body["version"] = d.based_on
    return body


def _money(value: object, currency: str) -> Money:
    if value in (None, ""):
        return Money.zero(currency)
    return Money.of(str(value), currency)


def budget_from_json(b: Mapping, currency: str = "EUR", seq: int = 0) -> BudgetVersion:
    """One budget state the service sent (current figures, or one entry of ``/versions``)."""
    kind = VersionKind(b.get("kind") or ("master" if seq == 0 else "correction"))
    created = b.get("created_at")
    return BudgetVersion(
        budget_id=str(b["id"]),
        seq=int(b.get("seq", seq)),
        kind=kind,
        object=str(b["object"]),
        start=date.fromisoformat(str(b["start"])[:10]),
        end=date.fromisoformat(str(b["end"])[:10]),
        lines=tuple(
            BudgetLine(
                str(ln["activity"]),
                _money(ln.get("income"), currency),
                _money(ln.get("cost"), currency),
                ln.get("phasing") or PHASING_DAYS,
                ln.get("note") or "",
            )
            for ln in b.get("lines") or ()
        ),
        created_at=datetime.fromisoformat(created) if created else datetime.min,
        revision=int(b.get("version") or 1),
    )


def history_from_json(versions: Sequence[Mapping], currency: str = "EUR") -> BudgetHistory:
    """A budget's ``/versions`` (oldest first) as a history."""
    return BudgetHistory(tuple(budget_from_json(v, currency, i) for i, v in enumerate(versions)))
