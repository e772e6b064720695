"""A budget's JSON read into a :class:`~pixie_xl.core.records.BudgetDraft`, a finding per
bad field (``budgets[3].lines[2].cost: …``).

:class:`BudgetReader` keeps two kinds of method apart: the ``read_*`` methods parse the
wire's shapes (text, ISO dates, decimal strings, the version token), and
:meth:`~BudgetReader.check_draft` asks the core's one list of checks
(:mod:`pixie_xl.core.checks`: a known object, a known and active activity, a known phasing,
no negative amount, no activity twice) what the values mean against the :class:`Catalogue`,
so the service says each mistake in the workbook's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from pixie_xl.core import checks
from pixie_xl.core.cells import Amounts, CellError
from pixie_xl.core.errors import AmountError
from pixie_xl.core.findings import Finding
from pixie_xl.core.money import Money, parse_text
from pixie_xl.core.records import (
    BUDGET_COLUMNS,
    PHASING_DAYS,
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
            if isinstance(value, str):  # said as the sheet's cell says it
                try:
                    Amounts(currency).read(value, BUDGET_COLUMNS[field])
                except CellError as bad:
                    self.bad(field, bad.code, bad.message, line=line)
                    return None
            message = f'must be a decimal string such as "12.50", not {show(value)}'
            self.bad(field, "not_a_number", message, line=line)
            return None
        try:
            return parse_text(value, currency)
        except AmountError as exc:
            self.bad(field, exc.code, exc.message, line=line)
            return None

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

    def line(self, i: int, body: object, currency: str) -> BudgetLine | None:
        """The line as read; None when it has no activity to judge. A bad amount or note
        reads as zero or blank here (its finding is made, so the draft is not saved)."""
        if not isinstance(body, Mapping):
            self.bad("", "wrong_type", "must be an object", line=i)
            return None
        activity = self.read_text(body, "activity", line=i)
        income = self.read_amount(body, "income", currency, i)
        cost = self.read_amount(body, "cost", currency, i)
        phasing = body.get("phasing") or PHASING_DAYS
        if not isinstance(phasing, str):
            self.bad("phasing", "unknown_phasing", checks.phasing_text(phasing), line=i)
            phasing = PHASING_DAYS
        note = self.read_note(body, i)
        if activity is None:
            return None
        zero = Money.zero(currency)
        return BudgetLine(activity, income or zero, cost or zero, phasing, note or "")

    def draft(
        self, body: object, budget_id: str | None, history: BudgetHistory | None
    ) -> BudgetDraft | None:
        if not isinstance(body, Mapping):
            self.bad("", "wrong_type", "a budget must be a JSON object")
            return None
        obj = self.read_text(body, "object")
        start, end = self.read_day(body, "start"), self.read_day(body, "end")
        based_on = self.read_version(body)
        currency = self.cat.currencies.get(obj or "", self.cat.currency)
        raw_lines = body.get("lines")
        lines: list[BudgetLine | None] = []
        if not isinstance(raw_lines, list) or not raw_lines:
            self.bad("lines", "missing_value", "a budget needs at least one line")
        else:
            lines = [self.line(i, x, currency) for i, x in enumerate(raw_lines)]
        draft = BudgetDraft(budget_id, obj, start, end, tuple(lines), based_on)
        self.check_draft(draft, history)
        if self.findings:
            return None
        return draft

    # --- what the values mean ---------------------------------------------------------------

    def check_draft(self, draft: BudgetDraft, history: BudgetHistory | None) -> None:
        """The core's checks (:mod:`pixie_xl.core.checks`) over what was read: a finding per
        problem, at its line and field. The refusals the rules make too (a period that ends
        before it starts, a missing version) are left to them: they answer 409."""
        have = [i for i, ln in enumerate(draft.lines) if ln is not None]
        if len(have) < len(draft.lines):
            draft = replace(draft, lines=tuple(draft.lines[i] for i in have))
        cat = self.cat
        known = checks.Known(cat.currencies, cat.activities, cat.profiles, history, True)
        for p in checks.check(draft, known):
            if p.code not in checks.REFUSAL_CODES:
                self.bad(p.field, p.code, p.message, line=None if p.line is None else have[p.line])
