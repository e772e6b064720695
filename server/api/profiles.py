"""``GET, POST /api/v1/profiles``: seasonal phasing profiles (twelve monthly weights)."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation

from flask import Blueprint, g

from pixie_xl.core.errors import ValidationFailed
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.wire.master import profile_json

from .. import audit, db
from ..auth import require
from ..edge import MAX_ID, text_problem
from ..idempotency import idempotent
from ..models import ProfileRow
from ..records import load_profiles
from .objects import body_items

bp = Blueprint("profiles", __name__, url_prefix="/api/v1/profiles")

RESERVED = {"days", "months"}
#: a weight: ASCII digits, at most nine before and nine after the dot (no exponent)
_WEIGHT = re.compile(r"\d{1,9}(?:\.\d{1,9})?", re.ASCII)


@bp.get("")
@require("viewer")
def list_profiles():
    return {"profiles": [profile_json(p) for p in load_profiles(db.session())]}


@bp.post("")
@require("accountant")
@idempotent
def post_profiles():
    return {"profiles": save_profiles(db.session(), body_items("profiles"))}


def save_profiles(s, items: list, where="profile {n}") -> list[dict]:
    """Check every profile and upsert them (audited) in the request's transaction, or
    raise ValidationFailed with a finding per bad item and write nothing. ``where`` names
    an item in a finding: ``{n}`` its number from 1, ``{i}`` its index from 0 (or a function
    of the index giving the finding's source)."""
    findings: list[Finding] = []
    saved = []
    for n, item in enumerate(items, 1):
        name, weights = item.get("name"), item.get("weights")
        ref = where(n - 1) if callable(where) else SourceRef("request", where.format(n=n, i=n - 1))
        if (
            not isinstance(name, str)
            or not name.strip()
            or text_problem(name, MAX_ID)
            or name.lower() in RESERVED
        ):
            findings.append(
                Finding(ref, "bad_name", "a profile needs a name other than days or months")
            )
            continue
        try:
            if not isinstance(weights, list) or len(weights) != 12:
                raise InvalidOperation
            ws = [Decimal(w) for w in weights if isinstance(w, str) and _WEIGHT.fullmatch(w)]
            if len(ws) != 12 or sum(ws) <= 0:
                raise InvalidOperation
        except InvalidOperation:
            findings.append(
                Finding(
                    ref,
                    "bad_weights",
                    'weights must be twelve decimal texts ≥ 0 such as "1.5" (at most nine '
                    "digits before and after the dot), not all zero",
                )
            )
            continue
        saved.append((name, [str(w) for w in ws]))
    if findings:
        raise ValidationFailed(f"profiles refused: {len(findings)} problem(s)", findings)
    for name, ws in saved:
        row = s.get(ProfileRow, name)
        before = json.loads(row.weights) if row else None
        if row is None:
            row = ProfileRow(name=name)
            s.add(row)
        row.weights = json.dumps(ws)
        if before != ws:
            audit.record(s, g.actor, "upsert", "profile", name, before, ws)
    s.flush()  # a batch's budgets are checked against these profiles next
    return [{"name": n, "weights": w} for n, w in saved]
