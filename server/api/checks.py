"""``POST /api/v1/checks/commitment``: would this purchase fit its budget? (issue 13)

Nothing is saved. The answer is for the cost line of ``object`` and ``activity`` in the
**period of the object's budget that covers ``date``** (budgets of one object never
overlap, R1); where no budget of the object covers the date the period is that one day
and the current budget is 0. Figures come from the Variance engine
(:mod:`pixie_xl.core.variance`, through :mod:`pixie_server.api.reports`) and the status
from its rule (:func:`~pixie_xl.core.variance.status_of`), with ``amount`` added to the
committed cost::

    {"object": "P-1", "activity": "ROAD", "date": "2026-03-10", "amount": "150.00",
     "budget": "B-1", "from": "2026-01-01", "to": "2026-12-31",
     "status": "WARN", "current_budget": "1000.00", "actual": "600.00",
     "committed": "100.00", "available": "300.00",
     "after": [{"object": "P-1", "current_budget": "1000.00", "spent": "850.00",
                "available": "150.00", "status": "WARN"},
               {"object": "D-1", ...}]}

``available`` is the line's before the purchase (current − actual − committed);
``status`` is the line's after it: ``OK``, ``WARN`` or ``OVER`` (a line with no budget
that the purchase would charge reads ``OVER``: nothing is available). ``after`` lists the
object and then each ancestor up to the root, each with the figures *after* the purchase
summed over that node's subtree (its own line plus its descendants' lines of the
activity, same period): ``spent`` = actual + committed + amount.

With the setting ``on_over`` = ``stop``, :func:`refuse_over_budget` is what ingest calls
before writing purchase orders.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint
from sqlalchemy import select

from pixie_xl.core import variance
from pixie_xl.core.errors import AmountError, InvalidInput, RuleViolation
from pixie_xl.core.money import Money, exponent
from pixie_xl.core.records import COMMITTING_STATUSES, Status

from .. import budget_store, clock, db, webhooks
from ..auth import require
from ..edge import strict_date
from ..ingest import minor_units
from ..models import ActivityRow, ObjectRow, PurchaseOrderRow
from ..records import load_settings
from .common import json_body, text_field
from .reports import facts_for, memo, object_tree
from .settings import on_over_of

bp = Blueprint("checks", __name__, url_prefix="/api/v1/checks")

FIELDS = ("object", "activity", "amount", "date")
SHOWN = {Status.OK: "OK", Status.WARN: "WARN", Status.OVER: "OVER", Status.UNBUDGETED: "OVER"}


def covering_period(session, object_id: str, day: date) -> tuple[str | None, date, date]:
    """The id and dates of the object's budget that covers ``day``, else (None, day, day)."""
    for span in budget_store.spans(session, [object_id]):
        if span.start <= day <= span.end:
            return span.budget_id, span.start, span.end
    return None, day, day


def line_figures(session, object_id: str, activity: str, frm: date, to: date, *, fresh=False):
    """Cost figures in minor units of ``activity`` for each node from ``object_id`` up to
    its root over ``frm..to``: ``{node: (current, actual, committed)}`` summed over the
    node's subtree; ``"own"`` holds the object's own line. ``fresh``: read inside a write
    transaction, so nothing is taken from or put in the report memo."""
    tree = webhooks.fresh_tree(session) if fresh else object_tree(session)
    chain = [object_id, *tree.ancestors(object_id)]
    if fresh:
        facts = webhooks.facts_of(session, frm, to, set(tree.subtree(chain[-1])), tree)
    else:  # the report's own memo entry (the same key as /variance?object=<root>)
        version = db.data_version(session)
        stamp = (frm, to, chain[-1], version)
        facts = memo().get(
            ("facts", *stamp), lambda: facts_for(session, frm, to, chain[-1]), version
        )
    today = clock.now().astimezone(ZoneInfo(facts.settings.timezone)).date()
    own: dict[str, tuple[int, int, int]] = {}
    for r in variance.variance_rows(facts, frm, to, today):
        if r.activity == activity and r.kind.value == "cost":
            own[r.object] = (r.current.minor, r.actual.minor, r.committed.minor)
    out: dict = {"own": own.get(object_id, (0, 0, 0))}
    for node in chain:
        members = tree.subtree(node)
        parts = [v for o, v in own.items() if o in members]
        out[node] = tuple(sum(p[i] for p in parts) for i in range(3))
    out["chain"] = chain
    return out


