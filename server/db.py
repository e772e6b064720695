"""Engine per app, session per request, and the one way to write.

``session()`` is the request's session (created on first use, closed at teardown).
Writes go through one transaction that begins by updating the ``sync_state`` row
(:func:`lock_writes`, which also moves its ``version``, the stamp of
:func:`data_version`): on SQLite that takes the database's write lock at once (so a
transaction never has to upgrade a stale read snapshot), on PostgreSQL it takes that row's
lock until commit. Either way writers are serialised, and a sync sequence number handed out
by :func:`next_seq` becomes visible no later than every smaller one, which is what lets a
reader page by ``seq`` without ever skipping a row.

Inside a request, write views are wrapped by :func:`pixie_server.idempotency.idempotent`,
which opens that transaction and commits it; outside a request use :func:`transaction`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from . import checkpoint

EXT = "pixie_db"


#: how long a writer waits for the write lock before it answers 503 ``busy`` (seconds)
DEFAULT_LOCK_TIMEOUT = 10.0
#: PostgreSQL's codes for "could not get the lock in time" and "try the transaction again"
_PG_RETRY = {"55P03": "lock_not_available", "40001": "serialization", "40P01": "deadlock"}


def make_engine(url: str, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Engine:
    """An engine for ``url``: SQLite gets WAL, foreign keys and a busy timeout; both
    backends wait at most ``lock_timeout`` seconds for a lock (then :func:`is_busy`)."""
    ms = max(1, int(lock_timeout * 1000))
    if url.startswith("sqlite"):
        create_private_file(url)
        engine = create_engine(
            url, connect_args={"timeout": lock_timeout, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={ms}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA cache_size=-131072")  # 128 MiB: bulk upserts into big indexes
            cur.close()

        path = file_path(url)
        if path is not None:
            checkpoint.attach(engine, path)  # WAL copied back off the commits' way
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"options": f"-c lock_timeout={ms}"},
    )


def lock_timeout(app: Flask) -> float:
    """``PIXIE_LOCK_TIMEOUT`` in seconds (a positive number; default 10)."""
    raw = app.config.get("PIXIE_LOCK_TIMEOUT")
    if raw in (None, ""):
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1.0
    if not 0 < value <= 3600:
        raise ValueError(f"PIXIE_LOCK_TIMEOUT must be seconds from 0 to 3600, not {raw!r}")
    return value


def is_busy(exc: BaseException) -> str | None:
    """Why ``exc`` means "the database was busy, try again" (None: it means something else).

    SQLite: ``database is locked``/``busy`` once the busy timeout ran out. PostgreSQL:
    ``lock_timeout`` ran out, a serialization failure, or a deadlock victim.
    """
    orig = getattr(exc, "orig", None)
    if isinstance(orig, sqlite3.OperationalError):
        text_ = str(orig).lower()
        if "database is locked" in text_ or "database is busy" in text_:
            return "locked"
        return None
    return _PG_RETRY.get(getattr(orig, "sqlstate", None) or "")


def _busy_or_error(exc: DBAPIError):
    """503 ``busy`` with ``Retry-After`` for a lock not got in time; else the generic 500."""
    from .problems import log, problem

    why = is_busy(exc)
    if why is None:
        log.exception("unhandled database error")
        return problem(500, "internal_error", "Internal Server Error", "an unexpected error")
    log.warning("write refused, database busy (%s)", why)
    resp = problem(
        503,
        "busy",
        "Service Unavailable",
        "the database is busy with another write; nothing was changed, try again shortly",
        reason=why,
    )
    resp.headers["Retry-After"] = "1" if why in ("serialization", "deadlock") else "2"
    return resp


def file_path(url: str) -> str | None:
    """The path of a SQLite URL's database file; None for memory and ``file:`` URIs."""
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


