"""Applying the service's sync to a cache: master data, changed lines and orders, budgets.

A refresh from a blank cursor (a new cache, or one without a readable lines file) pulls
the lines as Arrow pages (``Client.sync_table``) straight into the lines file; a refresh
from a stored cursor applies the JSON delta pages (``Client.sync``). Either way the pages
are gathered first and the lines file is rewritten once, then the orders and the cursor
are committed to SQLite. The lines file carries the cursor it reflects; a refresh starts
from the older of the two cursors, so one interrupted between the two writes repeats the
changes since then, which converges on the same state (every page holds each changed row
at its newest).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from pixie_xl import client as wire
from pixie_xl.arrow_sync import minor_units
from pixie_xl.wire import sync as sync_wire

from .store import LINES, Cache, RefreshStats, _meta, _set_meta, invalidate, lines_table


@dataclass
class _Pulled:
    """The changes of every page of one refresh, gathered before they are stored."""

    cursor: str
    lines: list[pa.Table] = field(default_factory=list)
    gone_lines: set[str] = field(default_factory=set)
    orders: dict[str, tuple] = field(default_factory=dict)
    gone_orders: set[str] = field(default_factory=set)
    pages: int = 0
    nlines: int = 0


def refresh_cache(
    cache: Cache, client: wire.Client, progress: Callable[[str], None] | None = None
) -> RefreshStats:
    """Pull what changed since the last refresh into ``cache`` (delta sync)."""
    say = progress or (lambda _msg: None)
    local_before = datetime.now(UTC)
    health = client.healthz()
    say("master data")
    settings = client.settings()
    objects = client.objects()
    default_cur = settings.get("currency") or "EUR"
    currencies = {o["id"]: o.get("currency") or default_cur for o in objects}
    conn = cache.connect()
    try:
        with conn:
            _store_master(conn, settings, objects, client.activities(), client.profiles())
        start = _older(_meta(conn, "cursor") or "", cache.lines_cursor())
        pulled = _pull(client, start, currencies, default_cur, say)
        base = cache.lines() if start else LINES.empty_table()
        merged, gone = merge_lines(base, _concat(pulled.lines), pulled.gone_lines)
        cache.write_lines(merged, pulled.cursor)
        with conn:
            if not start:
                conn.execute("DELETE FROM pos")
            gone += _store_orders(conn, pulled)
            _set_meta(conn, "cursor", pulled.cursor)
        say("budgets")
        nbud = _refresh_budgets(conn, client)
        with conn:
            _set_meta(conn, "server_url", cache.server_url)
            _set_meta(conn, "server_time", health.get("time") or local_before.isoformat())
            _set_meta(conn, "local_time", local_before.isoformat())
            _set_meta(conn, "last_refresh", datetime.now(UTC).isoformat())
    finally:
        conn.close()
    invalidate(cache.path)
    return RefreshStats(pulled.pages, pulled.nlines, len(pulled.orders), gone, nbud)


def refresh(client: wire.Client, progress: Callable[[str], None] | None = None) -> Cache:
    """Refresh the cache of ``client``'s server and return it."""
    cache = Cache(client.base_url)
    cache.refresh(client, progress)
    return cache


def _older(a: str, b: str | None) -> str:
    """The earlier of two cursors ("" when unknown: start from the beginning)."""
    if b is None or a == b:
        return a if b is not None else ""
    try:
        return str(min(int(a or 0), int(b or 0)) or "")
    except ValueError:
        return ""


def _store_master(conn, settings: Mapping, objects, activities, profiles) -> None:
    conn.execute("DELETE FROM master")
    conn.execute("INSERT INTO master VALUES ('settings', '', ?)", (json.dumps(settings),))
    rows = [("object", o["id"], o) for o in objects]
    rows += [("activity", a["code"], a) for a in activities]
    rows += [("profile", str(p["name"]), p) for p in profiles]
    conn.executemany(
        "INSERT INTO master VALUES (?, ?, ?)", [(k, i, json.dumps(b)) for k, i, b in rows]
    )


def _pull(client, cursor: str, currencies, default: str, say) -> _Pulled:
    """Every page from ``cursor`` on: Arrow from a blank cursor, JSON deltas otherwise."""
    pulled = _Pulled(cursor)
    arrow = not cursor
    while True:
        table = client.sync_table(pulled.cursor or None) if arrow else None
        if table is not None:
            more, nxt = _arrow_page(pulled, table)
        else:
            arrow = False
            page = client.sync(pulled.cursor or None, limit=50000)
            nxt, more = _json_page(pulled, page, currencies, default)
        pulled.pages += 1
        say(f"sync page {pulled.pages}: {pulled.nlines} lines, {len(pulled.orders)} orders")
        moved, pulled.cursor = nxt != pulled.cursor, nxt
        if not more or not moved:
            return pulled


