"""The sync service over HTTP on loopback (a waitress process on a fresh SQLite file).

1. Ingest 1,000,000 actual lines as CSV uploads in four batches of 250,000, against a bare
   ``executemany`` of the same rows into a fresh SQLite file in this process (target: at
   least 0.7 of its rate, issue 12 item 4): :data:`INGEST_RUNS` runs of a floor and then an
   ingest (on a fresh service and file), the figure from the run of the median ratio.
2. A workbook's first refresh of them (Arrow pull, the cache's lines file, the formulas'
   frames), against a bare ``SELECT`` of the same lines into tuples (target: within 3x).
3. A delta of 1,000 changed lines fetched from the client's cursor (target: under 50 ms).
4. p50/p99 latency of ``/api/v1/sync`` (a 1,000-line delta) and ``/api/v1/variance`` (one
   quarter, every object) under 20 concurrent clients, a bounded number of requests each;
   then the slowest of 20 simultaneous first asks for the variance right after a write.
5. The 20-client mixed workload of reads and writes (see its section below): its p99,
   target under 500 ms. ``python -m bench.bench_server mixed`` measures only this figure.
"""

from __future__ import annotations

import glob
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import requests

from bench.harness import Result, absolute, at_least, relative

N_LINES = 1_000_000
BATCHES = 4
N_OBJECTS = 200
ACTIVITIES = ["ROAD", "MAINT", "DESIGN", "SURVEY", "PAVE", "LIGHT", "DRAIN", "SIGN"]
CLIENTS = 20
#: the SQLite ingest is run this many times, each on a fresh service and file right after
#: its floor, and judged by the median of the ratios: on this shared machine the floor alone
#: moves from 200k to 360k rows/s between runs a minute apart, and the ingest with it
INGEST_RUNS = 5
_CSV = {"Content-Type": "text/csv"}
HEADER = "line_id,task_id,object,activity,task_created,kind,date,amount,reference"


def _rows(n: int, seed: int = 7) -> list[tuple]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        task = i // 5
        obj = f"P-{task % N_OBJECTS:04d}"
        act = ACTIVITIES[task % len(ACTIVITIES)]
        day = f"2026-{1 + (i % 12):02d}-{1 + (i % 28):02d}"
        amount = f"{rnd.randrange(1, 500000) / 100:.2f}"
        out.append((f"L{i:07d}", f"T{task:06d}", obj, act, "2026-01-01T08:00:00+00:00",
                    "cost" if i % 4 else "income", day, amount, f"R{i}"))  # fmt: skip
    return out


def _csv(rows: list[tuple]) -> bytes:
    return ("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n").encode()


def bare_rate(rows: list[tuple], folder: str) -> float:
    """Rows per second of one ``executemany`` into a fresh SQLite file (WAL, one commit),
    into a table shaped like the service's ``actual_lines`` (text key, indexed ``seq``)."""
    path = os.path.join(folder, "bare.db")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE lines (id TEXT PRIMARY KEY, task_id TEXT, kind TEXT, date TEXT,"
        " amount_minor BIGINT, reference TEXT, seq BIGINT, deleted BOOLEAN)"
    )
    conn.execute("CREATE INDEX ix_lines_seq ON lines (seq)")
    params = [
        (r[0], r[1], r[5], r[6], int(r[7].replace(".", "")), r[8], i, False)
        for i, r in enumerate(rows)
    ]
    t0 = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO lines VALUES (?,?,?,?,?,?,?,?)", params)
    rate = len(rows) / (time.perf_counter() - t0)
    conn.close()
    return rate


def start_server(folder: str, port: int, url: str = "") -> subprocess.Popen:
    """The service under waitress on ``url`` (default: a fresh SQLite file in ``folder``)."""
    env = {**os.environ, "PIXIE_TOKEN_FILE": os.path.join(folder, "token")}
    url = url or f"sqlite:///{folder}/pixie.db"
    code = f"import pixie_server; pixie_server.serve({url!r}, port={port}, threads=8)"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return proc
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the service did not start")


# --- the ingest on PostgreSQL (issue 12.4: COPY) -------------------------------------------


