"""The budget checks (SPEC §3), listed once, for the workbook, the import and the service.

Each check is a pure function ``check(draft, known) -> Iterator[Problem]`` over a
:class:`~pixie_xl.core.records.BudgetDraft` and what it is checked against (:class:`Known`).
A :class:`Problem` says which line it is about (its index in ``draft.lines``, ``None`` for
the budget) and which field (``object``, ``start``, ``end``, ``version``, ``activity``,
``income``, ``cost``, ``phasing``, ``id``); the caller names the place: the workbook a cell
(``Budgets!F14``), the service a JSON path (``budgets[3].lines[0].activity``). The message
is the same on every path::

    Activity "road" is not known; did you mean ROAD?

Reading a cell or a JSON value (a number, a date, text that fits) is the reader's job, not a
check: a reader builds the draft from what it could read and reports the rest itself.

======================  ==========================================================
code                    the mistake
======================  ==========================================================
``unknown_object``      no object has that id (with a did-you-mean hint)
``unknown_activity``    no activity has that code (with a did-you-mean hint)
``inactive_activity``   an inactive activity on a line the budget does not already have
``unknown_phasing``     Phasing is not ``days``, ``months`` or a profile's name
``negative_amount``     an income or cost amount below zero
``duplicate_activity``  one budget has two lines for one activity
``end_before_start``    the period ends before it starts
``unknown_budget``      the server has no budget with that id (when its budgets are known)
``version_required``    an existing budget given without the version it was edited from
======================  ==========================================================

>>> from datetime import date
>>> from pixie_xl.core.money import Money
>>> from pixie_xl.core.records import BudgetLine
>>> line = BudgetLine("road", Money.zero("EUR"), Money.zero("EUR"))
>>> draft = BudgetDraft(None, "P1", date(2026, 2, 1), date(2026, 1, 31), (line,))
>>> for p in check(draft, Known({"P1"}, {"ROAD": True})):
...     print(p.line, p.field, p.code, p.message)
None end end_before_start Period end 2026-01-31 is before Period start 2026-02-01
0 activity unknown_activity Activity "road" is not known; did you mean ROAD?
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from .cells import show
from .money import Money
from .records import BUDGET_COLUMNS, PHASING_DAYS, PHASING_MONTHS, BudgetDraft, BudgetHistory


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a draft: the line (None: the budget) and field it is about."""

    line: int | None
    field: str
    code: str
    message: str


class Known:
    """What a draft is checked against.

    ``objects``: the object ids (any collection; a mapping by id will do); ``activities``:
    code → active (a bool, or a record with ``.active``); ``profiles``: profile names valid
    as phasing besides days and months; ``history``: the budget's history on the server
    (None: new, or not known); ``budgets_known``: whether the server's budgets were given
    (offline, an id cannot be judged unknown).
    """

    __slots__ = (
        "_lowered", "_phasings", "activities", "budgets_known", "history", "objects", "profiles",
    )  # fmt: skip

    def __init__(
        self,
        objects: Collection[str],
        activities: Mapping[str, object],
        profiles: Collection[str] = frozenset(),
        history: BudgetHistory | None = None,
        budgets_known: bool = False,
    ):
        self.objects = objects
        self.activities = activities
        self.profiles = profiles
        self.history = history
        self.budgets_known = budgets_known
        self._lowered: dict[str, dict[str, str]] = {}
        self._phasings: dict[str, str] | None = None

    def about(self, history: BudgetHistory | None) -> Known:
        """The same catalogue, for a budget with ``history``."""
        out = Known(self.objects, self.activities, self.profiles, history, self.budgets_known)
        out._lowered = self._lowered
        out._phasings = self._phasings
        return out

    def phasing_name(self, text: str) -> str | None:
        """The phasing ``text`` names, as written or in another case: ``days``, ``months`` or
        a profile's own name (None: none).

        >>> Known((), {}, {"Summer"}).phasing_name("SUMMER")
        'Summer'
        """
        names = self._phasings
        if names is None:
            names = {p.lower(): p for p in self.profiles}
            names.update({PHASING_DAYS: PHASING_DAYS, PHASING_MONTHS: PHASING_MONTHS})
            names.update({p: p for p in self.profiles})
            self._phasings = names
        return names.get(text) or names.get(text.lower())

    def active(self, code: str) -> bool:
        a = self.activities[code]
        return a if isinstance(a, bool) else bool(a.active)

    def near(self, kind: str, value: str) -> str | None:
        """The known name that differs from ``value`` only in case (``ROAD`` for ``road``)."""
        lowered = self._lowered.get(kind)
        if lowered is None:
            names = self.objects if kind == "Object" else self.activities
            lowered = self._lowered[kind] = {k.lower(): k for k in names}
        return lowered.get(value.lower())


# --- the messages (one text per mistake; the readers use them for the cells they judge) --


def not_known(kind: str, value: str, known: Known) -> str:
    """``Activity "road" is not known; did you mean ROAD?``"""
    message = f'{kind} "{show(value)}" is not known'
    near = known.near(kind, value)
    return f"{message}; did you mean {near}?" if near else message


def missing_text(field: str) -> str:
    return f"{BUDGET_COLUMNS[field]} is missing"


def inactive_text(code: str) -> str:
    return f"Activity {code} is inactive and takes no new budget lines"


def phasing_text(value: object) -> str:
    return f'Phasing "{show(value)}" is not days, months or a profile of the Profiles table'


def negative_text(field: str, amount: object) -> str:
    return f"{BUDGET_COLUMNS[field]} {amount} is negative; budgets are amounts from 0 up"


