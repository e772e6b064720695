"""The Variance table and its alerts for non-Excel consumers (SPEC §4).

``GET /api/v1/variance?from=D&to=D[&object=O]`` and ``GET /api/v1/alerts?from=D&to=D``
answer the rows the core's variance engine computes (:mod:`pixie_xl.core.variance`), with
the column totals. The facts of a period are read from the incremental aggregates
(:mod:`pixie_server.report_facts`, where dating by the settings is told); after a write the
previous table of the period is reused with the changed objects' rows worked out again
(:mod:`pixie_server.report_delta`). ``today`` for the forecast is the server's clock read
in the company timezone.

A row in JSON::

    {"object": "P1", "object_name": "Road 7", "activity": "ROAD", "kind": "cost",
     "original": "1000.00", "current": "1200.00", "actual": "900.00", "committed": "100.00",
     "variance": "300.00", "variance_pct": "25.00", "used_pct": "83.33",
     "available": "200.00", "forecast": "1100.00", "status": "WARN"}

Money is decimal text; ``variance_pct`` and ``used_pct`` are percentages as decimal text with
two places (blank, ``null``, where the current budget is 0); ``committed`` and
``available`` are ``null`` on income rows.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, request

from pixie_xl.core import variance
from pixie_xl.core.errors import InvalidInput
from pixie_xl.core.records import VarianceRow

from .. import clock, db
from ..auth import require
from ..edge import strict_date
from ..report_delta import Memo, Tables, memo
from ..report_facts import actual_sums, commitment_sums, facts_for, object_tree

__all__ = ["Memo", "actual_sums", "commitment_sums", "facts_for", "memo", "object_tree"]

bp = Blueprint("reports", __name__, url_prefix="/api/v1")

#: the longest report period (a year of days is plenty for an operational report; longer
#: periods are reports of several years, asked for one at a time)
MAX_DAYS = 3660


def _day(name: str) -> date:
    raw = request.args.get(name)
    if raw is None or not raw.strip():
        raise InvalidInput(f'"{name}" is required (an ISO date, YYYY-MM-DD)', code="missing_value")
    try:
        return strict_date(raw.strip())
    except ValueError:
        raise InvalidInput(
            f'{name} "{raw}" is not an ISO date (YYYY-MM-DD)', code="not_a_date"
        ) from None


def _period() -> tuple[date, date]:
    frm, to = _day("from"), _day("to")
    if to < frm:
        raise InvalidInput(
            f"the report period ends ({to}) before it starts ({frm})", code="end_before_start"
        )
    if (to - frm).days > MAX_DAYS:
        raise InvalidInput(f"a report period is at most {MAX_DAYS} days", code="period_too_long")
    return frm, to


_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def _pct(fraction: Decimal | None) -> str | None:
    if fraction is None:
        return None
    return str((fraction * _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_EVEN))


def _money(m) -> str | None:
    return None if m is None else str(m)


def row_json(r: VarianceRow) -> dict:
    return {
        "object": r.object,
        "object_name": r.object_name,
        "activity": r.activity,
        "kind": r.kind.value,
        "original": str(r.original),
        "current": str(r.current),
        "actual": str(r.actual),
        "committed": _money(r.committed),
        "variance": str(r.variance),
        "variance_pct": _pct(r.variance_pct),
        "used_pct": _pct(r.used_pct),
        "available": _money(r.available),
        "forecast": str(r.forecast),
        "status": r.status.value,
        # issue 11 (additive): to date beside the full period, phasing-aware forecasts
        "budget_to_date": _money(r.budget_to_date),
        "variance_to_date": _money(r.variance_to_date),
        "estimate_at_completion": _money(r.estimate),
        "forecast_by_phasing": _money(r.forecast_phased),
    }


def _report(object_id: str | None, key: str, pick):
    """The answer of one report: ``pick(rows)`` under ``key``, with totals, memoised."""
    frm, to = _period()
    session = db.session()
    cache = memo()
    # The stamp first, then the facts: see db.data_version.
    version = db.data_version(session)
    stamp = (frm, to, object_id, version)
    facts = cache.get(("facts", *stamp), lambda: facts_for(session, frm, to, object_id), version)
    today = clock.now().astimezone(ZoneInfo(facts.settings.timezone)).date()
    # after a write: the previous table of this period with the changed objects' rows
    # worked out again (pixie_server.report_delta)
    tables = current_app.extensions.setdefault("pixie_tables", Tables())
    rows, as_text = cache.get(
        ("table", *stamp, today),
        lambda: tables.rows((frm, to, object_id, today), version, facts, frm, to, today, _text),
        version,
    )
    body = cache.get(
        ("answer", key, *stamp, today),
        lambda: _answer(frm, to, today, facts.settings.currency, pick(list(rows)), key, as_text),
        version,
    )
    return Response(body, mimetype="application/json")


def _text(r: VarianceRow) -> str:
    """One row's JSON text (kept with the row between requests, see report_delta)."""
    return _dumps(row_json(r))


