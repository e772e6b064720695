"""Long actual-lines batches written without holding the write lock for long (issue 9, D4).

A batch of more than :data:`STAGE_ABOVE` checked lines is written into ``ingest_staging``
under a random batch id, :data:`CHUNK` lines per short transaction (so staging costs
little next to the merge; the rows' layout per backend is below). On SQLite each of those
takes the database's write lock only for its chunk, and the writers of this process that
wait for the lock go first between chunks (:func:`pixie_server.db.let_waiting_writers_go`);
on PostgreSQL staging takes no lock another writer needs. One final, short write
transaction then merges the batch into ``actual_lines`` (the same upsert as the
one-transaction path) and deletes its staged rows: the batch becomes visible whole or not
at all, because nothing but that merge reads the staging table.

The staged rows differ by backend. On SQLite a row holds a chunk of lines as one JSON
array. On PostgreSQL a row holds one line, and each chunk is loaded with ``COPY``
(:func:`copy_lines`); a short batch on PostgreSQL is copied the same way, inside its write
transaction (:func:`copy_and_merge`), so every actual line goes in by COPY and one merge.

Rows of a batch that never merged (the process died, the merge failed) are deleted at the
next start, by the request's teardown, and by any later batch once older than
:data:`MAX_AGE` seconds. A merge that finds fewer staged rows than it wrote (a start of
another process cleaned them) refuses the batch with 503 ``busy``: nothing is saved.
"""

from __future__ import annotations

import json
import time
import uuid
from contextlib import suppress

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pixie_xl.core.errors import PixieError

from . import db

#: the upsert of actual lines on a known id: take the new values and a new ``seq`` (so sync
#: sends the line again) only where something really changed. ``actuals_write._upsert_lines``
#: uses it too, so that the staged and the direct paths cannot drift apart.
LINE_UPSERT = (
    " ON CONFLICT (id) DO UPDATE SET"
    " task_id = excluded.task_id, kind = excluded.kind, date = excluded.date,"
    " amount_minor = excluded.amount_minor, reference = excluded.reference,"
    " seq = excluded.seq, deleted = excluded.deleted"
    " WHERE actual_lines.task_id IS DISTINCT FROM excluded.task_id"
    " OR actual_lines.kind IS DISTINCT FROM excluded.kind"
    " OR actual_lines.date IS DISTINCT FROM excluded.date"
    " OR actual_lines.amount_minor IS DISTINCT FROM excluded.amount_minor"
    " OR actual_lines.reference IS DISTINCT FROM excluded.reference"
    " OR actual_lines.deleted IS DISTINCT FROM excluded.deleted"
)

#: lines per staging transaction
CHUNK = 20_000
#: batches with more checked lines than this are staged; smaller ones write in one go
STAGE_ABOVE = 50_000
#: staged rows older than this (seconds) belong to a dead batch
MAX_AGE = 3600
#: how often a staging chunk that met a busy database is tried again
CHUNK_TRIES = 5

COLS = "batch, n, size, lines, staged_at"


class StagedRowsLost(PixieError):
    """The staged rows of a batch were removed before its merge: nothing was saved."""

    code = "busy"
    status = 503


def new_batch_id() -> str:
    return uuid.uuid4().hex


def stage(app: Flask, batch: str, checked) -> int:
    """Write the lines of a ``CheckedActuals`` batch (checked ``(id, task, kind, day,
    minor, reference)`` tuples, or the JSON texts of its chunks) into the staging table in
    chunks of :data:`CHUNK`, each its own short transaction (an insert of one row on SQLite,
    a COPY on PostgreSQL); returns the number staged."""
    with suppress(DBAPIError):  # a busy database: the next batch cleans them
        clean(db.engine(app), older_than=MAX_AGE)
    limit = db.lock_timeout(app)
    for start in range(0, checked.count, CHUNK):
        db.let_waiting_writers_go(limit)
        size = min(CHUNK, checked.count - start)
        piece = _sqlite_chunk(checked, start) if checked.sqlite else _chunk_texts(checked, start)
        for attempt in range(CHUNK_TRIES):
            try:
                with db.staging_transaction(app) as s:
                    if checked.sqlite:
                        _insert(s, batch, start, size, piece, True)
                    else:
                        copy_lines(s, batch, start, piece)
                break
            except DBAPIError as exc:
                if db.is_busy(exc) is None or attempt == CHUNK_TRIES - 1:
                    raise
    return checked.count


