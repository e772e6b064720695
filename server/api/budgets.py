"""Budgets over HTTP (SPEC §4): list, create, batch save, read, edit, delete, versions.

A thin wrapper (STYLE §9): a view parses the JSON into a
:class:`~pixie_xl.core.records.BudgetDraft` (every problem a finding naming its field,
``lines[2].cost``), takes the write locks, loads the budget's history, asks
:mod:`pixie_xl.core.rules` what the save or delete does by the server's clock in the
company timezone, and persists and audits the history the core returns. Rules R1–R7 are
decided nowhere else.

A budget travels as::

    {"id": "B-7Q2K…", "object": "P1", "start": "2026-01-01", "end": "2026-12-31",
     "version": 3, "kind": "correction", "seq": 1, "created_at": "2026-01-11T08:00:00+00:00",
     "locked": false, "lines": [{"activity": "ROAD", "income": "0.00", "cost": "1200.00",
     "phasing": "days", "note": ""}]}

showing its current figures (R5); ``/versions`` lists the master and each correction in the
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
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, g, jsonify, request, url_for
from werkzeug.exceptions import MethodNotAllowed

from pixie_xl.core import rules
from pixie_xl.core.errors import (
    InvalidInput,
    NotFound,
    RuleViolation,
    StaleVersion,
    ValidationFailed,
)
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.core.records import (
    BudgetDraft,
    BudgetHistory,
)
from pixie_xl.core.rules import Action, Decision
from pixie_xl.wire.budgets import budget_json, history_json
from pixie_xl.wire.reader import REASONS, BudgetReader, Catalogue
from pixie_xl.wire.text import clip

from .. import audit, budget_store, clock, db, webhooks
from ..auth import require
from ..edge import (
    INT4_MAX,
    MAX_ID,
    MAX_TEXT,
    bounded_text,
    strict_date,
    whole_number,
)
from ..idempotency import idempotent
from ..records import load_settings

bp = Blueprint("budgets", __name__, url_prefix="/api/v1/budgets")

#: the most budgets one batch may hold (a bigger import is sent in several batches)
MAX_BATCH = 10_000
#: which field a refusal of the core points at
_REFUSAL_FIELD = {
    "end_before_start": "end",
    "overlap": "start",
    "dates_locked": "start",
    "object_locked": "object",
    "line_removed": "lines",
    "duplicate_line": "lines",
    "stale_version": "version",
    "version_required": "version",
    "budget_mismatch": "id",
    "locked": "id",
}


class BatchRefused(ValidationFailed):
    """A batch the rules refuse (R1, R3, R6 …): 409 with a finding per refused item."""

    code = "rule_violation"
    status = 409


def load_catalogue(session) -> Catalogue:
    """The objects, activities and profile names a budget's JSON is read against."""
    o, a, p = (budget_store.table(n) for n in ("objects", "activities", "profiles"))
    objects = list(session.execute(o.select()))
    settings = load_settings(session)
    return Catalogue(
        currencies={r.id: r.currency for r in objects},
        parents={r.id: r.parent_id for r in objects},
        activities={r.code: bool(r.active) for r in session.execute(a.select())},
        profiles=frozenset(r.name for r in session.execute(p.select())),
        currency=settings.currency,
    )


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


# --- deciding and saving -------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    before: BudgetHistory | None
    after: BudgetHistory | None
    decision: Decision
    #: why the client made the change (``"transfer"``), named in the audit entry
    reason: str | None = None


def _new_id(session) -> str:
    while True:
        bid = "B-" + uuid.uuid4().hex[:10].upper()
        if not budget_store.budget_exists(session, bid):
            return bid


def _refusal_finding(prefix: str, decision: Decision) -> Finding:
    field = _REFUSAL_FIELD.get(decision.code, "")
    where = f"{prefix}{field}" if field else prefix.rstrip(".")
    return Finding(SourceRef("request", where), decision.code, decision.message)


def _raise_refusal(decision: Decision) -> None:
    cls = StaleVersion if decision.code == "stale_version" else RuleViolation
    raise cls(decision.message, code=decision.code)


def _audit(session, saved: Saved, now: datetime, tz) -> None:
    if saved.decision.action is Action.UNCHANGED:
        return
    ref = saved.after or saved.before
    after = history_json(saved.after, now, tz)
    if saved.reason and after is not None:
        after["reason"] = saved.reason
    audit.record(
        session,
        g.actor,
        f"budget.{saved.decision.action.value}",
        "budget",
        ref.budget_id,
        history_json(saved.before, now, tz),
        after,
    )


