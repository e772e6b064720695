"""D1: the local token file goes only to the server that wrote it, never to /healthz.

A second, plain HTTP listener on loopback stands for another host a workbook may name; it
records every request's headers. Each command run against it must send no Authorization
header and end with exit status 3 and a message saying what to do.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from pixie_xl import client as wire
from pixie_xl.cli.main import cli
from pixie_xl.core import errors
from pixie_xl.demo import dataset


class Recorder(ThreadingHTTPServer):
    """Answers 404 to everything (``mimic=False``), or /healthz like Pixie and 401 else."""

    def __init__(self, mimic: bool):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mimic = mimic
        self.seen: list[tuple[str, str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def _answer(self):
        rec: Recorder = self.server  # type: ignore[assignment]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        rec.seen.append((self.command, self.path, dict(self.headers)))
        if rec.mimic and self.path.startswith("/healthz"):
            status, ctype = 200, "application/json"
            body = {"status": "ok", "time": "2026-11-02T09:00:00+01:00", "timezone": "UTC"}
        elif rec.mimic:
            status, ctype = 401, "application/problem+json"
            body = {"status": 401, "code": "unauthorized", "detail": "a bearer token is required"}
        else:
            status, ctype, body = 404, "text/html", None
        data = json.dumps(body).encode() if body else b"<h1>File not found</h1>"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(params=[False, True], ids=["plain", "pixie-like"])
def other(request):
    server = Recorder(mimic=request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def book_elsewhere(env, other, tmp_path, monkeypatch):
    """A workbook whose Server cell names the other listener; the token file is the live
    service's (bound to it); no PIXIE_SERVER, no PIXIE_TOKEN."""
    from pixie_xl.excel.builder import build_workbook

    monkeypatch.delenv("PIXIE_SERVER")
    monkeypatch.setattr(wire, "RETRIES", 0)
    path = tmp_path / "Elsewhere.xlsm"
    build_workbook(path, server_url=other.url)
    return path


def budget_csv(tmp_path):
    path = tmp_path / "budgets.csv"
    header = ",".join(dataset.BUDGET_HEADER)
    path.write_text(header + "\n")
    return path


def test_the_token_file_names_the_server_that_wrote_it(env, live_service):
    url, folder = live_service
    token, server = wire.read_token_file(folder / "token")
    assert token and token.startswith("pxl_")
    assert wire.same_server(server, url)
    assert wire.resolve_token(None, None, url) == token
    assert wire.resolve_token(None, None, url.replace("127.0.0.1", "localhost")) == token
    port = int(url.rsplit(":", 1)[1])
    assert wire.resolve_token(None, None, f"http://127.0.0.1:{port + 1}") is None
    assert wire.resolve_token(None, None, f"http://203.0.113.9:{port}") is None


@pytest.mark.parametrize(
    "command",
    ["validate", "save", "refresh", "import", "ingest", "settings show"],
)
def test_no_command_sends_the_token_file_to_a_server_the_workbook_names(
    book_elsewhere, other, command, tmp_path
):
    args = {
        "validate": ["validate", book_elsewhere],
        "save": ["save", book_elsewhere],
        "refresh": ["refresh", book_elsewhere],
        "import": ["import", budget_csv(tmp_path), "--into", book_elsewhere],
        "ingest": ["ingest", tmp_path / "o.csv", "--server", other.url],
        "settings show": ["settings", "show", "--server", other.url],
    }[command]
    (tmp_path / "o.csv").write_text("id,name,kind,parent,currency\nP9,Nine,project,,EUR\n")
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 3, result.output
    assert other.seen, "the command never reached the other server"
    assert not [h for _, _, h in other.seen if "Authorization" in h]
    expected = f"no token for {other.url}" if other.mimic else f"not a Pixie service at {other.url}"
    assert expected in result.output
    assert "Traceback" not in result.output


def test_healthz_never_carries_a_token(other):
    client = wire.Client(other.url, "pxl_explicit")
    if other.mimic:
        assert client.healthz()["status"] == "ok"
    else:
        with pytest.raises(errors.ServerUnreachable, match="not a Pixie service"):
            client.healthz()
    assert other.seen and all("Authorization" not in h for _, _, h in other.seen)