def status_after(current: int, actual: int, committed: int, settings) -> Status:
    """The core's cost status of a line with ``committed`` (the purchase included)."""
    return variance.status_of("cost", current, actual, committed, actual, settings)


def _request() -> tuple[str, str, int, date, str]:
    body = json_body()
    for key in body:
        if key not in FIELDS:
            raise InvalidInput(
                f'"{key}" is not a field of a commitment check ({", ".join(FIELDS)})',
                code="unknown_field",
                detail={"field": key},
            )
    obj, act = text_field(body, "object"), text_field(body, "activity")
    s = db.session()
    if s.get(ObjectRow, obj) is None:
        raise InvalidInput(
            f'object "{obj}" is not known', code="unknown_object", detail={"field": "object"}
        )
    if s.get(ActivityRow, act) is None:
        raise InvalidInput(
            f'activity "{act}" is not known',
            code="unknown_activity",
            detail={"field": "activity"},
        )
    raw = body.get("amount")
    currency = load_settings(s).currency
    try:
        if not isinstance(raw, str):
            raise AmountError('must be a decimal text such as "150.00"', code="not_a_number")
        amount = minor_units(raw, exponent(currency))
    except AmountError as exc:
        raise InvalidInput(
            f"amount {exc.message}", code=exc.code, detail={"field": "amount"}
        ) from None
    if amount < 0:
        raise InvalidInput(
            "amount must not be negative", code="negative_amount", detail={"field": "amount"}
        )
    day_text = body.get("date")
    try:
        day = strict_date(day_text.strip() if isinstance(day_text, str) else "")
    except ValueError:
        raise InvalidInput(
            f'date "{day_text}" is not an ISO date (YYYY-MM-DD)',
            code="not_a_date",
            detail={"field": "date"},
        ) from None
    return obj, act, amount, day, currency


@bp.post("/commitment")
@require("viewer")
def commitment():
    obj, act, amount, day, currency = _request()
    s = db.session()
    settings = load_settings(s)
    budget_id, frm, to = covering_period(s, obj, day)
    figures = line_figures(s, obj, act, frm, to)
    cur, actual, committed = figures["own"]

    def money(minor: int) -> str:
        return str(Money(minor, currency))

    after = []
    for node in figures["chain"]:
        n_cur, n_act, n_com = figures[node]
        after.append(
            {
                "object": node,
                "current_budget": money(n_cur),
                "spent": money(n_act + n_com + amount),
                "available": money(n_cur - n_act - n_com - amount),
                "status": SHOWN.get(status_after(n_cur, n_act, n_com + amount, settings), "OK"),
            }
        )
    return {
        "object": obj,
        "activity": act,
        "date": day.isoformat(),
        "amount": money(amount),
        "budget": budget_id,
        "from": frm.isoformat(),
        "to": to.isoformat(),
        "status": SHOWN.get(status_after(cur, actual, committed + amount, settings), "OK"),
        "current_budget": money(cur),
        "actual": money(actual),
        "committed": money(committed),
        "available": money(cur - actual - committed),
        "after": after,
    }


# --- on_over = stop: ingest refuses an order that takes its line over budget ---------------

_COMMITTING = {s.value for s in COMMITTING_STATUSES}


def _rest(amount: int, invoiced: int, status: str) -> int:
    return max(amount - invoiced, 0) if status in _COMMITTING else 0