def _dumps(value) -> str:
    """JSON text as ``jsonify`` writes it (the app's encoder, compact)."""
    return current_app.json.dumps(value, separators=(",", ":"))


def _answer(frm, to, today, currency, rows, key: str, as_text) -> bytes:
    """The answer's JSON text, its rows' texts joined as they are (not encoded again)."""
    totals = variance.totals(rows, currency)
    head = {
        "from": frm.isoformat(),
        "to": to.isoformat(),
        "today": today.isoformat(),
        "currency": currency,
    }
    listed = ",".join(as_text(r) for r in rows)
    tail = _dumps({"totals": {k: str(v) for k, v in totals.items()}})
    return f"{_dumps(head)[:-1]},{_dumps(key)}:[{listed}],{tail[1:]}\n".encode()


@bp.get("/variance")
@require("viewer")
def variance_table():
    """The Variance table of ``from..to``, optionally for one object and its descendants."""
    return _report(request.args.get("object") or None, "rows", lambda rows: rows)


@bp.get("/alerts")
@require("viewer")
def alerts():
    """The rows whose status is not OK, worst first, with their totals."""
    return _report(request.args.get("object") or None, "alerts", variance.alerts)


# --- OpenAPI (imported by pixie_server.openapi) --------------------------------------------

_MONEY = {"type": "string", "examples": ["1234.50"]}
_MAYBE = {"type": ["string", "null"]}
ROW = {
    "type": "object",
    "properties": {
        "object": {"type": "string"},
        "object_name": {"type": "string"},
        "activity": {"type": "string"},
        "kind": {"enum": ["income", "cost"]},
        "original": _MONEY,
        "current": _MONEY,
        "actual": _MONEY,
        "committed": _MAYBE,
        "variance": _MONEY,
        "variance_pct": _MAYBE,
        "used_pct": _MAYBE,
        "available": _MAYBE,
        "forecast": _MONEY,
        "status": {"enum": ["OK", "WARN", "OVER", "BEHIND", "UNBUDGETED"]},
        "budget_to_date": _MAYBE,
        "variance_to_date": _MAYBE,
        "estimate_at_completion": _MAYBE,
        "forecast_by_phasing": _MAYBE,
    },
}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_PARAMS = [
    {"name": "from", "in": "query", "required": True, "schema": _DATE},
    {"name": "to", "in": "query", "required": True, "schema": _DATE},
    {"name": "object", "in": "query", "schema": {"type": "string", "maxLength": 200}},
]


def _report_op(summary: str, key: str) -> dict:
    problem = {"application/problem+json": {"schema": {"type": "object"}}}
    return {
        "get": {
            "summary": summary,
            "security": [{"bearer": []}],
            "parameters": _PARAMS,
            "responses": {
                "200": {
                    "description": summary,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    key: {"type": "array", "items": ROW},
                                    "totals": {"type": "object"},
                                },
                            }
                        }
                    },
                },
                "401": {"description": "no valid token", "content": problem},
                "403": {"description": "the role may not do this", "content": problem},
                "404": {"description": "unknown object", "content": problem},
                "422": {"description": "bad period", "content": problem},
            },
        }
    }


OPENAPI_PATHS = {
    "/api/v1/variance": _report_op("The Variance table of a period", "rows"),
    "/api/v1/alerts": _report_op("The rows whose status is not OK, worst first", "alerts"),
}
