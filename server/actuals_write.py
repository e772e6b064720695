"""Writing a checked batch of actual lines in the write transaction: tasks, lines (merged
from staging when the batch was staged), tombstones, re-sent lines of moved tasks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from operator import itemgetter

from sqlalchemy.orm import Session

from pixie_xl.core.errors import ValidationFailed

from . import aggregates, db, staging
from .actuals_check import CheckedActuals
from .ingest_values import executemany, known_ids, sqlite_instant

#: lines per upsert statement of the one-transaction path
CHUNK = 50_000


def write_actuals(s: Session, batch: CheckedActuals) -> dict:
    """Write a checked batch inside the caller's write transaction: tasks, then the lines
    (merged from staging when the batch was staged), tombstones, re-sent lines of moved
    tasks. The batch was checked before the lock: its objects and activities are checked
    again here, in case one went away meanwhile."""
    _refuse_gone_master_data(s, batch.tasks)
    changed = _upsert_tasks(s, batch.tasks, batch.sqlite)
    aggregates.apply_batch(s, batch)  # issue 12.5: report sums, same txn
    if batch.staged is not None:
        written = staging.merge(
            s, batch.staged, batch.count, batch.sqlite, batch.widths, batch.ragged
        )
    elif not batch.sqlite:
        written = staging.copy_and_merge(s, batch)
    else:
        written = sum(
            _upsert_lines(s, batch.lines[i : i + CHUNK]) for i in range(0, len(batch.lines), CHUNK)
        )
    done = _finish_actuals(s, batch.sqlite, written, batch.count, batch.deletes, changed)
    return done | {"rows": batch.rows}


def _refuse_gone_master_data(s: Session, tasks: dict) -> None:
    objects, activities = known_ids(s, "objects", "id"), known_ids(s, "activities", "code")
    used = set(map(itemgetter(0), tasks.values())), set(map(itemgetter(1), tasks.values()))
    if used[0] <= objects and used[1] <= activities:  # the usual case: no row to name
        return
    for task, (obj, act, _created, n) in tasks.items():
        if obj not in objects or act not in activities:
            gone = f'object "{obj}"' if obj not in objects else f'activity "{act}"'
            raise ValidationFailed(
                f"row {n}: {gone} of task {task} is no longer known; nothing was saved",
                [],
            )


def _upsert_lines(s: Session, lines: list) -> int:
    """SQLite: insert new lines, update changed ones (new seq), leave equal ones; returns
    the lines written. (PostgreSQL copies them: :func:`pixie_server.staging.copy_and_merge`.)"""
    if not lines:
        return 0
    first = db.next_seq(s, len(lines))
    head = (
        "INSERT INTO actual_lines (id, task_id, kind, date, amount_minor, reference, seq, deleted)"
    )
    # One statement over a JSON array: SQLite parses and inserts it in C without the GIL,
    # so the parser thread keeps running meanwhile (executemany takes the GIL back for
    # every row). Text with NUL characters takes the executemany way.
    blob = json.dumps(lines, ensure_ascii=False, check_circular=False)
    if "\\u0000" not in blob:
        select = (
            " SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4,"
            " j.value->>5, ? + j.key, 0 FROM json_each(?) AS j WHERE true"
        )
        cur = s.connection().exec_driver_sql(head + select + staging.LINE_UPSERT, (first, blob))
        return max(cur.rowcount, 0)
    params = [(*ln, seq, False) for seq, ln in enumerate(lines, start=first)]
    sql = head + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" + staging.LINE_UPSERT
    return executemany(s.connection(), sql, params)


def _finish_actuals(
    s: Session, sqlite: bool, written: int, total: int, deletes: list, changed: list
) -> dict:
    """Tombstones and re-sent lines of moved tasks, after every line is written."""
    ph = "?" if sqlite else "%s"
    deleted = 0
    if deletes:
        aggregates.delete_lines(s, deletes)  # issue 12.5
        first = db.next_seq(s, len(deletes))
        dsql = f"UPDATE actual_lines SET deleted = {ph}, seq = {ph} WHERE id = {ph} AND NOT deleted"
        params = [(True, seq, d) for seq, d in enumerate(deletes, start=first)]
        deleted = executemany(s.connection(), dsql, params)
    resent = _resend_lines_of(s, changed, ph) if changed else 0
    return {
        "format": "actuals",
        "written": written,
        "unchanged": total - written,
        "deleted": deleted,
        "tasks_changed": len(changed),
        "lines_resent": resent,
    }


def _upsert_tasks(s: Session, tasks: dict, sqlite: bool) -> list[str]:
    """Upsert the batch's tasks; returns the ids of existing tasks that changed."""
    if not tasks:
        return []
    conn = s.connection()
    ph = "?" if sqlite else "%s"
    existing = _stored_tasks(conn, list(tasks), sqlite)
    changed = [t for t, v in existing.items() if v != tasks[t][:3]]
    if sqlite:  # the stored text of each distinct creation instant, made once
        stamps = {c: sqlite_instant(c) for c in set(map(itemgetter(2), tasks.values()))}
    else:
        stamps = _Same()

    # most batches bring new tasks only: their rows are made in one pass, no dict between
    fresh = [(t, o, a, stamps[c]) for t, (o, a, c, _n) in tasks.items() if t not in existing]
    if fresh and sqlite:
        conn.exec_driver_sql(
            "INSERT INTO tasks (id, object_id, activity_code, created_at)"
            " SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3 FROM json_each(?) AS j",
            (json.dumps(fresh, ensure_ascii=False, check_circular=False),),
        )
    elif fresh:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy("COPY tasks (id, object_id, activity_code, created_at) FROM STDIN") as cp:
            for row in fresh:
                cp.write_row(row)
    if changed:
        aggregates.move_tasks(s, changed, -1)  # issue 12.5: their lines' sums move with them
        sql = f"UPDATE tasks SET object_id = {ph}, activity_code = {ph}, created_at = {ph} "
        conn.exec_driver_sql(
            sql + f"WHERE id = {ph}",
            [(o, a, stamps[c], t) for t in changed for o, a, c, _ in [tasks[t]]],
        )
        aggregates.move_tasks(s, changed, 1)
    return changed


