"""The Delete column at Save (SPEC §3, R7): check the marks, delete, and tidy the table.

A non-blank ``Delete`` cell marks its whole budget. Before anything is saved each mark is
checked by the rules against what the service (or the last refresh) holds: a locked
budget is refused with the cell named. At Save each marked budget is deleted with the
version its rows hold; the service decides again by its own clock, and a refusal comes
back at the same cell. A deleted budget's rows leave the table; where a correction was
deleted the rows show the version that is current again. Marked rows of a new budget (no
Budget ID) were never saved: they simply leave the table.
"""

from __future__ import annotations

from datetime import datetime

from pixie_xl import client as wire
from pixie_xl.core.errors import PixieError
from pixie_xl.core.findings import Finding, Severity, SourceRef
from pixie_xl.core.records import BudgetHistory
from pixie_xl.core.rules import decide_delete
from pixie_xl.excel import budget_view
from pixie_xl.excel.budget_view import Marks, View

SHEET = budget_view.SHEET


def _version(value: object) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def check_marks(
    marks: Marks, budgets: dict[str, BudgetHistory], now: datetime | None, tz: str
) -> list[Finding]:
    """An error at the Delete cell of each mark the rules refuse (locked, stale, unknown)."""
    out = []
    for bid, (cell, version) in marks.budgets.items():
        known = budgets.get(bid)
        where = SourceRef(SHEET, cell)
        if known is None:
            if budgets:
                msg = f"Budget {bid} is not on the service; there is nothing to delete"
                out.append(Finding(where, "unknown_budget", f"{msg} — clear the Delete cell"))
            continue
        if now is None:
            continue
        decision = decide_delete(known, _version(version), now, tz)
        if not decision.ok:
            msg = f"{decision.message}; clear the Delete cell"
            out.append(Finding(where, f"delete_{decision.code}", msg))
    if marks.new_rows:
        rows = ", ".join(map(str, marks.new_rows))
        out.append(
            Finding(
                SourceRef(SHEET, f"A{marks.new_rows[0]}"),
                "delete_new_rows",
                f"row(s) {rows} of a budget never saved are marked Delete: they leave the "
                "table at Save",
                Severity.INFO,
            )
        )
    return out


def apply(
    book, client: wire.Client, marks: Marks, now: datetime | None, tz: str
) -> tuple[list[Finding], list[str]]:
    """Delete every marked budget; returns the refusals (errors) and the ids deleted.

    The table is rewritten without the deleted budgets' rows (a deleted correction's
    budget shows its current version again) and without the marked new rows.
    """
    if not marks.budgets and not marks.new_rows:
        return [], []
    findings, done, back = [], [], {}
    for bid, (cell, version) in marks.budgets.items():
        try:
            answer = client.delete_budget(bid, _version(version) or 0)
        except PixieError as exc:  # the service decided otherwise (its clock, R6, R7)
            msg = f"{exc.message}; clear the Delete cell"
            findings.append(Finding(SourceRef(SHEET, cell), f"delete_{exc.code}", msg))
            continue
        done.append(bid)
        current = answer.get("current") if isinstance(answer, dict) else None
        if current:
            back[bid] = wire.history_from_json([current])
    _rewrite(book, marks, set(done), back, now, tz)
    return findings, done


def _rewrite(book, marks: Marks, done: set[str], back: dict, now, tz: str) -> None:
    view = View.read(book)
    rows, shown = [], set()
    for n, values in view.numbered():
        bid = view.budget_id(values)
        if n in marks.new_rows:
            continue
        if bid in back:
            if bid not in shown:
                shown.add(bid)
                # the correction is gone: the version current again, with its own token
                h = back[bid]
                rows += budget_view.service_rows(view, h, now, tz)
            continue
        if bid in done:
            continue
        rows.append(list(values))
    view.write(book, rows)
