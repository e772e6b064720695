"""The facts of one report period, read from the database (SPEC §4, issue 12.5).

The service only gathers the facts, and keeps them small by reading the incremental
aggregates every write keeps (:mod:`pixie_server.aggregates`): the actual lines dated
inside the period summed per object, activity and kind; the open purchase orders placed
inside it per object and activity. Each sum is handed to the core as one line dated
``from``, which is all the engine needs for one period.

Dating follows the settings (SPEC §1): a kind dated by its task's creation is selected by
the instants of local midnight at ``from`` and after ``to`` in the company timezone, so a
task created at 23:30 UTC on 31 March counts on 1 April in Copenhagen, and a day of 23 or
25 hours is still one day.

Budgets are the costly part to read (versions and lines, ~200 budgets in ~20 ms), and a
write changes one or two of them. So :class:`Budgets` keeps each budget's history per
process under its *stamp*: the budget's issued token and the id and token of each of its
versions, read in one small query every time. Every saved change of a budget moves those
(``budget_store.persist``: an edit or a new correction issues a new token, a deleted
correction drops a version row), so a history is reused only while its rows are as they
were; only budgets whose stamp moved are loaded again.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import and_, func, select

from pixie_xl.core import variance
from pixie_xl.core.dating import uses_task_date
from pixie_xl.core.errors import NotFound
from pixie_xl.core.records import BudgetHistory, Kind, Settings
from pixie_xl.core.tree import ObjectTree

from . import budget_store, db
from .records import load_objects, load_profiles, load_settings
from .report_delta import memo


def _utc_midnight(day: date, zone: ZoneInfo, *, after: bool = False) -> datetime:
    """The instant local midnight begins ``day`` (``after``: the day after it) in UTC,
    clamped to the ends of the calendar for days at its very edges."""
    try:
        if after:
            day += timedelta(days=1)
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC) if after else datetime.min.replace(tzinfo=UTC)


def _frame(rows, columns: list[str], frm: date) -> pd.DataFrame:
    """``rows`` (tuples of ``columns`` and the amount) as a frame dated ``frm``."""
    cols = list(zip(*rows, strict=True)) if rows else [()] * (len(columns) + 1)
    data = {c: pd.Series(cols[i], dtype=object) for i, c in enumerate(columns)}
    data["date"] = np.full(len(rows), np.datetime64(frm, "s"))
    data["amount"] = np.array([int(a or 0) for a in cols[-1]], dtype=np.int64)
    return pd.DataFrame(data)


def actual_sums(session, settings: Settings, frm: date, to: date, objects=None) -> pd.DataFrame:
    """Actual amounts dated inside ``frm..to``, summed per object, activity and kind.

    Read from the incremental aggregates (:mod:`pixie_server.aggregates`), not the lines:
    kinds dated by their own date from the sums per line day, kinds dated by their task
    from the sums per task creation instant, selected between the instants of local
    midnight. Groups whose lines all went (``lines`` 0) are not groups.
    """
    zone = ZoneInfo(settings.timezone)
    own = [k.value for k in Kind if not uses_task_date(k, settings)]
    by_task = [k.value for k in Kind if uses_task_date(k, settings)]
    rows = []
    for kinds, task_dated in ((own, False), (by_task, True)):
        if not kinds:
            continue
        t = budget_store.table("actual_created_sums" if task_dated else "actual_day_sums")
        if task_dated:
            lo, hi = _utc_midnight(frm, zone), _utc_midnight(to, zone, after=True)
            when = and_(t.c.created_at >= lo, t.c.created_at < hi)
        else:
            when = and_(t.c.day >= frm, t.c.day <= to)
        q = (
            select(
                t.c.object_id.label("object"),
                t.c.activity_code.label("activity"),
                t.c.kind.label("kind"),
                func.sum(t.c.amount_minor).label("amount"),
            )
            .where(when, t.c.kind.in_(kinds))
            .group_by(t.c.object_id, t.c.activity_code, t.c.kind)
            .having(func.sum(t.c.lines) > 0)
        )
        if objects is not None:
            q = q.where(t.c.object_id.in_(sorted(objects)))
        rows.extend(session.execute(q).all())  # all(): one fetch, not one per row
    return _frame(rows, ["object", "activity", "kind"], frm)


def commitment_sums(session, frm: date, to: date, objects=None) -> pd.DataFrame:
    """Committed cost of approved and received orders placed in ``frm..to``, per object and
    activity: amount − invoiced, never below zero (from ``committed_day_sums``)."""
    t = budget_store.table("committed_day_sums")
    q = (
        select(
            t.c.object_id.label("object"),
            t.c.activity_code.label("activity"),
            func.sum(t.c.committed_minor).label("amount"),
        )
        .where(t.c.day >= frm, t.c.day <= to)
        .group_by(t.c.object_id, t.c.activity_code)
        .having(func.sum(t.c.orders) > 0)
    )
    if objects is not None:
        q = q.where(t.c.object_id.in_(sorted(objects)))
    return _frame(session.execute(q).all(), ["object", "activity"], frm)


def object_tree(session) -> ObjectTree:
    """The object tree (checked for cycles in one pass), built once per data stamp."""
    version = db.data_version(session)  # the stamp first, then the data: see db.data_version
    return memo().get(("tree", version), lambda: ObjectTree(load_objects(session)), version)


#: the most budget histories kept per process before those of other periods are let go
MAX_KEPT = 20_000


class Budgets:
    """Budget histories kept per process under their stamps (see the module's docstring)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[tuple, BudgetHistory]] = {}  # id → (stamp, history)

    def load(self, session, currencies: dict, period, objects=None, default="EUR"):
        """``budget_store.load_histories(session, currencies, objects=…, period=…)``."""
        stamps = stamps_of(session, currencies, period, objects, default)
        with self._lock:
            kept = {b: h for b, (st, h) in self._kept.items() if stamps.get(b) == st}
        stale = sorted(set(stamps) - set(kept))
        if stale:
            fresh = budget_store.load_histories(
                session, currencies, budget_ids=stale, default_currency=default
            )
            with self._lock:
                for h in fresh:
                    if h.budget_id in stamps:
                        self._kept[h.budget_id] = (stamps[h.budget_id], h)
                        kept[h.budget_id] = h
                if len(self._kept) > MAX_KEPT:  # deleted budgets' histories, at most this many
                    self._kept = {b: self._kept[b] for b in stamps if b in self._kept}
        out = [h for b, h in kept.items() if b in stamps]
        out.sort(key=lambda h: (h.master.object, h.master.start, h.budget_id))
        return out


def stamps_of(session, currencies: dict, period, objects=None, default="EUR") -> dict:
    """Per live budget overlapping ``period`` (of ``objects``): its issued token, its
    object's currency and the (row id, token) of each of its versions, by seq."""
    b, v = budget_store.table("budgets"), budget_store.table("budget_versions")
    master = v.alias("master")
    q = (
        select(b.c.id, b.c.revision, master.c.object_id, v.c.seq, v.c.id, v.c.revision)
        .join(master, and_(master.c.budget_id == b.c.id, master.c.seq == 0))
        .join(v, v.c.budget_id == b.c.id)
        .where(b.c.deleted_at.is_(None))
        .where(and_(master.c.start <= period[1], master.c.end >= period[0]))
    )
    if objects is not None:
        q = q.where(master.c.object_id.in_(sorted(set(objects))))
    rows: dict[str, list] = {}
    for bid, issued, obj, seq, vid, token in session.execute(q).all():
        rows.setdefault(bid, [int(issued), currencies.get(obj, default)]).append(
            (int(seq), int(vid), int(token))
        )
    return {bid: (r[0], r[1], tuple(sorted(r[2:]))) for bid, r in rows.items()}


def budgets(app=None) -> Budgets:
    """The app's kept budget histories (one per app and process)."""
    return (app or current_app).extensions.setdefault("pixie_report_budgets", Budgets())


def facts_for(session, frm: date, to: date, object_id: str | None) -> variance.Facts:
    """The facts of one report period from the database (see the module's docstring)."""
    settings = load_settings(session)
    tree = object_tree(session)
    keep = None
    if object_id is not None:
        if object_id not in tree:
            raise NotFound(f'there is no object "{object_id}"')
        keep = tree.subtree(object_id)
    currencies = {o.id: o.currency for o in tree.objects.values()}
    return variance.Facts(
        objects=tree,
        settings=settings,
        profiles={p.name: p for p in load_profiles(session)},
        budgets=budgets().load(session, currencies, (frm, to), keep, settings.currency),
        actuals=actual_sums(session, settings, frm, to, keep),
        commitments=commitment_sums(session, frm, to, keep),
    )
