"""Saving budgets, one or a batch, all or nothing (SPEC §4, R1–R7).

:func:`save_drafts` reads each budget's JSON into a draft (:mod:`pixie_xl.wire.reader`),
takes the write locks, asks :mod:`pixie_xl.core.rules` what each save does by the server's
clock in the company timezone, and persists, audits and announces the histories the core
returns. A finding names its item, line and field (:class:`pixie_xl.wire.findings.ItemRef`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import g

from pixie_xl.core import checks, rules
from pixie_xl.core.errors import (
    InvalidInput,
    NotFound,
    RuleViolation,
    StaleVersion,
    ValidationFailed,
)
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.core.records import BudgetDraft, BudgetHistory
from pixie_xl.core.rules import Action, Decision
from pixie_xl.wire.budgets import history_json
from pixie_xl.wire.findings import item_ref
from pixie_xl.wire.reader import BudgetReader, Catalogue

from . import audit, budget_store, clock, webhooks
from .records import load_settings

#: the most budgets one batch may hold (a bigger import is sent in several batches)
MAX_BATCH = 10_000
#: which field a refusal of the core points at
_REFUSAL_FIELD = {
    "end_before_start": "end",
    "overlap": "start",
    "dates_locked": "start",
    "object_locked": "object",
    "line_removed": "lines",
    "duplicate_activity": "lines",
    "stale_version": "version",
    "version_required": "version",
    "budget_mismatch": "id",
    "locked": "id",
}

#: one budget of a request: its place in the batch (None alone), its JSON, its id or None
Item = tuple[int | None, object, str | None]


class BatchRefused(ValidationFailed):
    """A batch the rules refuse (R1, R3, R6 …): 409 with a finding per refused item."""

    code = "rule_violation"
    status = 409


@dataclass(frozen=True)
class Saved:
    before: BudgetHistory | None
    after: BudgetHistory | None
    decision: Decision
    #: why the client made the change (``"transfer"``), named in the audit entry
    reason: str | None = None


@dataclass(frozen=True)
class _Read:
    """A budget read and accepted as JSON, not yet decided."""

    item: int | None
    draft: BudgetDraft
    history: BudgetHistory | None
    reason: str | None


def load_catalogue(session) -> Catalogue:
    """The objects, activities and profile names a budget's JSON is read against."""
    o, a, p = (budget_store.table(n) for n in ("objects", "activities", "profiles"))
    objects = list(session.execute(o.select()))
    settings = load_settings(session)
    return Catalogue(
        currencies={r.id: r.currency for r in objects},
        parents={r.id: r.parent_id for r in objects},
        activities={r.code: bool(r.active) for r in session.execute(a.select())},
        profiles=frozenset(r.name for r in session.execute(p.select())),
        currency=settings.currency,
    )


def save_drafts(session, items: Sequence[Item], *, single: bool) -> list[Saved]:
    """Read, decide and persist budgets all or nothing.

    Nothing is written unless every item is accepted. With ``single``, a refusal raises
    the core's own code (409 ``stale_version`` …) and an unknown id is 404.
    """
    now, tz = clock.now(), clock.company_tz(session)
    cat = load_catalogue(session)
    ids = [bid for _, _, bid in items if bid]
    budget_store.lock_budgets(session, ids)
    histories = {
        h.budget_id: h for h in budget_store.load_histories(session, cat.currencies, budget_ids=ids)
    }
    read = _read_all(cat, items, histories, single)
    saved = _decide_all(session, read, now, tz, single)
    for s in saved:
        budget_store.persist(session, s.before, s.after, now, tz)
        audit_saved(session, s, now, tz)
        webhooks.budget_changed(session, s.before, s.after)  # issue 13: status events
    return saved


