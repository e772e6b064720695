"""Refresh's part in the Budgets table: every budget of the cache in, every row with
changes not saved yet kept and reported (:func:`pixie_xl.excel.budget_view.merge`)."""

from __future__ import annotations

import dataclasses

from pixie_xl.core.findings import Finding
from pixie_xl.core.records import BudgetDraft
from pixie_xl.excel import actions
from pixie_xl.excel.actions import Source
from pixie_xl.excel.cache import Cache
from pixie_xl.sheets.book import Book


def refresh_budgets(book: Book, cache: Cache, before: dict | None = None) -> list[Finding]:
    """Every budget of the cache into the Budgets table, rows with unsaved changes kept.

    ``before`` is what the cache held before this refresh (by budget id), so that a row
    left at an older version is recognised as unchanged and brought up to date.
    """
    from pixie_xl.excel import budget_view

    source = actions.source_from_cache(cache)
    findings = budget_view.tidy(book)
    view = budget_view.View.read(book)
    histories = {h.budget_id: h for h in source.budgets}
    tz = source.settings.timezone
    merged = budget_view.merge(
        view, _sheet_drafts(book, source), histories, before or {}, source.now, tz
    )
    view.write(book, merged.rows)
    return findings + merged.findings


def _sheet_drafts(book: Book, source: Source) -> dict[str, BudgetDraft]:
    """The sheet's saved budgets whose every row reads without an error, by Budget ID.

    Checked against the service's budgets (so an activity made inactive since still reads
    on the lines that have it) but not by the rules: a stale Version, an ID the service no
    longer has or a missing Version is what Refresh is about, not a reason to keep rows.
    """
    from pixie_xl.excel.budget_view import budget_id_text
    from pixie_xl.excel.saving import _ROW
    from pixie_xl.sheets.budget_cells import validate_table
    from pixie_xl.sheets.tables import read_budget_rows

    ctx = dataclasses.replace(actions._context(source, actions._book_profiles(book)), now=None)
    rows = read_budget_rows(book)
    result = validate_table(rows, ctx)
    bad_rows = {
        int(m.group(1))
        for f in result.findings
        if f.is_error
        and f.code not in _REFRESH_IGNORES
        and f.source
        and (m := _ROW.search(f.source.cell or ""))
    }
    bad = {budget_id_text(r.values.get("budget_id")) for r in rows if r.row in bad_rows}
    return {d.budget_id: d for d in result.drafts if d.budget_id and d.budget_id not in bad}


#: the rules' findings that Refresh resolves itself (see :func:`_sheet_drafts`)
_REFRESH_IGNORES = frozenset({"stale_version", "unknown_budget", "version_required", "overlap"})
