"""Signed webhooks (issue 13): status changes into the outbox, and the worker that sends them.

**What a status is.** A row's status is its status in the Variance table of a **calendar
year** (1 January to 31 December, the core's rule), per object, activity and kind. After
an ingest, a budget save or delete, or a settings change, :func:`record_changes` computes
the statuses of the rows the change touched (the objects of the changed lines, orders or
budget; every object for a settings change; in the years of the changed dates and of the
rows seen before) and compares each with the last status seen (``row_statuses``; a row
never seen before counts as ``OK``). Each difference becomes one event per live
subscription in ``webhook_events``, **in the transaction of the change**. Nothing is
computed while no subscription exists. ``today`` (for the income forecast) is the service
clock's day in the company timezone; the passing of time alone moves no status.

**Delivery.** :class:`Worker` (one thread per service process, started by ``serve``)
sends, per subscription, the oldest undelivered event and only then the next (so events
reach a receiver in order, per row and overall). It first claims the event with a
conditional update of ``lease_until``, so two processes never send one event at once.
``X-Pixie-Signature: sha256=<hex HMAC-SHA256 of the raw body under the secret>``. A 2xx
answer delivers it; anything else (status, refused connection, timeout) is logged in
``webhook_deliveries`` and retried after ``backoff × 2^(attempts−1)`` seconds, at most
``PIXIE_WEBHOOK_MAX_BACKOFF``: at least once, for ever, across restarts (the outbox is in
the database). Settings (environment): ``PIXIE_WEBHOOK_BACKOFF`` (1 s),
``PIXIE_WEBHOOK_MAX_BACKOFF`` (3600 s), ``PIXIE_WEBHOOK_TIMEOUT`` (10 s),
``PIXIE_WEBHOOK_POLL`` (1 s).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select, update

from pixie_xl.core import variance
from pixie_xl.core.tree import ObjectTree

from . import budget_store, clock
from .models import (
    ActualLineRow,
    PurchaseOrderRow,
    RowStatusRow,
    TaskRow,
    WebhookDeliveryRow,
    WebhookEventRow,
    WebhookRow,
)
from .records import load_objects

log = logging.getLogger("pixie_server")

EVENTS = ("status_changed",)


def now() -> datetime:
    """The real time (delivery schedules follow the wall clock, not the service clock)."""
    return datetime.now(UTC)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- status changes into the outbox --------------------------------------------------------


def _live_hooks(s) -> list[WebhookRow]:
    q = select(WebhookRow).where(WebhookRow.deleted_at.is_(None)).order_by(WebhookRow.id)
    return [h for h in s.execute(q).scalars() if "status_changed" in json.loads(h.events)]


def _changed_rows(s, since_seq: int) -> tuple[set[str], set[int]]:
    """Objects and years of the actual lines and orders written after ``since_seq`` (one
    grouped row per object, however large the batch)."""
    objects: set[str] = set()
    years: set[int] = set()
    lines = (
        select(
            TaskRow.object_id,
            func.min(ActualLineRow.date),
            func.max(ActualLineRow.date),
            func.min(TaskRow.created_at),
            func.max(TaskRow.created_at),
        )
        .join(TaskRow, TaskRow.id == ActualLineRow.task_id)
        .where(ActualLineRow.seq > since_seq)
        .group_by(TaskRow.object_id)
    )
    orders = (
        select(
            PurchaseOrderRow.object_id,
            func.min(PurchaseOrderRow.ordered_on),
            func.max(PurchaseOrderRow.ordered_on),
        )
        .where(PurchaseOrderRow.seq > since_seq)
        .group_by(PurchaseOrderRow.object_id)
    )
    for obj, *ends in [*s.execute(lines), *s.execute(orders)]:
        objects.add(obj)
        for lo, hi in zip(ends[::2], ends[1::2], strict=True):
            if lo is not None and hi is not None:
                years.update(range(_year(lo), _year(hi) + 1))
    return objects, years


def _year(value) -> int:
    """The year of a DATE or instant (SQLite hands aggregates back as text)."""
    return value.year if hasattr(value, "year") else int(str(value)[:4])


def _touched(s, since_seq, objects, years, everything) -> tuple[set[str], set[int]]:
    years = set(years or ())
    objects = set(objects or ())
    if since_seq is not None:
        more_objects, more_years = _changed_rows(s, since_seq)
        objects |= more_objects
        years |= more_years
    if everything:
        objects = set(fresh_tree(s).objects)
    for span in budget_store.spans(s, objects):
        years.update(range(span.start.year, span.end.year + 1))
    seen = select(RowStatusRow.year).where(RowStatusRow.object_id.in_(sorted(objects)))
    years.update(y for (y,) in s.execute(seen.distinct()))
    if everything:
        years.add(clock.now().year)
    return objects, years


def facts_of(s, frm: date, to: date, keep: set[str], tree) -> variance.Facts:
    """The facts of ``keep``'s rows over ``frm..to``, read afresh (never memoised: inside a
    write transaction the data stamp is not committed yet, so nothing may be cached under
    it)."""
    from .api.reports import actual_sums, commitment_sums
    from .records import load_profiles, load_settings

    settings = load_settings(s)
    currencies = {o.id: o.currency for o in tree.objects.values()}
    return variance.Facts(
        objects=tree,
        settings=settings,
        profiles={p.name: p for p in load_profiles(s)},
        budgets=budget_store.load_histories(
            s, currencies, objects=keep, period=(frm, to), default_currency=settings.currency
        ),
        actuals=actual_sums(s, settings, frm, to, keep),
        commitments=commitment_sums(s, frm, to, keep),
    )


def fresh_tree(s) -> ObjectTree:
    return ObjectTree(load_objects(s))


def _statuses(s, objects: set[str], year: int) -> dict:
    """``{(object, activity, kind): VarianceRow}`` of ``objects`` in ``year``."""
    tree = fresh_tree(s)
    frm, to = date(year, 1, 1), date(year, 12, 31)
    known = {o for o in objects if o in tree}
    facts = facts_of(s, frm, to, known, tree)
    today = clock.now().astimezone(ZoneInfo(facts.settings.timezone)).date()
    rows = variance.variance_rows(facts, frm, to, today)
    return {(r.object, r.activity, r.kind.value): r for r in rows if r.object in known}


def record_changes(s, *, since_seq=None, objects=(), years=(), everything=False) -> int:
    """Put an event in the outbox for each status the change moved; returns how many.

    Call inside the change's write transaction, after its writes (flushed).
    ``since_seq``: the sync sequence before an ingest (its lines and orders are those
    written after it); ``objects``/``years``: a budget's object and years; ``everything``:
    a settings change.
    """
    hooks = _live_hooks(s)
    if not hooks:
        return 0
    objs, yrs = _touched(s, since_seq, objects, years, everything)
    if not objs:
        return 0
    made = 0
    for year in sorted(yrs):
        made += _year_changes(s, hooks, objs, year)
    return made


def budget_changed(s, *histories) -> int:
    """:func:`record_changes` for a budget save or delete (its histories before and after;
    ``None`` where there is none)."""
    objects, years = set(), set()
    for h in histories:
        cur = getattr(h, "current", None)
        if cur is not None:
            objects.add(cur.object)
            years.update(range(cur.start.year, cur.end.year + 1))
    s.flush()
    return record_changes(s, objects=objects, years=years)


def _year_changes(s, hooks, objs: set[str], year: int) -> int:
    """Store the rows' statuses of ``year`` and queue an event to every hook for each
    status that changed; returns how many changed."""
    current = _statuses(s, objs, year)
    q = select(RowStatusRow).where(
        RowStatusRow.year == year, RowStatusRow.object_id.in_(sorted(objs))
    )
    seen = {(r.object_id, r.activity_code, r.kind): r for r in s.execute(q).scalars()}
    made = 0
    for key in sorted(set(current) | set(seen)):
        row = current.get(key)
        new = row.status.value if row is not None else "OK"
        old = seen[key].status if key in seen else "OK"
        if key in seen:
            seen[key].status = new
        else:
            s.add(
                RowStatusRow(
                    object_id=key[0], activity_code=key[1], kind=key[2], year=year, status=new
                )
            )
        if new != old:
            _queue(s, hooks, "|".join([*key, str(year)]), _status_event(key, year, old, row))
            made += 1
    s.flush()
    return made


def _status_event(key: tuple[str, str, str], year: int, old: str, row) -> str:
    """The ``status_changed`` event of one row (``row`` None: it went back to OK), as text."""
    from .api.reports import row_json

    body = {
        "event": "status_changed",
        "id": str(uuid.uuid4()),
        "at": clock.now().isoformat(),
        "object": key[0],
        "activity": key[1],
        "kind": key[2],
        "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "old_status": old,
        "new_status": row.status.value if row is not None else "OK",
        "figures": row_json(row) if row is not None else None,
    }
    return json.dumps(body, separators=(",", ":"))


def _queue(s, hooks, row_key: str, text: str) -> None:
    """One event ``text`` for each hook, due now."""
    at = now()
    for hook in hooks:
        s.add(
            WebhookEventRow(
                webhook_id=hook.id, row_key=row_key, body=text, created_at=at, next_at=at,
                attempts=0,
            )
        )  # fmt: skip


# --- the worker ----------------------------------------------------------------------------


def _seconds(app, key: str, default: float) -> float:
    return float(app.config.get(key) or default)


class Worker(threading.Thread):
    """Sends due events of the app's outbox until :meth:`stop`."""

    def __init__(self, app):
        super().__init__(name="pixie-webhooks", daemon=True)
        self.app = app
        self.poll = _seconds(app, "PIXIE_WEBHOOK_POLL", 1.0)
        self.timeout = _seconds(app, "PIXIE_WEBHOOK_TIMEOUT", 10.0)
        self.backoff = _seconds(app, "PIXIE_WEBHOOK_BACKOFF", 1.0)
        self.max_backoff = _seconds(app, "PIXIE_WEBHOOK_MAX_BACKOFF", 3600.0)
        self._stopping = threading.Event()  # not _stop: Thread.join calls Thread._stop

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.wait(self.poll):
            try:
                while self.send_due() and not self._stopping.is_set():
                    pass
            except Exception:  # a busy or unreachable database: try again next poll
                log.exception("webhook delivery pass failed")

    def _session(self):
        from .db import EXT

        return self.app.extensions[EXT][1]()

    def send_due(self) -> int:
        """One pass: the head event of each subscription, where due. Returns how many sent."""
        sent = 0
        with self._session() as s:
            heads = s.execute(
                select(WebhookEventRow.webhook_id, func.min(WebhookEventRow.id))
                .join(WebhookRow, WebhookRow.id == WebhookEventRow.webhook_id)
                .where(WebhookEventRow.delivered_at.is_(None), WebhookRow.deleted_at.is_(None))
                .group_by(WebhookEventRow.webhook_id)
            ).all()
            s.rollback()
            for _hook_id, event_id in heads:
                sent += self._attempt(s, event_id)
        return sent

    def _claim(self, s, event_id: int) -> WebhookEventRow | None:
        at = now()
        claimed = s.execute(
            update(WebhookEventRow)
            .where(
                and_(
                    WebhookEventRow.id == event_id,
                    WebhookEventRow.delivered_at.is_(None),
                    WebhookEventRow.next_at <= at,
                    (WebhookEventRow.lease_until.is_(None)) | (WebhookEventRow.lease_until < at),
                )
            )
            .values(lease_until=at + timedelta(seconds=self.timeout + 30))
        ).rowcount
        s.commit()
        return s.get(WebhookEventRow, event_id) if claimed == 1 else None

    def _attempt(self, s, event_id: int) -> int:
        event = self._claim(s, event_id)
        if event is None:
            return 0
        hook = s.get(WebhookRow, event.webhook_id)
        code, error = post(hook.url, hook.secret, event.body.encode(), self.timeout, event.id)
        ok = code is not None and 200 <= code < 300
        at = now()
        s.add(
            WebhookDeliveryRow(
                webhook_id=hook.id, event_id=event.id, at=at, status_code=code, error=error, ok=ok
            )
        )
        event.attempts += 1
        event.lease_until = None
        if ok:
            event.delivered_at = at
        else:
            wait = min(self.backoff * 2 ** (event.attempts - 1), self.max_backoff)
            event.next_at = at + timedelta(seconds=wait)
        s.commit()
        return 1 if ok else 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer that is not 2xx (logged with its status), never followed."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, secret: str, body: bytes, timeout: float, event_id: int):
    """POST ``body`` signed; returns (status code or None, error text or None)."""
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "pixie-xl-webhooks/1",
            "X-Pixie-Event": "status_changed",
            "X-Pixie-Delivery": str(event_id),
            "X-Pixie-Signature": sign(secret, body),
        },
    )
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return resp.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(reason).__name__}: {reason}"[:500]


def start_worker(app) -> Worker:
    """Start the app's delivery worker (once per app)."""
    worker = app.extensions.get("pixie_webhooks")
    if worker is None:
        worker = app.extensions["pixie_webhooks"] = Worker(app)
        worker.start()
    return worker
