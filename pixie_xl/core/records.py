"""Immutable domain records (SPEC §1–§2, STYLE §3).

Every record is a frozen dataclass; change one with :func:`dataclasses.replace`. Records
read from a sheet or a file carry a :class:`~pixie_xl.core.findings.SourceRef` so that any
finding about them can point at a cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from .findings import SourceRef
from .money import Money


class ObjectKind(StrEnum):
    PROJECT = "project"
    CUSTOMER = "customer"
    DEPARTMENT = "department"
    CAMPAIGN = "campaign"
    COST_CENTRE = "cost_centre"
    ACCOUNT = "account"


class Kind(StrEnum):
    """Which side of a budget line or actual line: money earned or money spent."""

    INCOME = "income"
    COST = "cost"


class POStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    RECEIVED = "received"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


#: Purchase-order statuses whose uninvoiced remainder is committed cost.
COMMITTING_STATUSES = frozenset({POStatus.APPROVED, POStatus.RECEIVED})


class CostDate(StrEnum):
    EXPENSE = "expense"
    TASK_CREATED = "task_created"


class IncomeDate(StrEnum):
    INCOME = "income"
    TASK_CREATED = "task_created"


class VersionKind(StrEnum):
    MASTER = "master"
    CORRECTION = "correction"


#: Built-in phasings; any other phasing value names a profile.
PHASING_DAYS = "days"
PHASING_MONTHS = "months"


@dataclass(frozen=True, slots=True)
class CrmObject:
    """A project, customer, department, campaign, cost centre or account."""

    #: unique text id, e.g. ``"P-100"``
    id: str
    name: str
    kind: ObjectKind
    #: the parent object's id, or ``None`` at the top of the tree
    parent: str | None = None
    #: ISO 4217 code of the object's amounts
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class Activity:
    """A budget category such as ``ROAD`` "Road work"."""

    code: str
    name: str
    #: an inactive activity takes no new budget lines but keeps its history
    active: bool = True


@dataclass(frozen=True, slots=True)
class Task:
    """A unit of CRM work; income and cost are recorded on tasks."""

    id: str
    object: str
    activity: str
    #: when the task was created (timezone-aware); its local date can date its lines
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ActualLine:
    """An income line (invoice) or an expense line on a task."""

    id: str
    task: str
    kind: Kind
    #: the line's own date (invoice or expense date)
    date: date
    amount: Money
    reference: str = ""


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """An order to a vendor; its uninvoiced part is committed cost while open."""

    id: str
    object: str
    activity: str
    vendor: str
    ordered_on: date
    amount: Money
    invoiced_amount: Money
    status: POStatus

    @property
    def committed(self) -> Money:
        """``amount − invoiced_amount`` for approved and received orders, never below zero."""
        if self.status not in COMMITTING_STATUSES:
            return Money.zero(self.amount.currency)
        rest = self.amount - self.invoiced_amount
        return rest if rest.minor > 0 else Money.zero(self.amount.currency)


@dataclass(frozen=True, slots=True)
class Settings:
    """The company's settings (one set per company)."""

    #: IANA timezone in which "end of day" is read for the locking rules
    timezone: str = "UTC"
    currency: str = "EUR"
    cost_date: CostDate = CostDate.EXPENSE
    income_date: IncomeDate = IncomeDate.INCOME
    #: a cost row is WARN from this share of its budget
    warn_ratio: Decimal = Decimal("0.8")
    #: a cost row is OVER above this share of its budget
    over_ratio: Decimal = Decimal("1.0")


@dataclass(frozen=True, slots=True)
class Profile:
    """A seasonal shape: twelve monthly weights (January first)."""

    name: str
    weights: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One activity's line of a budget."""

    activity: str
    income: Money
    cost: Money
    #: ``"days"`` (default), ``"months"`` or the name of a profile
    phasing: str = PHASING_DAYS
    note: str = ""
    #: the row the line was read from, if it came from a sheet or file
    source: SourceRef | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class BudgetVersion:
    """One saved state of a budget: its master or one of its corrections (SPEC §2).

    ``seq`` is 0 for the master and 1, 2, … for the corrections. ``created_at`` is when this
    master or correction was first saved; it is locked from the end of that calendar day in
    the company timezone. An edit in place keeps ``created_at`` and raises ``revision``.
    """

    budget_id: str
    seq: int
    kind: VersionKind
    object: str
    start: date
    end: date
    lines: tuple[BudgetLine, ...]
    #: timezone-aware instant this version was created
    created_at: datetime
    #: the budget's version token at the time this state was saved (grows with every change)
    revision: int
    created_by: str = ""


@dataclass(frozen=True, slots=True)
class BudgetHistory:
    """A budget: its master and its corrections, oldest first (never empty)."""

    versions: tuple[BudgetVersion, ...]
    #: the highest version token ever issued for this budget, counting corrections deleted
    #: since (R7); 0 when unknown. A new save gets a token above it, so a token held by a
    #: client for a deleted correction is never reused for different figures.
    issued: int = field(default=0, compare=False)

    @property
    def budget_id(self) -> str:
        return self.versions[0].budget_id

    @property
    def master(self) -> BudgetVersion:
        """The original figures."""
        return self.versions[0]

    @property
    def current(self) -> BudgetVersion:
        """The figures that count now: the newest correction, else the master (R5)."""
        return self.versions[-1]

    @property
    def revision(self) -> int:
        """The budget's version token (R6): the newest state's revision."""
        return self.current.revision