def refuse_over_budget(s, orders: list[tuple]) -> None:
    """Refuse (409 ``over_budget``) a batch whose committing orders raise the committed cost
    of a budgeted cost line and leave it OVER (or UNBUDGETED: a zero line of a budget).

    ``orders`` are ingest's tuples ``(po_id, object, activity, vendor, ordered_on, amount,
    invoiced, status)`` before they are written. Each line is judged in the period of the
    object's budget covering the order's date, with the batch's orders replacing their
    stored versions; orders on a date no budget of the object covers are not judged.
    Does nothing while ``on_over`` is ``warn``.
    """
    if not orders or on_over_of(s) != "stop":
        return
    settings = load_settings(s)
    stored = _stored(s, [o[0] for o in orders])
    groups: dict[tuple, list[tuple]] = {}
    for o in orders:
        day = o[4] if isinstance(o[4], date) else date.fromisoformat(o[4])
        budget_id, frm, to = covering_period(s, o[1], day)
        if budget_id is not None:
            groups.setdefault((o[1], o[2], budget_id, frm, to), []).append(o)
    refused = []
    for (obj, act, _bid, frm, to), batch in groups.items():
        new = sum(_rest(o[5], o[6], o[7]) for o in batch)
        old = 0
        for o in batch:
            prior = stored.get(o[0])
            if prior is not None and prior[:2] == (obj, act) and frm <= prior[2] <= to:
                old += _rest(*prior[3:])
        if new <= old:
            continue
        cur, actual, committed = line_figures(s, obj, act, frm, to, fresh=True)["own"]
        committed += new - old
        status = status_after(cur, actual, committed, settings)
        if status in (Status.OVER, Status.UNBUDGETED):
            refused.append(_refusal(obj, act, frm, to, batch, cur, actual, committed, settings))
    if refused:
        names = ", ".join(o for r in refused for o in r["orders"])
        raise RuleViolation(
            f"on_over is stop: order(s) {names} would take their budget line over budget "
            f"({'; '.join(r['why'] for r in refused)}); nothing was saved",
            code="over_budget",
            detail={"lines": refused},
        )


def _stored(s, ids: list[str]) -> dict:
    out = {}
    for i in range(0, len(ids), 900):
        q = select(PurchaseOrderRow).where(
            PurchaseOrderRow.id.in_(ids[i : i + 900]), PurchaseOrderRow.deleted.is_(False)
        )
        for r in s.execute(q).scalars():
            out[r.id] = (
                r.object_id,
                r.activity_code,
                r.ordered_on,
                r.amount_minor,
                r.invoiced_minor,
                r.status,
            )
    return out


def _refusal(obj, act, frm, to, batch, cur, actual, committed, settings) -> dict:
    c = settings.currency
    m = {k: str(Money(v, c)) for k, v in (("cur", cur), ("act", actual), ("com", committed))}
    avail = str(Money(cur - actual - committed, c))
    return {
        "orders": [o[0] for o in batch],
        "object": obj,
        "activity": act,
        "from": frm.isoformat(),
        "to": to.isoformat(),
        "current_budget": m["cur"],
        "actual": m["act"],
        "committed": m["com"],
        "available": avail,
        "why": f"{obj} {act} {frm}..{to}: budget {m['cur']}, actual {m['act']}, "
        f"committed with the batch {m['com']}, available {avail}",
    }


# --- OpenAPI (imported by pixie_server.openapi) --------------------------------------------

_MONEY = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
_LEVEL = {
    "type": "object",
    "properties": {
        "object": {"type": "string"},
        "current_budget": _MONEY,
        "spent": _MONEY,
        "available": _MONEY,
        "status": {"enum": ["OK", "WARN", "OVER"]},
    },
}
_PROBLEM = {
    "description": "problem+json with a stable code",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
OPENAPI_PATHS = {
    "/api/v1/checks/commitment": {
        "post": {
            "summary": "would this purchase fit its budget line? (any role; nothing is saved)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "object": {"type": "string", "minLength": 1, "maxLength": 200},
                                "activity": {"type": "string", "minLength": 1, "maxLength": 200},
                                "amount": {
                                    "type": "string",
                                    "pattern": r"^\d+(\.\d+)?$",
                                    "maxLength": 40,
                                },
                                "date": {
                                    "type": "string",
                                    "format": "date",
                                    "pattern": r"^\d{4}-\d{2}-\d{2}$",
                                },
                            },
                            "required": ["object", "activity", "amount", "date"],
                            "additionalProperties": False,
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "the line's figures and status with the purchase",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "status": {"enum": ["OK", "WARN", "OVER"]},
                                    "budget": {"type": ["string", "null"]},
                                    "current_budget": _MONEY,
                                    "actual": _MONEY,
                                    "committed": _MONEY,
                                    "available": _MONEY,
                                    "after": {"type": "array", "items": _LEVEL},
                                },
                                "required": ["status", "available", "current_budget", "after"],
                            }
                        }
                    },
                },
                "400": _PROBLEM,
                "401": _PROBLEM,
                "403": _PROBLEM,
                "413": _PROBLEM,
                "415": _PROBLEM,
                "422": _PROBLEM,
            },
        }
    }
}
