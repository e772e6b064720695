"""The values of an ingest batch: amounts in minor units and instants (fast paths with the
core's messages on failure), and the capped collector of a batch's findings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from pixie_xl.core.errors import AmountError, ValidationFailed
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.core.money import MAX_SIGNIFICANT_DIGITS, parse_text

from . import master
from .edge import is_amount_text, strict_instant

MAX_FINDINGS = 1000


def minor_units(value: str, places: int) -> int:
    """Decimal text → minor units, exactly; errors are the core's (``AmountError``).

    >>> minor_units("1234.5", 2), minor_units("-0.05", 2), minor_units("7", 0)
    (123450, -5, 7)
    """
    dot = value.find(".")
    if dot > 0 and len(value) - dot - 1 == places and len(value) <= MAX_SIGNIFICANT_DIGITS:
        whole, frac = value[:dot], value[dot + 1 :]
        if whole.isdigit() and frac.isdigit() and whole.isascii() and frac.isascii():
            return int(whole + frac)
    s = value.strip()
    neg = s.startswith("-")
    body = s[1:] if neg or s.startswith("+") else s
    whole, _, frac = body.partition(".")
    if (
        (whole.isdigit() or (whole == "" and frac))
        and (frac == "" or frac.isdigit())
        and len(frac) <= places
        and whole.isascii()
        and frac.isascii()
        and len((whole + frac).lstrip("0")) <= MAX_SIGNIFICANT_DIGITS
    ):
        n = int(whole or "0") * 10**places + (int(frac.ljust(places, "0")) if places else 0)
        return -n if neg else n
    if not is_amount_text(value):  # the core's \d would read Arabic-Indic digits
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise AmountError(
            f'"{shown}" is not a number (ASCII digits and a dot)', code="not_a_number"
        )
    return parse_text(value, _currency_for(places)).minor


def _currency_for(places: int) -> str:
    return {0: "JPY", 3: "KWD"}.get(places, "EUR")


def parse_instant(value: str, tz: ZoneInfo) -> datetime:
    """An ISO date or date-time; without an offset it is read in the company timezone."""
    return strict_instant(value, tz)


def sqlite_instant(dt: datetime) -> str:
    """How SQLAlchemy's DateTime stores a (UTC) instant in SQLite."""
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


class Collector:
    """Findings of one batch, capped so a hostile file cannot make the answer huge."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[Finding] = []
        self.more = 0

    def add(self, row: int, field: str, code: str, message: str) -> None:
        if len(self.items) < MAX_FINDINGS:
            self.items.append(Finding(SourceRef(self.source, f"row {row}, {field}"), code, message))
        else:
            self.more += 1

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            if len(self.items) < MAX_FINDINGS:
                self.items.append(f)
            else:
                self.more += 1

    def raise_if_any(self, what: str) -> None:
        if not self.items:
            return
        items = list(self.items)
        if self.more:
            msg = f"and {self.more} more findings not listed"
            items.append(Finding(SourceRef(self.source), "more_findings", msg))
        total = len(self.items) + self.more
        raise ValidationFailed(f"{what}: {total} problem(s); nothing was saved", items)


def known_pair(c: Collector, row: int, obj: str, act: str, objects, activities) -> bool:
    """Whether the row's object and activity are both known; a finding for each that is not
    (one wording for actual lines and purchase orders)."""
    ok = True
    if obj not in objects:
        c.add(row, "object", "unknown_object", f'object "{obj}" is not known')
        ok = False
    if act not in activities:
        c.add(row, "activity", "unknown_activity", f'activity "{act}" is not known')
        ok = False
    return ok


def is_delete(r: dict) -> bool:
    op = (r.get("op") or "").strip().lower()
    return op == "delete" or master.parse_bool(r.get("deleted") or "false") is True


def known_ids(s: Session, table: str, col: str) -> set[str]:
    """Every value of ``col`` in ``table`` (the ids of objects, the codes of activities)."""
    return {r[0] for r in s.execute(text(f"SELECT {col} FROM {table}"))}


def executemany(conn, sql: str, params: list) -> int:
    """Run ``sql`` once per parameter tuple; returns the rows it changed."""
    if not params:
        return 0
    cur = conn.exec_driver_sql(sql, params)
    return max(cur.rowcount, 0)
