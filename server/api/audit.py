"""``GET /api/v1/audit`` (every role reads it) and ``GET /api/v1/audit/verify`` (admin)."""

from __future__ import annotations

from flask import Blueprint, request
from sqlalchemy import select

from pixie_xl.core.errors import InvalidInput

from .. import audit, db
from ..auth import require
from ..models import AuditRow

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(
            f"{name} must be a whole number from {low} to {high}",
            code="bad_parameter",
            detail={"parameter": name},
        )
    return int(raw)


@bp.get("")
@require("viewer")
def list_audit():
    """Entries after ``after`` (an entry id), oldest first, at most ``limit``."""
    after = _int_arg("after", 0, 0, 2**62)
    limit = _int_arg("limit", 1000, 1, 10000)
    q = select(AuditRow).where(AuditRow.id > after)
    for field in ("entity", "entity_id", "actor"):
        if request.args.get(field):
            q = q.where(getattr(AuditRow, field) == request.args[field])
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