def save_drafts(
    session, items: Sequence[tuple[str, object, str | None]], *, single: bool
) -> list[Saved]:
    """Read, decide and persist budgets all or nothing.

    ``items`` are ``(prefix, json body, budget id or None)``; a finding names its item by
    the prefix (``budgets[3].``). Nothing is written unless every item is accepted. With
    ``single``, a refusal raises the core's own code (409 ``stale_version`` …).
    """
    now, tz = clock.now(), clock.company_tz(session)
    cat = load_catalogue(session)
    ids = [bid for _, _, bid in items if bid]
    budget_store.lock_budgets(session, ids)
    histories = {
        h.budget_id: h for h in budget_store.load_histories(session, cat.currencies, budget_ids=ids)
    }
    findings: list[Finding] = []
    drafts: list[tuple[str, BudgetDraft, BudgetHistory | None]] = []
    reasons: dict[str, str | None] = {}
    seen: set[str] = set()
    for prefix, body, bid in items:
        if bid is not None:
            if bid in seen:
                findings.append(
                    Finding(
                        SourceRef("request", prefix + "id"),
                        "duplicate_budget",
                        f"{prefix}id: budget {bid} appears twice in this batch",
                    )
                )
                continue
            seen.add(bid)
            if bid not in histories:
                if single:
                    raise NotFound(f"there is no budget {bid}")
                findings.append(
                    Finding(
                        SourceRef("request", prefix + "id"),
                        "unknown_budget",
                        f"{prefix}id: there is no budget {bid}",
                    )
                )
                continue
        reader = BudgetReader(cat, prefix)
        draft = reader.draft(body, bid, histories.get(bid) if bid else None)
        reasons[prefix] = reader.read_reason(body)
        findings.extend(reader.findings)
        if draft is not None:
            drafts.append((prefix, draft, histories.get(bid) if bid else None))
    if findings:
        raise ValidationFailed(_summary(findings, "not saved"), findings)

    budget_store.lock_objects(
        session,
        {d.object for _, d, _ in drafts} | {h.master.object for _, _, h in drafts if h is not None},
    )
    objects = {d.object for _, d, _ in drafts}
    spans = {(s.budget_id): s for s in budget_store.spans(session, objects)}
    saved: list[Saved] = []
    refusals: list[Finding] = []
    for prefix, draft, history in drafts:
        decision = rules.decide_save(draft, history, spans.values(), now, tz)
        if not decision.ok:
            if single:
                _raise_refusal(decision)
            refusals.append(_refusal_finding(prefix, decision))
            continue
        bid = draft.budget_id or _new_id(session)
        after = rules.apply_save(draft, history, decision, now, budget_id=bid, user=g.actor)
        cur = after.current
        spans[bid] = rules.Span(bid, cur.object, cur.start, cur.end)
        saved.append(Saved(history, after, decision, reasons.get(prefix)))
    if refusals:
        raise BatchRefused(_summary(refusals, "not saved"), refusals)
    for s in saved:
        budget_store.persist(session, s.before, s.after, now, tz)
        _audit(session, s, now, tz)
        webhooks.budget_changed(session, s.before, s.after)  # issue 13: status events
    return saved


def _summary(findings: Sequence[Finding], what: str) -> str:
    n = len(findings)
    first = findings[0].message
    more = f" (and {n - 1} more)" if n > 1 else ""
    return f"{first}{more}; {what}"


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
    (saved,) = save_drafts(db.session(), [("", body, None)], single=True)
    return _saved_response(saved, 201)


def _batch_profiles(session, profiles: object) -> None:
    """The batch's ``profiles``, upserted in its transaction (so all or nothing with the
    budgets, which may use them); a finding names ``profiles[i]``."""
    from .profiles import save_profiles

    if profiles is None:
        return
    if not isinstance(profiles, list) or not all(isinstance(p, Mapping) for p in profiles):
        raise ValidationFailed(
            'profiles must be a list of {"name", "weights"}',
            [Finding(SourceRef("request", "profiles"), "bad_value", "profiles: not a list")],
        )
    if len(profiles) > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH} profiles", code="batch_too_large")
    save_profiles(session, profiles, "profiles[{i}]")


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
        parsed.append((f"budgets[{i}].", item, (bid or "").strip() or None))
    session = db.session()
    _batch_profiles(session, body.get("profiles"))
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
    (saved,) = save_drafts(db.session(), [("", body, budget_id)], single=True)
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
    _audit(session, Saved(h, after, decision), now, tz)
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


# --- OpenAPI (imported by pixie_server.openapi) --------------------------------------------

