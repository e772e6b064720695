"""The OpenAPI 3.1 document served at ``/openapi.json``, built in code, one function per
resource. The budget and report paths come from ``pixie_server.api.budgets`` /
``.reports`` (their ``OPENAPI_PATHS``) once those modules exist."""

from __future__ import annotations

import importlib
import importlib.util

from .openapi_schemas import BOOL, INT, NSTR, STR, obj, ref, schemas

PROBLEM = {
    "description": "problem+json with a stable code",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
AUTH_ERRORS = {"401": PROBLEM, "403": PROBLEM}
#: every read with query parameters may refuse them
READ_ERRORS = {**AUTH_ERRORS, "422": PROBLEM}
WRITE_ERRORS = {
    **AUTH_ERRORS,
    "400": PROBLEM,
    "409": PROBLEM,
    "413": PROBLEM,
    "415": PROBLEM,
    "422": PROBLEM,
}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a retried write with the same key and body takes effect once",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}


def ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


DEC = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
#: an id, code or name (the VARCHAR(200) columns, pixie_server.edge.MAX_ID)
ID = {"type": "string", "minLength": 1, "maxLength": 200}
#: free text (pixie_server.edge.MAX_TEXT)
TEXT = {"type": "string", "maxLength": 4000}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3}$"}
KINDS = ["account", "campaign", "cost_centre", "customer", "department", "project"]


def health_paths() -> dict:
    return {
        "/healthz": {
            "get": {
                "summary": "liveness and the server's clock (no token needed)",
                "security": [],
                "responses": {
                    "200": ok(
                        obj(
                            {"status": STR, "time": STR, "timezone": STR},
                            ("status", "time", "timezone"),
                        )
                    )
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "this document",
                "responses": {"200": ok({"type": "object"}), **AUTH_ERRORS},
            }
        },
    }


def _upsert(name: str, item: dict, role: str) -> dict:
    listing = obj({name: {"type": "array", "items": item}}, (name,))
    many = {"type": "array", "items": item, "minItems": 1}
    body = {"oneOf": [item, many, obj({name: many}, (name,))]}
    return {
        "get": {
            "summary": f"list {name}",
            "x-roles": ["viewer"],
            "responses": {"200": ok(listing), **AUTH_ERRORS},
        },
        "post": {
            "summary": f"create or update {name} by id ({role} or admin)",
            "parameters": [IDEMPOTENCY],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "200": ok({"type": "object"}, "nothing changed"),
                "201": ok({"type": "object"}, "written"),
                **WRITE_ERRORS,
            },
        },
    }


def master_paths() -> dict:
    parent = {"type": ["string", "null"], "maxLength": 200}
    name = {"type": ["string", "null"], "maxLength": 4000}
    obj_in = obj(
        {"id": ID, "name": name, "kind": {"enum": KINDS}, "parent": parent, "currency": CURRENCY},
        ("id", "kind"),
    )
    flag = {"enum": [True, False, None, "true", "false", "1", "0", "yes", "no", ""]}
    act_in = obj({"code": ID, "name": name, "active": flag}, ("code",))
    weight = {"type": "string", "pattern": r"^\d{1,9}(\.\d{1,9})?$"}
    weights = {"type": "array", "items": weight, "minItems": 12, "maxItems": 12}
    prof_in = obj({"name": ID, "weights": weights}, ("name", "weights"))
    settings_in = obj(
        {
            "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
            "currency": CURRENCY,
            "cost_date": {"enum": ["expense", "task_created"]},
            "income_date": {"enum": ["income", "task_created"]},
            "warn_ratio": DEC,
            "over_ratio": DEC,
            "on_over": {"enum": ["warn", "stop"]},
        },
        extra=False,
    )
    profiles = _upsert("profiles", prof_in, "accountant")
    profiles["post"]["responses"] = {"200": ok({"type": "object"}), **WRITE_ERRORS}
    return {
        "/api/v1/objects": _upsert("objects", obj_in, "integration"),
        "/api/v1/activities": _upsert("activities", act_in, "integration"),
        "/api/v1/profiles": profiles,
        "/api/v1/settings": {
            "get": {
                "summary": "the company's settings",
                "responses": {"200": ok(ref("Settings")), **AUTH_ERRORS},
            },
            "put": {
                "summary": "change settings (admin); fields not given keep their value",
                "parameters": [IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": settings_in}},
                },
                "responses": {"200": ok(ref("Settings")), **WRITE_ERRORS},
            },
        },
    }


