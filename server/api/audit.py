"""``GET /api/v1/audit`` (every role reads it) and ``GET /api/v1/audit/verify`` (admin)."""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import select

from .. import audit, db
from ..auth import require
from ..edge import INT4_MAX, MAX_ID, bounded_text, whole_number
from ..models import AuditRow

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    return whole_number(raw, name, low, high)


@bp.get("")
@require("viewer")
def list_audit():
    """Entries after ``after`` (an entry id), oldest first, at most ``limit``."""
    after = _int_arg("after", 0, 0, INT4_MAX)  # audit ids are int4
    limit = _int_arg("limit", 1000, 1, 10000)
    q = select(AuditRow).where(AuditRow.id > after)
    for field in ("entity", "entity_id", "actor"):
        if request.args.get(field):
            value = bounded_text(request.args[field], field, MAX_ID)
            q = q.where(getattr(AuditRow, field) == value)
    rows = list(db.session().execute(q.order_by(AuditRow.id).limit(limit)).scalars())
    return {
        "entries": [audit.as_json(r) for r in rows],
        "next_after": rows[-1].id if rows else after,
        "more": len(rows) == limit,
    }


@bp.get("/verify")
@require("admin")
def verify():
    return audit.verify(db.session())
