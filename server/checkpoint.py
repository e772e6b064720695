"""SQLite's WAL checkpoints in a thread of their own, not inside the writers' commits.

By default SQLite copies the write-ahead log back into the database file in the commit
that takes the log over 1,000 pages, so that commit waits for the copy and its fsync: 0.1
to 0.25 s of each 250,000-line ingest batch (issue 12). Here the engine's connections turn
that off (``wal_autocheckpoint=0``) and every connection that wrote something, once it is
back in the pool, wakes the engine's :class:`Checkpointer`. Its thread runs a ``PASSIVE``
checkpoint on a connection of its own: it copies what no reader still needs, blocks no
reader or writer, and lets the next writer start the log again from its beginning. The
thread ends after :data:`IDLE` seconds without a write and starts again at the next one.

A checkpoint is as safe as SQLite's own (a crash in it leaves the log to replay); a
checkpoint that fails (the file is gone, the disk is full) is logged and tried at the next
write. Another process's writes are checkpointed by its own engine, or by this one's next.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger("pixie_server")

#: seconds without a write after which the checkpoint thread ends
IDLE = 2.0


class Checkpointer:
    """Checkpoints of one SQLite file, woken by :meth:`wake` after a write."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.done = 0  # checkpoints run (tests and the bench read it)

    def wake(self) -> None:
        with self._lock:
            self._wanted.set()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pixie-wal-checkpoint", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        conn = None
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            while self._next():
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.done += 1
                except sqlite3.Error as exc:
                    log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
        except sqlite3.Error as exc:  # the file cannot be opened: the next write tries again
            log.warning("WAL checkpoint of %s not run: %s", self.path, exc)
        finally:
            if conn is not None:
                conn.close()
            with self._lock:  # unless an idle end made way for a new thread already
                if self._thread is threading.current_thread():
                    self._thread = None

    def _next(self) -> bool:
        """Wait for a write; False (the thread ends) after :data:`IDLE` seconds of none."""
        while not self._wanted.wait(IDLE):
            with self._lock:
                if not self._wanted.is_set():
                    self._thread = None
                    return False
        self._wanted.clear()
        return True


def attach(engine: Engine, path: str) -> Checkpointer:
    """Checkpoint ``engine``'s SQLite file at ``path`` in the background (see the module)."""
    checkpointer = Checkpointer(path)
    engine.pixie_checkpointer = checkpointer  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _no_checkpoint_in_commits(dbapi_conn, record):  # pragma: no cover - trivial
        dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")
        record.info["pixie_changes"] = dbapi_conn.total_changes

    @event.listens_for(engine, "checkin")
    def _after_a_write(dbapi_conn, record):
        if dbapi_conn is None:  # the connection was invalidated
            return
        changes = dbapi_conn.total_changes
        if changes != record.info.get("pixie_changes"):
            record.info["pixie_changes"] = changes
            checkpointer.wake()

    return checkpointer
