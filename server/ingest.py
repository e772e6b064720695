"""Batches of master data and actuals in (SPEC §4, §5): all or nothing, idempotent by id.

A batch is a table whose header row says what it holds (objects, activities, actual lines
or purchase orders). Every row is checked and every problem reported with its row and
field; if any is an error nothing is written. Rows are upserted by id: a row identical to
the stored one changes nothing; a changed row is updated and takes a new sync sequence
number. An ``op`` column (or a ``deleted`` column that is true) holding ``delete``
tombstones a line or an order, so clients see the deletion on their next sync.

Files are read by :mod:`pixie_xl.sheets.uploads` (the guarded reader the import uses too).
Actual lines go the bulk way: every check first, no lock needed
(:mod:`pixie_server.actuals_check`), then bulk upserts in the batch's write transaction
(:mod:`pixie_server.actuals_write`); a long batch is staged in short transactions first and
merged in one (:mod:`pixie_server.staging`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy.orm import Session

from pixie_xl.core.errors import AmountError, BadFile
from pixie_xl.core.money import exponent
from pixie_xl.core.records import INGEST_FORMATS
from pixie_xl.sheets.uploads import refuse_nul

from . import aggregates, db, master
from .actuals_check import check_actuals
from .actuals_write import write_actuals
from .edge import MAX_ID, MAX_TEXT, row_problems, strict_date
from .ingest_values import Collector, executemany, is_delete, known_ids, known_pair, minor_units
from .records import load_settings

#: the header row of each format (SPEC §5)
FORMATS = INGEST_FORMATS
#: columns a file may add to any actuals/orders format
OPTIONAL = ("op", "deleted")
#: JSON keys accepted for each format
JSON_KEYS = {
    "objects": ("objects",),
    "activities": ("activities",),
    "actuals": ("actuals", "actual_lines", "lines"),
    "purchase_orders": ("purchase_orders", "pos"),
}
PO_STATUSES = frozenset({"draft", "approved", "received", "invoiced", "cancelled"})


def detect(header: Sequence[str]) -> str:
    """The format a header row names (case and spaces ignored, extra op/deleted allowed)."""
    cols = [h.strip().lower() for h in header]
    core = [c for c in cols if c not in OPTIONAL]
    for name, expected in FORMATS.items():
        if set(core) == set(expected) and len(core) == len(expected):
            return name
    raise BadFile(
        "the header row matches none of the ingest formats: "
        + "; ".join(f"{k}: {','.join(v)}" for k, v in FORMATS.items()),
        code="unknown_format",
    )


def dict_rows(header: Sequence[str], rows: Iterable[list[str]]) -> Iterator[tuple[int, dict]]:
    cols = [h.strip().lower() for h in header]
    for n, r in enumerate(rows, start=2):
        yield n, dict(zip(cols, r, strict=False))


# --- the four formats ----------------------------------------------------------------------


#: the longest text of each field of the master data and orders (the columns' widths)
OBJECT_LIMITS = {"id": MAX_ID, "name": MAX_TEXT, "kind": MAX_ID, "parent": MAX_ID, "currency": 3}
ACTIVITY_LIMITS = {"code": MAX_ID, "name": MAX_TEXT, "active": MAX_ID}
PO_LIMITS = {"po_id": MAX_ID, "vendor": MAX_TEXT, "status": MAX_ID}


def _bounded(c: Collector, n: int, row: dict, limits: dict) -> bool:
    """Add a finding per field over its length; True when there is none."""
    problems = row_problems(row, limits)
    for field, message in problems:
        c.add(n, field, "bad_text", message)
    return not problems


def refuse_unbounded(rows: list, source: str, limits: dict) -> None:
    """Refuse ``(row, dict)`` pairs holding text over its column's width (or not text)."""
    c = Collector(source)
    for n, r in rows:
        _bounded(c, n, r, limits)
    c.raise_if_any("refused")