class Cluster:
    """A throwaway PostgreSQL cluster in a folder of its own (as the tests start one: no
    fsync), which :meth:`stop` removes."""

    def __init__(self, bindir: str):
        self.bindir, self.port = bindir, _free_port()
        self.dir = tempfile.mkdtemp(prefix="pixie-bench-pg-")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-sync")
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories="
            f"{self.dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        log = os.path.join(self.dir, "log")
        self._run("pg_ctl", "-D", self.data, "-o", opts, "-l", log, "-w", "start")

    def _run(self, program: str, *args: str) -> None:
        cmd = [os.path.join(self.bindir, program), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def dsn(self, name: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={name}"

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def postgres_bindir() -> str | None:
    """The folder of PostgreSQL's ``initdb``, or None when it is not installed."""
    found = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
    )
    return os.path.dirname(os.path.realpath(found)) if found else None


_PG_LINES = (
    "CREATE TABLE {} (id varchar(200) PRIMARY KEY, task_id varchar(200), kind varchar(10),"
    " date date, amount_minor bigint, reference text, seq bigint, deleted boolean)"
)


def bare_pg_rates(rows: list[tuple], dsn: str) -> tuple[float, float]:
    """Rows per second of one ``executemany`` (the floor the SQLite figure uses too) and of
    one ``COPY``, each into a fresh table shaped like the service's ``actual_lines`` (text
    key, indexed ``seq``), one commit each."""
    import psycopg

    params = [
        (r[0], r[1], r[5], r[6], int(r[7].replace(".", "")), r[8], i, False)
        for i, r in enumerate(rows)
    ]
    rates = []
    with psycopg.connect(dsn) as conn:
        for table in ("lines_insert", "lines_copy"):
            conn.execute(_PG_LINES.format(table))
            conn.execute(f"CREATE INDEX ix_{table}_seq ON {table} (seq)")
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO lines_insert VALUES (%s,%s,%s,%s,%s,%s,%s,%s)", params)
        conn.commit()
        rates.append(len(rows) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        with conn.cursor().copy("COPY lines_copy FROM STDIN") as copy:
            for p in params:
                copy.write_row(p)
        conn.commit()
        rates.append(len(rows) / (time.perf_counter() - t0))
    return rates[0], rates[1]


def ingest_rate(http: requests.Session, url: str, rows: list[tuple]) -> float:
    """Rows per second of ``rows`` sent to the service as CSV in :data:`BATCHES` uploads,
    after its objects and activities."""
    objects = "id,name,kind,parent,currency\n" + "".join(
        f"P-{i:04d},Project {i},project,,EUR\n" for i in range(N_OBJECTS)
    )
    acts = "code,name,active\n" + "".join(f"{a},{a},true\n" for a in ACTIVITIES)
    for table in (objects, acts):
        http.post(f"{url}/api/v1/ingest", data=table, headers=_CSV).raise_for_status()
    size = len(rows) // BATCHES
    bodies = [_csv(rows[i * size : (i + 1) * size]) for i in range(BATCHES)]
    t0 = time.perf_counter()
    for body in bodies:
        http.post(f"{url}/api/v1/ingest", data=body, headers=_CSV).raise_for_status()
    return len(rows) / (time.perf_counter() - t0)


def run_postgresql(rows: list[tuple]) -> list[Result]:
    """``server_ingest_1m_lines_csv_http_postgresql``: the same uploads to the service on a
    throwaway PostgreSQL cluster, against a bare ``executemany`` of the same rows on that
    cluster (the floor of the SQLite figure, target 0.7 of its rate); the service's rate
    against a bare ``COPY`` is reported beside it, with no target."""
    bindir = postgres_bindir()
    if bindir is None:
        print("server_ingest_1m_lines_csv_http_postgresql not measured: no initdb installed")
        return []
    with tempfile.TemporaryDirectory() as folder:
        cluster = Cluster(bindir)
        try:
            cluster.new_database("floor")
            floor, copy_floor = bare_pg_rates(rows, cluster.dsn("floor"))
            port = _free_port()
            proc = start_server(folder, port, cluster.new_database("pixie"))
            try:
                http = requests.Session()
                token = Path(folder, "token").read_text().strip()
                http.headers.update({"Authorization": f"Bearer {token}"})
                rate = ingest_rate(http, f"http://127.0.0.1:{port}", rows)
            finally:
                proc.kill()
                proc.wait()
        finally:
            cluster.stop()
    name = "server_ingest_1m_lines_csv_http_postgresql"
    return [
        at_least(name, rate, floor, "rows/s", 0.7),
        absolute(f"{name}_vs_bare_copy", rate, "rows/s", None, floor=copy_floor),
    ]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def full_sync(http: requests.Session, url: str, cursor: str = "") -> tuple[int, str]:
    n = 0
    while True:
        page = http.get(f"{url}/api/v1/sync", params={"cursor": cursor, "limit": 50000}).json()
        n += len(page["lines"]) + len(page["deleted"])
        cursor = page["next_cursor"]
        if not page["more"]:
            return n, cursor


#: the lines as the sync sends them (its query without the page limit)
SYNC_SELECT = (
    "SELECT l.seq, l.id, l.deleted, l.task_id, t.object_id, t.activity_code, t.created_at,"
    " l.kind, l.date, l.amount_minor, l.reference FROM actual_lines l"
    " LEFT JOIN tasks t ON t.id = l.task_id WHERE NOT l.deleted ORDER BY l.seq"
)


def bare_select(path: str) -> float:
    """Seconds of a bare ``SELECT`` of the synced lines into Python tuples (sqlite3, this
    process, the service's database file): the floor of a full sync."""
    conn = sqlite3.connect(path)
    try:
        t0 = time.perf_counter()
        n = len(conn.execute(SYNC_SELECT).fetchall())
        took = time.perf_counter() - t0
    finally:
        conn.close()
    assert n == N_LINES, n
    return took


def client_full_sync(url: str, token: str, root: Path) -> tuple[float, str]:
    """Seconds of a workbook's first refresh of a new cache: master data, the lines pulled
    as Arrow and written to the cache's lines file, and the Lookup's frames built from it
    (the dated actuals the formulas sum). Returns them and the cursor reached."""
    from pixie_xl import client as wire
    from pixie_xl.excel.cache import Cache

    t0 = time.perf_counter()
    cache = Cache(url, root)
    stats = cache.refresh(wire.Client(url, token))
    frames = cache.lookup()
    took = time.perf_counter() - t0
    assert stats.lines == N_LINES == len(frames.actuals), (stats, len(frames.actuals))
    return took, cache.meta("cursor") or ""


def latencies(url: str, headers: dict, path: str, params: dict, per_client: int) -> list[float]:
    out: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        s = requests.Session()
        s.headers.update(headers)
        mine = []
        for _ in range(per_client):
            t0 = time.perf_counter()
            r = s.get(f"{url}{path}", params=params, timeout=600)
            r.raise_for_status()
            r.json()
            mine.append(time.perf_counter() - t0)
        with lock:
            out.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(out)


def _pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, round(p * (len(values) - 1)))]


