"""``GET, PUT /api/v1/settings``: the company's settings (changing them is for admins)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, g
from sqlalchemy import select

from pixie_xl.core.errors import AmountError, RuleViolation, ValidationFailed
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.core.money import exponent
from pixie_xl.core.records import CostDate, IncomeDate
from pixie_xl.wire.master import settings_json

from .. import audit, db, webhooks
from ..auth import require
from ..edge import ISO_4217
from ..idempotency import idempotent
from ..models import ActualLineRow, BudgetLineRow, PurchaseOrderRow, SettingsRow
from ..records import load_settings
from .common import json_body

bp = Blueprint("settings", __name__, url_prefix="/api/v1/settings")

FIELDS = ("timezone", "currency", "cost_date", "income_date", "warn_ratio", "over_ratio")
#: what ingest does with an order that takes its line over budget (issue 13)
ON_OVER = ("warn", "stop")


def on_over_of(s) -> str:
    row = s.get(SettingsRow, 1)
    return row.on_over if row is not None and row.on_over in ON_OVER else "warn"


def _answer(st, on_over: str) -> dict:
    return {**settings_json(st), "on_over": on_over}


@bp.get("")
@require("viewer")
def get_settings():
    s = db.session()
    return _answer(load_settings(s), on_over_of(s))


def _finding(field: str, code: str, message: str) -> Finding:
    return Finding(SourceRef("request", field), code, message)


def parse_settings(body: dict, base):
    """The settings ``body`` asks for (fields not given keep their value), and findings."""
    findings: list[Finding] = []
    changes: dict = {}
    for key in body:
        if key not in FIELDS and key != "on_over":
            findings.append(_finding(key, "unknown_field", f'"{key}" is not a setting'))
    if "timezone" in body:
        tz = body["timezone"]
        try:
            if not isinstance(tz, str) or not tz or tz != tz.strip():
                raise ValueError
            ZoneInfo(tz)
            changes["timezone"] = tz
        except (ValueError, ZoneInfoNotFoundError):
            findings.append(
                _finding(
                    "timezone",
                    "bad_timezone",
                    f"{tz!r} is not an IANA timezone such as Europe/Berlin",
                )
            )
    if "currency" in body:
        try:
            exponent(body["currency"] if isinstance(body["currency"], str) else "")
            if body["currency"] not in ISO_4217:  # issue 9 D11: the ISO list, not any 3 letters
                raise AmountError(
                    f'"{body["currency"]}" is not an ISO 4217 currency code', code="bad_currency"
                )
            changes["currency"] = body["currency"]
        except AmountError as exc:
            findings.append(_finding("currency", exc.code, exc.message))
    for key, enum in (("cost_date", CostDate), ("income_date", IncomeDate)):
        if key in body:
            try:
                changes[key] = enum(body[key])
            except ValueError:
                allowed = " or ".join(e.value for e in enum)
                findings.append(_finding(key, "bad_choice", f"{key} must be {allowed}"))
    for key in ("warn_ratio", "over_ratio"):
        if key in body:
            try:
                if isinstance(body[key], bool | float):
                    raise InvalidOperation
                value = Decimal(str(body[key]))
                if not value.is_finite() or value <= 0 or value > 100:
                    raise InvalidOperation
                changes[key] = value
            except InvalidOperation:
                findings.append(
                    _finding(
                        key, "bad_ratio", f'{key} must be a positive decimal text such as "0.8"'
                    )
                )
    new = replace(base, **changes)
    if not findings and new.warn_ratio > new.over_ratio:
        findings.append(
            _finding("warn_ratio", "bad_ratio", "warn_ratio must not exceed over_ratio")
        )
    return new, findings


#: where money is stored, in minor units of the company currency: (table, what it holds)
MONEY_TABLES = (
    (BudgetLineRow, "budget"),
    (ActualLineRow, "actual line"),
    (PurchaseOrderRow, "purchase order"),
)


def refuse_currency_change(s, old: str, new: str) -> None:
    """Refuse a change of currency while any amount is stored (SPEC §1: amounts are minor
    units of the company currency, so 1234 stored cents of EUR would read as 1234 JPY).

    Runs inside the write transaction (after its lock), so no amount can arrive between
    this check and the change. Deleted rows count too: they are still amounts in ``old``.
    """
    held = [what for model, what in MONEY_TABLES if s.scalar(select(model.id).limit(1))]
    if held:
        raise RuleViolation(
            f"the currency cannot change from {old} to {new}: amounts are stored in {old} "
            f"minor units ({', '.join(w + 's' for w in held)}), and would be read as {new}. "
            f"Keep {old}, or start a new database for {new} and load the data converted.",
            code="currency_in_use",
            detail={"field": "currency", "stored": held},
        )


@bp.put("")
@require("admin")
@idempotent
def put_settings():
    s = db.session()
    body = json_body()
    before = load_settings(s)
    new, findings = parse_settings(body, before)
    old_over = on_over_of(s)
    new_over = body.get("on_over", old_over)
    if new_over not in ON_OVER:
        findings.append(_finding("on_over", "bad_choice", "on_over must be warn or stop"))
    if findings:
        raise ValidationFailed(f"settings refused: {len(findings)} problem(s)", findings)
    if new.currency != before.currency:
        refuse_currency_change(s, before.currency, new.currency)
    row = s.get(SettingsRow, 1)
    for key, value in settings_json(new).items():
        setattr(row, key, value)
    row.on_over = new_over
    if new != before or new_over != old_over:
        audit.record(
            s, g.actor, "update", "settings", "1", _answer(before, old_over), _answer(new, new_over)
        )
    if new != before:
        s.flush()
        webhooks.record_changes(s, everything=True)
    return _answer(new, new_over)