def ingest_objects(s: Session, rows, source: str) -> dict:
    settings = load_settings(s)
    rows = list(rows)
    refuse_unbounded(rows, source, OBJECT_LIMITS)
    objects, findings = master.check_objects(s, rows, source, settings.currency)
    c = Collector(source)
    c.extend(findings)
    c.raise_if_any("objects refused")
    written, unchanged = master.save_objects(s, objects)
    return {"format": "objects", "rows": len(rows), "written": written, "unchanged": unchanged}


def ingest_activities(s: Session, rows, source: str) -> dict:
    rows = list(rows)
    refuse_unbounded(rows, source, ACTIVITY_LIMITS)
    acts, findings = master.check_activities(rows, source)
    c = Collector(source)
    c.extend(findings)
    c.raise_if_any("activities refused")
    written, unchanged = master.save_activities(s, acts)
    return {"format": "activities", "rows": len(rows), "written": written, "unchanged": unchanged}


def ingest_actuals(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    """Check and upsert actual lines (and their tasks) in bulk, in the caller's transaction."""
    return write_actuals(s, check_actuals(s, header, rows, source))


def ingest_purchase_orders(s: Session, rows, source: str) -> dict:
    places = exponent(load_settings(s).currency)
    sqlite = s.get_bind().dialect.name == "sqlite"
    known = known_ids(s, "objects", "id"), known_ids(s, "activities", "code")
    c = Collector(source)
    orders: list[tuple] = []
    deletes: list[str] = []
    seen: set[str] = set()
    for n, r in rows:
        pid = _order_id(c, n, r, seen)
        if pid is None:
            continue
        if is_delete(r):
            deletes.append(pid)
            continue
        order = _checked_order(c, n, r, known, places)
        if order is not None:
            day = order[3].isoformat() if sqlite else order[3]
            orders.append((pid, *order[:3], day, *order[4:]))
    c.raise_if_any("purchase orders refused")
    _refuse_over_budget(s, orders)
    aggregates.apply_orders(s, orders, deletes)  # issue 12.5: committed sums, same txn
    written, deleted = _write_orders(s, orders, deletes, sqlite)
    return {
        "format": "purchase_orders",
        "rows": len(seen),
        "written": written,
        "unchanged": len(orders) - written,
        "deleted": deleted,
    }


def _order_id(c: Collector, n: int, r: dict, seen: set[str]) -> str | None:
    """The row's order id when it is given and new in the batch, else None (a finding)."""
    pid = (r.get("po_id") or "").strip()
    if not pid:
        c.add(n, "po_id", "missing_value", "po_id is required")
        return None
    if pid in seen:
        c.add(n, "po_id", "duplicate_id", f'order "{pid}" appears twice in this batch')
        return None
    seen.add(pid)
    return pid


def _checked_order(c: Collector, n: int, r: dict, known: tuple, places: int) -> tuple | None:
    """``(object, activity, vendor, ordered_on, amount, invoiced, status)`` of a row every
    field of which is fine, else None (a finding per problem)."""
    ok = _bounded(c, n, r, PO_LIMITS)
    obj, act = (r.get("object") or "").strip(), (r.get("activity") or "").strip()
    ok = known_pair(c, n, obj, act, *known) and ok
    status = (r.get("status") or "").strip().lower()
    if status not in PO_STATUSES:
        msg = f'status "{r.get("status")}" is not one of {", ".join(sorted(PO_STATUSES))}'
        c.add(n, "status", "bad_status", msg)
        ok = False
    ordered = None
    try:
        ordered = strict_date((r.get("ordered_on") or "").strip())
    except ValueError:
        msg = f'ordered_on "{r.get("ordered_on")}" is not an ISO date (YYYY-MM-DD)'
        c.add(n, "ordered_on", "bad_date", msg)
        ok = False
    amounts = []
    for field in ("amount", "invoiced_amount"):
        raw = r.get(field) or ""
        try:
            amounts.append(minor_units(raw if raw.strip() else "0", places))
        except AmountError as exc:
            c.add(n, field, exc.code, f"{field} {exc.message}")
            ok = False
    return (obj, act, r.get("vendor") or "", ordered, *amounts, status) if ok else None


def _write_orders(s: Session, orders: list, deletes: list, sqlite: bool) -> tuple[int, int]:
    """Upsert the orders (a new seq for each changed one) and tombstone the deleted ones;
    returns how many were written and deleted."""
    conn = s.connection()
    ph = "?" if sqlite else "%s"
    first = db.next_seq(s, len(orders) + len(deletes)) if orders or deletes else 0
    cols = "id, object_id, activity_code, vendor, ordered_on, amount_minor, invoiced_minor, status"
    fields = cols.split(", ")[1:]
    sql = (
        f"INSERT INTO purchase_orders ({cols}, seq, deleted) VALUES ({', '.join([ph] * 10)})"
        " ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{f} = excluded.{f}" for f in [*fields, "seq", "deleted"])
        + " WHERE "
        + " OR ".join(
            f"purchase_orders.{f} IS DISTINCT FROM excluded.{f}" for f in [*fields, "deleted"]
        )
    )
    written = executemany(conn, sql, [(*o, first + i, False) for i, o in enumerate(orders)])
    deleted = 0
    if deletes:
        base = first + len(orders)
        dsql = (
            f"UPDATE purchase_orders SET deleted = {ph}, seq = {ph} WHERE id = {ph} AND NOT deleted"
        )
        deleted = executemany(conn, dsql, [(True, base + i, d) for i, d in enumerate(deletes)])
    return written, deleted


