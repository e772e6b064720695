"""Incremental aggregates (issue 12.5): the sums the reports read instead of the lines.

Three tables, kept in the transaction of every write (see ``models``):

* ``actual_day_sums``: live actual lines per (line date, object, activity, kind), where
  object and activity are those of the line's task;
* ``actual_created_sums``: the same lines per (instant the task was created, object,
  activity, kind), for the kinds the settings date by their task;
* ``committed_day_sums``: committed cost of live approved/received orders per (order date,
  object, activity).

Each row also counts what it sums (``lines``/``orders``), so a report skips groups whose
rows all went (they stay, at zero, as a cheap place for the next write of that key).

The invariant: every row equals the sum over the live lines (orders) of its key, with the
*current* attributes of each line's task. Each write path calls one function here, in its
write transaction, *before* its own statement:

* :func:`apply_batch` (a checked batch of actual lines, direct or staged): subtracts the
  stored live values of its ids (one set-based statement) and adds the batch's own sums,
  grouped in memory (:func:`group_lines`) or over its columns (``actuals_columns``);
* :func:`delete_lines`: subtracts the live lines about to be tombstoned;
* :func:`move_tasks` with ``-1`` before a task's object, activity or creation changes and
  ``+1`` after, so its lines' sums move with it;
* :func:`apply_orders`: the same for purchase orders (new values in, old values out).

Every function is a few statements however large the batch: an ``INSERT … SELECT …
GROUP BY`` of the deltas with an upsert that adds them to what is stored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from pixie_xl.core.records import COMMITTING_STATUSES

#: the order statuses whose uninvoiced rest is committed cost (the core's rule)
COMMITTING = tuple(sorted(s.value for s in COMMITTING_STATUSES))

#: a JSON array text of ids
_JSON_IDS = {
    "sqlite": "SELECT j.value AS id FROM json_each(?) AS j",
    "postgresql": "SELECT e AS id FROM jsonb_array_elements_text(%s::jsonb) AS e",
}


def _dialect(s: Session) -> str:
    return s.get_bind().dialect.name


def _json(values) -> str:
    return json.dumps(values, ensure_ascii=False, default=date.isoformat)


def _add(s: Session, changes: str, params: tuple, ctes: str = "") -> None:
    """Add the grouped ``changes`` (task_id, kind, date, amount, sign) to both line tables,
    with the attributes each line's task has now. ``ctes``: ``name AS (…)`` they use."""
    delta = (
        "SELECT c.date AS day, t.created_at AS created_at, t.object_id AS obj,"
        " t.activity_code AS act, c.kind AS kind, sum(c.sign * c.amount) AS amount,"
        " sum(c.sign) AS n"
        f" FROM ({changes}) AS c JOIN tasks AS t ON t.id = c.task_id"
        " GROUP BY c.date, t.created_at, t.object_id, t.activity_code, c.kind"
    )
    with_ = f"WITH {ctes} " if ctes else ""
    conn = s.connection()
    if _dialect(s) == "sqlite":
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS agg_delta (day, created_at, obj, act, kind, amount, n)"
        )
        conn.exec_driver_sql("DELETE FROM temp.agg_delta")
        conn.exec_driver_sql(f"{with_}INSERT INTO temp.agg_delta {delta}", params)
        for sql in _upserts("temp.agg_delta", " WHERE true"):
            conn.exec_driver_sql(sql)
        return
    day, created = _upserts("d", "")
    head = f"WITH {ctes + ', ' if ctes else ''}d AS ({delta}), a AS ({day} RETURNING 1) "
    conn.exec_driver_sql(head + created, params)


def _upserts(source: str, where: str) -> tuple[str, str]:
    """The two upserts adding the rows of ``source`` to the day and created tables."""
    out = []
    for table, when in (("actual_day_sums", "day"), ("actual_created_sums", "created_at")):
        out.append(
            f"INSERT INTO {table} ({when}, object_id, activity_code, kind, amount_minor, lines)"
            f" SELECT {when}, obj, act, kind, sum(amount), sum(n) FROM {source}{where}"
            f" GROUP BY {when}, obj, act, kind"
            f" ON CONFLICT ({when}, object_id, activity_code, kind) DO UPDATE SET"
            f" amount_minor = {table}.amount_minor + excluded.amount_minor,"
            f" lines = {table}.lines + excluded.lines"
        )
    return out[0], out[1]


def apply_batch(s: Session, batch) -> None:
    """Before a checked batch's lines are written, its tasks being written already: the
    stored live values of its ids out (SQL, :func:`delete_lines`), the batch's sums in
    (:func:`group_lines`, or those a batch read a column at a time brings along)."""
    if not batch.count:
        return
    delete_lines(s, [ln[0] for ln in batch.lines], batch.ids)
    by_day, by_created = batch.sums or group_lines(batch.lines, batch.tasks, batch.sqlite)
    conn = s.connection()
    for table, key, cast, sums in (
        ("actual_day_sums", "day", "date", by_day),
        ("actual_created_sums", "created_at", "timestamptz", by_created),
    ):
        upsert = (
            f" ON CONFLICT ({key}, object_id, activity_code, kind) DO UPDATE SET"
            f" amount_minor = {table}.amount_minor + excluded.amount_minor,"
            f" lines = {table}.lines + excluded.lines"
        )
        head = f"INSERT INTO {table} ({key}, object_id, activity_code, kind, amount_minor, lines)"
        if batch.sqlite:
            rows = [(*k, v[0], v[1]) for k, v in sums.items()]
            conn.exec_driver_sql(f"{head} VALUES (?, ?, ?, ?, ?, ?){upsert}", rows)
        elif sums:  # one statement over six arrays: executemany is a round trip per row
            columns = [list(c) for c in zip(*((*k, *v) for k, v in sums.items()), strict=True)]
            types = (cast, "text", "text", "text", "bigint", "bigint")
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            conn.exec_driver_sql(f"{head} SELECT * FROM unnest({arrays}){upsert}", tuple(columns))


