"""A long, plain CSV batch of actual lines read and checked a column at a time (issue 12.4).

Arrow's CSV reader parses the body into columns and every check of the row path
(:mod:`pixie_server.actuals_check`) runs over whole columns; the staged JSON chunks, the
batch's tasks and its report sums are made from the columns too, without a Python object
per line. Only a batch longer than ``staging.STAGE_ABOVE`` lines every row of which passes
takes this way, and only what the row path would store the same: anything unusual (a
quote, a control character or backslash, a blank line, an ``op`` column, a value the row
path would trim or read otherwise, an unknown object, a task with two objects, ...) makes
:func:`check_csv` return ``None`` and the row path reads the batch again, naming every
problem with its row and field.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv
from sqlalchemy.orm import Session

from pixie_xl.core.money import MAX_SIGNIFICANT_DIGITS, exponent
from pixie_xl.core.records import INGEST_FORMATS

from . import aggregates, staging
from .actuals_check import CheckedActuals
from .edge import MAX_ID, MAX_TEXT, strict_date
from .ingest_values import known_ids, parse_instant
from .records import load_settings

#: bytes a plain body has none of: quotes, backslashes, control characters but the newline
#: (so every field is its text as it stands, and JSON-safe between two quotes)
_NOT_PLAIN = bytes(range(0x0A)) + bytes(range(0x0B, 0x20)) + b'"\\'
_BOM = b"\xef\xbb\xbf"
COLUMNS = INGEST_FORMATS["actuals"]
#: the columns the row path trims (all but the reference): plain ASCII here
_TRIMMED = [c for c in COLUMNS if c != "reference"]


def check_csv(s: Session, data: bytes, source: str) -> CheckedActuals | None:
    """The checked batch of a plain CSV body of more than ``staging.STAGE_ABOVE`` actual
    lines, or ``None`` when the row path must read it (see the module's text)."""
    table = _read(data)
    if table is None or table.num_rows <= staging.STAGE_ABOVE:
        return None
    col = {name: table.column(name).combine_chunks() for name in COLUMNS}
    if not _plain_values(s, col, data.isascii()):
        return None
    settings = load_settings(s)
    amounts = _amounts(col["amount"], exponent(settings.currency))
    days = _distinct(col["date"], strict_date)
    tz = ZoneInfo(settings.timezone)
    instants = _distinct(col["task_created"], lambda v: parse_instant(v, tz))
    if amounts is None or days is None or instants is None:
        return None
    sqlite = s.get_bind().dialect.name == "sqlite"
    created, instants = _instants(*instants)
    tasks = _tasks(col, created, instants)
    if tasks is None:
        return None
    day_iso = pa.array([d.isoformat() for d in days[1]], pa.string()).take(days[0])
    batch = CheckedActuals([], tasks, [], table.num_rows, sqlite, count=table.num_rows)
    batch.chunks, batch.widths, batch.ragged = _staged_json(col, day_iso, amounts)
    batch.ids = '["' + _join(col["line_id"], '","') + '"]'
    stored_days = [d.isoformat() if sqlite else d for d in days[1]]
    stamps = [aggregates.stored_instant(c, sqlite) for c in instants]
    batch.sums = _sums(col, days[0], stored_days, created, stamps, amounts)
    return batch


def _read(data: bytes) -> pa.Table | None:
    """The body's columns (all text), when it is plain and its header is the actuals one."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    end = data.find(b"\n")
    if end <= 0 or len(data.translate(None, _NOT_PLAIN)) != len(data):
        return None
    try:
        names = [h.strip().lower() for h in data[:end].decode().split(",")]
    except UnicodeDecodeError:
        return None
    if sorted(names) != sorted(COLUMNS):
        return None
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(data),
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(
                quote_char=False, double_quote=False, escape_char=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):  # a row of another width, not UTF-8
        return None
    # Arrow skips blank lines: a row fewer than the body's lines but the header is one
    # (counting newlines costs a third of looking for two in a row)
    lines = data.count(b"\n") + (not data.endswith(b"\n"))
    return table if table.num_rows == lines - 1 else None


def _all(mask: pa.Array) -> bool:
    return pc.all(mask).as_py() is True


def _plain_values(s: Session, col: dict[str, pa.Array], ascii_body: bool) -> bool:
    """Every value as the row path would take it unchanged and without a finding
    (``ascii_body``: the whole body is ASCII, so each column is)."""
    for name in [] if ascii_body else _TRIMMED:
        if not _all(pc.string_is_ascii(col[name])):
            return False
    for name in ("line_id", "task_id"):  # ASCII now: a character is a byte
        size = pc.binary_length(col[name])
        if pc.min(size).as_py() < 1 or pc.max(size).as_py() > MAX_ID:
            return False
        if not _all(pc.equal(pc.ascii_trim(col[name], " "), col[name])):
            return False
    if len(pc.unique(col["line_id"])) != len(col["line_id"]):
        return False
    if pc.max(pc.utf8_length(col["reference"])).as_py() > MAX_TEXT:
        return False
    known = [
        ("object", known_ids(s, "objects", "id")),
        ("activity", known_ids(s, "activities", "code")),
        ("kind", {"cost", "income"}),
    ]
    return all(
        _all(pc.is_in(col[name], value_set=pa.array(sorted(values), pa.string())))
        for name, values in known
    )


def _amounts(amount: pa.Array, places: int) -> pa.Array | None:
    """The amounts in minor units, when each is plain decimal text with ``places`` digits
    after the dot (``-12.50``) and no more significant digits than an amount may have."""
    pattern = rf"^-?[0-9]+\.[0-9]{{{places}}}$" if places else r"^-?[0-9]+$"
    if not _all(pc.match_substring_regex(amount, pattern)):
        return None
    if pc.max(pc.utf8_length(amount)).as_py() > MAX_SIGNIFICANT_DIGITS:
        return None
    return pc.cast(pc.replace_substring(amount, ".", ""), pa.int64())


def _distinct(column: pa.Array, parse) -> tuple[pa.Array, list] | None:
    """Each value's place among the column's distinct values, and those parsed by
    ``parse`` (each once); ``None`` when one does not parse."""
    values = pc.unique(column)
    try:
        parsed = [parse(v) for v in values.to_pylist()]
    except ValueError:
        return None
    return pc.index_in(column, value_set=values), parsed


def _instants(places: pa.Array, parsed: list[datetime]) -> tuple[pa.Array, list[datetime]]:
    """Each row's place among the distinct *instants* (two texts of one instant are one)."""
    first: dict[datetime, int] = {}
    ids = [first.setdefault(dt, len(first)) for dt in parsed]
    return pa.array(ids, pa.int32()).take(places), list(first)


def _tasks(col: dict, created: pa.Array, instants: list) -> dict | None:
    """``task → (object, activity, created, first row)``; ``None`` when a task has two
    objects, activities or creation instants in the batch (the row path names it): each
    row's values are held against those of its task's first row."""
    encoded = pc.dictionary_encode(col["task_id"])
    codes = encoded.indices.to_numpy()
    _, first = np.unique(codes, return_index=True)  # the first row of each task, in order
    first_rows = pa.array(first)
    firsts = {}
    for name, values in (("obj", col["object"]), ("act", col["activity"]), ("cr", created)):
        firsts[name] = values.take(first_rows)
        if not _all(pc.equal(firsts[name].take(encoded.indices), values)):
            return None
    keys = [encoded.dictionary.to_pylist()] + [firsts[n].to_pylist() for n in firsts]
    rows = (first + 2).tolist()
    return {t: (o, a, instants[c], n) for t, o, a, c, n in zip(*keys, rows, strict=True)}


def _join(strings: pa.Array, sep: str) -> str:
    offsets = pa.array([0, len(strings)], pa.int32())
    return pc.binary_join(pa.ListArray.from_arrays(offsets, strings), sep)[0].as_py()


def _staged_json(col: dict, day_iso: pa.Array, amounts: pa.Array) -> tuple[list[str], list, tuple]:
    """The lines as ``staging`` stores them (id, task, kind, day and minor units padded to
    their widths, then the reference), a JSON array text per ``staging.CHUNK`` lines; the
    widths; and whether some id, and some task id, is shorter than its width."""
    fields = [col["line_id"], col["task_id"], col["kind"], day_iso, pc.cast(amounts, pa.string())]
    # all ASCII (the ids were checked to be): a byte is a character, Arrow's ASCII kernels
    # are twice as fast as its UTF-8 ones
    sizes = [pc.min_max(pc.binary_length(f)).as_py() for f in fields]
    widths = [size["max"] for size in sizes]
    ragged = tuple(size["min"] != size["max"] for size in sizes[:2])
    padded = [pc.ascii_rpad(f, width=w, padding=" ") for f, w in zip(fields, widths, strict=True)]
    rows = pc.binary_join_element_wise(*padded, col["reference"], "")
    step = staging.CHUNK
    chunks = [_join(rows.slice(i, step), '","') for i in range(0, len(rows), step)]
    return ['["' + c + '"]' for c in chunks], widths, ragged


def _sums(col, day_ix, days, created, stamps, amounts) -> tuple[dict, dict]:
    """The batch's sums per (day, object, activity, kind) and per (task created, object,
    activity, kind): ``key → [minor units, lines]``."""
    out = []
    for ix, values in ((day_ix, days), (created, stamps)):
        table = pa.table(
            {"k": ix, "obj": col["object"], "act": col["activity"], "kind": col["kind"]}
            | {"m": amounts}
        )
        grouped = table.group_by(["k", "obj", "act", "kind"]).aggregate(
            [("m", "sum"), ("m", "count")]
        )
        names = ("k", "obj", "act", "kind", "m_sum", "m_count")
        sums: dict = {}
        columns = [grouped.column(n).to_pylist() for n in names]
        for k, obj, act, kind, m, count in zip(*columns, strict=True):
            v = sums.setdefault((values[k], obj, act, kind), [0, 0])
            v[0] += m
            v[1] += count
        out.append(sums)
    return out[0], out[1]
