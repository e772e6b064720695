"""The local cache that Refresh fills and the worksheet formulas read (SPEC §3).

One cache per server URL, in ``user_cache_dir("pixie-xl")/<sha1 of url>/cache.sqlite``
(``PIXIE_CACHE_DIR`` replaces the root, for tests and the demo). It holds the sync cursor,
the actual lines with their task fields, the purchase orders, the master data, the
budgets (current and every version) and when it was last refreshed, so formulas keep
working offline from the last refresh. Money is stored as integer minor units.

:func:`refresh` applies delta-sync pages (``GET /api/v1/sync?cursor=``): only what changed
since the stored cursor moves. :meth:`Cache.lookup` gives a :class:`~.lookup.Lookup` built
once per process and rebuilt when the refresh stamp changes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from time import monotonic
from zoneinfo import ZoneInfo

from pixie_xl import client as wire
from pixie_xl.core.money import Money, exponent
from pixie_xl.core.records import (
    Activity,
    BudgetHistory,
    CrmObject,
    Profile,
    Settings,
)
from pixie_xl.core.tree import ObjectTree

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS lines (
    line_id TEXT PRIMARY KEY, task_id TEXT, object TEXT, activity TEXT, kind TEXT,
    date TEXT, task_created TEXT, amount INTEGER, reference TEXT);
CREATE TABLE IF NOT EXISTS tasks (
    task_id TEXT PRIMARY KEY, object TEXT, activity TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS pos (
    po_id TEXT PRIMARY KEY, object TEXT, activity TEXT, vendor TEXT, ordered_on TEXT,
    amount INTEGER, invoiced_amount INTEGER, status TEXT);
CREATE TABLE IF NOT EXISTS master (kind TEXT, id TEXT, body TEXT, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS budgets (id TEXT PRIMARY KEY, versions TEXT);
"""