_AMOUNT = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "examples": ["1234.50"]}
_TEXT_ID = {"type": "string", "minLength": 1, "maxLength": MAX_ID}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_LINE_IN = {
    "type": "object",
    "required": ["activity"],
    "properties": {
        "activity": _TEXT_ID,
        "income": _AMOUNT,
        "cost": _AMOUNT,
        "phasing": {**_TEXT_ID, "default": "days"},
        "note": {"type": "string", "maxLength": MAX_TEXT},
    },
}
BUDGET_IN = {
    "type": "object",
    "required": ["object", "start", "end", "lines"],
    "properties": {
        "id": {**_TEXT_ID, "description": "batch only: the budget to edit"},
        "object": _TEXT_ID,
        "start": _DATE,
        "end": _DATE,
        "version": {
            "type": "integer",
            "minimum": 1,
            "maximum": INT4_MAX,
            "description": "the token edited from",
        },
        "lines": {"type": "array", "minItems": 1, "items": _LINE_IN},
        "reason": {
            "type": ["string", "null"],
            "enum": [*REASONS, None],
            "description": "why the change was made; named in the audit entry",
        },
    },
}
BUDGET_OUT = {
    "type": "object",
    "required": ["id", "object", "start", "end", "version", "kind", "created_at", "locked"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string"},
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
        "version": {"type": "integer"},
        "kind": {"enum": ["master", "correction"]},
        "seq": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "locked": {"type": "boolean"},
        "lines": {"type": "array", "items": {"type": "object"}},
    },
}
_PROBLEM = {"application/problem+json": {"schema": {"type": "object"}}}
_BEARER = [{"bearer": []}]
#: a profile in a batch, as for POST /api/v1/profiles
_PROFILE_IN = {
    "type": "object",
    "required": ["name", "weights"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "weights": {"type": "array", "items": {"type": "string"}, "minItems": 12, "maxItems": 12},
    },
}
_ID = {"name": "budget_id", "in": "path", "required": True, "schema": _TEXT_ID}
_IDEM = {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 200}}
_VERSION_Q = {
    "name": "version",
    "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": INT4_MAX},
}


def _ok(description: str, schema: dict, status: str = "200") -> dict:
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}}
    }


def _errors(*statuses: str) -> dict:
    text = {
        "401": "no valid token",
        "403": "the role may not do this",
        "404": "no such budget",
        "409": "refused by the rules (overlap, stale_version, dates_locked, locked …)",
        "422": "not a valid budget: findings name each field",
        "413": "the body is over the limit",
    }
    if "403" in statuses:  # a write: its body may be too large
        statuses = (*statuses, "413")
    return {s: {"description": text[s], "content": _PROBLEM} for s in statuses}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


OPENAPI_PATHS = {
    "/api/v1/budgets": {
        "get": {
            "summary": "Budgets with their current figures",
            "security": _BEARER,
            "parameters": [
                {"name": "object", "in": "query", "schema": {"type": "string", "maxLength": 200}},
                {"name": "descendants", "in": "query", "schema": {"enum": ["0", "1"]}},
                {"name": "date", "in": "query", "schema": _DATE},
            ],
            "responses": {
                **_ok(
                    "the budgets",
                    {
                        "type": "object",
                        "properties": {"budgets": {"type": "array", "items": BUDGET_OUT}},
                    },
                ),
                **_errors("401", "422"),
            },
        },
        "post": {
            "summary": "Create one budget (a new master, R1, R2)",
            "security": _BEARER,
            "parameters": [_IDEM],
            "requestBody": _body(BUDGET_IN),
            "responses": {
                **_ok("created", BUDGET_OUT, "201"),
                **_errors("401", "403", "409", "422"),
            },
        },
    },
    "/api/v1/budgets/batch": {
        "post": {
            "summary": "Save many budgets, creates and edits mixed, all or nothing",
            "security": _BEARER,
            "parameters": [_IDEM],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["budgets"],
                    "properties": {
                        "budgets": {"type": "array", "items": BUDGET_IN},
                        "profiles": {"type": "array", "items": _PROFILE_IN},
                    },
                }
            ),
            "responses": {
                **_ok(
                    "every budget saved, in order",
                    {
                        "type": "object",
                        "properties": {"budgets": {"type": "array", "items": BUDGET_OUT}},
                    },
                ),
                **_errors("401", "403", "409", "422"),
            },
        }
    },
    "/api/v1/budgets/{budget_id}": {
        "get": {
            "summary": "One budget's current figures (R5)",
            "security": _BEARER,
            "parameters": [_ID],
            "responses": {**_ok("the budget", BUDGET_OUT), **_errors("401", "404")},
        },
        "put": {
            "summary": "Edit from a version: in place, or a new correction once locked (R2-R6)",
            "security": _BEARER,
            "parameters": [_ID, _IDEM],
            "requestBody": _body(BUDGET_IN),
            "responses": {
                **_ok("the budget after the edit", BUDGET_OUT),
                **_errors("401", "403", "404", "409", "422"),
            },
        },
        "delete": {
            "summary": "Delete the newest version while still editable (R2, R7)",
            "security": _BEARER,
            "parameters": [
                _ID,
                _IDEM,
                _VERSION_Q,
                {"name": "If-Match", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {
                **_ok("what was deleted and the budget's figures now", {"type": "object"}),
                **_errors("401", "403", "404", "409", "422"),
            },
        },
    },
    "/api/v1/budgets/{budget_id}/versions": {
        "get": {
            "summary": "The master and every correction, oldest first",
            "security": _BEARER,
            "parameters": [_ID],
            "responses": {
                **_ok(
                    "the versions",
                    {
                        "type": "object",
                        "properties": {"versions": {"type": "array", "items": BUDGET_OUT}},
                    },
                ),
                **_errors("401", "404"),
            },
        }
    },
}
