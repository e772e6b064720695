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


def _timezone(key: str, tz) -> str:
    bad = _Bad(key, "bad_timezone", f"{tz!r} is not an IANA timezone such as Europe/Berlin")
    if not isinstance(tz, str) or not tz or tz != tz.strip():
        raise bad
    try:
        ZoneInfo(tz)
    except (ValueError, ZoneInfoNotFoundError):
        raise bad from None
    return tz


def _currency(key: str, code) -> str:
    try:
        exponent(code if isinstance(code, str) else "")
    except AmountError as exc:
        raise _Bad(key, exc.code, exc.message) from None
    if code not in ISO_4217:  # issue 9 D11: the ISO list, not any 3 letters
        raise _Bad(key, "bad_currency", f'"{code}" is not an ISO 4217 currency code')
    return code


def _choice(enum):
    def parse(key: str, value):
        try:
            return enum(value)
        except ValueError:
            allowed = " or ".join(e.value for e in enum)
            raise _Bad(key, "bad_choice", f"{key} must be {allowed}") from None

    return parse


def _ratio(key: str, raw) -> Decimal:
    bad = _Bad(key, "bad_ratio", f'{key} must be a positive decimal text such as "0.8"')
    if isinstance(raw, bool | float):
        raise bad
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise bad from None
    if not value.is_finite() or value <= 0 or value > 100:
        raise bad
    return value


class _Bad(Exception):
    """A setting's value that cannot be taken: its finding."""

    def __init__(self, field: str, code: str, message: str):
        super().__init__(message)
        self.finding = _finding(field, code, message)


#: each setting's parser, in the order their findings are listed
_PARSERS = (
    ("timezone", _timezone),
    ("currency", _currency),
    ("cost_date", _choice(CostDate)),
    ("income_date", _choice(IncomeDate)),
    ("warn_ratio", _ratio),
    ("over_ratio", _ratio),
)


def parse_settings(body: dict, base):
    """The settings ``body`` asks for (fields not given keep their value), and findings."""
    findings = [
        _finding(key, "unknown_field", f'"{key}" is not a setting')
        for key in body
        if key not in FIELDS and key != "on_over"
    ]
    changes: dict = {}
    for key, parse in _PARSERS:
        if key in body:
            try:
                changes[key] = parse(key, body[key])
            except _Bad as bad:
                findings.append(bad.finding)
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