def cache_root() -> Path:
    env = os.environ.get("PIXIE_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("pixie-xl"))


def _key(url: str) -> str:
    return hashlib.sha1(url.rstrip("/").encode()).hexdigest()


@dataclass(frozen=True)
class RefreshStats:
    """What one refresh moved."""

    pages: int
    lines: int
    purchase_orders: int
    deleted: int
    budgets: int


class Cache:
    """The SQLite cache of one server."""

    def __init__(self, server_url: str, root: Path | None = None):
        self.server_url = server_url.rstrip("/")
        self.dir = (root or cache_root()) / _key(self.server_url)
        self.path = self.dir / "cache.sqlite"

    @classmethod
    def most_recent(cls, root: Path | None = None) -> Cache | None:
        """The cache refreshed last, whichever server it belongs to."""
        best: tuple[str, Cache] | None = None
        for db in (root or cache_root()).glob("*/cache.sqlite"):
            with _connect(db) as conn:
                stamp = _meta(conn, "last_refresh")
                url = _meta(conn, "server_url")
            if stamp and url and (best is None or stamp > best[0]):
                best = (stamp, cls(url, root))
        return best[1] if best else None

    def exists(self) -> bool:
        return self.path.exists()

    def connect(self) -> sqlite3.Connection:
        self.dir.mkdir(parents=True, exist_ok=True)
        conn = _connect(self.path)
        conn.executescript(SCHEMA)
        return conn

    # --- reading ----------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        if not self.exists():
            return None
        with _connect(self.path) as conn:
            return _meta(conn, key)

    def stamp(self) -> str | None:
        """The refresh stamp; a Lookup is rebuilt when it changes."""
        return self.meta("last_refresh")

    def last_refresh(self) -> datetime | None:
        """When the last refresh ran, on the server's clock (the clock every rule uses)."""
        s = self.meta("server_time") or self.stamp()
        return datetime.fromisoformat(s) if s else None

    def _master(self, kind: str) -> list[dict]:
        with self.connect() as conn:
            rows = conn.execute("SELECT body FROM master WHERE kind=? ORDER BY id", (kind,))
            return [json.loads(r[0]) for r in rows]

    def settings(self) -> Settings:
        body = self._master("settings")
        return wire.settings_from_json(body[0]) if body else Settings()

    def objects(self) -> list[CrmObject]:
        return [wire.object_from_json(o) for o in self._master("object")]

    def tree(self) -> ObjectTree:
        return ObjectTree(self.objects())

    def activities(self) -> list[Activity]:
        return [wire.activity_from_json(a) for a in self._master("activity")]

    def profiles(self) -> dict[str, Profile]:
        return {p.name: p for p in map(wire.profile_from_json, self._master("profile"))}

    def histories(self) -> list[BudgetHistory]:
        currencies = {o.id: o.currency for o in self.objects()}
        default = self.settings().currency
        out = []
        with self.connect() as conn:
            for (body,) in conn.execute("SELECT versions FROM budgets ORDER BY id"):
                versions = json.loads(body)
                cur = currencies.get(versions[0]["object"], default)
                out.append(wire.history_from_json(versions, cur))
        return out

    def server_today(self) -> date:
        """Today on the server's clock in the company timezone, as of the last refresh.

        The server's time at the refresh plus the local time elapsed since, so the
        workbook's forecasts agree with the service's even when its clock differs.
        """
        tz = ZoneInfo(self.settings().timezone)
        server = self.meta("server_time")
        local = self.meta("local_time")
        now = datetime.now(UTC)
        if server and local:
            now = datetime.fromisoformat(server) + (now - datetime.fromisoformat(local))
        return now.astimezone(tz).date()

    def lookup(self):
        """The process-wide :class:`Lookup` of this cache (rebuilt after a refresh)."""
        return lookup_for(self)

    # --- writing ----------------------------------------------------------------------
    def refresh(
        self, client: wire.Client, progress: Callable[[str], None] | None = None
    ) -> RefreshStats:
        """Pull what changed since the last refresh into the cache (delta sync)."""
        say = progress or (lambda _msg: None)
        local_before = datetime.now(UTC)
        health = client.healthz()
        say("master data")
        settings = client.settings()
        objects, activities, profiles = client.objects(), client.activities(), client.profiles()
        currencies = {
            o["id"]: o.get("currency") or settings.get("currency") or "EUR" for o in objects
        }
        default_cur = settings.get("currency") or "EUR"
        conn = self.connect()
        try:
            with conn:
                conn.execute("DELETE FROM master")
                conn.execute(
                    "INSERT INTO master VALUES ('settings', '', ?)", (json.dumps(settings),)
                )
                conn.executemany(
                    "INSERT INTO master VALUES ('object', ?, ?)",
                    [(o["id"], json.dumps(o)) for o in objects],
                )
                conn.executemany(
                    "INSERT INTO master VALUES ('activity', ?, ?)",
                    [(a["code"], json.dumps(a)) for a in activities],
                )
                conn.executemany(
                    "INSERT INTO master VALUES ('profile', ?, ?)",
                    [(str(p.get("name") or p.get("profile")), json.dumps(p)) for p in profiles],
                )
            cursor = _meta(conn, "cursor") or None
            pages = nlines = npos = ndel = ntasks = 0
            while True:
                page = client.sync(cursor)
                pages += 1
                with conn:
                    a, b, c, t = _apply_page(conn, page, currencies, default_cur)
                nlines, npos, ndel, ntasks = nlines + a, npos + b, ndel + c, ntasks + t
                say(f"sync page {pages}: {nlines} lines, {npos} orders, {ndel} deletions")
                new_cursor = page.get("next_cursor", page.get("cursor"))
                with conn:
                    _set_meta(conn, "cursor", "" if new_cursor is None else str(new_cursor))
                more = page.get("has_more", page.get("more"))
                if more is None:
                    more = bool(a or b or c or t) and new_cursor not in (None, cursor)
                if not more or new_cursor in (None, cursor):
                    break
                cursor = str(new_cursor)
            say("budgets")
            nbud = self._refresh_budgets(conn, client)
            with conn:
                _set_meta(conn, "server_url", self.server_url)
                _set_meta(conn, "server_time", health.get("time") or local_before.isoformat())
                _set_meta(conn, "local_time", local_before.isoformat())
                stamp = datetime.now(UTC).isoformat()
                _set_meta(conn, "last_refresh", stamp)
                if nlines or ndel or ntasks or not _meta(conn, "data_stamp"):
                    _set_meta(conn, "data_stamp", stamp)
        finally:
            conn.close()
        _invalidate(self.path)
        return RefreshStats(pages, nlines, npos, ndel, nbud)

    def _refresh_budgets(self, conn: sqlite3.Connection, client: wire.Client) -> int:
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

    def fill(
        self,
        *,
        settings: Mapping,
        objects: Iterable[Mapping],
        activities: Iterable[Mapping],
        lines: Iterable[tuple],
        pos: Iterable[tuple] = (),
        budgets: Iterable[list[Mapping]] = (),
        profiles: Iterable[Mapping] = (),
        server_time: datetime | None = None,
    ) -> None:
        """Fill the cache directly (benchmarks and offline tests).

        ``lines`` are ``(line_id, task_id, object, activity, kind, date, task_created,
        amount_minor, reference)``; ``pos`` are ``(po_id, object, activity, vendor,
        ordered_on, amount_minor, invoiced_minor, status)``; ``budgets`` are version lists.
        """
        now = datetime.now(UTC)
        conn = self.connect()
        try:
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO master VALUES ('settings', '', ?)",
                    (json.dumps(dict(settings)),),
                )
                for kind, items, key in (
                    ("object", objects, "id"),
                    ("activity", activities, "code"),
                    ("profile", profiles, "name"),
                ):
                    conn.executemany(
                        "INSERT OR REPLACE INTO master VALUES (?, ?, ?)",
                        [(kind, str(i[key]), json.dumps(dict(i))) for i in items],
                    )
                conn.executemany("INSERT OR REPLACE INTO lines VALUES (?,?,?,?,?,?,?,?,?)", lines)
                conn.executemany("INSERT OR REPLACE INTO pos VALUES (?,?,?,?,?,?,?,?)", pos)
                conn.executemany(
                    "INSERT OR REPLACE INTO budgets VALUES (?, ?)",
                    [(str(v[0]["id"]), json.dumps(list(v))) for v in budgets],
                )
                _set_meta(conn, "server_url", self.server_url)
                _set_meta(conn, "server_time", (server_time or now).isoformat())
                _set_meta(conn, "local_time", now.isoformat())
                _set_meta(conn, "last_refresh", now.isoformat())
                _set_meta(conn, "data_stamp", now.isoformat())
        finally:
            conn.close()
        _invalidate(self.path)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def _minor(value: object, currency: str) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, int):
        return value
    return Money.of(str(value), currency).minor


