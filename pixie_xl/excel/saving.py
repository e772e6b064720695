"""Save: validate, send every new or changed budget and profile in one batch (all or
nothing), write Budget ID, Version and Status back, then delete what the Delete column marks.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pixie_xl import client as wire
from pixie_xl.core.errors import ValidationFailed
from pixie_xl.core.findings import Finding, SourceRef, has_errors
from pixie_xl.core.records import BUDGET_COLUMNS, BudgetDraft, BudgetHistory, Profile
from pixie_xl.excel import actions
from pixie_xl.excel.actions import Progress, Source
from pixie_xl.excel.cache import Cache
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book
from pixie_xl.wire.findings import ItemRef


@dataclass(frozen=True)
class SaveOutcome:
    """What a save did: the findings (errors mean nothing was saved) and the saved ids."""

    findings: list[Finding]
    saved: list[dict]
    #: the ids of the budgets deleted through the Delete column
    deleted: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def _to_save(result) -> tuple[list[BudgetDraft], list[BudgetDraft]]:
    """The drafts to send and the unchanged ones, by the core's decisions (R2–R6)."""
    from pixie_xl.core.rules import Action

    unchanged = {id(d) for d, dec in result.decisions if dec.action is Action.UNCHANGED}
    todo = [d for d in result.drafts if id(d) not in unchanged]
    return todo, [d for d in result.drafts if id(d) in unchanged]


_ROW = re.compile(r"(\d+)$")


def _row(ref: SourceRef | None) -> int | None:
    m = _ROW.search(ref.cell or "") if ref is not None else None
    return int(m.group(1)) if m else None


def _rows_of(d: BudgetDraft) -> list[int]:
    refs = [ln.source for ln in d.lines] + [d.source]
    return sorted({row for r in refs if (row := _row(r)) is not None})


def save_budgets(book: Book, client: wire.Client, progress: Progress) -> SaveOutcome:
    """Validate, then save every new or changed budget in one batch, all or nothing.

    Budget ID and Version are written back to every row of each saved budget; the INFO
    findings say which edits became corrections. An unchanged budget is not sent.
    """
    from pixie_xl.excel import budget_deletes, control
    from pixie_xl.excel.profiles_table import changed

    progress("validating")
    result, source, marks = actions._check(book, client, None)
    findings = list(result.findings)
    if has_errors(findings):
        return SaveOutcome(findings, [])
    todo, same = _to_save(result)
    profiles = changed(actions._book_profiles(book), source.profiles)
    saved = []
    if todo or profiles:
        also = f" and {len(profiles)} profile(s)" if profiles else ""
        progress(f"saving {len(todo)} budget(s){also}")
        try:
            bodies = control.mark_transfers(book, [wire.draft_to_json(d) for d in todo])
            saved = _save_batch(client, bodies, profiles)
        except ValidationFailed as exc:  # the service decided otherwise (its clock, R1–R7)
            findings += _refused(exc, todo, book, profiles)
            actions.report(book, findings)
            return SaveOutcome(findings, [])
    _write_back(book, todo, saved, _statuses(saved, source))
    control.transfers_saved(book, [d.budget_id for d in (*todo, *same)])
    known = {h.budget_id: h for h in source.budgets}
    _write_back(
        book,
        same,
        [{"id": d.budget_id, "version": d.based_on} for d in same],
        _statuses([known[d.budget_id] for d in same], source),
    )
    if marks.budgets:
        progress(f"deleting {len(marks.budgets)} budget(s)")
    refused, deleted = budget_deletes.apply(
        book, client, marks, source.now, source.settings.timezone
    )
    findings += refused
    if refused:
        actions.report(book, findings)
    if saved or deleted:
        _remember(client, progress)
    gone = f"; {len(deleted)} deleted" if marks.budgets else ""
    book.status(f"saved {len(saved)} budget(s); {len(same)} unchanged{gone}")
    return SaveOutcome(findings, saved, deleted)


