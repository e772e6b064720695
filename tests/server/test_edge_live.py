"""Bodies at a real service process (issue 9: D2, D3, D9): a CSV that does not parse cleanly
is refused whole with its line named, also through ``pixie-xl ingest``; a multipart ingest
retried with the same Idempotency-Key replays the first answer; bodies over the limit are
refused with 413 before they are read, and nothing is read before authentication."""

from __future__ import annotations

import io
import uuid

import pytest
import requests
from click.testing import CliRunner
from pixie_server import create_app

from pixie_xl import client as wire
from pixie_xl.cli.main import cli
from tests.server.conftest import free_port, spawn_server, stop_server
from tests.server.data import ACTIVITIES, LINES_HEADER, OBJECTS

#: the small limits the service under test runs with
MAX_BODY = 64 * 1024
MAX_INGEST = 256 * 1024

STRAY_QUOTE = "\n".join(
    [
        LINES_HEADER,
        "L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A",
        'L-2,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,20.00,"B',
        "L-3,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,30.00,C",
        "L-4,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,40.00,D",
    ]
)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """``(url, admin headers)`` of ``pixie_server.serve`` on SQLite with small body limits."""
    folder = tmp_path_factory.mktemp("edge")
    port = free_port()
    env = {
        **__import__("os").environ,
        "PIXIE_MAX_BODY": str(MAX_BODY),
        "PIXIE_MAX_INGEST_BODY": str(MAX_INGEST),
    }
    proc, _ = spawn_server(f"sqlite:///{folder / 'pixie.db'}", folder / "token", port, env=env)
    url = f"http://127.0.0.1:{port}"
    token, _ = wire.read_token_file(folder / "token")
    h = {"Authorization": f"Bearer {token}"}
    for table in (OBJECTS, ACTIVITIES):
        resp = requests.post(f"{url}/api/v1/ingest", data=table, headers=h | _csv, timeout=30)
        assert resp.status_code == 200, resp.text
    yield url, h, token
    stop_server(proc)


_csv = {"Content-Type": "text/csv"}


def _lines(url: str, h: dict) -> list:
    return requests.get(f"{url}/api/v1/sync", headers=h, timeout=30).json()["lines"]


# --- D2 --------------------------------------------------------------------------------


def test_a_stray_quote_refuses_the_whole_file_naming_its_line(service):
    url, h, _ = service
    resp = requests.post(f"{url}/api/v1/ingest", data=STRAY_QUOTE, headers=h | _csv, timeout=30)
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert (body["code"], body["line"]) == ("bad_csv", 3)
    assert body["detail"].startswith("line 3: ")
    assert _lines(url, h) == []


@pytest.mark.parametrize(
    ("row", "line"),
    [
        ("L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00", 3),  # a field short
        ("L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A,extra", 3),
        ('L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,"two\nlines"', 3),
        ('L-9,T-9,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,"A"B', 3),
    ],
)
def test_a_row_that_does_not_parse_cleanly_refuses_the_file(service, row, line):
    url, h, _ = service
    body = f"{LINES_HEADER}\nL-8,T-8,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,ok\n{row}\n"
    resp = requests.post(f"{url}/api/v1/ingest", data=body, headers=h | _csv, timeout=30)
    assert (resp.status_code, resp.json()["code"], resp.json()["line"]) == (422, "bad_csv", line)
    assert _lines(url, h) == []


def test_pixie_xl_ingest_of_a_file_with_a_stray_quote_exits_1_with_the_message(
    service, tmp_path, monkeypatch
):
    url, _, token = service
    monkeypatch.setenv("PIXIE_TOKEN", token)
    path = tmp_path / "actuals.csv"
    path.write_text(STRAY_QUOTE + "\n")
    result = CliRunner().invoke(cli, ["ingest", str(path), "--server", url])
    assert result.exit_code == 1, result.output
    assert "line 3: not a clean CSV file" in result.output


# --- D3 --------------------------------------------------------------------------------


def test_a_multipart_ingest_retried_with_the_same_key_replays_the_first_answer(service):
    url, h, _ = service
    data = f"{LINES_HEADER}\nL-20,T-20,P-1,ROAD,2026-03-02,cost,2026-03-03,5.00,R\n".encode()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    answers = []
    for _ in range(2):  # requests draws a new random boundary for each
        files = {"file": ("actuals.csv", io.BytesIO(data), "text/csv")}
        answers.append(requests.post(f"{url}/api/v1/ingest", files=files, headers=h | key))
    first, retry = answers
    assert first.status_code == 200, first.text
    assert retry.status_code == 200, retry.text
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json() == first.json()
    other = {"file": ("actuals.csv", io.BytesIO(data.replace(b"5.00", b"6.00")), "text/csv")}
    reused = requests.post(f"{url}/api/v1/ingest", files=other, headers=h | key)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")


