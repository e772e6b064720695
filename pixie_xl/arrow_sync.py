"""The Arrow form of a sync page, shared by the service and the client (docs/service.md).

The column list is in :mod:`pixie_server.api.sync_arrow`. Amounts travel as
``decimal128(19, scale)``: exact, and every int64 count of minor units fits; :func:`decimals`
and :func:`minor_units` convert without a row loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

MEDIA_TYPE = "application/vnd.apache.arrow.stream"


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


def instants(values: Sequence) -> pa.Array:
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
