"""Fixtures of the service tests: ``app`` on SQLite and on PostgreSQL, its ``client``, a
movable ``clock``, tokens per role, and a ``live_server`` (waitress on a loopback port).

PostgreSQL: one throwaway cluster per test session on a free loopback port (initdb and
pg_ctl run as the ``postgres`` user when the tests run as root), one database per test,
dropped when its test module ends.

Migrations run once per session and backend: ``db_url`` is a copy of a database migrated to
head (a SQLite file copied; on PostgreSQL ``CREATE DATABASE … TEMPLATE``), so the app's own
``upgrade head`` at start finds nothing to do. ``empty_db_url`` is a database with no schema
at all, for the tests of the migrations themselves.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from pixie_server import auth, create_app, db, migrations
from pixie_server.clock import FixedClock

from tests.conftest import postgres_bindir

#: a Tuesday morning in Berlin, well inside a working day
START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn_server(
    db_url: str,
    token_file,
    port: int,
    *,
    wrapper: tuple[str, ...] = (),
    env=None,
    cli: bool = False,
) -> tuple[subprocess.Popen, dict]:
    """Start ``pixie_server.serve`` (or, with ``cli``, the ``pixie-xl serve`` command a user
    runs) in its own process (and process group, so that a wrapper such as faketime is
    stopped with it); returns it and its first /healthz."""
    env = {**(os.environ if env is None else env), "PIXIE_TOKEN_FILE": str(token_file)}
    code = f"import pixie_server; pixie_server.serve({db_url!r}, port={port}, threads=2)"
    command = [sys.executable, "-c", code]
    if cli:
        command = [sys.executable, "-m", "pixie_xl.cli.main", "serve", "--db", db_url]
        command += ["--port", str(port), "--threads", "2"]
    proc = subprocess.Popen(
        [*wrapper, *command],
        env=env,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            if health.ok:
                return proc, health.json()
        except (requests.ConnectionError, requests.Timeout):  # the CLI listens first
            time.sleep(0.1)
    stop_server(proc)
    raise AssertionError("the server did not start")


def stop_server(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Signal the server's whole process group and wait for it."""
    os.killpg(proc.pid, sig)
    proc.wait(timeout=30)


