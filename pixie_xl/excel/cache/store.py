"""The local cache that Refresh fills and the worksheet formulas read (SPEC §3): storage.

One cache per server URL, in ``user_cache_dir("pixie-xl")/<sha1 of url>/`` (``PIXIE_CACHE_DIR``
replaces the root, for tests and the demo). ``cache.sqlite`` holds the sync cursor, the
purchase orders, the master data, the budgets (current and every version) and when it was
last refreshed; ``lines.arrow`` (an Arrow IPC file, :data:`LINES`) holds the actual lines as
columns, so a million lines are written and read as a handful of arrays, never row by row.
Money is stored as integer minor units. Formulas keep working offline from the last refresh.

:mod:`.snapshot` applies the service's sync pages; :mod:`.lookup` builds the formulas'
running sums.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from pixie_xl import client as wire
from pixie_xl.arrow_sync import instants
from pixie_xl.core.gcpause import no_gc
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
CREATE TABLE IF NOT EXISTS pos (
    po_id TEXT PRIMARY KEY, object TEXT, activity TEXT, vendor TEXT, ordered_on TEXT,
    amount INTEGER, invoiced_amount INTEGER, status TEXT);
CREATE TABLE IF NOT EXISTS master (kind TEXT, id TEXT, body TEXT, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS budgets (id TEXT PRIMARY KEY, versions TEXT);
"""

#: the columns of ``lines.arrow``; its schema metadata holds the sync cursor it reflects
LINES = pa.schema(
    [
        ("line_id", pa.string()),
        ("task_id", pa.string()),
        ("object", pa.string()),
        ("activity", pa.string()),
        ("kind", pa.string()),
        ("date", pa.date32()),
        ("task_created", pa.timestamp("us", tz="UTC")),
        ("amount", pa.int64()),
        ("reference", pa.string()),
    ]
)
LINES_FILE = "lines.arrow"


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
        """The process-wide :class:`~.lookup.Lookup` of this cache (rebuilt after a refresh)."""
        from .lookup import lookup_for

        return lookup_for(self)

    def lines(self) -> pa.Table:
        """The actual lines (:data:`LINES`); empty before the first refresh."""
        try:
            with pa.OSFile(str(self.dir / LINES_FILE)) as f:
                return pa.ipc.open_file(f).read_all()
        except (FileNotFoundError, pa.ArrowInvalid):
            return LINES.empty_table()

    def lines_cursor(self) -> str | None:
        """The sync cursor the lines file reflects (None: no readable lines file)."""
        try:
            with pa.OSFile(str(self.dir / LINES_FILE)) as f:
                meta = pa.ipc.open_file(f).schema.metadata or {}
        except (FileNotFoundError, pa.ArrowInvalid):
            return None
        return meta.get(b"cursor", b"").decode()

    def write_lines(self, table: pa.Table, cursor: str) -> None:
        """Replace the lines file in one rename (a reader sees the old or the new file)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        table = table.select(LINES.names).cast(LINES).replace_schema_metadata({"cursor": cursor})
        tmp = self.dir / (LINES_FILE + ".tmp")
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as w:
            w.write_table(table, max_chunksize=262144)
        os.replace(tmp, self.dir / LINES_FILE)

    # --- writing ----------------------------------------------------------------------
    def refresh(
        self, client: wire.Client, progress: Callable[[str], None] | None = None
    ) -> RefreshStats:
        """Pull what changed since the last refresh into the cache (:mod:`.snapshot`)."""
        from .snapshot import refresh_cache

        return refresh_cache(self, client, progress)

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
                _put_master(conn, settings, objects, activities, profiles)
                conn.executemany("INSERT OR REPLACE INTO pos VALUES (?,?,?,?,?,?,?,?)", pos)
                conn.executemany(
                    "INSERT OR REPLACE INTO budgets VALUES (?, ?)",
                    [(str(v[0]["id"]), json.dumps(list(v))) for v in budgets],
                )
                _set_meta(conn, "server_url", self.server_url)
                _set_meta(conn, "server_time", (server_time or now).isoformat())
                _set_meta(conn, "local_time", now.isoformat())
                _set_meta(conn, "last_refresh", now.isoformat())
            from .snapshot import merge_lines

            merged, _ = merge_lines(self.lines(), lines_table(lines), ())
            self.write_lines(merged, _meta(conn, "cursor") or "")
        finally:
            conn.close()
        invalidate(self.path)


def _put_master(
    conn: sqlite3.Connection,
    settings: Mapping,
    objects: Iterable[Mapping],
    activities: Iterable[Mapping],
    profiles: Iterable[Mapping],
) -> None:
    """The settings, objects, activities and profiles into the ``master`` table (for
    :meth:`Cache.fill`), each keyed by its id, code or name."""
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


def lines_table(rows: Iterable[tuple]) -> pa.Table:
    """``(line_id, task_id, object, activity, kind, date, task_created, amount_minor,
    reference)`` tuples (dates and instants as ISO text or objects) → a :data:`LINES` table."""
    with no_gc():  # a million small tuples and no cycles among them
        cols = list(zip(*rows, strict=True)) or [()] * len(LINES)
        arrays = []
        for field, values in zip(LINES, cols, strict=True):
            if field.name == "task_created":
                arr = instants(values) if values else pa.array([], field.type)
            elif field.name == "date":
                arr = _days(values)
            else:
                arr = pa.array(values, field.type)
            arrays.append(arr)
        return pa.Table.from_arrays(arrays, schema=LINES)


def _days(values) -> pa.Array:
    """Dates, datetimes or ISO text (a time part ignored) → date32."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a mix: each as text
        arr = pa.array([str(v) for v in values], pa.string())
    if pa.types.is_timestamp(arr.type):  # a datetime's own (local) date, as its text has it
        arr = pa.array([str(v) for v in values], pa.string())
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        return pc.utf8_slice_codeunits(arr, 0, 10).cast(pa.date32())
    return arr.cast(pa.date32())


def invalidate(path: Path) -> None:
    """Drop the Lookup built over the cache at ``path`` (after it changed)."""
    from .lookup import invalidate as drop

    drop(path)