def _first(d: Mapping, *keys: str, default=None):
    for k in keys:
        if k in d and d[k] is not None:
            return d[k]
    return default


def _apply_page(
    conn: sqlite3.Connection, page: Mapping, currencies: Mapping[str, str], default: str
) -> tuple[int, int, int, int]:
    """Upsert a sync page's lines, tasks and orders, then apply its tombstones.

    Returns how many lines, orders, deletions and tasks it held.
    """
    changes = page.get("changes") if isinstance(page.get("changes"), Mapping) else page
    tasks = _first(changes, "tasks", default=[]) or []
    conn.executemany(
        "INSERT OR REPLACE INTO tasks VALUES (?, ?, ?, ?)",
        [
            (
                str(_first(t, "task_id", "id")),
                t.get("object"),
                t.get("activity"),
                _first(t, "created_at", "task_created"),
            )
            for t in tasks
        ],
    )
    lines = _first(changes, "lines", "actual_lines", "actuals", default=[]) or []
    conn.executemany(
        "INSERT OR REPLACE INTO lines VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (
                str(_first(ln, "line_id", "id")),
                _first(ln, "task_id", "task"),
                ln.get("object"),
                ln.get("activity"),
                ln.get("kind"),
                str(ln.get("date"))[:10],
                ln.get("task_created"),
                _minor(ln.get("amount"), currencies.get(ln.get("object"), default)),
                ln.get("reference") or "",
            )
            for ln in lines
        ],
    )
    pos = _first(changes, "purchase_orders", "pos", "orders", default=[]) or []
    conn.executemany(
        "INSERT OR REPLACE INTO pos VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                str(_first(p, "po_id", "id")),
                p.get("object"),
                p.get("activity"),
                p.get("vendor") or "",
                str(p.get("ordered_on"))[:10],
                _minor(p.get("amount"), currencies.get(p.get("object"), default)),
                _minor(p.get("invoiced_amount"), currencies.get(p.get("object"), default)),
                p.get("status"),
            )
            for p in pos
        ],
    )
    deleted = _first(changes, "deleted", "tombstones", default=[]) or []
    ndel = 0
    for t in deleted:
        if isinstance(t, Mapping):
            kind = str(_first(t, "type", "kind", "entity", default="line"))
            ident = str(_first(t, "id", "line_id", "po_id", "task_id"))
        else:
            kind, ident = "line", str(t)
        table, col = {
            "po": ("pos", "po_id"),
            "purchase_order": ("pos", "po_id"),
            "purchase_orders": ("pos", "po_id"),
            "task": ("tasks", "task_id"),
            "tasks": ("tasks", "task_id"),
        }.get(kind, ("lines", "line_id"))
        ndel += conn.execute(f"DELETE FROM {table} WHERE {col}=?", (ident,)).rowcount
    return len(lines), len(pos), ndel, len(tasks)


