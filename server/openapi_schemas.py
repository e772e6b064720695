"""The components of the OpenAPI document (:mod:`pixie_server.openapi`): the schemas of
the shapes several operations share, and the helpers that write a schema."""

from __future__ import annotations


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict, required: tuple = (), extra: bool = True) -> dict:
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    if not extra:
        out["additionalProperties"] = False
    return out


STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
#: where a finding points: a sheet and cell, a file and row, or a field of a request; a
#: finding about one item of a batch also names the list, the item (from 0), the line of
#: that budget (from 0) and the field (pixie_xl.wire.findings.ItemRef)
SOURCE = {
    "type": ["object", "null"],
    "properties": {
        "sheet": STR,
        "cell": STR,
        "list": {"enum": ["budgets", "profiles"]},
        "item": {"type": ["integer", "null"], "minimum": 0},
        "line": {"type": ["integer", "null"], "minimum": 0},
        "field": STR,
    },
    "required": ["sheet", "cell"],
}


def schemas() -> dict:
    return {
        "Problem": obj(
            {
                "type": STR,
                "title": STR,
                "status": INT,
                "detail": STR,
                "code": STR,
                "findings": {"type": "array", "items": ref("Finding")},
            },
            ("title", "status", "code"),
        ),
        "Finding": obj({"source": SOURCE, "code": STR, "message": STR, "severity": STR}),
        "Object": obj(
            {"id": STR, "name": STR, "kind": STR, "parent": NSTR, "currency": STR},
            ("id", "name", "kind", "currency"),
        ),
        "Activity": obj({"code": STR, "name": STR, "active": BOOL}, ("code", "name", "active")),
        "Settings": obj(
            {
                "timezone": STR,
                "currency": STR,
                "cost_date": STR,
                "income_date": STR,
                "warn_ratio": STR,
                "over_ratio": STR,
                "on_over": {"enum": ["warn", "stop"]},
            }
        ),
        "Profile": obj({"name": STR, "weights": {"type": "array", "items": STR}}),
        "AuditEntry": obj(
            {
                "id": INT,
                "at": STR,
                "actor": STR,
                "action": STR,
                "entity": STR,
                "entity_id": STR,
                "before": {},
                "after": {},
                "hash": STR,
            }
        ),
    }