def _sqlite_chunk(checked, start: int) -> str:
    """The JSON array of the staged texts of the chunk of ``checked`` from line ``start``."""
    if checked.chunks is not None:
        return checked.chunks[start // CHUNK]
    return _json_array(_chunk_texts(checked, start))


def _chunk_texts(checked, start: int) -> list[str]:
    """The staged texts (see :func:`_lines_sql`) of the chunk of ``checked`` from line
    ``start``: made from its lines, or read back from the JSON chunk the columns made."""
    if checked.chunks is not None:
        return json.loads(checked.chunks[start // CHUNK])
    if checked.widths is None:
        checked.widths = widths(checked.lines)
        checked.ragged = ragged(checked.lines, checked.widths)
    return texts(checked.lines[start : start + CHUNK], checked.widths)


#: COPY's text format: a backslash, tab, newline or carriage return in a value is escaped
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_lines(s: Session, batch: str, start: int, texts: list[str]) -> None:
    """PostgreSQL: load staged ``texts`` (lines ``start``, ``start`` + 1, ... of ``batch``)
    into the staging table with one ``COPY``, a row per line, in the caller's transaction."""
    head = f"{batch}\t1\t{int(time.time())}\t"
    joined = "".join(texts)  # escaping only when some text needs it (most do not)
    if any(c in joined for c in "\\\t\n\r"):
        texts = [t.translate(_COPY_ESCAPES) for t in texts]
    data = "".join(f"{head}{n}\t{t}\n" for n, t in enumerate(texts, start=start))
    cursor = s.connection().connection.driver_connection.cursor()
    with cursor.copy("COPY ingest_staging (batch, size, staged_at, n, lines) FROM STDIN") as cp:
        cp.write(data)


def copy_and_merge(s: Session, checked) -> int:
    """PostgreSQL: COPY the lines of a batch that was not staged into the staging table
    and merge them, both inside the caller's write transaction (other transactions never
    see those rows); returns the lines written."""
    if not checked.count:
        return 0
    batch = new_batch_id()
    for start in range(0, checked.count, CHUNK):
        copy_lines(s, batch, start, _chunk_texts(checked, start))
    return merge(s, batch, checked.count, False, checked.widths, checked.ragged)


def _insert(s: Session, batch: str, start: int, size: int, blob: str, sqlite: bool) -> None:
    """One chunk of ``size`` lines as one row: ``blob``, their JSON array."""
    ph = "?" if sqlite else "%s"
    s.connection().exec_driver_sql(
        f"INSERT INTO ingest_staging ({COLS}) VALUES ({', '.join([ph] * 5)})",
        (batch, start, size, blob, int(time.time())),
    )


def _lines_sql(sqlite: bool, widths: list[int], ragged: tuple[bool, bool]) -> str:
    """The staged lines of a batch as rows of actual_lines' columns, and each line's seq.
    Each staged line is one text: id, task, kind, day and minor units each padded with
    spaces to its ``widths`` (none of them ends in a space), then the reference, so the
    database cuts it with ``substr`` (SQLite's JSON functions would parse a nested array
    once per field: 1 s of a 250k-line merge).

    Only what can hold padding is trimmed, since each function costs (SQLite: 0.2 s of a
    250k-line merge for the five ``rtrim``): the id and the task when ``ragged`` says some
    are shorter than their width; the kind is told by its first letter (``cost`` or
    ``income``), a day is always ten characters, and the cast of the minor units skips
    the spaces after them."""
    offsets = [1]
    for w in widths:
        offsets.append(offsets[-1] + int(w))
    e = "j.atom" if sqlite else "st.lines"
    cut = [f"substr({e}, {o}, {int(w)})" for o, w in zip(offsets, widths, strict=False)]
    lid, task = (f"rtrim({c})" if r else c for c, r in zip(cut[:2], ragged, strict=True))
    kind = f"CASE substr({e}, {offsets[2]}, 1) WHEN 'c' THEN 'cost' ELSE 'income' END"
    if sqlite:
        return (
            f"SELECT {lid}, {task}, {kind}, {cut[3]}, CAST({cut[4]} AS INTEGER),"
            f" substr({e}, {offsets[5]}), ? + st.n + j.key, false"
            " FROM ingest_staging AS st, json_each(st.lines) AS j WHERE st.batch = ?"
        )
    return (
        f"SELECT {lid}, {task}, {kind}, ({cut[3]})::date, ({cut[4]})::bigint,"
        f" substr({e}, {offsets[5]}), %s + st.n, false FROM ingest_staging AS st"
        " WHERE st.batch = %s"
    )


def widths(lines: list) -> list[int]:
    """The widths of the padded fields of staged ``lines`` (checked tuples)."""
    return [max(len(str(ln[i])) for ln in lines) for i in range(5)]


def ragged(lines: list, widths: list[int]) -> tuple[bool, bool]:
    """Whether some id, and some task id, of ``lines`` is shorter than its width."""
    return (
        any(len(ln[0]) != widths[0] for ln in lines),
        any(len(ln[1]) != widths[1] for ln in lines),
    )


def texts(lines: list, widths: list[int]) -> list[str]:
    """Checked lines as their staged texts (see :func:`_lines_sql`)."""
    fmt = "".join(f"{{:<{w}}}" for w in widths) + "{}"
    return [fmt.format(a, b, c, str(d), m, r) for a, b, c, d, m, r in lines]


def _json(lines: list, widths: list[int]) -> str:
    """Checked lines as their staged texts, one JSON array (a SQLite staging row)."""
    return _json_array(texts(lines, widths))


def _json_array(texts: list[str]) -> str:
    return json.dumps(texts, ensure_ascii=False, check_circular=False, separators=(",", ":"))


def merge(
    s: Session,
    batch: str,
    count: int,
    sqlite: bool,
    widths: list[int],
    ragged: tuple[bool, bool] = (True, True),
) -> int:
    """Upsert the staged batch into ``actual_lines`` and delete its staged rows, inside the
    caller's write transaction; returns the lines written (new or changed). ``ragged``:
    whether the ids and the task ids need trimming (see :func:`_lines_sql`)."""
    ph = "?" if sqlite else "%s"
    conn = s.connection()
    found = conn.exec_driver_sql(
        f"SELECT coalesce(sum(size), 0) FROM ingest_staging WHERE batch = {ph}", (batch,)
    ).scalar_one()
    if found != count:
        raise StagedRowsLost(
            f"the batch's staged lines were removed before it was saved ({found} of {count}"
            " left, a restart of the service cleans them); nothing was saved, send it again"
        )
    first = db.next_seq(s, count) if count else 0
    sql = (
        "INSERT INTO actual_lines (id, task_id, kind, date, amount_minor, reference, seq, deleted) "
        + _lines_sql(sqlite, widths, ragged)
        + LINE_UPSERT
    )
    written = max(conn.exec_driver_sql(sql, (first, batch)).rowcount, 0)
    conn.exec_driver_sql(f"DELETE FROM ingest_staging WHERE batch = {ph}", (batch,))
    return written


def discard(app: Flask, batch: str) -> None:
    """Delete what is left of ``batch`` (nothing once it merged); a busy database leaves it
    to the next start or batch."""
    with suppress(DBAPIError), db.staging_transaction(app) as s:
        s.execute(text("DELETE FROM ingest_staging WHERE batch = :b"), {"b": batch})


def clean(engine: Engine, older_than: float | None = None) -> int:
    """Delete staged rows of dead batches: all of them (at start), or those older than
    ``older_than`` seconds; returns how many."""
    with engine.begin() as conn:
        if older_than is None:
            cur = conn.execute(text("DELETE FROM ingest_staging"))
        else:
            cutoff = int(time.time() - older_than)
            cur = conn.execute(
                text("DELETE FROM ingest_staging WHERE staged_at < :t"), {"t": cutoff}
            )
        return max(cur.rowcount, 0)


def clean_at_start(app: Flask) -> None:
    """At start, delete every staged row: the batches that wrote them died with their
    process (a busy database leaves them to a later batch's age check)."""
    from .problems import log

    try:
        gone = clean(db.engine(app))
    except DBAPIError as exc:
        if db.is_busy(exc) is None:
            raise
        log.warning("staged ingest rows not cleaned at start: the database is busy")
        return
    if gone:
        log.warning("deleted %d staged ingest rows of batches that never finished", gone)
