"""``GET, POST /api/v1/activities``: the budget categories."""

from __future__ import annotations

from flask import Blueprint, g

from pixie_xl.core.errors import ValidationFailed
from pixie_xl.wire.master import activity_json

from .. import audit, db, master
from ..auth import require
from ..idempotency import idempotent
from ..ingest import ACTIVITY_LIMITS
from ..records import load_activities
from .objects import body_items, refuse_bad_fields

bp = Blueprint("activities", __name__, url_prefix="/api/v1/activities")


@bp.get("")
@require("viewer")
def list_activities():
    return {"activities": [activity_json(a) for a in load_activities(db.session())]}


@bp.post("")
@require("integration")
@idempotent
def post_activities():
    s = db.session()
    items = body_items("activities")
    refuse_bad_fields(items, ACTIVITY_LIMITS, "activities")
    acts, findings = master.check_activities(list(enumerate(items, 1)), "request")
    if findings:
        raise ValidationFailed(f"activities refused: {len(findings)} problem(s)", findings)
    written, unchanged = master.save_activities(s, acts)
    if written:
        audit.record(
            s,
            g.actor,
            "upsert",
            "activities",
            ",".join(a.code for a in acts)[:200],
            None,
            [activity_json(a) for a in acts],
        )
    return {
        "activities": [activity_json(a) for a in acts],
        "written": written,
        "unchanged": unchanged,
    }, 201 if written else 200
