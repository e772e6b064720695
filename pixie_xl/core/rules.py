"""The budget rules R1–R7 (SPEC §2) as pure functions (STYLE §7).

The workbook, the CLI and the service all ask the same two questions, by the server's clock
read in the company timezone:

* :func:`decide_save` — what happens if this draft is saved? (create, edit in place, a new
  correction, nothing, or a refusal with a stable code);
* :func:`decide_delete` — what happens if the current version is deleted?

and turn an accepted :class:`Decision` into the new history with :func:`apply_save` and
:func:`apply_delete`. Nothing here reads a clock, a file or a database.

Refusal codes (stable; the service answers 409/422 with them; the messages of
``end_before_start``, ``version_required`` and ``duplicate_activity`` are those of
:mod:`pixie_xl.core.checks`, so every path says them alike):

======================  ==============================================================
``end_before_start``    the period ends before it starts
``overlap``             R1: another master budget of the same object covers some of the dates
``version_required``    an edit or delete of an existing budget without the version token
``stale_version``       R6: the edit was made from an older version than the newest
``dates_locked``        R3: the dates of a locked budget (or one with corrections) may not change
``object_locked``       R3: nor may its object
``line_removed``        R3: a correction drops an activity the latest locked version has
``duplicate_activity``  the draft has two lines for one activity
``budget_mismatch``     the draft names another budget than the history given
``locked``              R7: deleting a locked master or correction; nothing locked is deleted
======================  ==============================================================

The lock (R2, R4) is the end of the calendar day of creation in the company timezone:

>>> from datetime import datetime, timezone
>>> created = datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)  # 00:30 on 29 March in CPH
>>> local_lock(created, "Europe/Copenhagen")
'2026-03-30 00:00 Europe/Copenhagen'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .checks import duplicate_text, end_text, version_text
from .decision import Action, Decision  # (what the rules answer lives in .decision)
from .decision import refuse as _refuse
from .errors import RuleViolation, StaleVersion
from .locks import _aware, is_locked, local_lock
from .locks import lock_instant as lock_instant  # (the lock times live in .locks)
from .records import BudgetDraft, BudgetHistory, BudgetVersion, VersionKind


@dataclass(frozen=True, slots=True)
class Span:
    """The dates of another budget of the same object, for R1."""

    budget_id: str
    object: str
    start: date
    end: date


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    """Whether two periods share a day; both ends are inclusive, touching is fine (R1).

    >>> from datetime import date
    >>> overlaps(date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1), date(2026, 6, 30))
    False
    >>> overlaps(date(2026, 1, 1), date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30))
    True
    """
    return a_start <= b_end and b_start <= a_end


# --- deciding -------------------------------------------------------------------------


def _name(draft: BudgetDraft | BudgetHistory) -> str:
    bid = draft.budget_id
    return f"budget {bid}" if bid else "the new budget"


def _period(start: date, end: date) -> str:
    return f"{start.isoformat()} to {end.isoformat()}"


def same_figures(draft: BudgetDraft, version: BudgetVersion) -> bool:
    """Whether ``draft`` holds exactly ``version``'s object, dates and lines, in any order.

    Lines compare on activity, income, cost, phasing and note (not on the cell they came from).
    """
    if (draft.object, draft.start, draft.end) != (version.object, version.start, version.end):
        return False
    if len(draft.lines) != len(version.lines):
        return False
    by_activity = {ln.activity: ln for ln in version.lines}
    if len(by_activity) == len(version.lines) == len({ln.activity for ln in draft.lines}):
        # one line per activity on both sides (the usual case): match them by activity
        return all(by_activity.get(ln.activity) == ln for ln in draft.lines)
    return Counter(draft.lines) == Counter(version.lines)


def check_overlap(draft: BudgetDraft, others: Iterable[Span]) -> Decision | None:
    """R1: the refusal for the first span of the same object that overlaps ``draft``."""
    for other in others:
        if draft.budget_id is not None and other.budget_id == draft.budget_id:
            continue
        if other.object == draft.object and overlaps(
            draft.start, draft.end, other.start, other.end
        ):
            return _refuse(
                "overlap",
                f"{_name(draft).capitalize()} of {draft.object} ({_period(draft.start, draft.end)})"
                f" overlaps budget {other.budget_id} ({_period(other.start, other.end)}); "
                "budgets of one object may touch but not overlap",
            )
    return None


def _duplicate(draft: BudgetDraft) -> Decision | None:
    seen: set[str] = set()
    for ln in draft.lines:
        if ln.activity in seen:
            return _refuse("duplicate_activity", duplicate_text(ln.activity))
        seen.add(ln.activity)
    return None


def check_version(
    history: BudgetHistory, based_on: int | None, doing: str = "edit"
) -> Decision | None:
    """R6: the refusal when ``based_on`` is missing or not the budget's current version."""
    if based_on is None:
        if doing == "edit":
            return _refuse("version_required", version_text(history.budget_id))
        return _refuse(
            "version_required",
            f"To {doing} budget {history.budget_id} give the version you started from "
            f"(the current version is {history.revision})",
        )
    if based_on != history.revision:
        return _refuse(
            "stale_version",
            f"Budget {history.budget_id} has changed since version {based_on}: the current "
            f"version is {history.revision}. Refresh: your rows are kept and the service's "
            "figures are named beside them; then Save again",
        )
    return None