def _stored_tasks(conn, ids: list[str], sqlite: bool) -> dict[str, tuple]:
    """``id → (object, activity, created in UTC)`` of the stored tasks among ``ids``."""
    existing: dict[str, tuple] = {}
    if sqlite:  # one statement over a JSON array of ids (no GIL while SQLite works)
        found = conn.exec_driver_sql(
            "SELECT t.id, t.object_id, t.activity_code, t.created_at FROM json_each(?) AS j"
            " JOIN tasks AS t ON t.id = j.value",
            (json.dumps(ids, ensure_ascii=False),),
        ).all()
    else:
        found = conn.exec_driver_sql(
            "SELECT id, object_id, activity_code, created_at FROM tasks WHERE id = ANY(%s)",
            (ids,),
        ).all()
    if found:
        for tid, obj, act, created in found:
            if isinstance(created, str):
                created = datetime.fromisoformat(created).replace(tzinfo=UTC)
            existing[tid] = (obj, act, created.astimezone(UTC))
    return existing


def _resend_lines_of(s: Session, task_ids: list[str], ph: str) -> int:
    """Give every line of a changed task a new seq, so clients pick up its new object."""
    conn = s.connection()
    ids: list[str] = []
    for i in range(0, len(task_ids), 900):
        chunk = task_ids[i : i + 900]
        marks = ", ".join([ph] * len(chunk))
        ids += [
            r[0]
            for r in conn.exec_driver_sql(
                f"SELECT id FROM actual_lines WHERE task_id IN ({marks}) AND NOT deleted",
                tuple(chunk),
            )
        ]
    if not ids:
        return 0
    first = db.next_seq(s, len(ids))
    conn.exec_driver_sql(
        f"UPDATE actual_lines SET seq = {ph} WHERE id = {ph}",
        [(first + i, lid) for i, lid in enumerate(ids)],
    )
    return len(ids)


class _Same(dict):
    """A mapping of every key to itself (PostgreSQL stores the instants as they are)."""

    def __missing__(self, key):
        return key