def refresh(client: wire.Client, progress: Callable[[str], None] | None = None) -> Cache:
    """Refresh the cache of ``client``'s server and return it."""
    cache = Cache(client.base_url)
    cache.refresh(client, progress)
    return cache


# --- the formulas' look-up structure ---------------------------------------------------

#: seconds between checks of the refresh stamp (a formula never waits on SQLite)
CHECK_EVERY = 1.0
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class Lookup:
    """Running sums over the cache so that one formula costs two bisects.

    For every key ``(object-or-ancestor-or-"*", activity-or-"*", kind)`` it keeps the
    sorted dates (ordinals) that have amounts and the cumulative sums up to each, so the
    amount between two dates is ``cum[bisect_right(to)] - cum[bisect_left(from)]``. Kinds
    are ``"income"``, ``"cost"`` (dated actuals) and ``"committed"`` (open purchase orders
    dated by their order date). Budgets are prorated per line with ``core.phasing``.

    >>> lk = Lookup.__new__(Lookup)
    >>> lk._sums = {("P1", "*", "cost"): ([10, 12], [0, 500, 800])}
    >>> lk.amount("P1", "*", 11, 12, "cost"), lk.amount("P1", "*", 1, 30, "cost")
    (300, 800)
    """

    def __init__(self, cache: Cache):
        from pixie_xl.core import dating

        self.cache = cache
        self.settings = cache.settings()
        self.tree = cache.tree()
        self.activities = {a.code: a for a in cache.activities()}
        self.profiles = cache.profiles()
        self.histories = cache.histories()
        self.today = cache.server_today()
        self.refreshed = cache.last_refresh()
        self.currency = self.settings.currency
        #: minor units per major unit of the company currency
        self.scale = 10 ** exponent(self.currency)
        raw, commitments = _load_frames(cache)
        self.actuals = dating.dated_actuals(raw, self.settings)
        self.commitments = commitments
        self._sums = None
        self._budget_lines = None
        self._facts = None

    @property
    def sums(self) -> dict:
        """The running sums, built on the first formula (a refresh alone does not need them)."""
        if self._sums is None:
            self._sums = _running_sums(self.actuals, self.commitments, self.tree)
        return self._sums

    @property
    def budget_lines(self) -> dict:
        if self._budget_lines is None:
            self._budget_lines = _budget_index(self.histories, self.tree)
        return self._budget_lines

    def keys(self, object_id: str) -> list[str]:
        """``object_id``, its ancestors and ``"*"``: every key a line of it is summed into."""
        return [object_id, *self.tree.ancestors(object_id), "*"]

    def amount(self, object_id: str, activity: str, frm: int, to: int, kind: str) -> int:
        """Minor units of ``kind`` for the object's subtree between two date ordinals."""
        sums = self._sums if self._sums is not None else self.sums
        entry = sums.get((object_id, activity, kind))
        if entry is None or to < frm:
            return 0
        dates, cum = entry
        return cum[bisect_right(dates, to)] - cum[bisect_left(dates, frm)]

    def budget(
        self, object_id: str, activity: str, frm: date, to: date, kind: str, version: str
    ) -> int:
        """The budget of the subtree prorated to ``frm..to`` (``version`` current/original).

        Remembered per arguments: a sheet asks the same roll-up from many cells.
        """
        key = (object_id, activity, frm, to, kind, version)
        memo = self.__dict__.setdefault("_budget_memo", {})
        if key in memo:
            return memo[key]
        from pixie_xl.core import phasing

        total = 0
        for start, end, ph, amounts in self.budget_lines.get((object_id, activity, version), ()):
            if end < frm or start > to:
                continue
            amt = amounts[0] if kind == "income" else amounts[1]
            if amt:
                total += phasing.prorate(amt, start, end, ph, frm, to, self.profiles)
        memo[key] = total
        return total

    @property
    def facts(self):
        """The core's variance facts, built on first use."""
        if self._facts is None:
            from pixie_xl.core import variance

            self._facts = variance.Facts(
                objects=self.tree,
                settings=self.settings,
                profiles=self.profiles,
                budgets=self.histories,
                actuals=self.actuals,
                commitments=self.commitments,
            )
        return self._facts


