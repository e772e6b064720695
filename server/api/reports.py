"""The Variance table and its alerts for non-Excel consumers (SPEC §4).

``GET /api/v1/variance?from=D&to=D[&object=O]`` and ``GET /api/v1/alerts?from=D&to=D``
answer the rows the core's variance engine computes (:mod:`pixie_xl.core.variance`), with
the column totals. The service only gathers the facts, and keeps them small by reading the
incremental aggregates every write keeps (:mod:`pixie_server.aggregates`): the actual lines
dated inside the period summed per object, activity and kind; the open purchase orders
placed inside it per object and activity. Each sum is handed to
the core as one line dated ``from``, which is all the engine needs for one period.

Dating follows the settings (SPEC §1): a kind dated by its task's creation is selected by
the instants of local midnight at ``from`` and after ``to`` in the company timezone, so a
task created at 23:30 UTC on 31 March counts on 1 April in Copenhagen, and a day of 23 or
25 hours is still one day. ``today`` for the forecast is the server's clock read in the
company timezone.

A row in JSON::

    {"object": "P1", "object_name": "Road 7", "activity": "ROAD", "kind": "cost",
     "original": "1000.00", "current": "1200.00", "actual": "900.00", "committed": "100.00",
     "variance": "300.00", "variance_pct": "25.00", "used_pct": "83.33",
     "available": "200.00", "forecast": "1100.00", "status": "WARN"}

Money is decimal text; ``variance_pct`` and ``used_pct`` are percentages as decimal text with
two places (blank, ``null``, where the current budget is 0); ``committed`` and
``available`` are ``null`` on income rows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import Future
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import and_, func, select

from pixie_xl.core import variance
from pixie_xl.core.dating import uses_task_date
from pixie_xl.core.errors import InvalidInput, NotFound
from pixie_xl.core.records import Kind, Settings, VarianceRow
from pixie_xl.core.tree import ObjectTree

from .. import budget_store, clock, db
from ..auth import require
from ..edge import strict_date
from ..records import load_objects, load_profiles, load_settings
from ..report_delta import Tables

bp = Blueprint("reports", __name__, url_prefix="/api/v1")

#: the longest report period (a year of days is plenty for an operational report; longer
#: periods are reports of several years, asked for one at a time)
MAX_DAYS = 3660


def _day(name: str) -> date:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        raise InvalidInput(f'"{name}" is required (an ISO date, YYYY-MM-DD)', code="missing_value")
    try:
        return strict_date(raw.strip())
    except ValueError:
        raise InvalidInput(
            f'{name} "{raw}" is not an ISO date (YYYY-MM-DD)', code="not_a_date"
        ) from None


def _period() -> tuple[date, date]:
    frm, to = _day("from"), _day("to")
    if to < frm:
        raise InvalidInput(
            f"the report period ends ({to}) before it starts ({frm})", code="end_before_start"
        )
    if (to - frm).days > MAX_DAYS:
        raise InvalidInput(f"a report period is at most {MAX_DAYS} days", code="period_too_long")
    return frm, to


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
    data = {c: [getattr(r, c) for r in rows] for c in columns}
    out = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in data.items()})
    out["date"] = np.full(len(rows), np.datetime64(frm, "s"))
    out["amount"] = np.array([int(r.amount or 0) for r in rows], dtype=np.int64)
    return out


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
        rows.extend(session.execute(q))
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
    return _frame(list(session.execute(q)), ["object", "activity"], frm)


def object_tree(session) -> ObjectTree:
    """The object tree (checked for cycles in one pass), built once per data stamp."""
    version = db.data_version(session)  # the stamp first, then the data: see db.data_version
    return memo().get(("tree", version), lambda: ObjectTree(load_objects(session)), version)


def facts_for(session, frm: date, to: date, object_id: str | None) -> variance.Facts:
    """The facts of one report period from the database (see the module's docstring)."""
    settings = load_settings(session)
    tree = object_tree(session)
    objects = list(tree.objects.values())
    keep = None
    if object_id is not None:
        if object_id not in tree:
            raise NotFound(f'there is no object "{object_id}"')
        keep = tree.subtree(object_id)
    currencies = {o.id: o.currency for o in objects}
    budgets = budget_store.load_histories(
        session, currencies, objects=keep, period=(frm, to), default_currency=settings.currency
    )
    return variance.Facts(
        objects=tree,
        settings=settings,
        profiles={p.name: p for p in load_profiles(session)},
        budgets=budgets,
        actuals=actual_sums(session, settings, frm, to, keep),
        commitments=commitment_sums(session, frm, to, keep),
    )


_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def _pct(fraction: Decimal | None) -> str | None:
    if fraction is None:
        return None
    return str((fraction * _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_EVEN))


def _money(m) -> str | None:
    return None if m is None else str(m)


def row_json(r: VarianceRow) -> dict:
    return {
        "object": r.object,
        "object_name": r.object_name,
        "activity": r.activity,
        "kind": r.kind.value,
        "original": str(r.original),
        "current": str(r.current),
        "actual": str(r.actual),
        "committed": _money(r.committed),
        "variance": str(r.variance),
        "variance_pct": _pct(r.variance_pct),
        "used_pct": _pct(r.used_pct),
        "available": _money(r.available),
        "forecast": str(r.forecast),
        "status": r.status.value,
        # issue 11 (additive): to date beside the full period, phasing-aware forecasts
        "budget_to_date": _money(r.budget_to_date),
        "variance_to_date": _money(r.variance_to_date),
        "estimate_at_completion": _money(r.estimate),
        "forecast_by_phasing": _money(r.forecast_phased),
    }


class Memo:
    """A small per-process memo of computed reports, with single flight.

    Every key a caller uses holds the database's :func:`~pixie_server.db.data_version`,
    read on each request, so an entry is never answered for a state it was not computed
    from: a committed write changes the stamp and the next request computes afresh.
    Entries of a stamp older than the newest one seen are dropped (stamps only grow), and
    at most ``size`` entries are kept. Nothing here is state the database does not hold,
    so workers and hosts stay interchangeable (SPEC §6).

    Twenty clients asking for the same report at once compute it once: the first
    computes, the others wait for its result (or its exception).
    """

    def __init__(self, size: int = 32):
        self.size = size
        self._lock = threading.Lock()
        self._done: OrderedDict = OrderedDict()  # key → (stamp, value)
        self._flight: dict = {}
        self._latest = None

    def get(self, key, compute, stamp=None):
        """``compute()``'s value under ``key`` (``key`` includes ``stamp``)."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key][1]
            pending = self._flight.get(key)
            if pending is None:
                pending = self._flight[key] = Future()
                mine = True
            else:
                mine = False
        if not mine:
            return pending.result()
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                del self._flight[key]
            pending.set_exception(exc)
            raise
        with self._lock:
            self._keep(key, stamp, value)
            del self._flight[key]
        pending.set_result(value)
        return value

    def _keep(self, key, stamp, value) -> None:
        if stamp is not None and (self._latest is None or stamp > self._latest):
            self._latest = stamp
            for old in [k for k, (st, _) in self._done.items() if st is not None and st < stamp]:
                del self._done[old]
        if stamp is not None and stamp < self._latest:
            return  # already superseded: answered once, not kept
        self._done[key] = (stamp, value)
        while len(self._done) > self.size:
            self._done.popitem(last=False)


def memo(app=None) -> Memo:
    """The app's report memo (one per app and process)."""
    app = app or current_app
    return app.extensions.setdefault("pixie_reports", Memo())


def _report(object_id: str | None, key: str, pick):
    """The answer of one report: ``pick(rows)`` under ``key``, with totals, memoised."""
    frm, to = _period()
    session = db.session()
    cache = memo()
    # The stamp first, then the facts: see db.data_version.
    version = db.data_version(session)
    stamp = (frm, to, object_id, version)
    facts = cache.get(("facts", *stamp), lambda: facts_for(session, frm, to, object_id), version)
    today = clock.now().astimezone(ZoneInfo(facts.settings.timezone)).date()
    # after a write: the previous table of this period with the changed objects' rows
    # worked out again (pixie_server.report_delta)
    tables = current_app.extensions.setdefault("pixie_tables", Tables())
    rows, as_json = cache.get(
        ("table", *stamp, today),
        lambda: tables.rows((frm, to, object_id, today), version, facts, frm, to, today, row_json),
        version,
    )
    answer = cache.get(
        ("answer", key, *stamp, today),
        lambda: _answer(frm, to, today, facts.settings.currency, pick(list(rows)), key, as_json),
        version,
    )
    return jsonify(answer)


def _answer(frm, to, today, currency, rows, key: str, as_json=row_json) -> dict:
    totals = variance.totals(rows, currency)
    return {
        "from": frm.isoformat(),
        "to": to.isoformat(),
        "today": today.isoformat(),
        "currency": currency,
        key: [as_json(r) for r in rows],
        "totals": {k: str(v) for k, v in totals.items()},
    }


@bp.get("/variance")
@require("viewer")
def variance_table():
    """The Variance table of ``from..to``, optionally for one object and its descendants."""
    return _report(request.args.get("object") or None, "rows", lambda rows: rows)


@bp.get("/alerts")
@require("viewer")
def alerts():
    """The rows whose status is not OK, worst first, with their totals."""
    return _report(request.args.get("object") or None, "alerts", variance.alerts)


# --- OpenAPI (imported by pixie_server.openapi) --------------------------------------------

_MONEY = {"type": "string", "examples": ["1234.50"]}
_MAYBE = {"type": ["string", "null"]}
ROW = {
    "type": "object",
    "properties": {
        "object": {"type": "string"},
        "object_name": {"type": "string"},
        "activity": {"type": "string"},
        "kind": {"enum": ["income", "cost"]},
        "original": _MONEY,
        "current": _MONEY,
        "actual": _MONEY,
        "committed": _MAYBE,
        "variance": _MONEY,
        "variance_pct": _MAYBE,
        "used_pct": _MAYBE,
        "available": _MAYBE,
        "forecast": _MONEY,
        "status": {"enum": ["OK", "WARN", "OVER", "BEHIND", "UNBUDGETED"]},
        "budget_to_date": _MAYBE,
        "variance_to_date": _MAYBE,
        "estimate_at_completion": _MAYBE,
        "forecast_by_phasing": _MAYBE,
    },
}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_PARAMS = [
    {"name": "from", "in": "query", "required": True, "schema": _DATE},
    {"name": "to", "in": "query", "required": True, "schema": _DATE},
    {"name": "object", "in": "query", "schema": {"type": "string", "maxLength": 200}},
]


def _report_op(summary: str, key: str) -> dict:
    problem = {"application/problem+json": {"schema": {"type": "object"}}}
    return {
        "get": {
            "summary": summary,
            "security": [{"bearer": []}],
            "parameters": _PARAMS,
            "responses": {
                "200": {
                    "description": summary,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    key: {"type": "array", "items": ROW},
                                    "totals": {"type": "object"},
                                },
                            }
                        }
                    },
                },
                "401": {"description": "no valid token", "content": problem},
                "403": {"description": "the role may not do this", "content": problem},
                "404": {"description": "unknown object", "content": problem},
                "422": {"description": "bad period", "content": problem},
            },
        }
    }


OPENAPI_PATHS = {
    "/api/v1/variance": _report_op("The Variance table of a period", "rows"),
    "/api/v1/alerts": _report_op("The rows whose status is not OK, worst first", "alerts"),
}
