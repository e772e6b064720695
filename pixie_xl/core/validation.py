"""Validation of the Budgets table (SPEC §3) over :class:`~pixie_xl.core.records.RawRow`.

:func:`validate_rows` never raises on a cell value and never stops at the first problem: it
returns every finding, in sheet order, each pointing at its cell (``Budgets!G14``) with a
stable code and a message that names the column and shows the value::

    Budgets!G14: Cost budget "12,5O" is not a number

Rows with the same Budget ID are one budget; rows with a blank ID and the same Object,
Period start and Period end are one new budget; blank rows are skipped. The Version column
is the token the edit was made from (R6). The rules R1, R3, R6 and the correction notice
come from :func:`pixie_xl.core.rules.decide_save`, so the workbook and the service decide
alike (the service decides again by its own clock).

=======================  ======================================================================
code                     finding (all are errors except ``becomes_correction``)
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
=======================  ======================================================================
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from .errors import AmountError
from .findings import Finding, Severity, SourceRef
from .gcpause import no_gc
from .money import EXCEL_ERRORS, Money, exponent, from_excel
from .records import (
    BUDGET_COLUMNS,
    PHASING_DAYS,
    PHASING_MONTHS,
    Activity,
    BudgetDraft,
    BudgetHistory,
    BudgetLine,
    CrmObject,
    Formula,
    RawRow,
)
from .rules import Action, Decision, Span, check_overlap, check_version, decide_save, local_lock


@dataclass(frozen=True, slots=True)
class Context:
    """What a sheet is checked against."""

    #: activities by code (a plain list of them is keyed on creation)
    activities: Mapping[str, Activity]
    #: objects by id (or a list)
    objects: Mapping[str, CrmObject]
    #: profile names valid as phasing besides days/months (a set, a mapping by name or a
    #: list of names or Profile records)
    profiles: Collection[str] = frozenset()
    #: currency of amounts whose object is unknown
    currency: str = "EUR"
    #: what the server holds, by budget id (or a list; may be empty offline)
    budgets: Mapping[str, BudgetHistory] = field(default_factory=dict)
    #: the SERVER's time (never the workbook's); None: skip lock information
    now: datetime | None = None
    timezone: str = "UTC"

    def __post_init__(self):
        """Accept plain lists of records too: they are keyed here, once."""
        keyed = {
            "activities": lambda a: a.code,
            "objects": lambda o: o.id,
            "budgets": lambda h: h.budget_id,
        }
        for name, key in keyed.items():
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                object.__setattr__(self, name, {key(x): x for x in value or ()})
        if not isinstance(self.profiles, Mapping | frozenset | set):
            names = frozenset(p if isinstance(p, str) else p.name for p in self.profiles or ())
            object.__setattr__(self, "profiles", names)


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


# --- reading one cell ------------------------------------------------------------------

_COL_POS = {key: i for i, key in enumerate(BUDGET_COLUMNS)}
_EXCEL_EPOCH = date(1899, 12, 30)
#: Excel day numbers from 1900-03-01 (61: below it Excel's 1900 leap-year bug) to 9999-12-31
_FIRST_SERIAL, _LAST_SERIAL = 61, 2958465
_BAD = object()  # a cell that gave a finding
_TEXT_KEYS = ("budget_id", "object", "activity", "phasing", "note")
#: hashable date cell types whose reading is cached (bool is not: True == 1)
_CACHED_DATE_TYPES = frozenset({datetime, date, str, int, float})


class _Bad(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message


def _show(value: object) -> str:
    """The value as the message quotes it, short and never failing."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int) and value.bit_length() > 200:
        return "a number of more than 60 digits"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _special(value: object, header: str) -> None:
    """Formulas and Excel error values, refused in every cell."""
    if isinstance(value, Formula):
        raise _Bad("formula", f'{header} holds the formula "{_show(value)}"; a value is needed')
    if isinstance(value, str):
        s = value.strip()
        if s[:1] == "#" and s.upper() in EXCEL_ERRORS:
            raise _Bad("excel_error", f"{header} holds the Excel error {s.upper()}")


def _text(value: object, header: str) -> str | None:
    """A code or note: text, or a whole number written without decimals."""
    if value is None:
        return None
    if type(value) is str:
        s = value.strip()
        if s[:1] == "#":
            _special(s, header)
        return s or None
    _special(value, header)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() < 64:
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    raise _Bad("wrong_type", f"{header} {_show(value)} is not text")