def _load_frames(cache: Cache):
    """The raw actual lines (as ``core.dating`` wants them) and the commitments.

    The lines come from a columnar snapshot (``lines.npz``) kept beside the SQLite file and
    rewritten only when the lines changed (``data_stamp``), so building a Lookup after a
    refresh that moved no lines does not re-read a million rows from SQLite.
    """
    import pandas as pd

    with cache.connect() as conn:
        data_stamp = _meta(conn, "data_stamp") or ""
        commitments = pd.read_sql_query(
            "SELECT object, activity, ordered_on AS date,"
            " MAX(amount - invoiced_amount, 0) AS amount FROM pos"
            " WHERE status IN ('approved', 'received') AND amount > invoiced_amount",
            conn,
        )
        raw = _read_snapshot(cache.dir / "lines.npz", data_stamp)
        if raw is None:
            raw = pd.read_sql_query(
                "SELECT COALESCE(l.object, t.object) AS object,"
                " COALESCE(l.activity, t.activity) AS activity, l.kind, l.date,"
                " COALESCE(l.task_created, t.created_at) AS task_created, l.amount"
                " FROM lines l LEFT JOIN tasks t ON t.task_id = l.task_id",
                conn,
            )
            raw["amount"] = raw["amount"].astype("int64")
            # vectorised parsing here keeps the core's per-value fallback off the hot path
            raw["date"] = pd.to_datetime(raw["date"], format="ISO8601")
            raw["task_created"] = pd.to_datetime(raw["task_created"], format="ISO8601", utc=True)
            _write_snapshot(cache.dir / "lines.npz", data_stamp, raw)
    commitments["amount"] = commitments["amount"].astype("int64")
    commitments["date"] = pd.to_datetime(commitments["date"]).dt.date
    return raw, commitments


_TEXT_COLUMNS = ("object", "activity", "kind")


def _write_snapshot(path: Path, stamp: str, raw) -> None:
    import numpy as np
    import pandas as pd

    arrays = {"stamp": np.array(stamp)}
    for col in _TEXT_COLUMNS:
        codes, uniques = pd.factorize(raw[col].astype(str))
        arrays[f"{col}_codes"] = codes.astype(np.int32)
        arrays[f"{col}_values"] = np.array(list(uniques) or [""], dtype=str)
    arrays["date"] = raw["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    created = raw["task_created"].dt.tz_convert("UTC").dt.tz_localize(None)
    arrays["task_created"] = created.to_numpy().astype("datetime64[ns]").astype(np.int64)
    arrays["amount"] = raw["amount"].to_numpy(np.int64)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def _read_snapshot(path: Path, stamp: str):
    import numpy as np
    import pandas as pd

    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["stamp"]) != stamp:
                return None
            cols = {c: z[f"{c}_values"].astype(object)[z[f"{c}_codes"]] for c in _TEXT_COLUMNS}
            created = pd.to_datetime(z["task_created"].view("datetime64[ns]")).tz_localize("UTC")
            return pd.DataFrame(
                {
                    **cols,
                    "date": z["date"].astype("datetime64[D]").astype("datetime64[s]"),
                    "task_created": created,
                    "amount": z["amount"],
                }
            )[["object", "activity", "kind", "date", "task_created", "amount"]]
    except (OSError, ValueError, KeyError):
        return None


