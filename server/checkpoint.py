"""SQLite's WAL checkpoints in a thread of their own, not inside the writers' commits.

By default SQLite copies the write-ahead log back into the database file in the commit
that takes the log over 1,000 pages, so that commit waits for the copy and its fsync: 0.1
to 0.25 s of each 250,000-line ingest batch (issue 12). Here the engine's connections turn
that off (``wal_autocheckpoint=0``) and every connection that wrote something, once it is
back in the pool, wakes the engine's :class:`Checkpointer`. Its thread runs a ``PASSIVE``
checkpoint on a connection of its own: it copies what no reader still needs, blocks no
reader or writer, and lets the next writer start the log again from its beginning. The
thread ends after :data:`IDLE` seconds without a write and starts again at the next one;
its connection is open only while it checkpoints (see :class:`Checkpointer`).

A checkpoint is as safe as SQLite's own (a crash in it leaves the log to replay); a
checkpoint that fails (the file is gone, the disk is full) is logged and tried at the next
write. Another process's writes are checkpointed by its own engine, or by this one's next.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger("pixie_server")

#: seconds without a write after which the checkpoint thread ends
IDLE = 2.0


class Checkpointer:
    """Checkpoints of one SQLite file, woken by :meth:`wake` after a write.

    Its connection is open only while it checkpoints, so once the engine's own connections
    are closed, the last of them still copies the whole log back and removes it, as SQLite
    does when its last connection to a file closes; :meth:`stop` (which the engine's
    ``dispose`` calls first) waits for a checkpoint under way."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.done = 0  # checkpoints run (tests and the bench read it)

    def wake(self) -> None:
        with self._lock:
            self._wanted.set()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="pixie-wal-checkpoint", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        """End the thread (after the checkpoint it may be running); a later write starts it
        again."""
        with self._lock:
            thread, self._stopping = self._thread, True
            self._wanted.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        with self._lock:
            self._stopping = False
            if self._thread is None:
                self._wanted.clear()

    def _run(self) -> None:
        try:
            while self._next():
                self._checkpoint()
        finally:
            with self._lock:  # unless an idle end made way for a new thread already
                if self._thread is threading.current_thread():
                    self._thread = None

    def _checkpoint(self) -> None:
        # mode=rw: a file that went away is not made again (empty, and not private)
        uri = f"file:{quote(self.path)}?mode=rw"
        try:
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:  # the next write tries again
            log.warning("WAL checkpoint of %s not run: %s", self.path, exc)
            return
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.done += 1
        except sqlite3.Error as exc:
            log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
        finally:
            conn.close()

    def _next(self) -> bool:
        """Wait for a write; False (the thread ends) when stopped, or after :data:`IDLE`
        seconds without one."""
        while True:
            woken = self._wanted.wait(IDLE)
            with self._lock:
                if self._stopping or (not woken and not self._wanted.is_set()):
                    self._thread = None
                    return False
                if woken:
                    self._wanted.clear()
                    return True


def attach(engine: Engine, path: str) -> Checkpointer:
    """Checkpoint ``engine``'s SQLite file at ``path`` in the background (see the module)."""
    checkpointer = Checkpointer(path)
    engine.pixie_checkpointer = checkpointer  # type: ignore[attr-defined]
    dispose = engine.dispose

    def _dispose(*args, **kwargs):  # no checkpoint runs while the connections close
        checkpointer.stop()
        return dispose(*args, **kwargs)

    engine.dispose = _dispose  # type: ignore[method-assign]

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