def _date(value: object, header: str) -> date | None:
    """A date from a date or datetime, ISO text ``2026-01-31`` or an Excel day number."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise _Bad("not_a_date", f"{header} {_show(value)} has a time of day; give a date")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        _special(value, header)
        try:
            if len(s) == 10 and s[4] == "-" and s[7] == "-":
                return date.fromisoformat(s)
            if len(s) > 10 and s[4] == "-" and s[10] in "T ":
                return _date(datetime.fromisoformat(s), header)
        except ValueError:
            pass
        raise _Bad("not_a_date", f'{header} "{_show(s)}" is not a date (write it as 2026-01-31)')
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise _Bad("not_a_date", f"{header} {_show(value)} is not a whole day number")
        if _FIRST_SERIAL <= value <= _LAST_SERIAL:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise _Bad("not_a_date", f"{header} {_show(value)} is not a date Excel can hold")
    _special(value, header)
    raise _Bad("not_a_date", f"{header} {_show(value)} is not a date")


def _version(value: object, header: str) -> int | None:
    if value is None or (type(value) is str and not value.strip()):
        return None
    _special(value, header)
    n = None
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        n = int(value.strip())
    if n is None or not 1 <= n < 2**63:
        raise _Bad("bad_version", f"{header} {_show(value)} is not a version number")
    return n


class _Amounts:
    """Amount cells of one currency, converted exactly and fast.

    A float cell is almost always a whole number of cents already: ``round(x * 100) / 100
    == x`` then proves that ``x`` is the float nearest to those cents, which is exactly what
    :func:`~pixie_xl.core.money.from_excel` reads it as (its shortest repr has at most 15
    digits below 10**15 minor units). Everything else goes through ``from_excel``.
    """

    __slots__ = ("currency", "limit", "scale", "zero")

    def __init__(self, currency: str):
        self.currency = currency
        try:
            self.scale = 10 ** exponent(currency)
        except AmountError:
            self.scale = 0  # every amount goes through from_excel, which reports it
        self.limit = 10**15 // self.scale if self.scale else 0
        self.zero = Money(0, currency)

    def read(self, value: object, header: str) -> Money:
        t = type(value)
        if t is float:
            if -self.limit < value < self.limit:
                minor = round(value * self.scale)
                if minor / self.scale == value:
                    return Money(minor, self.currency)
        elif t is int:
            if -self.limit < value < self.limit:
                return Money(value * self.scale, self.currency)
        elif value is None or (t is str and not value.strip()):
            return self.zero
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 60:
            raise _Bad(
                "too_many_digits",
                f"{header} has more than 15 significant digits, more than Excel holds exactly",
            )
        if isinstance(value, datetime | date):
            raise _Bad("not_a_number", f"{header} {_show(value)} is a date, not an amount")
        _special(value, header)
        if not isinstance(value, str | int | float | Decimal):
            raise _Bad("not_a_number", f"{header} {_show(value)} is not a number")
        try:
            return from_excel(value, self.currency)
        except AmountError as e:
            raise _Bad(e.code, f"{header} {e.message}") from None


# --- one row ---------------------------------------------------------------------------


class _Row:
    """One non-blank row, read: its values, or ``_BAD`` where a cell gave a finding."""

    __slots__ = (
        "activity",
        "bad",
        "budget_id",
        "cost",
        "end",
        "income",
        "index",
        "note",
        "object",
        "phasing",
        "raw",
        "start",
        "version",
    )  # fmt: skip

    def ref(self, key: str | None = None):
        return self.raw.ref(key)


def _blank(values: Mapping[str, object]) -> bool:
    for v in values.values():
        if v is not None and not (type(v) is str and not v.strip()):
            return False
    return True


class _Validator:
    def __init__(self, context: Context):
        self.ctx = context
        self.found: list[tuple[int, int, int, Finding]] = []
        self.amounts: dict[str, _Amounts] = {}
        # by lower-case name, and by exact name for the common case
        self.profiles = {p.lower(): p for p in context.profiles}
        self.profiles.update({PHASING_DAYS: PHASING_DAYS, PHASING_MONTHS: PHASING_MONTHS})
        self.profiles.update({p: p for p in context.profiles})
        self.date_cache: dict[object, object] = {}
        self.lowered: dict[str, dict[str, str]] = {}

    def add(self, row: _Row, key: str | None, code: str, message: str, severity=Severity.ERROR):
        if severity is Severity.ERROR:
            row.bad = True
        finding = Finding(row.ref(key), code, message, severity)
        self.found.append((row.index, _COL_POS.get(key, -1), len(self.found), finding))

    def cell(self, row: _Row, key: str, read, *args):
        values = row.raw.values
        try:
            return read(values.get(key), BUDGET_COLUMNS[key], *args)
        except _Bad as bad:
            self.add(row, key, bad.code, bad.message)
        except Exception as e:  # a cell must never stop validation
            self.add(row, key, "unreadable", f"{BUDGET_COLUMNS[key]} could not be read ({e})")
        return _BAD

    def date_cell(self, row: _Row, key: str):
        value = row.raw.values.get(key)
        result = self.cell(row, key, _date)
        # aware datetimes are not cached: equal instants in two zones are different days
        if (
            result is not _BAD
            and type(value) in _CACHED_DATE_TYPES
            and not (type(value) is datetime and value.tzinfo is not None)
        ):
            self.date_cache[value] = result
        return result

    def read(self, index: int, raw: RawRow) -> _Row:
        row = _Row()
        row.index, row.raw, row.bad = index, raw, False
        get = raw.values.get
        # the common cells (plain text without an Excel error, a cached date) are read
        # inline: this loop runs once per row of a 100,000-line file
        texts = []
        for key in _TEXT_KEYS:
            v = get(key)
            if v is None:
                texts.append(None)
            elif type(v) is str and (t := v.strip())[:1] != "#":
                texts.append(t or None)
            else:
                texts.append(self.cell(row, key, _text))
        row.budget_id, row.object, row.activity, row.phasing, row.note = texts
        v = get("version")
        row.version = None if v is None or v == "" else self.cell(row, "version", _version)
        cache = self.date_cache
        v = get("start")
        found = cache.get(v, _BAD) if type(v) in _CACHED_DATE_TYPES else _BAD
        row.start = self.date_cell(row, "start") if found is _BAD else found
        v = get("end")
        found = cache.get(v, _BAD) if type(v) in _CACHED_DATE_TYPES else _BAD
        row.end = self.date_cell(row, "end") if found is _BAD else found
        obj = self.ctx.objects.get(row.object) if isinstance(row.object, str) else None
        currency = obj.currency if obj is not None else self.ctx.currency
        amounts = self.amounts.get(currency) or self.amounts.setdefault(
            currency, _Amounts(currency)
        )
        scale, limit = amounts.scale, amounts.limit
        for key in ("income", "cost"):
            v = get(key)
            # whole cents in a float: see _Amounts; anything else takes the careful path
            if type(v) is float and 0 <= v < limit and (m := round(v * scale)) / scale == v:
                setattr(row, key, Money(m, currency))
            else:
                setattr(row, key, self.amount(row, key, amounts))
        self.check_row(row, obj)
        return row

    def amount(self, row: _Row, key: str, amounts: _Amounts):
        money = self.cell(row, key, amounts.read)
        if money is not _BAD and money.minor < 0:
            self.add(
                row,
                key,
                "negative_amount",
                f"{BUDGET_COLUMNS[key]} {money} is negative; budgets are amounts from 0 up",
            )
            return _BAD
        return money

    def check_row(self, row: _Row, obj: CrmObject | None) -> None:
        if row.object is None or row.start is None or row.end is None or row.activity is None:
            for key in ("object", "start", "end", "activity"):
                if getattr(row, key) is None:
                    self.add(row, key, "missing_value", f"{BUDGET_COLUMNS[key]} is missing")
        if obj is None and type(row.object) is str:
            self.add(row, "object", "unknown_object", self.unknown("Object", row.object))
        if type(row.activity) is str and row.activity not in self.ctx.activities:
            self.add(row, "activity", "unknown_activity", self.unknown("Activity", row.activity))
        phasing = row.phasing
        if phasing is None:
            row.phasing = PHASING_DAYS
        elif phasing is not _BAD:
            known = self.profiles.get(phasing) or self.profiles.get(phasing.lower())
            if known is None:
                self.add(
                    row,
                    "phasing",
                    "unknown_phasing",
                    f'Phasing "{_show(phasing)}" is not days, months or a profile of the '
                    "Profiles table",
                )
                row.phasing = _BAD
            else:
                row.phasing = known
        if row.note is None:
            row.note = ""

    def unknown(self, header: str, value: str) -> str:
        """``Activity "road" is not known; did you mean ROAD?``"""
        lowered = self.lowered.get(header)
        if lowered is None:
            known = self.ctx.objects if header == "Object" else self.ctx.activities
            lowered = self.lowered[header] = {k.lower(): k for k in known}
        message = f'{header} "{_show(value)}" is not known'
        near = lowered.get(value.lower())
        return f"{message}; did you mean {near}?" if near else message


# --- budgets: groups of rows ------------------------------------------------------------


class _Group:
    """The rows of one budget, the draft they make and what is known about it."""

    __slots__ = ("bad", "budget_id", "draft", "end", "object", "rows", "span", "start", "version")

    def __init__(self, first: _Row):
        self.rows = [first]
        self.budget_id = first.budget_id if isinstance(first.budget_id, str) else None
        self.object = self.start = self.end = self.version = None
        self.bad = False
        self.draft: BudgetDraft | None = None
        self.span: Span | None = None

    @property
    def first(self) -> _Row:
        return self.rows[0]

    @property
    def label(self) -> str:
        if self.budget_id:
            return f"budget {self.budget_id}"
        return f"the new budget of {self.first.raw.sheet} row {self.first.raw.row}"


_AGREE = (("object", "Object"), ("start", "Period start"), ("end", "Period end"))


class _Budgets:
    """Group the rows into budgets and check each budget as a whole (SPEC §3, R1, R3, R6)."""

    def __init__(self, v: _Validator):
        self.v = v
        self.ctx = v.ctx

    def group(self, rows: list[_Row]) -> list[_Group]:
        groups: dict[tuple, _Group] = {}
        for row in rows:
            if isinstance(row.budget_id, str):
                key: tuple = ("id", row.budget_id)
            elif (
                row.budget_id is None
                and type(row.object) is str
                and type(row.start) is date
                and type(row.end) is date
            ):
                key = ("new", row.object, row.start, row.end)
            else:
                continue  # a row without a readable budget: its cells already have findings
            group = groups.get(key)
            if group is None:
                groups[key] = _Group(row)
            else:
                group.rows.append(row)
        return list(groups.values())

    def agree(self, g: _Group) -> None:
        """Rows of one Budget ID must agree on object, dates and version."""
        first = g.first
        same = (first.object, first.start, first.end, first.version)
        if _BAD not in same and None not in same[:3]:
            rows = g.rows
            if all((r.object, r.start, r.end, r.version) == same for r in rows):
                g.object, g.start, g.end, g.version = same  # the usual case, checked at once
                return
        for key, header in (*_AGREE, ("version", "Version")):
            first_row = None
            for row in g.rows:
                value = getattr(row, key)
                if value is _BAD or value is None:
                    continue
                if first_row is None:
                    first_row = row
                    setattr(g, key, value)
                elif value != getattr(g, key):
                    self.v.add(
                        row,
                        key,
                        "budget_rows_disagree",
                        f"{header} {_fmt(value)} differs from {_fmt(getattr(g, key))} in row "
                        f"{first_row.raw.row} of {g.label}; all its rows must agree",
                    )

    def lines(self, g: _Group, known: BudgetHistory | None) -> tuple[BudgetLine, ...]:
        acts = self.ctx.activities
        had = {ln.activity for ln in known.current.lines} if known else set()
        seen: dict[str, _Row] = {}
        out = []
        for row in g.rows:
            a = row.activity
            if not isinstance(a, str):
                continue
            if a in seen:
                self.v.add(
                    row,
                    "activity",
                    "duplicate_activity",
                    f"Activity {a} appears twice in {g.label} (also row {seen[a].raw.row}); "
                    "give each activity one line",
                )
                continue
            seen[a] = row
            act = acts.get(a)
            if act is not None and not act.active and a not in had:
                self.v.add(
                    row,
                    "activity",
                    "inactive_activity",
                    f"Activity {a} is inactive and takes no new budget lines",
                )
            if row.bad:  # every unreadable cell of the row has given a finding
                continue
            out.append(
                BudgetLine(a, row.income, row.cost, row.phasing, row.note, _row_ref(row.raw))
            )
        return tuple(out)

    def build(self, g: _Group) -> None:
        bid = g.budget_id
        if bid is None:
            g.object, g.start, g.end = g.first.object, g.first.start, g.first.end
            g.version = None
        else:
            self.agree(g)
        known = self.ctx.budgets.get(bid) if bid else None
        if bid and known is None and self.ctx.budgets:
            self.v.add(
                g.first,
                "budget_id",
                "unknown_budget",
                f'Budget ID "{_show(bid)}" is not known to the server; clear it to save the '
                "rows as a new budget",
            )
        lines = self.lines(g, known)
        if g.object is None or g.start is None or g.end is None:
            g.bad = True
            return
        if g.end < g.start:
            self.v.add(
                g.first,
                "end",
                "end_before_start",
                f"Period end {g.end.isoformat()} is before Period start {g.start.isoformat()}",
            )
        elif bid is not None and g.version is None and (known or not self.ctx.budgets):
            # (an ID the server does not know has its own finding; no version is needed then)
            self.v.add(
                g.first,
                "version",
                "version_required",
                f"Version is missing for budget {bid}; it is filled in when the budget is "
                "saved or refreshed, and tells the server which version you edited",
            )
        g.draft = BudgetDraft(bid, g.object, g.start, g.end, lines, g.version, g.first.ref())
        g.bad = any(row.bad for row in g.rows)
        if g.end >= g.start:
            label = bid or f"in {g.first.raw.sheet} row {g.first.raw.row}"
            g.span = Span(label, g.object, g.start, g.end)


def _row_ref(raw: RawRow) -> SourceRef:
    """The row's first cell, like ``raw.ref()`` but without its look-ups for every line."""
    columns = raw.columns
    col = columns.get("budget_id") or next(iter(columns.values()), "A")
    return SourceRef(raw.sheet, f"{col}{raw.row}")


