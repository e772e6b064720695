"""A budget's JSON read into a :class:`~pixie_xl.core.records.BudgetDraft`, a finding per
bad field (``budgets[3].lines[2].cost: …``).

:class:`BudgetReader` keeps two kinds of method apart: the ``read_*`` methods parse the
wire's shapes (text, ISO dates, decimal strings, the version token) and the ``check_*``
methods decide what the values mean against the :class:`Catalogue` (a known object, a known
and active activity, a known phasing, no negative amount, no activity twice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from pixie_xl.core.errors import AmountError
from pixie_xl.core.findings import Finding
from pixie_xl.core.money import Money, parse_text
from pixie_xl.core.records import (
    PHASING_DAYS,
    PHASING_MONTHS,
    BudgetDraft,
    BudgetHistory,
    BudgetLine,
)

from .findings import item_ref
from .text import INT4_MAX, MAX_ID, MAX_TEXT, clip, is_amount_text, show, strict_date, text_problem

#: the reasons a budget body may give (issue 13: a transfer's audit entry names it)
REASONS = ("transfer",)


@dataclass(frozen=True)
class Catalogue:
    """What a budget in JSON is checked against: objects, activities, profile names."""

    #: object id → its currency
    currencies: Mapping[str, str]
    #: object id → parent id
    parents: Mapping[str, str | None]
    #: activity code → active
    activities: Mapping[str, bool]
    profiles: frozenset[str]
    currency: str

    def subtree(self, object_id: str) -> set[str]:
        children: dict[str, list[str]] = {}
        for oid, parent in self.parents.items():
            if parent:
                children.setdefault(parent, []).append(oid)
        out, stack = set(), [object_id]
        while stack:
            node = stack.pop()
            if node not in out:
                out.add(node)
                stack.extend(children.get(node, ()))
        return out


class BudgetReader:
    """Reads one budget's JSON into a draft, collecting a finding per bad field.

    ``item`` is the budget's place in a batch (None for a request of one budget): each
    finding's source names it, the line and the field (:class:`~.findings.ItemRef`).
    """

    def __init__(self, cat: Catalogue, item: int | None = None):
        self.cat = cat
        self.item = item
        self.findings: list[Finding] = []

    def bad(self, field: str, code: str, message: str, *, line: int | None = None) -> None:
        """A finding about ``field`` of the budget, or of its line ``line``."""
        ref = item_ref("budgets", self.item, field, line=line)
        self.findings.append(Finding(ref, code, f"{ref.cell}: {message}" if ref.cell else message))

    # --- the wire's shapes ----------------------------------------------------------------

    def read_text(
        self, body: Mapping, field: str, *, limit: int = MAX_ID, line: int | None = None
    ) -> str | None:
        value = body.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.bad(field, "missing_value", "is required", line=line)
            return None
        if not isinstance(value, str):
            self.bad(field, "wrong_type", f"must be text, not {show(value)}", line=line)
            return None
        return self.clean(field, value.strip(), limit, line=line)

    def clean(
        self, field: str, value: str, limit: int = MAX_ID, *, line: int | None = None
    ) -> str | None:
        """Text a column stores: no NUL, no lone surrogate, at most ``limit`` characters."""
        why = text_problem(value, limit)
        if why is not None:
            code = "too_long" if len(value) > limit else "bad_character"
            self.bad(field, code, why, line=line)
            return None
        return value

    def read_day(self, body: Mapping, field: str) -> date | None:
        value = self.read_text(body, field)
        if value is None:
            return None
        try:
            return strict_date(value)
        except ValueError:
            self.bad(field, "not_a_date", f'"{clip(value)}" is not an ISO date (YYYY-MM-DD)')
            return None

    def read_amount(self, body: Mapping, field: str, currency: str, line: int) -> Money | None:
        value = body.get(field)
        if value is None or value == "":
            return Money.zero(currency)
        if not is_amount_text(value):
            message = f'must be a decimal string such as "12.50", not {show(value)}'
            self.bad(field, "not_a_number", message, line=line)
            return None
        try:
            m = parse_text(value, currency)
        except AmountError as exc:
            self.bad(field, exc.code, exc.message, line=line)
            return None
        return self.check_amount(field, value, m, line)

    def read_version(self, body: Mapping) -> int | None:
        value = body.get("version")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INT4_MAX:
            self.bad(
                "version",
                "bad_version",
                f"must be a whole number from 1 to {INT4_MAX}, not {show(value)}",
            )
            return None
        return value

    def read_note(self, body: Mapping, line: int) -> str | None:
        note = body.get("note") or ""
        if not isinstance(note, str):
            self.bad("note", "wrong_type", f"must be text, not {show(note)}", line=line)
            return None
        return self.clean("note", note, MAX_TEXT, line=line)

    def read_reason(self, body: object) -> str | None:
        """Why the change was made (``"transfer"``), or None."""
        value = body.get("reason") if isinstance(body, Mapping) else None
        if value is None:
            return None
        if value not in REASONS:
            known = ", ".join(REASONS)
            self.bad("reason", "bad_reason", f"must be one of {known}, not {show(value)}")
            return None
        return value

    def line(self, i: int, body: object, currency: str, known: set[str]) -> BudgetLine | None:
        if not isinstance(body, Mapping):
            self.bad("", "wrong_type", "must be an object", line=i)
            return None
        activity = self.read_text(body, "activity", line=i)
        if activity is not None:
            activity = self.check_activity(i, activity, known)
        income = self.read_amount(body, "income", currency, i)
        cost = self.read_amount(body, "cost", currency, i)
        phasing = self.check_phasing(i, body.get("phasing") or PHASING_DAYS)
        note = self.read_note(body, i)
        if None in (activity, income, cost, phasing, note):
            return None
        return BudgetLine(activity, income, cost, phasing, note)

    def draft(
        self, body: object, budget_id: str | None, history: BudgetHistory | None
    ) -> BudgetDraft | None:
        if not isinstance(body, Mapping):
            self.bad("", "wrong_type", "a budget must be a JSON object")
            return None
        obj = self.read_text(body, "object")
        if obj is not None:
            obj = self.check_object(obj)
        start, end = self.read_day(body, "start"), self.read_day(body, "end")
        based_on = self.read_version(body)
        currency = self.cat.currencies.get(obj or "", self.cat.currency)
        raw_lines = body.get("lines")
        lines: list[BudgetLine | None] = []
        if not isinstance(raw_lines, list) or not raw_lines:
            self.bad("lines", "missing_value", "a budget needs at least one line")
        else:
            known = {ln.activity for ln in history.current.lines} if history else set()
            lines = [self.line(i, x, currency, known) for i, x in enumerate(raw_lines)]
            self.check_duplicates(lines)
        if self.findings:
            return None
        return BudgetDraft(budget_id, obj, start, end, tuple(lines), based_on)

    # --- what the values mean ---------------------------------------------------------------

    def check_object(self, obj: str) -> str | None:
        if obj not in self.cat.currencies:
            self.bad("object", "unknown_object", f'no object has the id "{obj}"')
            return None
        return obj

    def check_activity(self, i: int, activity: str, known: set[str]) -> str | None:
        """A known activity, active unless the budget already has a line of it."""
        if activity not in self.cat.activities:
            message = f'no activity has the code "{activity}"'
            self.bad("activity", "unknown_activity", message, line=i)
            return None
        if not self.cat.activities[activity] and activity not in known:
            message = f"activity {activity} is inactive and takes no new budget lines"
            self.bad("activity", "inactive_activity", message, line=i)
            return None
        return activity

    def check_amount(self, field: str, value: str, m: Money, i: int) -> Money | None:
        if m.minor < 0:
            self.bad(field, "negative_amount", f'"{value}" is negative', line=i)
            return None
        return m

    def check_phasing(self, i: int, phasing: object) -> str | None:
        if not isinstance(phasing, str) or (
            phasing not in (PHASING_DAYS, PHASING_MONTHS) and phasing not in self.cat.profiles
        ):
            message = f'{show(phasing)} is not "days", "months" or a profile'
            self.bad("phasing", "unknown_phasing", message, line=i)
            return None
        return phasing

    def check_duplicates(self, lines: list[BudgetLine | None]) -> None:
        seen: dict[str, int] = {}
        for i, ln in enumerate(lines):
            if ln is None:
                continue
            if ln.activity in seen:
                message = f"activity {ln.activity} is already on lines[{seen[ln.activity]}]"
                self.bad("activity", "duplicate_activity", message, line=i)
            seen.setdefault(ln.activity, i)
