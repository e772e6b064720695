"""Budgets over HTTP (SPEC §4): list, create, batch save, read, edit, delete, versions.

A thin wrapper (STYLE §9): a view hands the JSON to :func:`pixie_server.budget_saving.
save_drafts`, which reads it into drafts (:mod:`pixie_xl.wire.reader`, every problem a
finding naming its item, line and field), takes the write locks, asks
:mod:`pixie_xl.core.rules` what the save or delete does by the server's clock in the
company timezone, and persists and audits the history the core returns. Rules R1–R7 are
decided nowhere else.

A budget travels in the shape of :mod:`pixie_xl.wire.budgets`, showing its current
figures (R5); ``/versions`` lists the master and each correction in the
same shape, oldest first. ``version`` is the R6 token: a PUT and a DELETE must give the
token they started from (DELETE as ``?version=`` or ``If-Match``; GET answers it as the
``ETag``). ``GET /api/v1/budgets?object=O`` lists that object's own budgets; add
``descendants=1`` for its whole subtree, ``date=D`` for the budgets covering a day.

Status codes: 422 ``validation_failed`` with ``findings`` for JSON that does not describe a
budget (bad amounts, unknown object or activity, inactive activity on a new line, bad
dates); 409 with the core's refusal code (``overlap``, ``end_before_start``,
``dates_locked``, ``object_locked``, ``line_removed``, ``stale_version``, ``locked``,
``version_required``); a batch refused by the rules answers 409 ``rule_violation`` with a
finding per refusal, each naming its item (``budgets[3].start``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, request, url_for
from werkzeug.exceptions import MethodNotAllowed

from pixie_xl.core import rules
from pixie_xl.core.errors import InvalidInput, NotFound, ValidationFailed
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.core.records import BudgetHistory
from pixie_xl.wire.budgets import budget_json
from pixie_xl.wire.text import clip

from .. import budget_store, clock, db, webhooks
from ..auth import require
from ..budget_saving import (
    MAX_BATCH,
    Saved,
    audit_saved,
    load_catalogue,
    save_batch_profiles,
    save_drafts,
)
from ..edge import INT4_MAX, bounded_text, strict_date, whole_number
from ..idempotency import idempotent
from .budgets_openapi import OPENAPI_PATHS  # noqa: F401 - for pixie_server.openapi

bp = Blueprint("budgets", __name__, url_prefix="/api/v1/budgets")


def _flag(name: str) -> bool:
    """A 0/1 query flag (absent is 0); anything else is 422 naming it."""
    raw = request.args.get(name, "0")
    if raw not in ("0", "1"):
        raise InvalidInput(
            f'{name} must be 0 or 1, not "{clip(raw)}"',
            code="bad_parameter",
            detail={"parameter": name},
        )
    return raw == "1"


def _json_body() -> object:
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("the request body is not JSON", code="bad_json")
    return body


def _one(budget_id: str) -> tuple[BudgetHistory, datetime, ZoneInfo]:
    session = db.session()
    cat = load_catalogue(session)
    h = budget_store.load_history(session, budget_id, cat.currencies)
    if h is None:
        raise NotFound(f"there is no budget {budget_id}")
    return h, clock.now(), clock.company_tz(session)


def _based_on() -> int | None:
    raw = request.args.get("version")
    if raw is None:
        match = re.fullmatch(r'\s*(?:W/)?"?(\d+)"?\s*', request.headers.get("If-Match", ""))
        raw = match.group(1) if match else None
    if raw is None:
        return None
    try:
        return whole_number(raw.strip(), "version", 1, INT4_MAX)
    except InvalidInput:
        msg = f'version "{clip(raw)}" is not a whole number from 1 to {INT4_MAX}'
        raise InvalidInput(msg, code="bad_version") from None


def _saved_response(s: Saved, status: int):
    session = db.session()
    now, tz = clock.now(), clock.company_tz(session)
    resp = jsonify(budget_json(s.after.current, now, tz))
    resp.status_code = status
    resp.headers["ETag"] = f'"{s.after.revision}"'
    if status == 201:
        resp.headers["Location"] = url_for("budgets.get_one", budget_id=s.after.budget_id)
    return resp


# --- views -------------------------------------------------------------------------------


@bp.get("")
@require("viewer")
def list_budgets():
    """Budgets with their current figures, by object (``descendants=1`` for its subtree)
    and a day they cover."""
    session = db.session()
    cat = load_catalogue(session)
    obj = request.args.get("object") or None
    if obj is not None:
        obj = bounded_text(obj, "object")
    on_raw = request.args.get("date")
    on = None
    if on_raw is not None:
        try:
            on = strict_date(on_raw)
        except ValueError:
            msg = f'date "{clip(on_raw)}" is not an ISO date (YYYY-MM-DD)'
            raise InvalidInput(msg, code="not_a_date") from None
    objects = None
    desc = _flag("descendants")
    if obj is not None:
        objects = cat.subtree(obj) if desc else {obj}
    histories = budget_store.load_histories(session, cat.currencies, objects=objects, on=on)
    now, tz = clock.now(), clock.company_tz(session)
    return jsonify({"budgets": [budget_json(h.current, now, tz) for h in histories]})


@bp.post("")
@require("accountant")
@idempotent
def create():
    """Create one budget (R1, R2): 201 with its Location."""
    body = _json_body()
    if isinstance(body, Mapping) and body.get("id") not in (None, ""):
        raise InvalidInput(
            "a new budget gets its id from the service; PUT edits one", code="id_not_allowed"
        )
    (saved,) = save_drafts(db.session(), [(None, body, None)], single=True)
    return _saved_response(saved, 201)


@bp.post("/batch")
@require("accountant")
@idempotent
def batch():
    """Save many budgets, creates and edits mixed, all or nothing.

    Body ``{"budgets": [budget, …], "profiles": [profile, …]}``; each budget with an ``id``
    and ``version`` edits that budget, one without creates a new one; the profiles
    (optional, ``{"name", "weights"}`` as for ``/api/v1/profiles``) are saved in the same
    transaction, so a budget may use a profile of its own batch. The answer lists the
    saved budgets in order.
    """
    body = _json_body()
    items = body.get("budgets") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise ValidationFailed(
            'the body must be {"budgets": [...]}',
            [Finding(SourceRef("request", "budgets"), "missing_value", "budgets: is required")],
        )
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH} budgets", code="batch_too_large")
    parsed = []
    for i, item in enumerate(items):
        bid = item.get("id") if isinstance(item, Mapping) else None
        if bid is not None:
            bid = bounded_text(bid, f"budgets[{i}].id")
        parsed.append((i, item, (bid or "").strip() or None))
    session = db.session()
    save_batch_profiles(session, body.get("profiles"))
    saved = save_drafts(session, parsed, single=False)
    now, tz = clock.now(), clock.company_tz(session)
    return jsonify(
        {
            "budgets": [budget_json(s.after.current, now, tz) for s in saved],
            "actions": [s.decision.action.value for s in saved],
        }
    )


@bp.route(
    "/batch", methods=["GET", "PUT", "DELETE", "PATCH", "OPTIONS"], provide_automatic_options=False
)
@require("viewer")
def batch_other():
    """``/batch`` takes POST only: without this route ``GET /batch`` would read budget
    "batch" and ``OPTIONS`` would list the methods of ``/<budget_id>`` in ``Allow``."""
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "POST, OPTIONS"})
    raise MethodNotAllowed(valid_methods=["POST", "OPTIONS"])


batch.provide_automatic_options = False  # OPTIONS /batch is batch_other's
batch_other.pixie_only_405 = True  # answers 405 only: no operation of the OpenAPI document


@bp.get("/<budget_id>")
@require("viewer")
def get_one(budget_id: str):
    h, now, tz = _one(budget_id)
    resp = jsonify(budget_json(h.current, now, tz))
    resp.headers["ETag"] = f'"{h.revision}"'
    return resp


@bp.put("/<budget_id>")
@require("accountant")
@idempotent
def put(budget_id: str):
    """Edit a budget from the version it was read at (R2–R6)."""
    body = _json_body()
    if isinstance(body, Mapping) and body.get("version") is None:
        based = _based_on()
        if based is not None:
            body = {**body, "version": based}
    (saved,) = save_drafts(db.session(), [(None, body, budget_id)], single=True)
    return _saved_response(saved, 200)


@bp.delete("/<budget_id>")
@require("accountant")
@idempotent
def remove(budget_id: str):
    """Delete the newest version while it is editable (R2, R7); ``?version=`` or If-Match."""
    based = _based_on()
    session = db.session()
    budget_store.lock_budgets(session, [budget_id])
    h, now, tz = _one(budget_id)
    decision = rules.decide_delete(h, based, now, tz)
    after = rules.apply_delete(h, decision)  # raises the refusal with its code
    budget_store.persist(session, h, after, now, tz)
    audit_saved(session, Saved(h, after, decision), now, tz)
    webhooks.budget_changed(session, h, after)  # issue 13: status events
    body = {
        "id": budget_id,
        "deleted": "budget" if after is None else "correction",
        "current": budget_json(after.current, now, tz) if after is not None else None,
    }
    return jsonify(body)


@bp.get("/<budget_id>/versions")
@require("viewer")
def versions(budget_id: str):
    """The master and every correction, oldest first, in the budget shape."""
    h, now, tz = _one(budget_id)
    return jsonify({"versions": [budget_json(v, now, tz) for v in h.versions]})
