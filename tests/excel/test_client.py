"""The service client: auth, error mapping, idempotent retries (against a real socket)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from pixie_xl import client as wire
from pixie_xl.core import errors
from pixie_xl.core.findings import Severity, SourceRef
from pixie_xl.demo.run import free_port
from pixie_xl.wire.findings import ItemRef


class Recorder(BaseHTTPRequestHandler):
    """Answers from a script: path → list of (status, body) used in turn."""

    script: ClassVar[dict[str, list[tuple[int, object]]]] = {}
    seen: ClassVar[list[dict]] = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        answers = self.script.get(self.path.split("?")[0]) or [(404, {"code": "not_found"})]
        status, payload = answers.pop(0) if len(answers) > 1 else answers[0]
        data = json.dumps(payload).encode()
        self.send_response(status)
        ctype = "application/problem+json" if status >= 400 else "application/json"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def fake():
    Recorder.script, Recorder.seen = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Recorder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_token_goes_as_a_bearer_header(fake):
    rec, url = fake
    objects = [{"id": "P1", "name": "Road", "kind": "project", "currency": "EUR"}]
    rec.script["/api/v1/objects"] = [(200, {"objects": objects})]
    assert wire.Client(url, "secret").objects()[0]["id"] == "P1"
    assert rec.seen[0]["headers"]["Authorization"] == "Bearer secret"


def test_an_answer_without_its_list_is_not_from_a_pixie_service(fake):
    rec, url = fake
    rec.script["/api/v1/objects"] = [(200, [{"id": "P1", "name": "Road", "kind": "project"}])]
    with pytest.raises(errors.ServerUnreachable) as info:
        wire.Client(url, "t").objects()
    assert info.value.code == "not_pixie"


def test_token_resolution_order(tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text(wire.token_file_text("from-file", "http://127.0.0.1:8750"))
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(token_file))
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    assert wire.resolve_token(None, None, "http://localhost:8750/") == "from-file"
    assert wire.resolve_token(None, None, "http://127.0.0.1:8751") is None
    assert wire.resolve_token(None, None) is None  # no server named: the file is not used
    assert wire.resolve_token(None, "from-book") == "from-book"
    monkeypatch.setenv("PIXIE_TOKEN", "from-env")
    assert wire.resolve_token(None, "from-book") == "from-env"
    assert wire.resolve_token("explicit", "from-book") == "explicit"


def test_a_token_file_that_names_no_server_is_sent_nowhere(tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text("pxl_legacy\n")  # as the service wrote it before tokens were bound
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(token_file))
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    assert wire.resolve_token(None, None, wire.DEFAULT_SERVER) is None


@pytest.mark.parametrize("url", ["not a url", "file:///tmp/pixie", "http://host:port", "ftp://x"])
def test_a_server_that_is_not_an_http_url_is_a_usage_error(url):
    with pytest.raises(errors.InvalidInput, match="is not a server URL: write http://") as exc:
        wire.Client(url, "t")
    assert exc.value.code == "usage"


def test_a_problem_answer_becomes_the_matching_error(fake):
    rec, url = fake
    rec.script["/api/v1/budgets/B1"] = [
        (409, {"code": "stale_version", "title": "Conflict", "detail": "B1 changed since v3"})
    ]
    with pytest.raises(errors.StaleVersion) as info:
        wire.Client(url, "t").budget("B1")
    assert info.value.status == 409
    assert "B1 changed since v3" in info.value.message


def test_refused_tokens_are_unauthorized_and_forbidden(fake):
    rec, url = fake
    rec.script["/api/v1/settings"] = [(401, {"title": "no token"})]
    rec.script["/api/v1/objects"] = [(403, {"title": "viewer may not"})]
    client = wire.Client(url, "t")
    with pytest.raises(errors.Unauthorized):
        client.settings()
    with pytest.raises(errors.Forbidden):
        client.objects()


def test_validation_findings_come_back_with_their_item_line_and_field(fake):
    rec, url = fake
    source = {"sheet": "request", "cell": "budgets[0].lines[1].cost"}
    finding = {
        "source": {**source, "list": "budgets", "item": 0, "line": 1, "field": "cost"},
        "code": "not_a_number",
        "message": 'Cost "x" is not a number',
        "severity": "error",
    }
    rec.script["/api/v1/budgets/batch"] = [
        (422, {"code": "validation_failed", "detail": "1 error", "findings": [finding]})
    ]
    with pytest.raises(errors.ValidationFailed) as info:
        wire.Client(url, "t").save_batch([{"object": "P1"}])
    (f,) = info.value.findings
    assert f.source == ItemRef("request", "budgets[0].lines[1].cost", "budgets", 0, 1, "cost")
    assert f.severity is Severity.ERROR and f.code == "not_a_number"


def test_a_finding_of_a_sheet_or_file_comes_back_as_its_cell(fake):
    rec, url = fake
    finding = {"source": {"sheet": "march.csv", "cell": "row 4, amount"}, "code": "bad_date"}
    rec.script["/api/v1/ingest"] = [(422, {"code": "validation_failed", "findings": [finding]})]
    with pytest.raises(errors.ValidationFailed) as info:
        wire.Client(url, "t").post("/api/v1/ingest", {})
    (f,) = info.value.findings
    assert f.source == SourceRef("march.csv", "row 4, amount") and f.message == ""


def test_a_retried_write_reuses_its_idempotency_key(fake):
    rec, url = fake
    rec.script["/api/v1/budgets/batch"] = [(503, {"title": "busy"}), (200, {"budgets": []})]
    assert wire.Client(url, "t").save_batch([]) == []
    keys = [s["headers"]["Idempotency-Key"] for s in rec.seen]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_each_write_has_its_own_key(fake):
    rec, url = fake
    rec.script["/api/v1/budgets/batch"] = [(200, {"budgets": []})]
    client = wire.Client(url, "t")
    client.save_batch([])
    client.save_batch([])
    keys = [s["headers"]["Idempotency-Key"] for s in rec.seen]
    assert keys[0] != keys[1]


def test_a_closed_port_is_server_unreachable(monkeypatch):
    monkeypatch.setattr(wire, "RETRIES", 0)
    with pytest.raises(errors.ServerUnreachable):
        wire.Client(f"http://127.0.0.1:{free_port()}", "t", timeout=2).healthz()


def test_a_corrected_budget_reads_as_master_and_corrections():
    master = {
        "id": "B1",
        "object": "P1",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "version": 1,
        "kind": "master",
        "created_at": "2026-01-10T09:00:00+01:00",
        "lines": [{"activity": "ROAD", "income": "", "cost": "1000.00"}],
    }
    correction = dict(
        master, version=2, kind="correction", lines=[{"activity": "ROAD", "cost": "1200.50"}]
    )
    h = wire.history_from_json([master, correction])
    assert h.master.lines[0].cost.minor == 100000
    assert h.current.lines[0].cost.minor == 120050 and h.revision == 2
    assert h.current.seq == 1
