"""``GET, POST /api/v1/objects``: the object tree (a cycle is refused)."""

from __future__ import annotations

from flask import Blueprint, g, request

from pixie_xl.core.errors import BadFile, ValidationFailed
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.wire.master import object_json

from .. import audit, db, master
from ..auth import require
from ..edge import row_problems
from ..idempotency import idempotent
from ..ingest import OBJECT_LIMITS
from ..records import load_objects, load_settings

bp = Blueprint("objects", __name__, url_prefix="/api/v1/objects")


@bp.get("")
@require("viewer")
def list_objects():
    return {"objects": [object_json(o) for o in load_objects(db.session())]}


def body_items(key: str) -> list[dict]:
    """One JSON object, a list of them, or ``{key: [...]}``."""
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get(key), list):
        body = body[key]
    items = body if isinstance(body, list) else [body]
    if not items or not all(isinstance(i, dict) for i in items):
        raise BadFile(
            f"the body must be a JSON object, a list of them or {{{key!r}: [...]}}", code="bad_json"
        )
    return items


def refuse_bad_fields(items: list[dict], limits: dict, what: str) -> None:
    """Every field text (or a JSON true/false) within its column's width, else 422 with a
    finding per field: an id ``["x"]`` is refused, not stored as the text ``['x']``."""
    findings = [
        Finding(SourceRef("request", f"{what}[{n}].{field}"), "bad_field", f"{what}[{n}].{msg}")
        for n, item in enumerate(items)
        for field, msg in row_problems(item, limits)
    ]
    if findings:
        raise ValidationFailed(f"{what} refused: {len(findings)} problem(s)", findings)


@bp.post("")
@require("integration")
@idempotent
def post_objects():
    s = db.session()
    items = body_items("objects")
    refuse_bad_fields(items, OBJECT_LIMITS, "objects")
    currency = load_settings(s).currency
    objects, findings = master.check_objects(s, list(enumerate(items, 1)), "request", currency)
    if findings:
        raise ValidationFailed(f"objects refused: {len(findings)} problem(s)", findings)
    written, unchanged = master.save_objects(s, objects)
    if written:
        audit.record(
            s,
            g.actor,
            "upsert",
            "objects",
            ",".join(o.id for o in objects)[:200],
            None,
            [object_json(o) for o in objects],
        )
    return {
        "objects": [object_json(o) for o in objects],
        "written": written,
        "unchanged": unchanged,
    }, 201 if written else 200