def _latest_locked(history: BudgetHistory, now: datetime, tz) -> BudgetVersion | None:
    for v in reversed(history.versions):
        if is_locked(v, now, tz):
            return v
    return None


def decide_save(
    draft: BudgetDraft,
    history: BudgetHistory | None,
    others: Iterable[Span],
    now: datetime,
    tz: str | ZoneInfo,
) -> Decision:
    """Decide what saving ``draft`` does, given the budget's ``history`` (None: a new budget).

    ``others`` are the spans of the other budgets of the draft's object (a span with the
    draft's own budget id is ignored). The checks, in order:

    1. the period must not end before it starts, nor list an activity twice;
    2. a new budget is created as a master unless it overlaps another (R1, R2);
    3. an existing budget needs ``based_on`` equal to its current version (R6);
    4. a draft with the current object, dates and lines (in any order) is UNCHANGED, so
       saving a whole sheet again creates no corrections;
    5. while the master is the only version and unlocked, anything may change, dates and
       object too (R1 is checked again): EDIT_IN_PLACE;
    6. otherwise the dates and the object are the master's for good (R3), and no activity
       of the latest locked version may be dropped (set it to 0 instead); then a locked
       current version gives NEW_CORRECTION (R3, R4), an unlocked correction
       EDIT_IN_PLACE (R4).

    Worked example, in Europe/Copenhagen: master saved 2026-01-10 09:00 (version 1).
    At 15:00 the same day an edit with ``based_on=1`` is EDIT_IN_PLACE (version 2).
    On 2026-01-11 an edit with ``based_on=2`` is NEW_CORRECTION (correction 1, version 3);
    one with ``based_on=1`` is refused ``stale_version``; one that moves the end date is
    refused ``dates_locked``.
    """
    refusal = _draft_refusal(draft)
    if refusal:
        return refusal
    if history is None:
        return check_overlap(draft, others) or Decision(Action.CREATE)
    refusal = _history_refusal(draft, history)
    if refusal:
        return refusal
    current = history.current
    if same_figures(draft, current):
        return Decision(Action.UNCHANGED)
    locked = is_locked(current, now, tz)
    if len(history.versions) == 1 and not locked:
        return check_overlap(draft, others) or Decision(Action.EDIT_IN_PLACE)
    return _locked_checks(draft, history, now, tz) or Decision(
        Action.NEW_CORRECTION if locked else Action.EDIT_IN_PLACE
    )


def _draft_refusal(draft: BudgetDraft) -> Decision | None:
    """Check 1 of :func:`decide_save`: the period's ends in order, no activity twice."""
    if draft.end < draft.start:
        return _refuse("end_before_start", end_text(draft.start, draft.end))
    return _duplicate(draft)


def _history_refusal(draft: BudgetDraft, history: BudgetHistory) -> Decision | None:
    """Check 3 of :func:`decide_save`: the draft is of this budget and its current version."""
    if draft.budget_id is not None and draft.budget_id != history.budget_id:
        return _refuse(
            "budget_mismatch",
            f"The draft is for budget {draft.budget_id}, not budget {history.budget_id}",
        )
    return check_version(history, draft.based_on, "edit")


def _locked_checks(draft: BudgetDraft, history: BudgetHistory, now, tz) -> Decision | None:
    master = history.master
    bid = history.budget_id
    if (draft.start, draft.end) != (master.start, master.end):
        return _refuse(
            "dates_locked",
            f"Budget {bid} is locked since {local_lock(master.created_at, tz)}: its dates stay "
            f"{_period(master.start, master.end)}; only amounts, notes and phasing may "
            f"change, and lines may be added (you gave {_period(draft.start, draft.end)})",
        )
    if draft.object != master.object:
        return _refuse(
            "object_locked",
            f"Budget {bid} is locked since {local_lock(master.created_at, tz)}: it stays a "
            f"budget of "
            f"{master.object} (you gave {draft.object})",
        )
    base = _latest_locked(history, now, tz)
    if base is not None:
        kept = {ln.activity for ln in draft.lines}
        for ln in base.lines:
            if ln.activity not in kept:
                return _refuse(
                    "line_removed",
                    f"Budget {bid}: activity {ln.activity} is in locked version "
                    f"{base.revision} and cannot be removed; set it to 0 instead",
                )
    return None