@dataclass(frozen=True, slots=True)
class BudgetDraft:
    """A budget as someone proposes to save it: from a sheet, a file or the API.

    ``budget_id`` is ``None`` for a new budget; ``based_on`` is the version token the edit
    was made from (``None`` for a new budget).
    """

    budget_id: str | None
    object: str
    start: date
    end: date
    lines: tuple[BudgetLine, ...]
    based_on: int | None = None
    source: SourceRef | None = field(default=None, compare=False)


# --- ingest files (SPEC §5) ---------------------------------------------------------------

#: The header row of each ingest file format (CSV or .xlsx), by which a file is recognised.
INGEST_FORMATS: dict[str, tuple[str, ...]] = {
    "objects": ("id", "name", "kind", "parent", "currency"),
    "activities": ("code", "name", "active"),
    "actuals": (
        "line_id",
        "task_id",
        "object",
        "activity",
        "task_created",
        "kind",
        "date",
        "amount",
        "reference",
    ),
    "purchase_orders": (
        "po_id",
        "object",
        "activity",
        "vendor",
        "ordered_on",
        "amount",
        "invoiced_amount",
        "status",
    ),
}


# --- the Budgets table as read, before validation --------------------------------------

#: Canonical keys of the Budgets table and their headers (SPEC §3), in sheet order.
BUDGET_COLUMNS: dict[str, str] = {
    "budget_id": "Budget ID",
    "version": "Version",
    "object": "Object",
    "start": "Period start",
    "end": "Period end",
    "activity": "Activity",
    "income": "Income budget",
    "cost": "Cost budget",
    "phasing": "Phasing",
    "note": "Note",
}


class Formula(str):
    """Text of a cell that holds a formula (``"=A1*2"``), as opposed to a value."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row of a budget table exactly as a sheet or file holds it.

    ``values`` maps the canonical keys of :data:`BUDGET_COLUMNS` to the raw cell value
    (``None``, ``str``, ``float``, ``int``, ``bool``, ``datetime``, :class:`Formula`, an
    Excel error string such as ``"#REF!"``). ``columns`` maps the same keys to the column
    letter, so that :meth:`ref` names the cell: ``Budgets!G14``.
    """

    sheet: str
    #: 1-based row number in the sheet (for CSV: the line number, header = 1)
    row: int
    values: dict[str, object]
    columns: dict[str, str]

    def ref(self, key: str | None = None) -> SourceRef:
        """The cell of ``key`` in this row, or the row's first cell when ``key`` is None."""
        col = self.columns.get(key) if key else None
        if col is None:
            col = next(iter(self.columns.values()), "A")
        return SourceRef(self.sheet, f"{col}{self.row}")


# --- what reports show -------------------------------------------------------------------


class Status(StrEnum):
    """The state of a Variance row (SPEC §3), in order of concern for alerts."""

    OVER = "OVER"
    UNBUDGETED = "UNBUDGETED"
    BEHIND = "BEHIND"
    WARN = "WARN"
    OK = "OK"


@dataclass(frozen=True, slots=True)
class VarianceRow:
    """One row of the Variance table: one object's own figures for one activity and kind."""

    object: str
    object_name: str
    activity: str
    kind: Kind
    #: the master's budget prorated to the report period
    original: Money
    #: the current version's budget prorated to the report period (R5)
    current: Money
    actual: Money
    #: committed cost of open purchase orders (None on income rows)
    committed: Money | None
    #: positive is favourable: cost = current − actual, income = actual − current
    variance: Money
    #: variance / current as a fraction (``Decimal("0.1234")`` is 12.34 %); None when current is 0
    variance_pct: Decimal | None
    #: cost: (actual + committed) / current, income: actual / current; None when current is 0
    used_pct: Decimal | None
    #: current − actual − committed (None on income rows)
    available: Money | None
    #: run-rate of actual to the end of the report period, or actual once it has ended
    forecast: Money
    status: Status
    #: the current budget prorated to today, or to the period's end once it has passed
    #: (0 before the period starts); issue 11
    budget_to_date: Money | None = None
    #: positive is favourable: cost = budget to date − actual, income = actual − budget to date
    variance_to_date: Money | None = None
    #: estimate at completion: actual + the phased budget still to come (current − to date)
    estimate: Money | None = None
    #: actual ÷ budget to date × current budget (None where the budget to date is 0)
    forecast_phased: Money | None = None


@dataclass(frozen=True, slots=True)
class MonthRow:
    """Budget, actual and variance of one month for one object, activity and kind."""

    object: str
    object_name: str
    activity: str
    kind: Kind
    #: first day of the month
    month: date
    budget: Money
    actual: Money
    variance: Money