def _read_all(cat: Catalogue, items: Sequence[Item], histories, single: bool) -> list[_Read]:
    """Every item read into a draft, or ValidationFailed with a finding per bad field."""
    findings: list[Finding] = []
    out: list[_Read] = []
    seen: set[str] = set()
    for item, body, bid in items:
        if bid is not None:
            problem = _id_problem(bid, seen, histories)
            seen.add(bid)
            if problem is not None and single and problem[0] == "unknown_budget":
                raise NotFound(f"there is no budget {bid}")
            if problem is not None:
                ref = item_ref("budgets", item, "id")
                findings.append(Finding(ref, problem[0], f"{ref.cell}: {problem[1]}"))
                continue
        history = histories.get(bid) if bid else None
        reader = BudgetReader(cat, item)
        draft = reader.draft(body, bid, history)
        reason = reader.read_reason(body)
        findings.extend(reader.findings)
        if draft is not None:
            out.append(_Read(item, draft, history, reason))
    if findings:
        raise ValidationFailed(_summary(findings, "not saved"), findings)
    return out


def _id_problem(bid: str, seen: set[str], histories: Mapping) -> tuple[str, str] | None:
    if bid in seen:
        return "duplicate_budget", f"budget {bid} appears twice in this batch"
    if bid not in histories:
        return "unknown_budget", checks.unknown_budget_text(bid)  # the sheet's words
    return None


def _decide_all(session, read: Sequence[_Read], now: datetime, tz, single: bool) -> list[Saved]:
    """What the rules make of each draft, in order (each sees the spans of those before);
    BatchRefused with a finding per refused item."""
    drafts = {r.draft.object for r in read}
    budget_store.lock_objects(
        session, drafts | {r.history.master.object for r in read if r.history is not None}
    )
    spans = {s.budget_id: s for s in budget_store.spans(session, drafts)}
    saved: list[Saved] = []
    refusals: list[Finding] = []
    for r in read:
        decision = rules.decide_save(r.draft, r.history, spans.values(), now, tz)
        if not decision.ok:
            if single:
                _raise_refusal(decision)
            ref = item_ref("budgets", r.item, _REFUSAL_FIELD.get(decision.code, ""))
            refusals.append(Finding(ref, decision.code, decision.message))
            continue
        bid = r.draft.budget_id or _new_id(session)
        after = rules.apply_save(r.draft, r.history, decision, now, budget_id=bid, user=g.actor)
        cur = after.current
        spans[bid] = rules.Span(bid, cur.object, cur.start, cur.end)
        saved.append(Saved(r.history, after, decision, r.reason))
    if refusals:
        raise BatchRefused(_summary(refusals, "not saved"), refusals)
    return saved


def _new_id(session) -> str:
    while True:
        bid = "B-" + uuid.uuid4().hex[:10].upper()
        if not budget_store.budget_exists(session, bid):
            return bid


def _raise_refusal(decision: Decision) -> None:
    cls = StaleVersion if decision.code == "stale_version" else RuleViolation
    raise cls(decision.message, code=decision.code)


def audit_saved(session, saved: Saved, now: datetime, tz) -> None:
    """The audit entry of a save or delete: the history before and after."""
    if saved.decision.action is Action.UNCHANGED:
        return
    ref = saved.after or saved.before
    after = history_json(saved.after, now, tz)
    if saved.reason and after is not None:
        after["reason"] = saved.reason
    audit.record(
        session,
        g.actor,
        f"budget.{saved.decision.action.value}",
        "budget",
        ref.budget_id,
        history_json(saved.before, now, tz),
        after,
    )


def _summary(findings: Sequence[Finding], what: str) -> str:
    n = len(findings)
    first = findings[0].message
    more = f" (and {n - 1} more)" if n > 1 else ""
    return f"{first}{more}; {what}"


def save_batch_profiles(session, profiles: object) -> None:
    """The batch's ``profiles``, upserted in its transaction (so all or nothing with the
    budgets, which may use them); a finding names ``profiles[i]``."""
    from .api.profiles import save_profiles

    if profiles is None:
        return
    if not isinstance(profiles, list) or not all(isinstance(p, Mapping) for p in profiles):
        raise ValidationFailed(
            'profiles must be a list of {"name", "weights"}',
            [Finding(SourceRef("request", "profiles"), "bad_value", "profiles: not a list")],
        )
    if len(profiles) > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH} profiles", code="batch_too_large")
    save_profiles(session, profiles, lambda i: item_ref("profiles", i))