def ingest_paths() -> dict:
    binary = {"type": "string", "contentMediaType": "application/octet-stream"}
    return {
        "/api/v1/ingest": {
            "post": {
                "summary": "a batch of objects, activities, actual lines or purchase orders "
                "(integration or admin), all or nothing, idempotent by id",
                "parameters": [
                    IDEMPOTENCY,
                    {
                        "name": "name",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 200},
                        "description": "the file name findings name",
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "text/csv": {"schema": {"type": "string", "minLength": 1}},
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                            "schema": binary
                        },
                        "multipart/form-data": {"schema": obj({"file": binary}, ("file",))},
                        "application/json": {"schema": {"type": "object"}},
                    },
                },
                "responses": {"200": ok(obj({"results": {"type": "array"}})), **WRITE_ERRORS},
            }
        }
    }


def sync_paths() -> dict:
    digits = {"type": "string", "pattern": r"^\d{0,18}$"}
    return {
        "/api/v1/sync": {
            "get": {
                "summary": "changes of actual lines and purchase orders since a cursor",
                "parameters": [
                    {"name": "cursor", "in": "query", "required": False, "schema": digits},
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 50000},
                    },
                ],
                "responses": {
                    "200": ok(
                        obj(
                            {
                                "cursor": STR,
                                "next_cursor": STR,
                                "more": BOOL,
                                "lines": {"type": "array"},
                                "purchase_orders": {"type": "array"},
                                "deleted": {"type": "array"},
                                "tasks": {"type": "array"},
                            },
                            ("next_cursor", "more"),
                        )
                    ),
                    "422": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        }
    }


def audit_paths() -> dict:
    q = [
        {"name": n, "in": "query", "required": False, "schema": s}
        for n, s in (
            ("after", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}),
            ("limit", {"type": "integer", "minimum": 1, "maximum": 10000}),
            ("entity", {"type": "string", "maxLength": 200}),
            ("entity_id", {"type": "string", "maxLength": 200}),
            ("actor", {"type": "string", "maxLength": 200}),
        )
    ]
    return {
        "/api/v1/audit": {
            "get": {
                "summary": "the audit trail, oldest first",
                "parameters": q,
                "responses": {
                    "200": ok(
                        obj(
                            {
                                "entries": {"type": "array", "items": ref("AuditEntry")},
                                "next_after": INT,
                                "more": BOOL,
                            }
                        )
                    ),
                    "422": PROBLEM,
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/v1/audit/verify": {
            "get": {
                "summary": "walk the hash chain (admin); names the first broken entry",
                "responses": {
                    "200": ok(
                        obj(
                            {
                                "ok": BOOL,
                                "entries": INT,
                                "broken_id": {"type": ["integer", "null"]},
                                "reason": NSTR,
                            }
                        )
                    ),
                    **AUTH_ERRORS,
                },
            }
        },
    }


def token_paths() -> dict:
    return {
        "/api/v1/tokens": {
            "post": {
                "summary": "issue a token (admin); it is shown only in this answer",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": obj(
                                {
                                    "role": {
                                        "enum": ["viewer", "accountant", "integration", "admin"]
                                    },
                                    "name": {"type": ["string", "null"], "maxLength": 200},
                                },
                                ("role",),
                            )
                        }
                    },
                },
                "responses": {
                    "201": ok(obj({"name": STR, "role": STR, "token": STR})),
                    **WRITE_ERRORS,
                },
            }
        }
    }


def extension_paths() -> dict:
    """Paths of the budget and report endpoints, where their modules exist."""
    out: dict = {}
    for name in ("budgets", "reports", "checks", "webhooks"):
        module = f"pixie_server.api.{name}"
        if importlib.util.find_spec(module) is not None:
            out.update(getattr(importlib.import_module(module), "OPENAPI_PATHS", {}))
    return out


def document() -> dict:
    paths = {}
    for part in (
        health_paths,
        master_paths,
        ingest_paths,
        sync_paths,
        audit_paths,
        token_paths,
        extension_paths,
    ):
        paths.update(part())
    _busy_on_writes(paths)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pixie XL sync service", "version": "1"},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(),
        },
        "paths": paths,
    }


#: a write that could not get the database's write lock in time (issue 9, D4)
BUSY = {
    "description": "busy: the database is busy with another write; nothing was changed,"
    " try again after Retry-After seconds",
    "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
    "content": PROBLEM["content"],
}


def _busy_on_writes(paths: dict) -> None:
    """Every writing operation may answer 503 ``busy`` with ``Retry-After``."""
    for item in paths.values():
        for method in ("post", "put", "patch", "delete"):
            if method in item:
                item[method].setdefault("responses", {}).setdefault("503", BUSY)