def create_private_file(url: str) -> None:
    """Create a SQLite database file that does not exist yet with mode 0600 (SQLite gives
    its -wal and -shm files the same mode); ``O_EXCL`` never follows a link at the path."""
    import os
    from contextlib import suppress

    path = file_path(url)
    if path is None:
        return
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["PIXIE_DATABASE_URL"], lock_timeout(app))
    app.register_error_handler(DBAPIError, _busy_or_error)
    app.extensions[EXT] = (engine, sessionmaker(engine, expire_on_commit=False))
    app.teardown_appcontext(_close_session)


def engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[EXT][0]


def session() -> Session:
    """The current request's (or app context's) session."""
    if "pixie_session" not in g:
        g.pixie_session = current_app.extensions[EXT][1]()
    return g.pixie_session


def _close_session(_exc=None) -> None:
    s = g.pop("pixie_session", None)
    if s is not None:
        s.close()


def lock_writes(s: Session) -> None:
    """Begin the write transaction: serialise writers on the ``sync_state`` row.

    Ends any read transaction the session has open first, so the write lock is the
    transaction's first act.
    """
    if s.in_transaction():
        s.commit()
    with waiting_writer():
        s.execute(text("UPDATE sync_state SET version = version + 1 WHERE id = 1"))


def next_seq(s: Session, n: int = 1) -> int:
    """Hand out ``n`` sync sequence numbers; returns the first (they are first..first+n-1).

    Must run inside a write transaction (after :func:`lock_writes`).
    """
    last = s.execute(
        text("UPDATE sync_state SET seq = seq + :n WHERE id = 1 RETURNING seq"), {"n": n}
    ).scalar_one()
    return last - n + 1


def committed_seq(s: Session) -> int:
    """The last sequence number whose transaction has committed (the high-water mark)."""
    return s.execute(text("SELECT seq FROM sync_state WHERE id = 1")).scalar_one()


def data_version(s: Session) -> tuple[int, int]:
    """A stamp of the committed state: ``(seq, version)`` of the ``sync_state`` row.

    Every writing transaction moves ``version`` (:func:`lock_writes`), so the stamp changes
    with every committed write of any table. Read it *before* the data it stands for: a
    write committed in between then only makes the data newer than its stamp, never older.
    """
    row = s.execute(text("SELECT seq, version FROM sync_state WHERE id = 1")).one()
    return int(row[0]), int(row[1])


@contextmanager
def transaction(app: Flask | None = None) -> Iterator[Session]:
    """A write transaction on its own session, for work outside a request (CLI, start-up).

    >>> # with transaction(app) as s: s.add(...)   # commits, or rolls back on error
    """
    factory = (app or current_app).extensions[EXT][1]
    with factory() as s:
        lock_writes(s)
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise


# --- writers waiting, and the short transactions of a staged ingest (issue 9, D4) ---------

_waiting = 0
_waiting_changed = threading.Condition()


@contextmanager
def waiting_writer() -> Iterator[None]:
    """Count this thread as a writer waiting for the write lock while the block runs.

    A staged ingest (:mod:`pixie_server.staging`) looks at the count between its chunks and
    lets the waiting writers of this process go first: SQLite's busy handler polls, so
    without that a writer could keep missing the short gaps between chunks.
    """
    global _waiting
    with _waiting_changed:
        _waiting += 1
    try:
        yield
    finally:
        with _waiting_changed:
            _waiting -= 1
            _waiting_changed.notify_all()


def let_waiting_writers_go(limit: float) -> None:
    """Wait (at most ``limit`` seconds) until no writer of this process waits for the lock."""
    end = time.monotonic() + limit
    with _waiting_changed:
        while _waiting and (left := end - time.monotonic()) > 0:
            _waiting_changed.wait(left)


@contextmanager
def staging_transaction(app: Flask | None = None) -> Iterator[Session]:
    """A short transaction on its own session that does not move the data stamp: for rows
    no reader reads (the ingest staging table). Commits, or rolls back on error."""
    factory = (app or current_app).extensions[EXT][1]
    with factory() as s:
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
