"""Budgets in the database: load a :class:`BudgetHistory`, persist the history the core
decided, list the spans R1 checks against, and take the locks that make concurrent saves
safe.

The rules themselves are never decided here (STYLE §7): the views load a history, ask
:mod:`pixie_xl.core.rules` by the server's clock, and hand the old and the new history to
:func:`persist`, which writes only the difference:

=================  =================================================================
the core said      what is written
=================  =================================================================
create             a ``budgets`` row, the master version (seq 0) and its lines
edit in place      the newest version's row (guarded by its old version token) and
                   its lines; nothing else is ever updated
new correction     a new version row (seq + 1) and its lines; older rows are untouched
delete correction  the newest version row and its lines (guarded by its version token)
delete budget      ``budgets.deleted_at`` is set; the master stays for the audit trail
=================  =================================================================

``budgets.revision`` holds the highest version token ever issued for the budget
(``BudgetHistory.issued``), so a token deleted with a correction (R7) is never reused; the
current token is the newest version's ``revision``.

Concurrency: every writing transaction first takes a lock (:func:`lock_budget`,
:func:`lock_objects`) and only then reads what it decides on, so two saves of one budget,
or two creates for one object, are decided one after the other: on PostgreSQL with
``SELECT … FOR UPDATE`` on the row, on SQLite by a first write that takes the database's
single write lock. The version-token guards in the writes are a second line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, delete, insert, select, update

from pixie_xl.core.errors import RuleViolation, StaleVersion
from pixie_xl.core.money import Money
from pixie_xl.core.records import BudgetHistory, BudgetLine, BudgetVersion, VersionKind
from pixie_xl.core.rules import Span

from . import models


def table(name: str) -> Table:
    """One of the service's tables by name (C1's models, declarative or core)."""
    meta = getattr(models, "metadata", None)
    if meta is None:
        meta = models.Base.metadata
    return meta.tables[name]


def _aware(instant: datetime) -> datetime:
    """An aware instant (naive database values are UTC)."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


# --- locks -----------------------------------------------------------------------------


