"""What saving each budget of a sheet would do, said at its cells (R1, R3, R6, corrections).

:func:`overlap_partners` finds, for every budget of the sheet, the other budgets of its
object whose dates overlap it (R1), from the sheet and from the server. :class:`Decider`
asks :func:`pixie_xl.core.rules.decide_save` about each budget, so the workbook and the
service decide alike, and reports a refusal at the cell it is about, or, as information,
the rows that will become a correction of a locked budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from .budget_groups import Group
from .budget_rows import Findings, Row
from .findings import Severity
from .records import BudgetHistory, BudgetLine
from .rules import Action, Decision, Span, check_overlap, check_version, decide_save, local_lock

if TYPE_CHECKING:
    from .budget_context import Context

#: where a refusal from the rules points in the budget's first row
_REFUSAL_CELL = {
    "overlap": "start",
    "end_before_start": "end",
    "stale_version": "version",
    "version_required": "version",
    "object_locked": "object",
    "line_removed": "budget_id",
    "duplicate_activity": "activity",
    "budget_mismatch": "budget_id",
}


def overlap_partners(groups: list[Group], budgets: Mapping[str, BudgetHistory]) -> dict[int, list]:
    """R1 candidates: for each group (by id()), spans that overlap it, in O(n log n).

    The sheet's dates stand in for the server's for the budgets it holds. Sorted by start,
    a span overlaps an earlier one exactly when it starts on or before the latest end so
    far; both get each other as a partner. Overlaps between two server budgets are the
    server's business, not the sheet's.
    """
    entries: list[tuple[str, date, date, Span, Group | None]] = []
    in_sheet = set()
    for g in groups:
        if g.span is not None:
            entries.append((g.object, g.start, g.end, g.span, g))
            if g.budget_id:
                in_sheet.add(g.budget_id)
    for bid, h in budgets.items():
        if bid not in in_sheet:
            cur = h.current
            span = Span(bid, cur.object, cur.start, cur.end)
            entries.append((cur.object, cur.start, cur.end, span, None))
    entries.sort(key=lambda e: (e[0], e[1]))
    partners: dict[int, list] = {}
    reach = None  # the entry with the latest end so far, of the same object
    for entry in entries:
        obj, start, end, span, g = entry
        if reach is not None and reach[0] == obj and start <= reach[2]:
            if g is not None:
                partners.setdefault(id(g), []).append(reach[3])
            if reach[4] is not None:
                partners.setdefault(id(reach[4]), []).append(span)
        if reach is None or reach[0] != obj or end > reach[2]:
            reach = entry
    return partners


class Decider:
    """Ask the rules what saving each budget does, and say it at the cells."""

    def __init__(self, context: Context, findings: Findings):
        self.ctx = context
        self.findings = findings
        self.add = findings.add

    def decide(self, g: Group, partners: list) -> Decision | None:
        ctx, draft = self.ctx, g.draft
        known = ctx.budgets.get(g.budget_id) if g.budget_id else None
        if g.budget_id and known is None:  # unknown to the server, or offline
            return check_overlap(draft, partners)
        if known is None:
            if ctx.now is None:
                return check_overlap(draft, partners) or Decision(Action.CREATE)
            return decide_save(draft, None, partners, ctx.now, ctx.timezone)
        if draft.based_on is None:
            return None  # version_required is reported already
        if ctx.now is None:
            return check_version(known, draft.based_on)
        if g.any_bad(self.findings):  # judge dates, object and version by the server's lines
            draft = replace(draft, lines=known.current.lines)
        return decide_save(draft, known, partners, ctx.now, ctx.timezone)

    def report(self, g: Group, decision: Decision | None) -> None:
        """Say the decision at the group's cells (a refusal is an error at its first row)."""
        if decision is None or decision.action is Action.UNCHANGED:
            return
        if decision.action is Action.REFUSE:
            first = g.first
            key = _REFUSAL_CELL.get(decision.code, "budget_id")
            if decision.code == "dates_locked":
                master = self.ctx.budgets[g.budget_id].master
                key = "start" if g.start != master.start else "end"
            self.add(first, key, decision.code, decision.message)
        elif decision.action is Action.NEW_CORRECTION and not g.any_bad(self.findings):
            self.correction(g)

    def correction(self, g: Group) -> None:
        known = self.ctx.budgets[g.budget_id]
        current = known.current
        before = {ln.activity: ln for ln in current.lines}
        changed = [r for r in g.rows if before.get(r.activity) != _line_of(r)] or [g.first]
        since = local_lock(current.created_at, self.ctx.timezone)
        for row in changed:
            self.add(
                row,
                "budget_id",
                "becomes_correction",
                f"Budget {g.budget_id} is locked (since {since}): saving creates correction "
                f"{current.seq + 1}; the master and earlier versions stay as they are",
                Severity.INFO,
            )


def _line_of(row: Row) -> BudgetLine:
    return BudgetLine(row.activity, row.income, row.cost, row.phasing, row.note)