def ingest_runs(rows: list[tuple], top: str) -> tuple[Result, subprocess.Popen, str, str]:
    """``server_ingest_1m_lines_csv_http``: :data:`INGEST_RUNS` runs of the floor, then the
    ingest on a fresh service and file in a folder of ``top``; returns the figure of the
    run of median ratio, and the last run's service (running), folder and URL."""
    floors, rates = [], []
    proc, folder = None, top
    try:
        for attempt in range(INGEST_RUNS):
            if proc is not None:
                _stop(proc)
                shutil.rmtree(folder)
            folder = os.path.join(top, f"run-{attempt}")
            os.mkdir(folder)
            floors.append(bare_rate(rows, folder))
            port = _free_port()
            proc = start_server(folder, port)
            url = f"http://127.0.0.1:{port}"
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {Path(folder, 'token').read_text().strip()}"
            rates.append(ingest_rate(http, url, rows))
    except BaseException:
        if proc is not None:
            _stop(proc)
        raise
    shown = [[round(r) for r in runs] for runs in (rates, floors)]
    print(f"  ingest {shown[0]}, floor {shown[1]} rows/s")
    # each ingest is judged against the floor measured just before it, on the same disk at
    # nearly the same moment; the figure is the run of the median ratio
    rate, floor = sorted(zip(rates, floors, strict=True), key=lambda p: p[0] / p[1])[
        len(rates) // 2
    ]
    result = at_least("server_ingest_1m_lines_csv_http", rate, floor, "rows/s", 0.7)
    return result, proc, folder, url


def _only_ingest() -> list[Result]:
    with tempfile.TemporaryDirectory() as top:
        result, proc, _, _ = ingest_runs(_rows(N_LINES), top)
        _stop(proc)
    return [result]