class _LosesFirstAnswer(requests.Session):
    """A network that delivers the first request and loses its answer."""

    calls = 0

    def request(self, *args, **kw):
        resp = super().request(*args, **kw)
        self.calls += 1
        if self.calls == 1:
            raise requests.ConnectionError("the answer was lost")
        return resp


def test_the_client_retries_an_ingest_whose_answer_was_lost(service, tmp_path, monkeypatch):
    url, _, token = service
    monkeypatch.setattr(wire, "RETRIES", 1)
    path = tmp_path / "actuals.csv"
    path.write_text(f"{LINES_HEADER}\nL-30,T-30,P-1,ROAD,2026-03-02,cost,2026-03-03,7.00,Q\n")
    session = _LosesFirstAnswer()
    answer = wire.Client(url, token=token, session=session).ingest(path)
    assert session.calls == 2
    assert answer["results"][0]["written"] == 1


# --- D9 --------------------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_413_at_once(service):
    url, h, _ = service
    big = b"[" + b" " * MAX_BODY + b"]"
    resp = requests.post(
        f"{url}/api/v1/objects", data=big, headers=h | {"Content-Type": "application/json"}
    )
    assert (resp.status_code, resp.json()["code"]) == (413, "payload_too_large")
    assert str(MAX_BODY) in resp.json()["detail"]
    small_enough = STRAY_QUOTE.encode() + b" " * (MAX_BODY * 2)  # ingest has the larger limit
    resp = requests.post(f"{url}/api/v1/ingest", data=small_enough, headers=h | _csv)
    assert resp.status_code == 422
    resp = requests.post(f"{url}/api/v1/ingest", data=b"x" * (MAX_INGEST + 1), headers=h | _csv)
    assert resp.status_code == 413


def test_a_streamed_body_over_the_limit_is_413(service):
    url, h, _ = service

    def chunks():
        for _ in range(4):
            yield b" " * MAX_BODY

    resp = requests.post(
        f"{url}/api/v1/objects", data=chunks(), headers=h | {"Content-Type": "application/json"}
    )
    assert resp.status_code == 413


class _Watched(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.reads = 0

    def read(self, *args):
        self.reads += 1
        return super().read(*args)

    def readline(self, *args):
        self.reads += 1
        return super().readline(*args)


def _call(app, path: str, body: bytes, headers: dict, length: bool = True):
    """The app called as a WSGI server calls it, with a body stream that counts reads."""
    from werkzeug.test import EnvironBuilder

    env = EnvironBuilder(path=path, method="POST", headers=headers, data=body).get_environ()
    stream = _Watched(body)
    env["wsgi.input"] = stream
    if not length:
        del env["CONTENT_LENGTH"]
        env["wsgi.input_terminated"] = True
    status = []
    out = b"".join(app(env, lambda s, hs, exc=None: status.append(s)))
    return int(status[0].split()[0]), out, stream.reads


def test_nothing_is_read_before_authentication(tmp_path):
    # create_app itself, not make_app: the app as a user starts it (no TESTING flag), on a
    # database it migrates, called as bare WSGI to count what it reads
    app = create_app(
        {
            "PIXIE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
            "PIXIE_TOKEN_FILE": str(tmp_path / "token"),
        }
    )
    body = b'{"id": "P-9", "kind": "project"}'
    ctype = {"Content-Type": "application/json"}
    for path in ("/api/v1/objects", "/api/v1/ingest", "/api/v1/budgets/batch"):
        status, out, reads = _call(app, path, body, ctype)
        assert (status, reads) == (401, 0), out
        wrong = ctype | {"Authorization": "Bearer pxl_not-a-token"}
        status, out, reads = _call(app, path, body, wrong)
        assert (status, reads) == (401, 0), out
    token, _ = wire.read_token_file(tmp_path / "token")
    good = ctype | {"Authorization": f"Bearer {token}"}
    big = b" " * (2 * 1024 * 1024)
    status, out, reads = _call(app, "/api/v1/objects", big, good)
    assert (status, reads) == (413, 0), out
    status, out, _ = _call(app, "/api/v1/objects", big, good, length=False)
    assert status == 413, out
