"""Validation of the Budgets table (SPEC §3) over its rows as read.

Validation never raises on a cell value and never stops at the first problem: it returns
every finding, in sheet order, each pointing at its cell (``Budgets!G14``) with a stable
code and a message that names the column and shows the value::

    Budgets!G14: Cost budget "12,5O" is not a number

Rows with the same Budget ID are one budget; rows with a blank ID and the same Object,
Period start and Period end are one new budget; blank rows are skipped. The Version column
is the token the edit was made from (R6). The rules R1, R3, R6 and the correction notice
come from :func:`pixie_xl.core.rules.decide_save`, so the workbook and the service decide
alike (the service decides again by its own clock).

The work is done in steps, each in its module. The cells of each row are read in
:mod:`pixie_xl.sheets.budget_cells` (its ``validate_table`` is the entry point for a table of
cells), by the value readers of :mod:`~pixie_xl.core.cells`, into the rows of
:mod:`~pixie_xl.core.budget_rows`, each row checked on its own by
:func:`~pixie_xl.core.checks.row_problems`. Here, :func:`validate_read` takes those rows:
they are grouped into budgets and each is checked as a whole
(:mod:`~pixie_xl.core.budget_groups`), and the rules decide what saving each would do
(:mod:`~pixie_xl.core.budget_decisions`). The budget checks (``missing_value``, and
``unknown_object`` to ``version_required`` below, and ``negative_amount``) are
:mod:`pixie_xl.core.checks`, which the service runs on JSON too, so a mistake reads alike in
the workbook, an import and the API; the cell codes (``wrong_type`` to ``bad_version``, and
``unreadable``) are the reader's.

=======================  ======================================================================
code                     finding (errors unless marked INFO or WARNING)
=======================  ======================================================================
``missing_value``        Object, Period start, Period end or Activity is blank
``wrong_type``           a text cell holds TRUE/FALSE, a date, a fraction or something else
``not_a_number``         an amount cell holds text that is not a number, or TRUE/FALSE
``excel_error``          a cell holds an Excel error value (``#REF!``, ``#N/A`` …)
``formula``              a cell holds a formula where a value is needed
``non_finite``           an amount is NaN or infinite
``too_many_digits``      an amount has more than 15 significant digits
``too_many_decimals``    an amount has more decimals than its currency
``bad_currency``         the object's currency is not an ISO 4217 code
``negative_amount``      an amount is below zero
``not_a_date``           a date cell is not a date (nor ISO text, nor an Excel day number)
``bad_version``          the Version is not a whole number from 1 up
``unknown_object``       no object has that id
``unknown_activity``     no activity has that code
``inactive_activity``    an inactive activity on a line the budget does not already have
``unknown_phasing``      Phasing is not ``days``, ``months`` or a profile's name
``end_before_start``     Period end is before Period start
``duplicate_activity``   one budget has two lines for one activity
``budget_rows_disagree`` rows of one Budget ID differ in object, dates or version
``unknown_budget``       the server has no budget with that ID (checked when budgets are given)
``version_required``     a row of an existing budget has no Version
``overlap``              R1: the budget overlaps another of the same object (sheet or server)
``stale_version``        R6: the budget changed on the server since this Version
``dates_locked``         R3: the dates of a locked budget were changed
``object_locked``        R3: the object of a locked budget was changed
``line_removed``         R3: a line of a locked version is missing; set it to 0 instead
``unreadable``           a cell could not be read at all (a safety net; should not happen)
``becomes_correction``   INFO: saving this row creates a correction of a locked budget
``outside_table``        WARNING: a non-blank cell of the Budgets sheet outside the table, which
                         Pixie does not read (rows typed directly under the table join it)
``delete_locked``        R7: a budget marked in the Delete column is locked (``delete_`` +
                         the rules' code: ``delete_stale_version``, ``delete_not_found`` …)
``delete_new_rows``      INFO: rows of a budget never saved are marked Delete; they leave the table
``unsaved_rows``         INFO (refresh): rows with changes not saved yet, kept as they are
``conflict``             WARNING (refresh): the budget changed on the service under an unsaved
                         edit; the cell, the row's figure and the service's figure are named
``budget_gone``          WARNING (refresh): a budget with unsaved rows was deleted on the service
=======================  ======================================================================

The last seven come from the workbook actions (:mod:`pixie_xl.excel.budget_view` and
:mod:`pixie_xl.excel.budget_deletes`), which read what the core does not: the sheet around
the table and the Delete and Status columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from .budget_context import Context
from .budget_decisions import Decider, overlap_partners
from .budget_groups import BudgetChecks, group_rows
from .budget_rows import Findings, Row, TableRows
from .checks import Known
from .findings import Finding
from .records import BudgetDraft
from .rules import Decision


@dataclass(frozen=True, slots=True)
class Result:
    """Every finding, the budgets the rows describe, and what saving them would do."""

    #: every finding, sheet order
    findings: tuple[Finding, ...]
    #: the budgets the rows describe (only meaningful when there are no errors)
    drafts: tuple[BudgetDraft, ...]
    #: (draft, decision) for error-free budgets, when the server's time is known
    decisions: tuple[tuple[BudgetDraft, Decision], ...] = ()

    @property
    def ok(self) -> bool:
        """No error findings (information does not count)."""
        return not any(f.is_error for f in self.findings)


def validate_read(
    rows: list[Row] | TableRows, findings: Findings, context: Context, known: Known | None = None
) -> Result:
    """Group rows already read into budgets, check each and say what saving it would do.

    ``findings`` holds what reading the rows found (and which rows it found bad); every
    finding comes back in sheet order (row by row, left to right within a row). ``known``
    is the catalogue the reader judged by, built from ``context`` when not given.
    """
    known = context.known() if known is None else known
    groups = group_rows(rows)
    checks = BudgetChecks(findings, context.budgets, known)
    for g in groups:
        checks.build(g)
    partners = overlap_partners(groups, context.budgets)
    decider = Decider(context, findings)
    decisions = []
    for g in groups:
        if g.draft is None or g.span is None:
            continue
        decision = decider.decide(g, partners.get(id(g), []))
        decider.report(g, decision)  # (a refusal is an error at the group's first row)
        if decision is not None and context.now is not None and not g.any_bad(findings):
            decisions.append((g.draft, decision))
    drafts = tuple(g.draft for g in groups if g.draft is not None)
    return Result(findings.in_sheet_order(), drafts, tuple(decisions))