def duplicate_text(code: str) -> str:
    return f"Activity {code} already has a line in this budget; give each activity one line"


def end_text(start: date, end: date) -> str:
    return f"Period end {end.isoformat()} is before Period start {start.isoformat()}"


def unknown_budget_text(budget_id: str) -> str:
    return (
        f'Budget ID "{show(budget_id)}" is not known to the server; clear it to save the '
        "rows as a new budget"
    )


def version_text(budget_id: str) -> str:
    return (
        f"Version is missing for budget {budget_id}; it is filled in when the budget is "
        "saved or refreshed, and tells the server which version you edited"
    )


# --- the checks ----------------------------------------------------------------------------


def unknown_object(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    if isinstance(d.object, str) and d.object not in known.objects:
        yield Problem(None, "object", "unknown_object", not_known("Object", d.object, known))


def unknown_activity(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    acts = known.activities
    for i, ln in enumerate(d.lines):
        if ln.activity not in acts:
            message = not_known("Activity", ln.activity, known)
            yield Problem(i, "activity", "unknown_activity", message)


def inactive_activity(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    """An inactive activity takes no line the budget's current version does not have."""
    acts = known.activities
    had = {ln.activity for ln in known.history.current.lines} if known.history else ()
    for i, ln in enumerate(d.lines):
        a = ln.activity
        if a in acts and a not in had and not known.active(a):
            yield Problem(i, "activity", "inactive_activity", inactive_text(a))


def unknown_phasing(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    for i, ln in enumerate(d.lines):
        p = ln.phasing
        if p != PHASING_DAYS and p != PHASING_MONTHS and p not in known.profiles:
            yield Problem(i, "phasing", "unknown_phasing", phasing_text(p))


def negative_amount(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    for i, ln in enumerate(d.lines):
        for field, amount in (("income", ln.income), ("cost", ln.cost)):
            if amount.minor < 0:
                yield Problem(i, field, "negative_amount", negative_text(field, amount))


def duplicate_activity(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    """The second and later lines of one activity."""
    seen: set[str] = set()
    for i, ln in enumerate(d.lines):
        if ln.activity in seen:
            yield Problem(i, "activity", "duplicate_activity", duplicate_text(ln.activity))
        seen.add(ln.activity)


def end_before_start(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    if isinstance(d.start, date) and isinstance(d.end, date) and d.end < d.start:
        yield Problem(None, "end", "end_before_start", end_text(d.start, d.end))


def unknown_budget(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    if d.budget_id and known.history is None and known.budgets_known:
        yield Problem(None, "id", "unknown_budget", unknown_budget_text(d.budget_id))


def version_required(d: BudgetDraft, known: Known) -> Iterator[Problem]:
    """An existing budget (or, offline, one with an id) needs the version it was edited from.

    Not said for a period that ends before it starts (that is the budget's first mistake).
    """
    if not d.budget_id or d.based_on is not None:
        return
    if known.history is None and known.budgets_known:
        return  # unknown_budget says it
    if isinstance(d.start, date) and isinstance(d.end, date) and d.end < d.start:
        return
    yield Problem(None, "version", "version_required", version_text(d.budget_id))


Check = Callable[[BudgetDraft, Known], Iterator[Problem]]

#: the fields a budget line cannot do without
REQUIRED_FIELDS = ("object", "start", "end", "activity")


def row_problems(row, known: Known) -> list[Problem]:
    """What one row of a table says wrong on its own, before it joins a budget.

    ``row`` has the fields of :data:`~pixie_xl.core.records.BUDGET_COLUMNS` as attributes,
    each a value as read, ``None`` where blank, or anything else where its cell could not be
    read (the reader said that, and it is not judged again). The phasing is text as written.
    The problems are ``missing_value``, then ``unknown_object``, ``unknown_activity``,
    ``negative_amount`` and ``unknown_phasing``, each at its field (``line`` is None).
    """
    found = [
        Problem(None, key, "missing_value", missing_text(key))
        for key in REQUIRED_FIELDS
        if getattr(row, key) is None
    ]
    obj, activity, phasing = row.object, row.activity, row.phasing
    if type(obj) is str and obj not in known.objects:
        found.append(Problem(None, "object", "unknown_object", not_known("Object", obj, known)))
    if type(activity) is str and activity not in known.activities:
        message = not_known("Activity", activity, known)
        found.append(Problem(None, "activity", "unknown_activity", message))
    for key, amount in (("income", row.income), ("cost", row.cost)):
        if isinstance(amount, Money) and amount.minor < 0:
            found.append(Problem(None, key, "negative_amount", negative_text(key, amount)))
    if type(phasing) is str and known.phasing_name(phasing) is None:
        found.append(Problem(None, "phasing", "unknown_phasing", phasing_text(phasing)))
    return found


#: every check, in the order their problems are reported
CHECKS: tuple[Check, ...] = (
    unknown_budget,
    unknown_object,
    end_before_start,
    version_required,
    unknown_activity,
    inactive_activity,
    duplicate_activity,
    negative_amount,
    unknown_phasing,
)
#: the checks about the budget as a whole (the workbook judges the others cell by cell)
BUDGET_CHECKS: tuple[Check, ...] = (
    unknown_budget,
    end_before_start,
    version_required,
    inactive_activity,
    duplicate_activity,
)
#: the codes the rules refuse with too (the service answers them 409, as a refusal)
REFUSAL_CODES = frozenset({"end_before_start", "version_required"})


def check(draft: BudgetDraft, known: Known, checks: tuple[Check, ...] = CHECKS) -> list[Problem]:
    """Every problem of ``draft``, check by check."""
    return [p for c in checks for p in c(draft, known)]
