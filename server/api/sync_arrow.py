"""The sync page as an Arrow IPC stream (``Accept: application/vnd.apache.arrow.stream``).

One row per change, lines and purchase orders in one table ordered by ``seq`` (the same
rows, cursor and ``more`` as the JSON page; see :mod:`.sync`):

=================  =============================  ======================================
column             type                           holds
=================  =============================  ======================================
seq                int64                          the change's sequence number
type               string                         ``line`` or ``purchase_order``
id                 string                         the line's or order's id
deleted            bool                           a tombstone (only seq, type, id count)
task_id            string                         lines
object, activity   string                         both
task_created       timestamp[us, UTC]             lines: when the task was created
kind               string                         lines: ``cost`` or ``income``
date               date32                         a line's date, an order's ordered_on
amount             decimal128(19, scale)          both, exact (never a float)
reference          string                         lines
vendor, status     string                         orders
invoiced_amount    decimal128(19, scale)          orders
=================  =============================  ======================================

The schema's metadata holds ``cursor``, ``next_cursor``, ``more`` (``true``/``false``),
``currency`` and ``scale`` (the currency's decimal places, also the decimals' scale).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

MEDIA_TYPE = "application/vnd.apache.arrow.stream"
#: rows per Arrow page; a full pull of a million lines is one body
DEFAULT_LIMIT = 1_000_000
MAX_LIMIT = 1_000_000

_LINE_COLS = ("seq", "id", "deleted", "task_id", "object", "activity", "task_created")
_LINE_COLS += ("kind", "date", "amount", "reference")
_ORDER_COLS = ("seq", "id", "deleted", "object", "activity", "vendor", "date", "amount")
_ORDER_COLS += ("invoiced_amount", "status")


def schema(scale: int) -> pa.Schema:
    money = pa.decimal128(19, scale)
    return pa.schema(
        [
            ("seq", pa.int64()),
            ("type", pa.string()),
            ("id", pa.string()),
            ("deleted", pa.bool_()),
            ("task_id", pa.string()),
            ("object", pa.string()),
            ("activity", pa.string()),
            ("task_created", pa.timestamp("us", tz="UTC")),
            ("kind", pa.string()),
            ("date", pa.date32()),
            ("amount", money),
            ("reference", pa.string()),
            ("vendor", pa.string()),
            ("invoiced_amount", money),
            ("status", pa.string()),
        ]
    )


def decimals(minor: pa.Array, scale: int) -> pa.Array:
    """int64 minor units → decimal128(19, scale) of the same value, exactly, no row loop."""
    ints = np.asarray(minor.fill_null(0).to_numpy(zero_copy_only=False), dtype=np.int64)
    words = np.empty((len(ints), 2), dtype=np.int64)
    words[:, 0] = ints
    words[:, 1] = ints >> 63  # sign extension into the high word (little endian)
    validity = minor.buffers()[0] if minor.null_count else None
    return pa.Array.from_buffers(
        pa.decimal128(19, scale), len(ints), [validity, pa.py_buffer(words.tobytes())]
    )


def minor_units(amount: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """decimal128 → int64 minor units (the inverse of :func:`decimals`); nulls become 0."""
    if isinstance(amount, pa.ChunkedArray):
        amount = amount.combine_chunks() if amount.num_chunks else pa.array([], amount.type)
    amount = amount.fill_null(pa.scalar(0, amount.type)) if amount.null_count else amount
    words = np.frombuffer(amount.buffers()[1], dtype=np.int64)
    start = amount.offset * 2
    words = words[start : start + 2 * len(amount)].reshape(-1, 2)
    if not np.array_equal(words[:, 1], words[:, 0] >> 63):
        raise ValueError("an amount does not fit in 64-bit minor units")
    return words[:, 0].copy()


def _instants(values: Sequence) -> pa.Array:
    """Task creation instants (SQLite text, or datetimes) → timestamp[us, UTC].

    Each distinct value is parsed once (a task's lines share it)."""
    arr = pa.array(values)
    if pa.types.is_timestamp(arr.type):
        return arr.cast(pa.timestamp("us", tz="UTC"))
    enc = arr.dictionary_encode()
    parsed = []
    for v in enc.dictionary.to_pylist():
        t = datetime.fromisoformat(v) if isinstance(v, str) else v
        parsed.append(None if t is None else (t if t.tzinfo else t.replace(tzinfo=UTC)))
    uniques = pa.array(parsed, pa.timestamp("us", tz="UTC"))
    return uniques.take(enc.indices)


def _dates(values: Sequence) -> pa.Array:
    arr = pa.array(values)
    return arr if pa.types.is_date32(arr.type) else arr.cast(pa.date32())


def _table(kind: str, names: Sequence[str], rows: Sequence[Sequence], sch: pa.Schema) -> pa.Table:
    scale = sch.field("amount").type.scale
    n = len(rows)
    cols = dict(zip(names, zip(*rows, strict=True), strict=True)) if n else {}
    out = []
    for field in sch:
        name = field.name
        if name == "type":
            arr = pa.array([kind] * n, pa.string())
        elif name not in cols:
            arr = pa.nulls(n, field.type)
        elif name in ("amount", "invoiced_amount"):
            arr = decimals(pa.array(cols[name], pa.int64()), scale)
        elif name == "task_created":
            arr = _instants(cols[name])
        elif name == "date":
            arr = _dates(cols[name])
        elif name == "deleted":
            arr = pa.array(cols[name]).cast(pa.bool_())
        else:
            arr = pa.array(cols[name], field.type)
        out.append(arr)
    return pa.Table.from_arrays(out, schema=sch)


def page(
    lines: Sequence[Sequence],
    orders: Sequence[Sequence],
    *,
    cursor: int,
    high: int,
    limit: int,
    currency: str,
    scale: int,
) -> bytes:
    """The Arrow IPC stream of one page: rows of the ``LINES`` and ``ORDERS`` queries."""
    sch = schema(scale)
    tables = [t for t in (_table("line", _LINE_COLS, lines, sch),) if t.num_rows]
    if orders:
        tables.append(_table("purchase_order", _ORDER_COLS, orders, sch))
    table = pa.concat_tables(tables) if tables else sch.empty_table()
    if len(tables) > 1:
        table = table.sort_by("seq").slice(0, limit)
    n = table.num_rows
    last = table["seq"][n - 1].as_py() if n else None
    more = n == limit and last is not None and last < high
    meta = {
        "cursor": str(cursor),
        "next_cursor": str(last if more else high),
        "more": "true" if more else "false",
        "currency": currency,
        "scale": str(scale),
    }
    table = table.replace_schema_metadata(meta)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=65536)
    return sink.getvalue().to_pybytes()