def _arrow_page(pulled: _Pulled, t: pa.Table) -> tuple[bool, str]:
    meta = t.schema.metadata or {}
    is_line = pc.equal(t["type"], "line")
    only_live_lines = pc.all(is_line).as_py() is not False and not pc.any(t["deleted"]).as_py()
    live_lines = t if only_live_lines else t.filter(pc.and_(is_line, pc.invert(t["deleted"])))
    pulled.lines.append(
        pa.table(
            {
                "line_id": live_lines["id"],
                "task_id": live_lines["task_id"],
                "object": live_lines["object"],
                "activity": live_lines["activity"],
                "kind": live_lines["kind"],
                "date": live_lines["date"],
                "task_created": live_lines["task_created"],
                "amount": minor_units(live_lines["amount"]),
                "reference": pc.fill_null(live_lines["reference"], ""),
            }
        )
    )
    pulled.nlines += live_lines.num_rows
    if pulled.gone_lines:  # deleted on an earlier page, back on this one
        pulled.gone_lines -= set(live_lines["id"].to_pylist())
    gone = t.filter(t["deleted"])
    for kind, ident in zip(gone["type"].to_pylist(), gone["id"].to_pylist(), strict=True):
        _forget(pulled, kind, ident)
    orders = t.filter(pc.and_(pc.invert(is_line), pc.invert(t["deleted"])))
    amounts = minor_units(orders["amount"]).tolist()
    invoiced = minor_units(orders["invoiced_amount"]).tolist()
    cols = [orders[c].to_pylist() for c in ("id", "object", "activity", "vendor", "date")]
    for i, (po, obj, act, vendor, day) in enumerate(zip(*cols, strict=True)):
        status = orders["status"][i].as_py()
        pulled.orders[po] = (po, obj, act, vendor or "", day.isoformat(), amounts[i],
                             invoiced[i], status)  # fmt: skip
        pulled.gone_orders.discard(po)
    return meta.get(b"more") == b"true", meta.get(b"next_cursor", b"").decode()


def _json_page(pulled: _Pulled, page: Mapping, currencies, default: str) -> tuple[str, bool]:
    """Gather one JSON page; returns where the next page starts and whether there is one."""
    got = sync_wire.page_from_json(page, currencies, default)
    rows = [(ln.line_id, ln.task_id, ln.object, ln.activity, ln.kind, ln.date,
             ln.task_created, ln.amount, ln.reference or "") for ln in got.lines]  # fmt: skip
    pulled.gone_lines.difference_update(ln.line_id for ln in got.lines)
    if rows:
        pulled.lines.append(lines_table(rows))
        pulled.nlines += len(rows)
    for p in got.orders:
        pulled.orders[p.po_id] = (p.po_id, p.object, p.activity, p.vendor or "", p.ordered_on,
                                  p.amount, p.invoiced_amount, p.status)  # fmt: skip
        pulled.gone_orders.discard(p.po_id)
    for t in got.deleted:
        _forget(pulled, t.type, t.id)
    return got.next_cursor, got.more


def _forget(pulled: _Pulled, kind: str, ident: str) -> None:
    if kind == "line":
        pulled.gone_lines.add(ident)  # merge_lines drops it from the earlier pages too
    else:
        pulled.orders.pop(ident, None)
        pulled.gone_orders.add(ident)


def _concat(tables: list[pa.Table]) -> pa.Table:
    """The pages' lines, a later page's version of a line replacing an earlier one."""
    if not tables:
        return LINES.empty_table()
    out = tables[0]
    for t in tables[1:]:
        out, _ = merge_lines(out, t, ())
    return out


def merge_lines(store: pa.Table, upserts: pa.Table, gone: Iterable[str]) -> tuple[pa.Table, int]:
    """``store`` with ``upserts`` put in (by line_id) and ``gone`` taken out, as columns.

    ``gone`` holds the lines whose last change is a deletion: an upsert of one of them is
    older than the deletion and is dropped too. Returns the new table and how many stored
    lines ``gone`` removed."""
    gone_ids = pa.array(sorted(set(gone)), pa.string())
    if len(gone_ids):
        upserts = upserts.filter(pc.invert(pc.is_in(upserts["line_id"], value_set=gone_ids)))
    if store.num_rows == 0:
        return upserts.cast(LINES), 0
    removed = pc.is_in(store["line_id"], value_set=gone_ids)
    n_gone = pc.sum(removed).as_py() or 0
    if upserts.num_rows:
        ids = upserts["line_id"].combine_chunks()
        removed = pc.or_(removed, pc.is_in(store["line_id"], value_set=ids))
    kept = store.filter(pc.invert(removed)).cast(LINES)
    return pa.concat_tables([kept, upserts.cast(LINES)]), n_gone


def _store_orders(conn, pulled: _Pulled) -> int:
    gone = 0
    for po in pulled.gone_orders:
        gone += conn.execute("DELETE FROM pos WHERE po_id=?", (po,)).rowcount
    conn.executemany(
        "INSERT OR REPLACE INTO pos VALUES (?,?,?,?,?,?,?,?)", list(pulled.orders.values())
    )
    return gone


def _refresh_budgets(conn, client: wire.Client) -> int:
    """Every budget with its versions; only budgets whose version token moved re-fetch."""
    known = {
        bid: json.loads(body)[-1].get("version")
        for bid, body in conn.execute("SELECT id, versions FROM budgets")
    }
    current = client.budgets()
    rows = []
    for b in current:
        bid = str(b["id"])
        if known.get(bid) == b.get("version") and bid in known:
            continue
        versions = client.versions(bid) if b.get("kind") == "correction" else [b]
        rows.append((bid, json.dumps(versions or [b])))
    with conn:
        gone = set(known) - {str(b["id"]) for b in current}
        conn.executemany("DELETE FROM budgets WHERE id=?", [(g,) for g in gone])
        conn.executemany("INSERT OR REPLACE INTO budgets VALUES (?, ?)", rows)
    return len(current)
