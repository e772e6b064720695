"""Migration 0006 creates the report aggregates and fills them from the lines and orders
a database of 0005 already holds (deleted lines, lines without a task, orders that commit
nothing and orders invoiced beyond their amount count nowhere)."""

from __future__ import annotations

from pixie_server import db, migrations
from sqlalchemy import text

TASKS = [
    ("T1", "P1", "ROAD", "2026-01-31 23:30:00.000000"),
    ("T2", "P2", "MAINT", "2026-02-01 08:00:00.000000"),
]
LINES = [  # id, task, kind, date, minor, deleted
    ("L1", "T1", "cost", "2026-02-03", 1000, False),
    ("L2", "T1", "cost", "2026-02-03", 250, False),
    ("L3", "T1", "cost", "2026-02-03", 999, True),
    ("L4", "T1", "income", "2026-02-04", 500, False),
    ("L5", "T2", "cost", "2026-02-03", 70, False),
    ("L6", "NO-TASK", "cost", "2026-02-03", 999, False),
]
ORDERS = [  # id, object, activity, day, amount, invoiced, status, deleted
    ("PO1", "P1", "ROAD", "2026-02-05", 400, 100, "approved", False),
    ("PO2", "P1", "ROAD", "2026-02-05", 300, 0, "received", False),
    ("PO3", "P1", "ROAD", "2026-02-05", 999, 0, "draft", False),
    ("PO4", "P1", "ROAD", "2026-02-05", 999, 0, "approved", True),
    ("PO5", "P2", "MAINT", "2026-02-06", 100, 150, "approved", False),
]


def _seed(conn) -> None:
    for t in TASKS:
        conn.execute(
            text("INSERT INTO tasks VALUES (:i, :o, :a, :c)"),
            dict(zip("ioac", t, strict=True)),
        )
    for n, (lid, task, kind, day, minor, deleted) in enumerate(LINES):
        conn.execute(
            text(
                "INSERT INTO actual_lines (id, task_id, kind, date, amount_minor, reference,"
                " seq, deleted) VALUES (:i, :t, :k, :d, :m, '', :n, :x)"
            ),
            {"i": lid, "t": task, "k": kind, "d": day, "m": minor, "n": n, "x": deleted},
        )
    for n, (pid, obj, act, day, amount, invoiced, status, deleted) in enumerate(ORDERS):
        conn.execute(
            text(
                "INSERT INTO purchase_orders (id, object_id, activity_code, vendor, ordered_on,"
                " amount_minor, invoiced_minor, status, seq, deleted)"
                " VALUES (:i, :o, :a, '', :d, :m, :v, :s, :n, :x)"
            ),
            {
                "i": pid,
                "o": obj,
                "a": act,
                "d": day,
                "m": amount,
                "v": invoiced,
                "s": status,
                "n": 100 + n,
                "x": deleted,
            },
        )


def _all(conn, sql: str) -> set[tuple]:
    return {
        tuple(str(v)[:16] if i == 0 else v for i, v in enumerate(r))
        for r in conn.execute(text(sql))
    }


def test_0006_fills_the_aggregates_from_the_stored_lines_and_orders(db_url):
    from alembic import command

    engine = db.make_engine(db_url)
    migrations.upgrade(engine, "0005")  # an empty database to 0005, or
    command.downgrade(migrations.config(engine), "0005")  # one made at head back to it
    with engine.begin() as conn:
        _seed(conn)
    migrations.upgrade(engine)
    with engine.connect() as conn:
        days = _all(
            conn,
            "SELECT day, object_id, activity_code, kind, amount_minor, lines FROM actual_day_sums",
        )
        created = _all(
            conn,
            "SELECT created_at, object_id, activity_code, kind, amount_minor, lines"
            " FROM actual_created_sums",
        )
        committed = _all(
            conn,
            "SELECT day, object_id, activity_code, committed_minor, orders FROM committed_day_sums",
        )
    engine.dispose()
    assert days == {
        ("2026-02-03", "P1", "ROAD", "cost", 1250, 2),
        ("2026-02-04", "P1", "ROAD", "income", 500, 1),
        ("2026-02-03", "P2", "MAINT", "cost", 70, 1),
    }
    assert created == {
        ("2026-01-31 23:30", "P1", "ROAD", "cost", 1250, 2),
        ("2026-01-31 23:30", "P1", "ROAD", "income", 500, 1),
        ("2026-02-01 08:00", "P2", "MAINT", "cost", 70, 1),
    }
    assert committed == {
        ("2026-02-05", "P1", "ROAD", 600, 2),
        ("2026-02-06", "P2", "MAINT", 0, 1),
    }
