"""Fixtures of the service tests: ``app`` on SQLite and on PostgreSQL, its ``client``, a
movable ``clock``, tokens per role, and a ``live_server`` (waitress on a loopback port).

PostgreSQL: one throwaway cluster per test session on a free loopback port (initdb and
pg_ctl run as the ``postgres`` user when the tests run as root), one database per test.
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

import pytest
import requests
from pixie_server import auth, create_app, db
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

    def _run(self, program: str, *args: str) -> None:
        cmd = [os.path.join(self.bindir, program), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def url(self, name: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def new_database(self) -> str:
        import psycopg

        name = f"pixie_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres():
    cluster = PostgresCluster(postgres_bindir())
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, or a new database on the test cluster."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'pixie.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def clock():
    """The app's clock; tests move it with ``clock.set(...)`` / ``clock.advance(days=1)``."""
    return FixedClock(START)


@pytest.fixture
def token_file(tmp_path):
    return tmp_path / "config" / "token"


@pytest.fixture
def app(db_url, clock, token_file):
    app = create_app(
        {
            "TESTING": True,
            "PIXIE_DATABASE_URL": db_url,
            "PIXIE_CLOCK": clock,
            "PIXIE_TOKEN_FILE": str(token_file),
        }
    )
    yield app
    db.engine(app).dispose()


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
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)