def decide_delete(
    history: BudgetHistory, based_on: int | None, now: datetime, tz: str | ZoneInfo
) -> Decision:
    """Decide what deleting the current version of ``history`` does (R2, R6, R7).

    An unlocked master without corrections deletes the whole budget (DELETE_BUDGET); an
    unlocked newest correction goes and the previous version is current again
    (DELETE_CORRECTION); anything locked is refused ``locked``.
    """
    refusal = check_version(history, based_on, "delete")
    if refusal:
        return refusal
    current = history.current
    if is_locked(current, now, tz):
        what = "its master" if current.seq == 0 else f"correction {current.seq}"
        return _refuse(
            "locked",
            f"Budget {history.budget_id}: {what} (version {current.revision}) is locked since "
            f"{local_lock(current.created_at, tz)}; nothing locked is ever "
            "deleted. Save a correction instead",
        )
    if len(history.versions) == 1:
        return Decision(Action.DELETE_BUDGET)
    return Decision(Action.DELETE_CORRECTION)


# --- applying -------------------------------------------------------------------------


def _raise(decision: Decision):
    cls = StaleVersion if decision.code == "stale_version" else RuleViolation
    raise cls(decision.message, code=decision.code)


def _next_revision(history: BudgetHistory) -> int:
    return max(history.revision, history.issued) + 1


def _new_version(
    budget_id: str,
    seq: int,
    frame: BudgetDraft | BudgetVersion,
    draft: BudgetDraft,
    now: datetime,
    *,
    revision: int,
    user: str,
) -> BudgetVersion:
    """Version ``seq`` (0: the master, else a correction) created ``now``, with ``frame``'s
    object and dates and ``draft``'s lines."""
    return BudgetVersion(
        budget_id=budget_id,
        seq=seq,
        kind=VersionKind.MASTER if seq == 0 else VersionKind.CORRECTION,
        object=frame.object,
        start=frame.start,
        end=frame.end,
        lines=tuple(draft.lines),
        created_at=_aware(now, "now"),
        revision=revision,
        created_by=user,
    )


def apply_save(
    draft: BudgetDraft,
    history: BudgetHistory | None,
    decision: Decision,
    now: datetime,
    *,
    budget_id: str,
    user: str = "",
) -> BudgetHistory:
    """The history after saving ``draft`` as ``decision`` says (pure; nothing is changed).

    CREATE gives a master (seq 0, version 1, ``created_at=now``) with id ``budget_id``;
    EDIT_IN_PLACE replaces the newest version's figures, keeps its ``created_at`` and raises
    the version; NEW_CORRECTION appends seq + 1 with the master's object and dates,
    ``created_at=now`` and the next version; UNCHANGED returns ``history`` as it is. A
    refusal raises :class:`~pixie_xl.core.errors.RuleViolation` with its code.
    """
    action = decision.action
    if action is Action.REFUSE:
        _raise(decision)
    if action is Action.CREATE:
        master = _new_version(budget_id, 0, draft, draft, now, revision=1, user=user)
        return BudgetHistory((master,), issued=1)
    if history is None:
        raise ValueError(f"{action} needs the budget's history")
    if action is Action.UNCHANGED:
        return history
    rev = _next_revision(history)
    current = history.current
    if action is Action.EDIT_IN_PLACE:
        edited = replace(
            current,
            object=draft.object,
            start=draft.start,
            end=draft.end,
            lines=tuple(draft.lines),
            revision=rev,
        )
        return BudgetHistory((*history.versions[:-1], edited), issued=rev)
    if action is Action.NEW_CORRECTION:
        seq = current.seq + 1
        correction = _new_version(
            history.budget_id, seq, history.master, draft, now, revision=rev, user=user
        )
        return BudgetHistory((*history.versions, correction), issued=rev)
    raise ValueError(f"apply_save cannot apply {action}")


def apply_delete(history: BudgetHistory, decision: Decision) -> BudgetHistory | None:
    """The history after a delete: ``None`` when the budget is gone (R2), else without its
    newest correction, the previous version current again (R7).

    The previous version's token is current again (its figures are exactly what that
    token described); ``issued`` remembers the deleted token so it is never handed out again.
    """
    action = decision.action
    if action is Action.REFUSE:
        _raise(decision)
    if action is Action.DELETE_BUDGET:
        return None
    if action is Action.DELETE_CORRECTION:
        if len(history.versions) < 2:
            raise ValueError("there is no correction to delete")
        issued = max(history.issued, history.revision)
        return BudgetHistory(history.versions[:-1], issued=issued)
    raise ValueError(f"apply_delete cannot apply {action}")