def _is_postgres(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_objects(session, object_ids: Iterable[str]) -> None:
    """Serialise creates and date changes per object (R1 under concurrency)."""
    if _is_postgres(session):
        o = table("objects")
        ids = sorted(set(object_ids))
        if ids:
            session.execute(
                select(o.c.id).where(o.c.id.in_(ids)).order_by(o.c.id).with_for_update()
            )


def lock_budgets(session, budget_ids: Iterable[str]) -> None:
    """Serialise saves and deletes of these budgets (R6 under concurrency)."""
    if _is_postgres(session):
        b = table("budgets")
        ids = sorted(set(budget_ids))
        if ids:
            session.execute(
                select(b.c.id).where(b.c.id.in_(ids)).order_by(b.c.id).with_for_update()
            )


# --- reading ---------------------------------------------------------------------------


def _money(minor: int | None, currency: str) -> Money:
    return Money(int(minor or 0), currency)


def _chunks(items: Sequence, n: int = 900):
    for i in range(0, len(items), n):
        yield items[i : i + n]


def load_histories(
    session,
    currencies: Mapping[str, str],
    *,
    budget_ids: Sequence[str] | None = None,
    objects: Iterable[str] | None = None,
    on: date | None = None,
    period: tuple[date, date] | None = None,
    default_currency: str = "EUR",
) -> list[BudgetHistory]:
    """The live (not deleted) budgets as histories, ordered by object, start and id.

    Filters (in SQL, on the master's row, whose object and dates every correction keeps):
    ``budget_ids``; ``objects``, a set of object ids; ``on``, a day the budget covers;
    ``period`` ``(frm, to)``, which the budget overlaps. ``currencies`` gives each object's
    currency for its amounts.
    """
    issued = _issued(session, budget_ids, objects, on, period)
    if not issued:
        return []
    vrows = _version_rows(session, sorted(issued))
    lines = _line_rows_by_version(session, [r.id for r in vrows])
    versions: dict[str, list[BudgetVersion]] = {}
    for r in vrows:
        cur = currencies.get(r.object_id, default_currency)
        versions.setdefault(r.budget_id, []).append(_version(r, lines.get(r.id, ()), cur))
    out = [BudgetHistory(tuple(vs), issued=issued[bid]) for bid, vs in versions.items() if vs]
    out.sort(key=lambda h: (h.master.object, h.master.start, h.budget_id))
    return out


def _issued(session, budget_ids, objects, on, period) -> dict[str, int]:
    """The live budgets the filters of :func:`load_histories` keep, with their version
    tokens (the filters apply to the master's row)."""
    b, v = table("budgets"), table("budget_versions")
    master = v.alias("master")
    q = (
        select(b.c.id, b.c.revision)
        .join(master, and_(master.c.budget_id == b.c.id, master.c.seq == 0))
        .where(b.c.deleted_at.is_(None))
    )
    if budget_ids is not None:
        q = q.where(b.c.id.in_(list(budget_ids)))
    if objects is not None:
        q = q.where(master.c.object_id.in_(sorted(set(objects))))
    if on is not None:
        q = q.where(and_(master.c.start <= on, master.c.end >= on))
    if period is not None:
        q = q.where(and_(master.c.start <= period[1], master.c.end >= period[0]))
    return {row.id: int(row.revision) for row in session.execute(q)}


def _version_rows(session, budget_ids: list[str]) -> list:
    """The version rows of these budgets, by budget and sequence number."""
    v = table("budget_versions")
    rows = []
    for part in _chunks(budget_ids):
        rows.extend(session.execute(select(v).where(v.c.budget_id.in_(part))))
    rows.sort(key=lambda r: (r.budget_id, r.seq))
    return rows


def _line_rows_by_version(session, version_ids: list[int]) -> dict[int, list]:
    """The line rows of these versions, by version id, each version's in position order."""
    ln = table("budget_lines")
    lines: dict[int, list] = {}
    for part in _chunks(version_ids):
        for r in session.execute(select(ln).where(ln.c.version_id.in_(part))):
            lines.setdefault(r.version_id, []).append(r)
    for rows in lines.values():
        rows.sort(key=lambda x: x.position)
    return lines


def _version(r, line_rows, currency: str) -> BudgetVersion:
    """One version row and its line rows as a version, amounts in ``currency``."""
    return BudgetVersion(
        budget_id=r.budget_id,
        seq=int(r.seq),
        kind=VersionKind(r.kind),
        object=r.object_id,
        start=r.start,
        end=r.end,
        lines=tuple(
            BudgetLine(
                x.activity_code,
                _money(x.income_minor, currency),
                _money(x.cost_minor, currency),
                x.phasing or "days",
                x.note or "",
            )
            for x in line_rows
        ),
        created_at=_aware(r.created_at),
        revision=int(r.revision),
        created_by=r.created_by or "",
    )


def load_history(session, budget_id: str, currencies: Mapping[str, str]) -> BudgetHistory | None:
    """One live budget's history, or None."""
    found = load_histories(session, currencies, budget_ids=[budget_id])
    return found[0] if found else None


def spans(session, object_ids: Iterable[str]) -> list[Span]:
    """The dates of every live budget of these objects (its master's, which corrections
    keep), for R1."""
    ids = list(set(object_ids))
    if not ids:
        return []
    b, v = table("budgets"), table("budget_versions")
    q = (
        select(v.c.budget_id, v.c.object_id, v.c.start, v.c.end)
        .join(b, b.c.id == v.c.budget_id)
        .where(and_(b.c.deleted_at.is_(None), v.c.seq == 0, v.c.object_id.in_(ids)))
    )
    return [Span(r.budget_id, r.object_id, r.start, r.end) for r in session.execute(q)]


def budget_exists(session, budget_id: str) -> bool:
    """Whether a budget with this id was ever saved (deleted ones count: ids are not reused)."""
    b = table("budgets")
    return session.execute(select(b.c.id).where(b.c.id == budget_id)).first() is not None


# --- writing ---------------------------------------------------------------------------


def _line_rows(version_id: int, lines: Sequence[BudgetLine]) -> list[dict]:
    return [
        {
            "version_id": version_id,
            "position": i,
            "activity_code": x.activity,
            "income_minor": x.income.minor,
            "cost_minor": x.cost.minor,
            "phasing": x.phasing,
            "note": x.note,
        }
        for i, x in enumerate(lines)
    ]


def _insert_version(session, v: BudgetVersion) -> None:
    bv, ln = table("budget_versions"), table("budget_lines")
    result = session.execute(
        insert(bv).values(
            budget_id=v.budget_id,
            seq=v.seq,
            kind=v.kind.value,
            object_id=v.object,
            start=v.start,
            end=v.end,
            created_at=v.created_at,
            created_by=v.created_by,
            revision=v.revision,
        )
    )
    version_id = result.inserted_primary_key[0]
    rows = _line_rows(version_id, v.lines)
    if rows:
        session.execute(insert(ln), rows)


def day_start(now: datetime, tz: str | ZoneInfo) -> datetime:
    """The instant (UTC) the current local day began: a version created before it is locked.

    The SQL form of :func:`pixie_xl.core.rules.is_locked` for versions created no later than
    ``now``: a version locks at the first local midnight after its creation, so it is still
    editable exactly when it was created at or after the midnight that began today.

    >>> from datetime import UTC
    >>> str(day_start(datetime(2026, 3, 29, 21, 30, tzinfo=UTC), "Europe/Copenhagen"))
    '2026-03-28 23:00:00+00:00'
    """
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    today = now.astimezone(zone).date()
    return datetime.combine(today, time(0), tzinfo=zone).astimezone(UTC)


def _editable_version(session, budget_id: str, v: BudgetVersion, since: datetime) -> int:
    """The row id of version ``v`` if it is stored with ``v``'s token and still editable.

    The guard behind the core's decision: a version whose token moved on is stale, one
    created before ``since`` (the start of today) is locked, whatever the caller believed.
    """
    bv = table("budget_versions")
    row = session.execute(
        select(bv.c.id, bv.c.created_at).where(
            and_(bv.c.budget_id == budget_id, bv.c.seq == v.seq, bv.c.revision == v.revision)
        )
    ).first()
    if row is None:
        raise StaleVersion(
            f"Budget {budget_id} changed while this change was being saved; refresh and retry",
            code="stale_version",
        )
    if _aware(row.created_at) < since:
        raise RuleViolation(
            f"Budget {budget_id}: version {v.revision} is locked; nothing locked is changed",
            code="locked",
        )
    return int(row.id)


def _guarded(session, statement, what: str) -> None:
    """Run an UPDATE/DELETE of one version row; it must have matched exactly that row."""
    if session.execute(statement).rowcount != 1:
        raise RuleViolation(f"{what} was refused: the version is locked or changed", code="locked")


def persist(
    session,
    before: BudgetHistory | None,
    after: BudgetHistory | None,
    now: datetime,
    tz: str | ZoneInfo,
) -> None:
    """Write the change from ``before`` to ``after`` (one of the five in the module's table).

    Only the newest version is ever updated or deleted, and only while its stored version
    token is still ``before``'s and it was created today (company timezone). The core never
    produces a history that changes a locked version; the SQL guards make sure of it.
    """
    since = day_start(now, tz)
    if before is None:
        if after is not None:
            _insert_budget(session, after)
        return
    bid = before.budget_id
    if after is None:  # the whole budget goes (R2): keep its rows, mark it deleted
        if len(before.versions) != 1:
            raise RuleViolation(f"Budget {bid} has corrections and is not deleted", code="locked")
        _editable_version(session, bid, before.current, since)
        b = table("budgets")
        session.execute(update(b).where(b.c.id == bid).values(deleted_at=now))
        return
    if after == before and after.issued == before.issued:
        return
    if len(after.versions) < len(before.versions):  # R7: the newest correction goes
        _delete_newest(session, before, since)
    elif len(after.versions) > len(before.versions):  # R3/R4: a new correction
        _insert_version(session, after.current)
    else:  # edit in place of the newest version (R2/R4)
        _edit_newest(session, before, after, since)
    issued = max(after.issued, after.revision, before.issued)
    b = table("budgets")
    session.execute(
        update(b).where(b.c.id == bid).values(revision=issued, object_id=after.master.object)
    )


def _insert_budget(session, after: BudgetHistory) -> None:
    """A new budget: its row and every version of ``after``."""
    master = after.master
    session.execute(
        insert(table("budgets")).values(
            id=after.budget_id,
            object_id=master.object,
            revision=max(after.issued, after.revision),
            created_at=master.created_at,
            created_by=master.created_by,
            deleted_at=None,
        )
    )
    for v in after.versions:
        _insert_version(session, v)


def _delete_newest(session, before: BudgetHistory, since: datetime) -> None:
    """Delete ``before``'s newest version (a correction) and its lines, while editable."""
    bid, old = before.budget_id, before.current
    bv, ln = table("budget_versions"), table("budget_lines")
    vid = _editable_version(session, bid, old, since)
    session.execute(delete(ln).where(ln.c.version_id == vid))
    guard = and_(bv.c.id == vid, bv.c.revision == old.revision, bv.c.created_at >= since)
    _guarded(session, delete(bv).where(guard), f"Deleting correction {old.seq} of {bid}")


def _edit_newest(session, before: BudgetHistory, after: BudgetHistory, since: datetime) -> None:
    """Rewrite the newest version in place as ``after``'s, while editable; its lines anew."""
    bid, old, new = before.budget_id, before.current, after.current
    if after.versions[:-1] != before.versions[:-1] or new.seq != old.seq:
        raise RuleViolation("only the newest version of a budget can change", code="locked")
    bv, ln = table("budget_versions"), table("budget_lines")
    vid = _editable_version(session, bid, old, since)
    guard = and_(bv.c.id == vid, bv.c.revision == old.revision, bv.c.created_at >= since)
    _guarded(
        session,
        update(bv)
        .where(guard)
        .values(object_id=new.object, start=new.start, end=new.end, revision=new.revision),
        f"Editing budget {bid}",
    )
    session.execute(delete(ln).where(ln.c.version_id == vid))
    rows = _line_rows(vid, new.lines)
    if rows:
        session.execute(insert(ln), rows)