def _fmt(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _partners(groups: list[_Group], budgets: Mapping[str, BudgetHistory]) -> dict[int, list]:
    """R1 candidates: for each group (by id()), spans that overlap it, in O(n log n).

    The sheet's dates stand in for the server's for the budgets it holds. Sorted by start,
    a span overlaps an earlier one exactly when it starts on or before the latest end so
    far; both get each other as a partner. Overlaps between two server budgets are the
    server's business, not the sheet's.
    """
    entries: list[tuple[str, date, date, Span, _Group | None]] = []
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


#: where a refusal from the rules points in the budget's first row
_REFUSAL_CELL = {
    "overlap": "start",
    "end_before_start": "end",
    "stale_version": "version",
    "version_required": "version",
    "object_locked": "object",
    "line_removed": "budget_id",
    "duplicate_line": "activity",
    "budget_mismatch": "budget_id",
}


class _Decider:
    """Ask the rules what saving each budget does, and say it at the cells."""

    def __init__(self, v: _Validator):
        self.v = v
        self.ctx = v.ctx

    def decide(self, g: _Group, partners: list) -> Decision | None:
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
        if g.bad:  # judge the dates, object and version with the server's own lines
            draft = replace(draft, lines=known.current.lines)
        return decide_save(draft, known, partners, ctx.now, ctx.timezone)

    def report(self, g: _Group, decision: Decision | None) -> None:
        if decision is None or decision.action is Action.UNCHANGED:
            return
        first = g.first
        if decision.action is Action.REFUSE:
            key = _REFUSAL_CELL.get(decision.code, "budget_id")
            if decision.code == "dates_locked":
                master = self.ctx.budgets[g.budget_id].master
                key = "start" if g.start != master.start else "end"
            self.v.add(first, key, decision.code, decision.message)
        elif decision.action is Action.NEW_CORRECTION and not g.bad:
            self.correction(g)

    def correction(self, g: _Group) -> None:
        known = self.ctx.budgets[g.budget_id]
        current = known.current
        before = {ln.activity: ln for ln in current.lines}
        changed = [r for r in g.rows if before.get(r.activity) != _line_of(r)] or [g.first]
        since = local_lock(current.created_at, self.ctx.timezone)
        for row in changed:
            self.v.add(
                row,
                "budget_id",
                "becomes_correction",
                f"Budget {g.budget_id} is locked (since {since}): saving creates correction "
                f"{current.seq + 1}; the master and earlier versions stay as they are",
                Severity.INFO,
            )


def _line_of(row: _Row) -> BudgetLine:
    return BudgetLine(row.activity, row.income, row.cost, row.phasing, row.note)


def validate_rows(rows: Sequence[RawRow], context: Context) -> Result:
    """Check a Budgets table and say what saving it would do; never raises on a cell value.

    Findings come in sheet order (row by row, left to right within a row).
    """
    with no_gc():
        return _validate(rows, context)


def _validate(rows: Sequence[RawRow], context: Context) -> Result:
    v = _Validator(context)
    read = [v.read(i, raw) for i, raw in enumerate(rows) if not _blank(raw.values)]
    budgets = _Budgets(v)
    groups = budgets.group(read)
    for g in groups:
        budgets.build(g)
    partners = _partners(groups, context.budgets)
    decider = _Decider(v)
    decisions = []
    for g in groups:
        if g.draft is None or g.span is None:
            continue
        decision = decider.decide(g, partners.get(id(g), []))
        decider.report(g, decision)
        g.bad = g.bad or any(row.bad for row in g.rows)
        if decision is not None and not g.bad and context.now is not None:
            decisions.append((g.draft, decision))
    v.found.sort(key=lambda f: f[:3])
    findings = tuple(f[3] for f in v.found)
    drafts = tuple(g.draft for g in groups if g.draft is not None)
    return Result(findings, drafts, tuple(decisions))
