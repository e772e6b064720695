"""The OpenAPI operations of the budget endpoints (:mod:`.budgets`), for
:mod:`pixie_server.openapi`."""

from __future__ import annotations

from pixie_xl.wire.reader import REASONS
from pixie_xl.wire.text import INT4_MAX, MAX_ID, MAX_TEXT

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