def run() -> list[Result]:
    results: list[Result] = []
    rows = _rows(N_LINES)
    with tempfile.TemporaryDirectory() as top:
        proc = None
        try:
            result, proc, folder, url = ingest_runs(rows, top)
            results.append(result)
            token = Path(folder, "token").read_text().strip()
            auth = {"Authorization": f"Bearer {token}"}
            http = requests.Session()
            http.headers.update(auth)

            select_floor = bare_select(os.path.join(folder, "pixie.db"))
            took, cursor = client_full_sync(url, token, Path(folder, "client-cache"))
            results.append(relative("server_full_sync_1m_lines", took, select_floor, "s", 3.0))

            changed = [(*r[:7], f"{float(r[7]) + 1:.2f}", r[8]) for r in rows[:1000]]
            http.post(
                f"{url}/api/v1/ingest", data=_csv(changed), headers={"Content-Type": "text/csv"}
            ).raise_for_status()
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                got, _ = full_sync(http, url, cursor)
                times.append(time.perf_counter() - t0)
                assert got == 1000, got
            results.append(
                absolute("server_delta_sync_1000_changes", min(times) * 1000, "ms", 50.0)
            )

            sync_lat = latencies(url, auth, "/api/v1/sync", {"cursor": cursor}, 10)
            results.append(
                absolute(
                    "server_sync_delta_p50_20_clients",
                    statistics.median(sync_lat) * 1000,
                    "ms",
                    None,
                )
            )
            results.append(
                absolute(
                    "server_sync_delta_p99_20_clients", _pct(sync_lat, 0.99) * 1000, "ms", None
                )
            )
            # HOOK: /api/v1/variance is the budget helper's endpoint; measured where it answers.
            probe = http.get(
                f"{url}/api/v1/variance", params={"from": "2026-01-01", "to": "2026-03-31"}
            )
            if probe.status_code == 200:
                var_lat = latencies(
                    url, auth, "/api/v1/variance", {"from": "2026-01-01", "to": "2026-03-31"}, 2
                )
                results.append(
                    absolute(
                        "server_variance_p50_20_clients",
                        statistics.median(var_lat) * 1000,
                        "ms",
                        None,
                    )
                )
                results.append(
                    absolute(
                        "server_variance_p99_20_clients", _pct(var_lat, 0.99) * 1000, "ms", None
                    )
                )
                # The memo is keyed by the database's stamp: right after a write, the 20
                # clients' first asks wait for one computation (single flight), which reads
                # the aggregates and works out again only the rows of the objects the write
                # changed (issue 12.5). Target: within 2x the warm p99 of this run.
                http.post(
                    f"{url}/api/v1/ingest",
                    data=_csv([(*rows[0][:7], "1.23", rows[0][8])]),
                    headers=_CSV,
                ).raise_for_status()
                cold = latencies(
                    url, auth, "/api/v1/variance", {"from": "2026-01-01", "to": "2026-03-31"}, 1
                )
                results.append(
                    relative(
                        "server_variance_after_a_write_p99_20_clients",
                        _pct(cold, 0.99) * 1000,
                        _pct(var_lat, 0.99) * 1000,
                        "ms",
                        2.0,
                    )
                )
            else:
                print(f"variance not measured: {probe.status_code}")
        finally:
            if proc is not None:
                _stop(proc)
    return results + run_postgresql(rows) + run_mixed()


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


# --- the 20-client mixed workload (issue 9, item 10) --------------------------------------
# A second waitress process on a fresh SQLite file holds 200 objects, 8 activities, 100,000
# actual lines and a budget per object. Twenty clients then each send PER_CLIENT requests,
# back to back (no think time), a seeded mix of what a team does in a day: the variance of
# one of 4 periods 40 %, a sync delta 20 %, the budgets of an object 15 %, an ingest of 10
# changed lines 15 %, a budget edit from the version just read 10 %. Every answer must be a
# success (a 409 from a lost edit race is one; a 503 ``busy`` is an error, which makes the
# target unmet); the figure is the p99 of all latencies, target under 500 ms.

PER_CLIENT = 25
MIXED_LINES = 100_000
PERIODS = [("2026-01-01", "2026-03-31"), ("2026-04-01", "2026-06-30"),
           ("2026-01-01", "2026-12-31"), ("2026-07-01", "2026-09-30")]  # fmt: skip
MIX = [("variance", 40), ("sync", 20), ("budgets", 15), ("ingest", 15), ("edit", 10)]
_BUDGET_ACTS = ACTIVITIES[:3]


def _budget_body(obj: str, cost: str, version: int | None = None) -> dict:
    lines = [{"activity": a, "income": "0", "cost": cost} for a in _BUDGET_ACTS]
    body = {"object": obj, "start": "2026-01-01", "end": "2026-12-31", "lines": lines}
    return body if version is None else {**body, "version": version}


