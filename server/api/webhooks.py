"""``GET, POST /api/v1/webhooks`` · ``DELETE /api/v1/webhooks/{id}`` ·
``GET /api/v1/webhooks/{id}/deliveries``: signed status-change subscriptions (admin only).

A subscription is ``{"url", "secret", "events": ["status_changed"]}``. The URL is http or
https with a host (any host: the service sends where an admin says, loopback and intranet
receivers included). The secret (16 to 500 characters) is stored as given, because it
signs every event, and is never shown again: the answers carry no secret. DELETE stops new
events for the subscription and its pending ones; its delivery log stays readable.
See :mod:`pixie_server.webhooks` for the events and their delivery.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Blueprint, g, request
from sqlalchemy import func, select

from pixie_xl.core.errors import InvalidInput, NotFound

from .. import audit, db, webhooks
from ..auth import require
from ..edge import text_problem, whole_number
from ..idempotency import idempotent
from ..models import WebhookDeliveryRow, WebhookEventRow, WebhookRow
from .common import json_body

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks")

FIELDS = ("url", "secret", "events")


def _bad(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, detail={"field": field})


def hook_json(h: WebhookRow) -> dict:
    return {
        "id": h.id,
        "url": h.url,
        "events": json.loads(h.events),
        "created_at": h.created_at.isoformat(),
    }


def _url(value) -> str:
    why = text_problem(value, 2000) if isinstance(value, str) else "must be text"
    if why is not None:
        raise _bad("url", "bad_url", f"url {why}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise _bad("url", "bad_url", f'url "{value}" is not a URL') from None
    if parts.scheme not in ("http", "https") or not parts.hostname or value != value.strip():
        raise _bad("url", "bad_url", "url must be an http:// or https:// URL with a host")
    return value


def _secret(value) -> str:
    if not isinstance(value, str) or not 16 <= len(value) <= 500:
        raise _bad("secret", "bad_secret", "secret must be text of 16 to 500 characters")
    if text_problem(value, 500) is not None:
        raise _bad("secret", "bad_secret", "secret must be text without NUL or lone surrogates")
    return value


def _events(value) -> list[str]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(e, str) and e in webhooks.EVENTS for e in value)
    ):
        raise _bad("events", "bad_events", f"events must be a list of {', '.join(webhooks.EVENTS)}")
    return sorted(set(value))


@bp.get("")
@require("admin")
def list_hooks():
    s = db.session()
    rows = s.execute(
        select(WebhookRow).where(WebhookRow.deleted_at.is_(None)).order_by(WebhookRow.id)
    ).scalars()
    return {"webhooks": [hook_json(h) for h in rows]}


@bp.post("")
@require("admin")
@idempotent
def create_hook():
    body = json_body()
    for key in body:
        if key not in FIELDS:
            raise _bad(key, "unknown_field", f'"{key}" is not a field of a webhook')
    for key in FIELDS:
        if key not in body:
            raise _bad(key, "missing_field", f'"{key}" is required')
    s = db.session()
    hook = WebhookRow(
        url=_url(body["url"]),
        secret=_secret(body["secret"]),
        events=json.dumps(_events(body["events"])),
        created_at=webhooks.now(),
    )
    s.add(hook)
    s.flush()
    shown = hook_json(hook)
    audit.record(s, g.actor, "create", "webhook", str(hook.id), None, shown)
    return shown, 201


#: the largest id an INTEGER column holds (a larger one is simply not there)
MAX_ID = 2**31 - 1


def _hook(s, hook_id: int) -> WebhookRow:
    hook = s.get(WebhookRow, hook_id) if 1 <= hook_id <= MAX_ID else None
    if hook is None or hook.deleted_at is not None:
        raise NotFound(f"there is no webhook {hook_id}")
    return hook


@bp.delete("/<int:hook_id>")
@require("admin")
@idempotent
def delete_hook(hook_id: int):
    s = db.session()
    hook = _hook(s, hook_id)
    hook.deleted_at = webhooks.now()
    audit.record(s, g.actor, "delete", "webhook", str(hook_id), hook_json(hook), None)
    return {"id": hook_id, "deleted": True}


@bp.get("/<int:hook_id>/deliveries")
@require("admin")
def deliveries(hook_id: int):
    """Each delivery attempt of the subscription, newest first, and what is still pending."""
    s = db.session()
    _hook(s, hook_id)
    limit = whole_number(request.args.get("limit", "100"), "limit", 1, 10000)
    rows = s.execute(
        select(WebhookDeliveryRow)
        .where(WebhookDeliveryRow.webhook_id == hook_id)
        .order_by(WebhookDeliveryRow.id.desc())
        .limit(limit)
    ).scalars()
    pending = s.execute(
        select(func.count())
        .select_from(WebhookEventRow)
        .where(WebhookEventRow.webhook_id == hook_id, WebhookEventRow.delivered_at.is_(None))
    ).scalar_one()
    return {
        "deliveries": [
            {
                "id": d.id,
                "event_id": d.event_id,
                "at": d.at.isoformat(),
                "status_code": d.status_code,
                "error": d.error,
                "ok": bool(d.ok),
            }
            for d in rows
        ],
        "pending": pending,
    }


# --- OpenAPI (imported by pixie_server.openapi) --------------------------------------------

_PROBLEM = {
    "description": "problem+json with a stable code",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
_AUTH = {"401": _PROBLEM, "403": _PROBLEM}
_WRITE = {**_AUTH, "400": _PROBLEM, "409": _PROBLEM, "413": _PROBLEM, "415": _PROBLEM}
_HOOK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}},
        "created_at": {"type": "string"},
    },
    "required": ["id", "url", "events"],
}
_ID = {
    "name": "hook_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_NEW = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "pattern": r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?(/\S*)?$"},
        "secret": {"type": "string", "minLength": 16, "maxLength": 500},
        "events": {
            "type": "array",
            "items": {"enum": list(webhooks.EVENTS)},
            "minItems": 1,
        },
    },
    "required": list(FIELDS),
    "additionalProperties": False,
}
_DELIVERY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "event_id": {"type": "integer"},
        "at": {"type": "string"},
        "status_code": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
        "ok": {"type": "boolean"},
    },
}
OPENAPI_PATHS = {
    "/api/v1/webhooks": {
        "get": {
            "summary": "the live subscriptions (admin; secrets are never shown)",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"webhooks": {"type": "array", "items": _HOOK}},
                    }
                ),
                **_AUTH,
            },
        },
        "post": {
            "summary": "subscribe a URL to signed status-change events (admin)",
            "parameters": [_IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _NEW}}},
            "responses": {"201": _json(_HOOK, "subscribed"), **_WRITE, "422": _PROBLEM},
        },
    },
    "/api/v1/webhooks/{hook_id}": {
        "delete": {
            "summary": "end a subscription (admin); its delivery log stays",
            "parameters": [_ID, _IDEMPOTENCY],
            "responses": {
                "200": _json({"type": "object"}, "ended"),
                "404": _PROBLEM,
                **_WRITE,
                "422": _PROBLEM,
            },
        }
    },
    "/api/v1/webhooks/{hook_id}/deliveries": {
        "get": {
            "summary": "each delivery attempt, newest first, and the pending count (admin)",
            "parameters": [
                _ID,
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 10000},
                },
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "deliveries": {"type": "array", "items": _DELIVERY},
                            "pending": {"type": "integer"},
                        },
                    }
                ),
                "404": _PROBLEM,
                "422": _PROBLEM,
                **_AUTH,
            },
        }
    },
}