def _refuse_over_budget(s: Session, orders: list[tuple]) -> None:
    """With ``on_over`` = ``stop``, refuse orders that take their line over (issue 13)."""
    from .api.checks import refuse_over_budget  # the view module imports this one

    refuse_over_budget(s, orders)


def ingest_table(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    """Detect the format from ``header`` and ingest ``rows`` (lists of text)."""
    try:
        return _ingest_table(s, header, rows, source)
    except csv.Error as exc:
        raise BadFile(f"not a readable CSV file: {exc}", code="bad_csv") from None


def _ingest_table(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    fmt = detect(header)
    if fmt == "actuals":
        return ingest_actuals(s, header, rows, source)
    pairs = dict_rows(header, rows)
    if fmt == "objects":
        return ingest_objects(s, pairs, source)
    if fmt == "activities":
        return ingest_activities(s, pairs, source)
    return ingest_purchase_orders(s, pairs, source)


def ingest_json(s: Session, body: dict, source: str = "request") -> list[dict]:
    """A JSON batch ``{"objects": [...], "activities": [...], "actuals": [...],
    "purchase_orders": [...]}``, each a list of objects with the CSV field names."""
    results = []
    for fmt, keys in JSON_KEYS.items():
        items = next((body[k] for k in keys if k in body), None)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadFile(f'"{keys[0]}" must be a list of objects', code="bad_json")
        cols = list(FORMATS[fmt]) + [o for o in OPTIONAL if any(o in i for i in items)]
        rows = [
            [_json_text(i.get(col), f"{keys[0]}[{n}].{col}") for col in cols]
            for n, i in enumerate(items)
        ]
        results.append(ingest_table(s, cols, rows, f"{source}.{keys[0]}"))
    if not results:
        raise BadFile(
            "the JSON batch holds none of objects, activities, actuals, purchase_orders",
            code="unknown_format",
        )
    return results


def _json_text(v, field: str) -> str:
    """A JSON value as the text a CSV cell would hold: text, or true/false for flags."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if not isinstance(v, str):
        kind = "a JSON number" if isinstance(v, int | float) else f"a JSON {type(v).__name__}"
        raise BadFile(
            f"{field} is {kind}; every value travels as text (amounts as decimal strings"
            ' such as "12.50")',
            code="float_amount" if isinstance(v, float) else "wrong_type",
            detail={"field": field},
        )
    refuse_nul(v, field)
    return v
