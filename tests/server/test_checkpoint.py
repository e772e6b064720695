"""Issue 12: on SQLite a write's commit does not copy the write-ahead log back into the
database file; the engine's checkpoint thread does, right after (pixie_server.checkpoint)."""

from __future__ import annotations

import shutil
import sqlite3
import time

import pytest
from pixie_server import checkpoint, db
from sqlalchemy import text

from tests.server.conftest import copy_private
from tests.server.data import lines, seed, send


@pytest.fixture
def db_url(migrated_sqlite_file, tmp_path):
    """SQLite only: PostgreSQL checkpoints by itself."""
    return f"sqlite:///{copy_private(migrated_sqlite_file, tmp_path / 'pixie.db')}"


def wait_for(condition, seconds: float = 10.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_a_batch_reaches_the_database_file_itself_without_a_checkpoint_in_its_commit(
    app, headers, tmp_path
):
    """The ingest answers, then the thread copies the log back: a copy of the database file
    alone (no -wal file beside it) holds every line of the batch."""
    client, h = app.test_client(), headers("integration")
    engine = db.engine(app)
    with engine.connect() as conn:  # the commits themselves never checkpoint
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 0
    seed(client, h)
    rows = [f"L-{i},T-{i // 3},P-1,ROAD,2026-03-02,cost,2026-03-03,{i}.50," for i in range(500)]
    before = engine.pixie_checkpointer.done
    assert send(client, h, lines(*rows)).status_code == 200
    wait_for(lambda: engine.pixie_checkpointer.done > before)

    alone = tmp_path / "copy" / "pixie.db"
    alone.parent.mkdir()
    wait_for(lambda: _copied_lines(tmp_path / "pixie.db", alone) == 500)


def _copied_lines(src, dst) -> int:
    shutil.copyfile(src, dst)
    with sqlite3.connect(dst) as conn:
        return conn.execute("SELECT count(*) FROM actual_lines").fetchone()[0]


def test_the_thread_ends_when_idle_and_comes_back_with_the_next_write(app, headers, monkeypatch):
    monkeypatch.setattr(checkpoint, "IDLE", 0.05)
    client, h = app.test_client(), headers("integration")
    checkpointer = db.engine(app).pixie_checkpointer
    seed(client, h)
    wait_for(lambda: checkpointer._thread is None)
    done = checkpointer.done
    body = lines("L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,")
    assert send(client, h, body).status_code == 200
    wait_for(lambda: checkpointer.done > done)
    wait_for(lambda: checkpointer._thread is None)
    # a read wakes nothing
    done = checkpointer.done
    assert client.get("/api/v1/sync", headers=h).status_code == 200
    time.sleep(0.2)
    assert checkpointer.done == done and checkpointer._thread is None


def test_after_dispose_the_file_alone_holds_every_write_and_no_log_is_left(tmp_path):
    """As with SQLite's own checkpoints: once the engine's connections are closed, the
    last one to close copies the log back and removes it; the thread is stopped first,
    so it is never the connection left open (a copy of the file is then whole)."""
    path = tmp_path / "pixie.db"
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    for n in range(50):  # every commit wakes the thread: one is likely running at dispose
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
    engine.dispose()
    assert not (tmp_path / "pixie.db-wal").exists()
    assert engine.pixie_checkpointer._thread is None
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 50


def test_a_checkpoint_that_cannot_open_the_file_is_logged_and_tried_at_the_next_write(
    tmp_path, caplog, monkeypatch
):
    monkeypatch.setattr(checkpoint, "IDLE", 0.05)
    for gone in (tmp_path / "no-such-folder" / "x.db", tmp_path / "deleted?#.db"):
        keeper = checkpoint.Checkpointer(str(gone))
        keeper.wake()
        wait_for(lambda: keeper._thread is None)  # noqa: B023 - waited for at once
        assert "not run" in caplog.text and keeper.done == 0
        assert not gone.exists()  # (not made again as an empty file)
