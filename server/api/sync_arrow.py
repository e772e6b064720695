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

import pyarrow as pa
import pyarrow.compute as pc

from pixie_xl.arrow_sync import MEDIA_TYPE, decimals, instants, schema
from pixie_xl.core.gcpause import no_gc

__all__ = ["LINES", "MEDIA_TYPE", "TASKS", "no_gc", "page"]

#: rows per Arrow page; a full pull of a million lines is one body
DEFAULT_LIMIT = 1_000_000
MAX_LIMIT = 1_000_000

#: the lines as :data:`LINES` reads them; their task's fields come from :data:`TASKS`
_LINE_COLS = ("seq", "id", "deleted", "task_id", "kind", "date", "amount", "reference")
LINES = (
    "SELECT seq, id, deleted, task_id, kind, date, amount_minor, reference FROM actual_lines"
    " WHERE seq > :c AND seq <= :h {live} ORDER BY seq LIMIT :n"
)
#: the tasks of the lines between the cursor and the high-water mark (joined in Arrow,
#: so a million lines do not each bring three more Python strings)
TASKS = (
    "SELECT id, object_id, activity_code, created_at FROM tasks WHERE id IN"
    " (SELECT task_id FROM actual_lines WHERE seq > :c AND seq <= :h {live})"
)
_ORDER_COLS = ("seq", "id", "deleted", "object", "activity", "vendor", "date", "amount")
_ORDER_COLS += ("invoiced_amount", "status")


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
            arr = instants(cols[name])
        elif name == "date":
            arr = _dates(cols[name])
        elif name == "deleted":
            arr = pa.array(cols[name]).cast(pa.bool_())
        else:
            arr = pa.array(cols[name], field.type)
        out.append(arr)
    return pa.Table.from_arrays(out, schema=sch)


def _with_tasks(lines: pa.Table, tasks: Sequence[Sequence]) -> pa.Table:
    """The lines with their task's object, activity and creation instant (a take per column)."""
    cols = [list(c) for c in zip(*tasks, strict=True)] or [[], [], [], []]
    ids, objects, activities, created = cols
    at = pc.index_in(lines["task_id"], value_set=pa.array(ids, pa.string()))
    for name, values in (("object", objects), ("activity", activities)):
        lines = lines.set_column(
            lines.schema.get_field_index(name), name, pa.array(values, pa.string()).take(at)
        )
    i = lines.schema.get_field_index("task_created")
    return lines.set_column(i, "task_created", instants(created).take(at) if ids else
                            pa.nulls(lines.num_rows, lines.schema.field(i).type))  # fmt: skip


def page(
    lines: Sequence[Sequence],
    orders: Sequence[Sequence],
    tasks: Sequence[Sequence],
    *,
    cursor: int,
    high: int,
    limit: int,
    currency: str,
    scale: int,
) -> bytes:
    """The Arrow IPC stream of one page: rows of :data:`LINES`, :data:`TASKS` and the JSON
    page's ``ORDERS`` query."""
    sch = schema(scale)
    line_table = _with_tasks(_table("line", _LINE_COLS, lines, sch), tasks)
    tables = [line_table] if line_table.num_rows else []
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
    options = pa.ipc.IpcWriteOptions(compression="zstd")  # a third of the bytes, same CPU
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table, max_chunksize=65536)
    return sink.getvalue().to_pybytes()