def _seed_mixed(http: requests.Session, url: str, rows: list[tuple]) -> None:
    """Master data, the lines and one budget per object."""
    objects = "id,name,kind,parent,currency\n" + "".join(
        f"P-{i:04d},Project {i},project,,EUR\n" for i in range(N_OBJECTS)
    )
    acts = "code,name,active\n" + "".join(f"{a},{a},true\n" for a in ACTIVITIES)
    for body in (objects.encode(), acts.encode(), _csv(rows)):
        http.post(f"{url}/api/v1/ingest", data=body, headers=_CSV).raise_for_status()
    for i in range(N_OBJECTS):
        http.post(f"{url}/api/v1/budgets", json=_budget_body(f"P-{i:04d}", "1000.00"))


def _edit(s: requests.Session, url: str, obj: str, rnd: random.Random) -> requests.Response:
    """A new figure for the object's budget, from the version just read (R6)."""
    (b,) = s.get(f"{url}/api/v1/budgets", params={"object": obj}).json()["budgets"]
    body = _budget_body(obj, f"{rnd.randrange(500, 2000)}.00", b["version"])
    return s.put(f"{url}/api/v1/budgets/{b['id']}", json=body)


def _mixed_request(s: requests.Session, url: str, kind: str, rows, cursor: str, rnd):
    obj = f"P-{rnd.randrange(N_OBJECTS):04d}"
    if kind == "variance":
        frm, to = rnd.choice(PERIODS)
        return s.get(f"{url}/api/v1/variance", params={"from": frm, "to": to})
    if kind == "sync":
        return s.get(f"{url}/api/v1/sync", params={"cursor": cursor, "limit": 1000})
    if kind == "budgets":
        return s.get(f"{url}/api/v1/budgets", params={"object": obj})
    if kind == "ingest":
        start = rnd.randrange(len(rows) - 10)
        price = f"{rnd.randrange(1, 99999) / 100:.2f}"
        changed = [(*r[:7], price, r[8]) for r in rows[start : start + 10]]
        return s.post(f"{url}/api/v1/ingest", data=_csv(changed), headers=_CSV)
    return _edit(s, url, obj, rnd)


def _mixed_client(n: int, url: str, auth: dict, rows, cursor: str, out: list, errors: list):
    rnd = random.Random(1000 + n)
    s = requests.Session()
    s.headers.update(auth)
    kinds = [k for k, w in MIX for _ in range(w)]
    for _ in range(PER_CLIENT):
        kind = rnd.choice(kinds)
        t0 = time.perf_counter()
        r = _mixed_request(s, url, kind, rows, cursor, rnd)
        _ = r.content  # the whole answer, as a client reads it
        took = time.perf_counter() - t0
        # a 409 is a lost edit race, a correct answer; anything else >= 400 is an error
        if r.status_code >= 400 and r.status_code != 409:
            errors.append((kind, r.status_code, r.text[:200]))
        out.append((kind, took))


def run_mixed() -> list[Result]:
    rows = _rows(MIXED_LINES, seed=11)
    out: list[tuple[str, float]] = []
    errors: list = []
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        proc = start_server(folder, port)
        url = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Bearer {Path(folder, 'token').read_text().strip()}"}
        http = requests.Session()
        http.headers.update(auth)
        try:
            _seed_mixed(http, url, rows)
            cursor = http.get(f"{url}/api/v1/sync", params={"limit": 1}).json()["next_cursor"]
            args = (url, auth, rows, cursor, out, errors)
            threads = [
                threading.Thread(target=_mixed_client, args=(n, *args)) for n in range(CLIENTS)
            ]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - t0
        finally:
            proc.kill()
            proc.wait()
    print(f"mixed: {len(out)} requests in {wall:.1f} s, {len(errors)} errors {errors[:3]}")
    for kind in ["all", *(k for k, _ in MIX)]:
        ts = sorted(took for k, took in out if kind in ("all", k))
        p50, p99 = _pct(ts, 0.5) * 1000, _pct(ts, 0.99) * 1000
        print(f"  {kind}: {len(ts)} requests, p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    p99 = _pct(sorted(took for _, took in out), 0.99) * 1000
    result = absolute("server_mixed_20_clients_p99", p99, "ms", 500.0)
    return [replace(result, met=False) if errors else result]


if __name__ == "__main__":  # pragma: no cover
    # ``python -m bench.bench_server mixed``: only the mixed-workload figure;
    # ``... postgresql``: only the ingest on PostgreSQL; ``... ingest``: only that on SQLite
    only = {
        "mixed": run_mixed,
        "postgresql": lambda: run_postgresql(_rows(N_LINES)),
        "ingest": _only_ingest,
    }
    for r in only[sys.argv[1]]() if sys.argv[1:] and sys.argv[1] in only else run():
        print(r)