def _ordinals(col):
    """Date ordinals of a column of dates, datetimes or ISO text."""
    import numpy as np
    import pandas as pd

    values = pd.to_datetime(col).to_numpy().astype("datetime64[D]").astype(np.int64)
    return values + _EPOCH_ORDINAL


def _running_sums(actuals, commitments, tree: ObjectTree) -> dict:
    import numpy as np
    import pandas as pd

    frames = [
        pd.DataFrame(
            {
                "object": actuals["object"].astype(str).to_numpy(),
                "activity": actuals["activity"].astype(str).to_numpy(),
                "kind": actuals["kind"].astype(str).to_numpy(),
                "ord": _ordinals(actuals["date"]),
                "amount": actuals["amount"].astype(np.int64).to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "object": commitments["object"].astype(str).to_numpy(),
                "activity": commitments["activity"].astype(str).to_numpy(),
                "kind": "committed",
                "ord": _ordinals(commitments["date"]),
                "amount": commitments["amount"].astype(np.int64).to_numpy(),
            }
        ),
    ]
    df = pd.concat(frames, ignore_index=True)
    if df.empty:
        return {}
    # aggregate first (days × objects × activities is small), then spread to ancestors
    df = df.groupby(["object", "activity", "kind", "ord"], as_index=False, sort=False).sum()
    present = df["object"].unique()
    spread = pd.DataFrame(
        [
            (o, k)
            for o in present
            for k in ([o, *tree.ancestors(o), "*"] if o in tree else [o, "*"])
        ],
        columns=["object", "key"],
    )
    df = df.merge(spread, on="object")
    df = pd.concat([df, df.assign(activity="*")], ignore_index=True)
    g = df.groupby(["key", "activity", "kind", "ord"], sort=True)["amount"].sum().reset_index()
    keys = list(zip(g["key"], g["activity"], g["kind"], strict=True))
    ords = g["ord"].to_numpy()
    amounts = g["amount"].to_numpy()
    starts = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]] + [len(keys)]
    out = {}
    for a, b in itertools.pairwise(starts):
        cum = np.concatenate(([0], np.cumsum(amounts[a:b])))
        out[keys[a]] = (ords[a:b].tolist(), [int(x) for x in cum])
    return out


def _budget_index(histories, tree: ObjectTree) -> dict:
    """``(object-or-ancestor-or-"*", activity-or-"*", version)`` → budget lines."""
    out: dict = {}
    for h in histories:
        for tag, v in (("current", h.current), ("original", h.master)):
            objs = (
                [v.object, *tree.ancestors(v.object), "*"] if v.object in tree else [v.object, "*"]
            )
            for ln in v.lines:
                item = (v.start, v.end, ln.phasing, (ln.income.minor, ln.cost.minor))
                for o in objs:
                    for a in (ln.activity, "*"):
                        out.setdefault((o, a, tag), []).append(item)
    return out


class _Entry:
    __slots__ = ("checked", "lookup", "stamp")

    def __init__(self, stamp, lookup, checked):
        self.stamp, self.lookup, self.checked = stamp, lookup, checked


_LOOKUPS: dict[Path, _Entry] = {}


def lookup_for(cache: Cache) -> Lookup:
    """The process's Lookup of ``cache``, rebuilt when the refresh stamp changed."""
    now = monotonic()
    entry = _LOOKUPS.get(cache.path)
    if entry is not None and now - entry.checked < CHECK_EVERY:
        return entry.lookup
    stamp = cache.stamp()
    if entry is not None and entry.stamp == stamp:
        entry.checked = now
        return entry.lookup
    lk = Lookup(cache)
    _LOOKUPS[cache.path] = _Entry(stamp, lk, monotonic())
    return lk


#: grows whenever a Lookup is dropped, so callers holding one know to ask again
GENERATION = [0]


def _invalidate(path: Path) -> None:
    _LOOKUPS.pop(path, None)
    GENERATION[0] += 1


def forget_lookups() -> None:
    """Drop every built Lookup (after a refresh in this process, and in tests)."""
    _LOOKUPS.clear()
    GENERATION[0] += 1
