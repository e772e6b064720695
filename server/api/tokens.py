"""``POST /api/v1/tokens`` (admin): issue a token for a role; it is shown only once."""

from __future__ import annotations

from flask import Blueprint, g

from .. import audit, auth, db
from .common import json_body, text_field

bp = Blueprint("tokens", __name__, url_prefix="/api/v1/tokens")


@bp.post("")
@auth.require("admin")
def create():
    # Not @idempotent: a stored replay would keep the token in clear text in the database.
    body = json_body()
    role = text_field(body, "role")
    name = text_field(body, "name", required=False, default=role)
    s = db.session()
    db.lock_writes(s)
    token = auth.add_token(s, role, name)
    audit.record(s, g.actor, "create", "token", name, None, {"name": name, "role": role})
    s.commit()
    return {"name": name, "role": role, "token": token}, 201