def _save_batch(client: wire.Client, budgets: list[dict], profiles: Sequence[Profile]):
    """One batch, all or nothing: the budgets and the Profiles table's new or changed rows
    (so a budget may use a profile saved with it)."""
    from pixie_xl.excel.profiles_table import to_json

    if not profiles:
        return client.save_batch(budgets)
    body = {"budgets": budgets, "profiles": [to_json(p) for p in profiles]}
    answer = client.post("/api/v1/budgets/batch", body)
    return list(answer.get("budgets") or []) if isinstance(answer, dict) else []


def _remember(client: wire.Client, progress: Progress) -> None:
    """Bring this machine's cache up to date after a save, so that the next refresh knows
    the figures the sheet now holds at their new versions (and brings them up to date
    untouched when someone else changes them later)."""
    cache = Cache(client.base_url)
    if cache.exists():
        progress("updating the local copy")
        cache.refresh(client)


def _refused(
    exc: ValidationFailed, drafts: Sequence[BudgetDraft], book: Book, profiles: Sequence[Profile]
) -> list[Finding]:
    """The service's findings on the sheet's cells (the refusal itself when it has none)."""
    if not exc.findings:
        return [Finding(None, exc.code, exc.message)]
    cols = _columns(book)
    return [_on_sheet(f, drafts, profiles, cols, book) for f in exc.findings]


def _on_sheet(
    f: Finding, drafts: Sequence[BudgetDraft], profiles: Sequence[Profile], cols, book: Book
) -> Finding:
    """A finding the service placed on an item of the batch (:class:`ItemRef`) pointed at
    its cell: a line's field at that line's row and column, a budget's own field at the
    budget's first row, a profile at its row of the Profiles sheet. ``cols``: the Budgets
    table's column letters by lower-case header."""
    from pixie_xl.excel.profiles_table import cell_of

    src = f.source
    if not isinstance(src, ItemRef) or src.item is None:
        return f
    if src.list == "profiles" and src.item < len(profiles):
        cell = cell_of(book, profiles[src.item].name)
        return dataclasses.replace(f, source=cell) if cell else f
    if src.list != "budgets" or src.item >= len(drafts):
        return f
    cell = _cell_of(drafts[src.item], src.line, cols.get(BUDGET_COLUMNS.get(src.field, "").lower()))
    return dataclasses.replace(f, source=cell) if cell else f


def _cell_of(d: BudgetDraft, line: int | None, col: str | None) -> SourceRef | None:
    """The Budgets cell in column ``col`` of line ``line`` of ``d`` (its first row and
    first cell for a field of the budget itself)."""
    row = _row(d.lines[line].source) if line is not None and 0 <= line < len(d.lines) else None
    if row is None:
        rows = _rows_of(d)
        return SourceRef(layout.BUDGETS_SHEET, f"A{rows[0]}") if rows else None
    return SourceRef(layout.BUDGETS_SHEET, f"{col or 'A'}{row}")


def _columns(book: Book) -> dict[str, str]:
    """The Budgets table's column letters by lower-case header."""
    table = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    return {h.strip().lower(): c for h, c in zip(table.header, table.columns, strict=True)}


def _statuses(budgets: Sequence[dict | BudgetHistory], source: Source) -> list[str]:
    """The Status text of each budget saved (its JSON) or left unchanged (its history)."""
    from pixie_xl.excel.budget_view import status_text

    tz = source.settings.timezone
    out = []
    for b in budgets:
        current = b.current if isinstance(b, BudgetHistory) else wire.budget_from_json(b)
        out.append(status_text(current, source.now, tz))
    return out


def _write_back(
    book: Book, drafts: Sequence[BudgetDraft], saved: Sequence[dict], statuses: Sequence[str]
) -> None:
    cols = _columns(book)
    id_col, ver_col = cols.get("budget id"), cols.get("version")
    status_col = cols.get(layout.STATUS_HEADER.lower())
    for d, s, status in zip(drafts, saved, statuses, strict=False):
        for row in _rows_of(d):
            if id_col:
                book.set_value(layout.BUDGETS_SHEET, f"{id_col}{row}", str(s["id"]))
            if ver_col:
                book.set_value(layout.BUDGETS_SHEET, f"{ver_col}{row}", int(s["version"]))
            if status_col:
                book.set_value(layout.BUDGETS_SHEET, f"{status_col}{row}", status)
