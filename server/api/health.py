"""``GET /healthz``: liveness and the server's clock, without a token."""

from __future__ import annotations

from flask import Blueprint

from .. import clock, db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    s = db.session()
    tz = clock.company_tz(s)
    return {"status": "ok", "time": clock.now().astimezone(tz).isoformat(), "timezone": str(tz)}


@bp.get("/openapi.json")
def openapi():
    """The API description (a token is needed, like everything but /healthz)."""
    from ..openapi import document

    return document()