class PostgresCluster:
    def __init__(self, bindir: str):
        self.bindir = bindir
        self.dir = tempfile.mkdtemp(prefix="pixie-pg-")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        self._run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", data, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "start"
        )
        self.data = data
        self._names = itertools.count()
        self._migrated: str | None = None
        self.made: list[str] = []
        self.owners: dict[str, str] = {}

    def _run(self, program: str, *args: str) -> None:
        cmd = [os.path.join(self.bindir, program), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def _sql(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            for statement in statements:
                conn.execute(statement)

    def new_database(self, migrated: bool = False, owner: str = "") -> str:
        """A new database: empty, or (``migrated``) a copy of one migrated to head;
        ``owner`` (the test module) is remembered in :attr:`owners`."""
        name = f"pixie_{os.getpid()}_{next(self._names)}"
        template = f' TEMPLATE "{self._template()}"' if migrated else ""
        self._sql(f'CREATE DATABASE "{name}"{template}')
        self.made.append(name)
        self.owners[name] = owner
        return self.url(name)

    def _template(self) -> str:
        """The database migrated to head once per session, which ``new_database`` copies
        (no connection may stay open on it, so its engine is disposed at once)."""
        if self._migrated is None:
            name = f"pixie_{os.getpid()}_template"
            self._sql(f'CREATE DATABASE "{name}"')
            migrate_once(self.url(name))
            self._migrated = name
        return self._migrated

    def drop_made(self) -> None:
        """Drop every database made since the last call (connections left open are ended)."""
        names, self.made = self.made, []
        self._sql(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def migrate_once(url: str) -> None:
    """Bring the database at ``url`` to head and close every connection to it."""
    engine = db.make_engine(url)
    try:
        migrations.upgrade(engine)
    finally:
        engine.dispose()


def copy_private(src: Path, dst: Path) -> Path:
    """Copy a SQLite file to a new file of mode 0600, as the service creates its own."""
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as source:
        shutil.copyfileobj(source, out)
    return dst


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory) -> Path:
    """A SQLite file migrated to head, made once per session; copy it, never open it."""
    path = tmp_path_factory.mktemp("template") / "pixie.db"
    migrate_once(f"sqlite:///{path}")
    return path


_CLUSTER = pytest.StashKey[PostgresCluster]()


@pytest.fixture(scope="session")
def postgres(request):
    cluster = PostgresCluster(postgres_bindir())
    request.session.stash[_CLUSTER] = cluster
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module", autouse=True)
def _drop_the_modules_databases(request):
    """After each test module, drop the PostgreSQL databases its tests made (the cluster
    would otherwise hold one per test until the session ends)."""
    yield
    cluster = request.session.stash.get(_CLUSTER, None)
    if cluster is not None and cluster.made:
        cluster.drop_made()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh database at head: a copy of the migrated SQLite file, or a new database on
    the test cluster made from the migrated template."""
    if request.param == "sqlite":
        template = request.getfixturevalue("migrated_sqlite_file")
        return f"sqlite:///{copy_private(template, tmp_path / 'pixie.db')}"
    cluster = request.getfixturevalue("postgres")
    return cluster.new_database(migrated=True, owner=request.module.__name__)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path):
    """A fresh database with no schema at all (for the migration tests)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pixie.db'}"
    return request.getfixturevalue("postgres").new_database(owner=request.module.__name__)


@pytest.fixture
def clock():
    """The app's clock; tests move it with ``clock.set(...)`` / ``clock.advance(days=1)``."""
    return FixedClock(START)


@pytest.fixture
def token_file(tmp_path):
    return tmp_path / "config" / "token"


@pytest.fixture
def make_app(clock, token_file):
    """``make_app(url, first_token=True, **settings)``: the service on ``url``, seeded as
    ``app`` is (``TESTING``, the movable ``clock``, ``token_file``) with ``settings`` added
    or replaced; for a second start on one database or a differently-configured app. Each
    app's engine is disposed when the test ends."""
    made = []

    def make(url: str, first_token: bool = True, **settings):
        base = {
            "TESTING": True,
            "PIXIE_DATABASE_URL": url,
            "PIXIE_CLOCK": clock,
            "PIXIE_TOKEN_FILE": str(token_file),
        }
        made.append(create_app({**base, **settings}, first_token=first_token))
        return made[-1]

    yield make
    for app in made:
        db.engine(app).dispose()


@pytest.fixture
def app(request, db_url, make_app):
    """The service on ``db_url`` with the movable ``clock``; a test adds settings of its own
    with ``@pytest.mark.app_config(PIXIE_LOCK_TIMEOUT="0.5")``."""
    marker = request.node.get_closest_marker("app_config")
    return make_app(db_url, **(marker.kwargs if marker else {}))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token(app):
    """``token(role, name=None) -> str``: a new bearer token of ``role``."""

    def make(role: str, name: str | None = None) -> str:
        with app.app_context(), db.transaction(app) as s:
            return auth.add_token(s, role, name or role, app)

    return make


@pytest.fixture
def headers(token):
    """``headers(role) -> {"Authorization": "Bearer …"}`` (one token per role, reused)."""
    made: dict[str, dict] = {}

    def make(role: str) -> dict:
        if role not in made:
            made[role] = {"Authorization": f"Bearer {token(role, f'{role}-user')}"}
        return dict(made[role])

    return make


@pytest.fixture
def admin_headers(headers):
    return headers("admin")


@pytest.fixture
def live_server(app):
    """The app under waitress on a free loopback port; yields its base URL."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop_waitress(server, thread)


def stop_waitress(server, thread: threading.Thread) -> None:
    """Stop a waitress server whose loop runs in ``thread``: first its worker threads finish
    their answers and are joined (``task_dispatcher.shutdown``; a worker wakes the loop
    through the trigger, which is still open then), then the loop itself closes every
    channel (the listening socket, open connections, the trigger), so that no descriptor is
    closed under its ``select`` (the EBADF of ``server.close()`` from here); with nothing
    left to watch, the loop ends."""

    def close_all() -> None:
        for channel in list(server._map.values()):
            channel.close()

    server.task_dispatcher.shutdown()
    server.trigger.pull_trigger(close_all)
    thread.join(timeout=10)
    assert not thread.is_alive(), "the waitress loop did not end"
