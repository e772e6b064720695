"""Set-up without tracebacks (issue 8 item 7, issue 9 D12/D13): each failure of ``serve``,
``token create`` and a wrong server URL is one message and the exit status of SPEC §5; the
first start writes its files 0600 and never through a planted link."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pixie_xl import client as wire
from pixie_xl.cli.main import cli
from pixie_xl.demo.run import free_port, service

from .conftest import CLOCK_AT


def pixie(*args, env=None, timeout=60):
    """``pixie-xl ARGS`` in a subprocess, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "pixie_xl.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.delenv("PIXIE_DATABASE_URL", raising=False)
    monkeypatch.delenv("PIXIE_SERVER", raising=False)
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    return tmp_path


def no_traceback(result):
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def test_serve_on_a_port_in_use_says_so_before_anything_else(home):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = pixie("serve", "--db", f"sqlite:///{home / 'p.db'}", "--port", port)
    no_traceback(result)
    assert result.returncode == 2, result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "serving" not in result.stderr
    assert not (home / "token").exists() and not (home / "p.db").exists()


@pytest.mark.parametrize(
    ("db", "status", "message"),
    [
        ("notaurl", 2, '"notaurl" is not a database URL'),
        ("mysql://u@127.0.0.1/x", 2, "is not a database URL Pixie can use"),
        ("sqlite:////nonexistent/folder/p.db", 2, "check that its folder exists and is writable"),
        ("postgresql+psycopg://u@127.0.0.1:{port}/x", 3, "does not answer"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "token create"])
def test_a_database_that_cannot_be_used_is_one_message(home, db, status, message, command):
    db = db.format(port=free_port())
    args = ["serve", "--port", free_port()] if command == "serve" else ["token", "create"]
    if command != "serve":
        args += ["--role", "viewer"]
    result = pixie(*args, "--db", db)
    no_traceback(result)
    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert not (home / "token").exists()


def test_token_create_uses_the_database_serve_uses_and_says_which(home, monkeypatch):
    url = f"sqlite:///{home / 'env.db'}"
    result = pixie("token", "create", "--role", "viewer", env={"PIXIE_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert f"in {url}" in result.stderr
    assert result.stdout.strip().startswith("pxl_")


def test_the_first_start_writes_0600_files_bound_to_its_url(home):
    with service(home, CLOCK_AT) as url:
        token, bound = wire.read_token_file(home / "token")
        assert wire.same_server(bound, url) and token.startswith("pxl_")
    assert stat.S_IMODE((home / "token").stat().st_mode) == 0o600
    for name in ("pixie.sqlite", "pixie.sqlite-wal", "pixie.sqlite-shm"):
        if (home / name).exists():
            assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name


def test_the_first_start_does_not_follow_a_planted_link(home):
    target = home / "victim.txt"
    target.write_text("keep me\n")
    os.chmod(target, 0o644)
    (home / "token").symlink_to(target)
    result = pixie("serve", "--db", f"sqlite:///{home / 'p.db'}", "--port", free_port())
    no_traceback(result)
    assert result.returncode == 2, result.stderr
    assert "is a symbolic link" in result.stderr
    assert target.read_text() == "keep me\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


@pytest.mark.parametrize("url", ["not a url", "file:///tmp/pixie"])
def test_a_server_that_is_not_a_url_is_a_usage_error(home, url):
    data = home / "objects.csv"
    data.write_text("id,name,kind,parent,currency\nP1,Road,project,,EUR\n")
    result = CliRunner().invoke(cli, ["ingest", str(data), "--server", url])
    assert result.exit_code == 2, result.output
    assert f'"{url}" is not a server URL: write http://HOST:PORT' in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
