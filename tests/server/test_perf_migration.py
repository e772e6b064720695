"""Migration 0002 adds ``sync_state.version`` to a database made by 0001, keeping its
sync counter; every writing transaction then moves the stamp reports are memoised by."""

from __future__ import annotations

from pixie_server import db, migrations
from sqlalchemy import text


def test_a_database_of_0001_keeps_its_counter_and_gains_a_version(empty_db_url):
    db_url = empty_db_url
    engine = db.make_engine(db_url)
    migrations.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("UPDATE sync_state SET seq = 41 WHERE id = 1"))
    migrations.upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT seq, version FROM sync_state WHERE id = 1")).one()
    engine.dispose()
    assert tuple(row) == (41, 0)


def test_every_writing_transaction_moves_the_stamp(app):
    with app.app_context():
        with db.transaction(app) as s:
            before = db.data_version(s)
        with db.transaction(app):
            pass  # even a transaction that writes nothing else
        with db.transaction(app) as s:
            after = db.data_version(s)
    assert after[0] == before[0] and after[1] > before[1]