def group_lines(lines: list, tasks: dict, sqlite: bool) -> tuple[dict, dict]:
    """The sums of checked ``lines`` (``(id, task, kind, day, minor, ref)``, the day as the
    backend stores it) with their ``tasks`` (``id → (object, activity, created, row)``):
    ``(day, object, activity, kind) → [minor, lines]`` and the same per creation instant,
    grouped in memory (the lines need not be read back or joined again)."""
    when: dict = {}
    by_day: dict = defaultdict(lambda: [0, 0])
    by_created: dict = defaultdict(lambda: [0, 0])
    for _lid, task, kind, day, minor, _ref in lines:
        obj, act, created, _ = tasks[task]
        stamp = when.get(created)
        if stamp is None:
            stamp = when[created] = stored_instant(created, sqlite)
        d = by_day[(day, obj, act, kind)]
        d[0] += minor
        d[1] += 1
        c = by_created[(stamp, obj, act, kind)]
        c[0] += minor
        c[1] += 1
    return by_day, by_created


def stored_instant(dt: datetime, sqlite: bool):
    """An instant as ``tasks.created_at`` holds it: SQLAlchemy's DateTime text in SQLite."""
    return _instant(dt) if sqlite else dt


def _instant(dt: datetime) -> str:
    """An instant as SQLAlchemy's DateTime stores it in SQLite (``tasks.created_at``)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def delete_lines(s: Session, ids: list[str], ids_json: str | None = None) -> None:
    """Before the lines ``ids`` (or those of the JSON array text ``ids_json``) are
    tombstoned or replaced: their live values out."""
    if ids or ids_json:
        changes = (
            "SELECT o.task_id, o.kind, o.date, o.amount_minor AS amount, -1 AS sign"
            f" FROM ({_JSON_IDS[_dialect(s)]}) AS i JOIN actual_lines AS o ON o.id = i.id"
            " WHERE NOT o.deleted"
        )
        _add(s, changes, (ids_json or _json(ids),))


def move_tasks(s: Session, task_ids: list[str], sign: int) -> None:
    """The live lines of ``task_ids`` out (``sign`` -1, before their tasks change) or in
    (+1, after), under the tasks' attributes at that moment."""
    if task_ids:
        changes = (
            f"SELECT o.task_id, o.kind, o.date, o.amount_minor AS amount, {int(sign)} AS sign"
            f" FROM ({_JSON_IDS[_dialect(s)]}) AS i JOIN actual_lines AS o ON o.task_id = i.id"
            " WHERE NOT o.deleted"
        )
        _add(s, changes, (_json(task_ids),))


#: per backend: orders of a JSON array text (the ``ingest`` tuples: id, object, activity,
#: vendor, day, amount, invoiced, status)
_JSON_ORDERS = {
    "sqlite": "SELECT j.value->>0 AS id, j.value->>1 AS obj, j.value->>2 AS act,"
    " j.value->>4 AS day, j.value->>5 AS amount, j.value->>6 AS invoiced,"
    " j.value->>7 AS status FROM json_each(?) AS j",
    "postgresql": "SELECT e->>0 AS id, e->>1 AS obj, e->>2 AS act, (e->>4)::date AS day,"
    " (e->>5)::bigint AS amount, (e->>6)::bigint AS invoiced, e->>7 AS status"
    " FROM jsonb_array_elements(%s::jsonb) AS e",
}


def apply_orders(s: Session, orders: list, deletes: list[str]) -> None:
    """Before ``orders`` (the ``ingest`` tuples) are upserted and ``deletes`` tombstoned:
    the committed cost of the new values in, that of the stored live orders out."""
    if not orders and not deletes:
        return
    d = _dialect(s)
    committing = ", ".join(f"'{c}'" for c in COMMITTING)
    rest = "CASE WHEN {0}amount{1} > {0}invoiced{1} THEN {0}amount{1} - {0}invoiced{1} ELSE 0 END"
    sql = (
        f"WITH n AS ({_JSON_ORDERS[d]}), g AS ({_JSON_IDS[d]})"
        " INSERT INTO committed_day_sums"
        " (day, object_id, activity_code, committed_minor, orders)"
        " SELECT day, obj, act, sum(sign * rest), sum(sign) FROM ("
        f"  SELECT day, obj, act, {rest.format('', '')} AS rest, 1 AS sign FROM n"
        f"  WHERE status IN ({committing})"
        "  UNION ALL SELECT o.ordered_on, o.object_id, o.activity_code,"
        f"  {rest.format('o.', '_minor')}, -1 FROM purchase_orders AS o"
        f"  WHERE NOT o.deleted AND o.status IN ({committing})"
        "  AND o.id IN (SELECT id FROM n UNION ALL SELECT id FROM g)"
        " ) AS c WHERE true GROUP BY day, obj, act"
        " ON CONFLICT (day, object_id, activity_code) DO UPDATE SET"
        " committed_minor = committed_day_sums.committed_minor + excluded.committed_minor,"
        " orders = committed_day_sums.orders + excluded.orders"
    )
    s.connection().exec_driver_sql(sql, (_json(orders), _json(deletes)))
