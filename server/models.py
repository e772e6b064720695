"""The service's tables (SQLAlchemy 2 declarative models).

Amounts are BIGINT minor units, dates are DATE, instants are stored in UTC (``UTCDateTime``
hands back aware datetimes on every backend, SQLite included). ``seq`` columns hold the
sync sequence: every write of an actual line or a purchase order takes a new, larger
``seq`` from the single ``sync_state`` row (see :mod:`pixie_server.db`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware instant stored in UTC; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("instants must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- master data -------------------------------------------------------------------------


class ObjectRow(Base):
    __tablename__ = "objects"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    currency: Mapped[str] = mapped_column(String(3))


class ActivityRow(Base):
    __tablename__ = "activities"
    code: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SettingsRow(Base):
    """The company's settings: one row, ``id = 1``."""

    __tablename__ = "settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    cost_date: Mapped[str] = mapped_column(String(20), default="expense")
    income_date: Mapped[str] = mapped_column(String(20), default="income")
    #: decimal text, e.g. "0.8"
    warn_ratio: Mapped[str] = mapped_column(String(40), default="0.8")
    over_ratio: Mapped[str] = mapped_column(String(40), default="1.0")
    #: "warn" (default) or "stop": ingest refuses an order that takes its line over budget
    on_over: Mapped[str] = mapped_column(String(10), default="warn", server_default="warn")


class ProfileRow(Base):
    __tablename__ = "profiles"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: JSON list of twelve decimal strings, January first
    weights: Mapped[str] = mapped_column(Text)


# --- actuals -----------------------------------------------------------------------------


class TaskRow(Base):
    __tablename__ = "tasks"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    object_id: Mapped[str] = mapped_column(String(200))
    activity_code: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActualLineRow(Base):
    __tablename__ = "actual_lines"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(Text, default="")
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class PurchaseOrderRow(Base):
    __tablename__ = "purchase_orders"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    object_id: Mapped[str] = mapped_column(String(200))
    activity_code: Mapped[str] = mapped_column(String(200))
    vendor: Mapped[str] = mapped_column(Text, default="")
    ordered_on: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    invoiced_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncState(Base):
    """The one row (``id = 1``) whose ``seq`` is the last sync sequence number handed out.

    Every writing transaction updates this row first, which serialises writers on every
    backend, so sequence numbers become visible in the order they were handed out.
    """

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: moved by every writing transaction (:func:`pixie_server.db.lock_writes`): with
    #: ``seq`` it stamps the database's state for the report memo
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


# --- budgets (served by pixie_server.api.budgets) -----------------------------------------


class BudgetRow(Base):
    __tablename__ = "budgets"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    object_id: Mapped[str] = mapped_column(String(200), index=True)
    #: the R6 version token: grows with every saved change
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: the hash of the budget's last audit entry: an anchor deleting audit rows cannot reach
    audit_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class BudgetVersionRow(Base):
    __tablename__ = "budget_versions"
    __table_args__ = (UniqueConstraint("budget_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    budget_id: Mapped[str] = mapped_column(ForeignKey("budgets.id"), index=True)
    #: 0 for the master, 1, 2, … for the corrections
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[str] = mapped_column(String(200))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    revision: Mapped[int] = mapped_column(Integer)


class BudgetLineRow(Base):
    __tablename__ = "budget_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("budget_versions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    activity_code: Mapped[str] = mapped_column(String(200))
    income_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    phasing: Mapped[str] = mapped_column(String(200), default="days")
    note: Mapped[str] = mapped_column(Text, default="")


# --- auth, idempotency, audit ---------------------------------------------------------------


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    #: sha256 hex of the token; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("token_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    token_id: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(Text)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[str] = mapped_column(String(200))
    #: canonical JSON text (or null)
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The audit chain's head (one row, ``id = 1``), moved with every entry and signed
    (:mod:`pixie_server.audit`): deleting the last entries leaves it pointing past them.
    Entries with ``id <= legacy_upto`` predate signing and are sha256-chained."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(BigInteger)
    last_id: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    legacy_upto: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    mac: Mapped[str | None] = mapped_column(String(64), nullable=True)


# --- webhooks (issue 13): subscriptions, the outbox, the delivery log ---------------------


class WebhookRow(Base):
    """A subscription. ``secret`` is kept as given (it signs), never shown again."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    #: JSON list of event names, e.g. ["status_changed"]
    events: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: set by DELETE: no new events; the deliveries stay readable
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookEventRow(Base):
    """The outbox: one event for one subscription, written in the transaction of the change.

    Delivered oldest first per subscription (so in order per row); ``lease_until`` is the
    claim of the worker sending it now, so two workers never send it at once."""

    __tablename__ = "webhook_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    #: "object|activity|kind|year"
    row_key: Mapped[str] = mapped_column(Text)
    #: the exact bytes sent (UTF-8 JSON); the signature is over them
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class WebhookDeliveryRow(Base):
    """The delivery log: one row per attempt (status code or error, time)."""

    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(Integer, index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)


class RowStatusRow(Base):
    """The last status seen of each Variance row (object, activity, kind, calendar year),
    which a change is compared with to find status changes."""

    __tablename__ = "row_statuses"
    object_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    activity_code: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))


class IngestStagingRow(Base):
    """Lines of an actuals batch, staged before the batch's one merge (issue 9, D4). On
    SQLite a row is a chunk: ``lines`` is a JSON array of ``[id, task, kind, date, minor,
    reference]``, the target columns of ``actual_lines``, and ``n`` the place of its first
    line in the batch. On PostgreSQL a row is one line, loaded by ``COPY``: ``lines`` is
    that line's text and ``n`` its place (:mod:`pixie_server.staging`).

    ``staged_at`` is the Unix time of the chunk, so rows a dead batch left behind can be
    told by their age."""

    __tablename__ = "ingest_staging"
    batch: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    lines: Mapped[str] = mapped_column(Text)
    staged_at: Mapped[int] = mapped_column(BigInteger)


# --- incremental aggregates (issue 12.5): sums the reports read instead of the lines ------

#: clustered by the key on SQLite: a report reads a range of days in key order
WITHOUT_ROWID = ({"sqlite_with_rowid": False},)


class ActualDaySum(Base):
    """Live actual lines summed per line date, object, activity and kind (the object and
    activity of the line's task), kept in every write's transaction
    (:mod:`pixie_server.aggregates`); ``lines`` counts them, so a group whose lines all
    went is told from one whose amounts sum to zero."""

    __tablename__ = "actual_day_sums"
    __table_args__ = WITHOUT_ROWID
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    object_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    activity_code: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[int] = mapped_column(BigInteger)


class ActualCreatedSum(Base):
    """The same lines summed per instant their task was created (for kinds dated by the
    task: the report selects instants between two local midnights, exact in any zone)."""

    __tablename__ = "actual_created_sums"
    __table_args__ = WITHOUT_ROWID
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    object_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    activity_code: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[int] = mapped_column(BigInteger)


class CommittedDaySum(Base):
    """Committed cost of live approved and received orders (amount − invoiced, never below
    zero) per order date, object and activity; ``orders`` counts the committing orders."""

    __tablename__ = "committed_day_sums"
    __table_args__ = WITHOUT_ROWID
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    object_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    activity_code: Mapped[str] = mapped_column(String(200), primary_key=True)
    committed_minor: Mapped[int] = mapped_column(BigInteger)
    orders: Mapped[int] = mapped_column(BigInteger)
