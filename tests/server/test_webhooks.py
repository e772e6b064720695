"""Signed webhooks (issue 13) from a real service (SQLite and PostgreSQL) to receivers on
loopback: one that records and checks signatures, one that fails (500) and recovers, one
that is slow (the service's timeout), one that is down and then up, across a service
restart. The service polls its outbox every 0.1 s and backs off from 0.2 s.

The service is the ``app`` fixture under waitress with its delivery worker (``svc``), as
``pixie_server.serve`` runs it; a restart, two processes on one database and the
``pixie-xl serve`` command have service processes of their own (:class:`Process`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from pixie_server import webhooks

from pixie_xl import client as wire
from tests.server.conftest import START, free_port, spawn_server, stop_server
from tests.server.data import ACTIVITIES, OBJECTS, ORDERS_HEADER, lines

SECRET = "s3cret-of-sixteen+"
#: the delivery settings of every service here: polls every 0.1 s, backs off from 0.2 s
WEBHOOK_SETTINGS = {
    "PIXIE_WEBHOOK_POLL": "0.1",
    "PIXIE_WEBHOOK_BACKOFF": "0.2",
    "PIXIE_WEBHOOK_MAX_BACKOFF": "1",
    "PIXIE_WEBHOOK_TIMEOUT": "1",
}
#: a service process's environment: those settings and the ``clock`` fixture's instant
ENV = {"PIXIE_CLOCK_AT": START.isoformat(), **WEBHOOK_SETTINGS}

pytestmark = pytest.mark.app_config(**WEBHOOK_SETTINGS)


class Receiver:
    """An HTTP receiver on loopback. ``plan`` is what it does with each request in turn
    (an HTTP status, or ``"slow"``: answer 200 after 2 s); after the plan it answers 200.
    Only 2xx answers are recorded as received, each before it is answered (so ``got`` holds
    the events in the order the service sent them); each body's signature is checked."""

    def __init__(self, port: int = 0, plan=()):
        self.plan = list(plan)
        self.got: list[dict] = []
        self.raw: list[tuple[bytes, str]] = []  # (body, X-Pixie-Signature) as received
        self.bad_signatures = 0
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests += 1
                step = outer.plan.pop(0) if outer.plan else 200
                if step == "slow":
                    time.sleep(2)
                    step = 200
                want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(self.headers["X-Pixie-Signature"] or "", want):
                    outer.bad_signatures += 1
                    step = 400
                if step == 200:  # recorded before the answer: the service sends the next
                    # event once it has the answer, and another thread may take that one
                    outer.got.append(json.loads(body))
                    outer.raw.append((body, self.headers["X-Pixie-Signature"]))
                self.send_response(step)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, n: int, timeout: float = 20) -> list[dict]:
        end = time.monotonic() + timeout
        while len(self.got) < n and time.monotonic() < end:
            time.sleep(0.05)
        assert len(self.got) >= n, (self.got, self.requests)
        return self.got


class Service:
    """Calls to the service at ``url`` as its first admin (the token ``token_file`` holds)."""

    def __init__(self, url: str, token_file):
        self.url, self.token_file = url, token_file
        token, _ = wire.read_token_file(token_file)
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, headers=None, **kw):
        headers = {**self.headers, **(headers or {})}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def ingest(self, text: str):
        resp = self.call(
            "POST",
            "/api/v1/ingest",
            data=text.encode(),
            params={"name": "x.csv"},
            headers={"Content-Type": "text/csv"},
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    def budget(self, obj: str, *lines_, bid=None, version=None):
        body = {
            "object": obj,
            "start": "2026-01-01",
            "end": "2026-12-31",
            "lines": [{"activity": a, "income": i, "cost": c} for a, i, c in lines_],
        }
        if bid:
            body["version"] = version
            resp = self.call("PUT", f"/api/v1/budgets/{bid}", json=body)
        else:
            resp = self.call("POST", "/api/v1/budgets", json=body)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()

    def subscribe(self, url: str) -> int:
        resp = self.call(
            "POST",
            "/api/v1/webhooks",
            json={"url": url, "secret": SECRET, "events": ["status_changed"]},
        )
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]

    def deliveries(self, hook: int) -> dict:
        resp = self.call("GET", f"/api/v1/webhooks/{hook}/deliveries")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def logged(self, hook: int, n: int, timeout: float = 20) -> dict:
        """The deliveries once ``n`` are logged: the worker logs one after its answer came,
        so a receiver can have an event before the service has logged sending it."""
        end = time.monotonic() + timeout
        while len((log := self.deliveries(hook))["deliveries"]) < n:
            assert time.monotonic() < end, log
            time.sleep(0.05)
        return log


class Process(Service):
    """A service process of its own on ``db_url`` (``pixie_server.serve``, or with ``cli``
    the ``pixie-xl serve`` command), for what the app in this process cannot show: a
    restart, a second process on one database, the command a user runs."""

    def __init__(self, db_url: str, token_file, cli: bool = False):
        self.db_url, self.token_file, self.cli = db_url, token_file, cli
        self.port = free_port()
        self.start()
        super().__init__(f"http://127.0.0.1:{self.port}", token_file)

    def start(self):
        self.proc, _ = spawn_server(
            self.db_url, self.token_file, self.port, env={**os.environ, **ENV}, cli=self.cli
        )

    def stop(self):
        stop_server(self.proc)


@pytest.fixture
def svc(app, live_server, token_file):
    """The service of the ``app`` fixture under waitress, with its delivery worker (what
    ``pixie_server.serve`` starts) and a little master data."""
    worker = webhooks.start_worker(app)
    service = Service(live_server, token_file)
    service.ingest(OBJECTS)
    service.ingest(ACTIVITIES)
    yield service
    worker.stop()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the delivery worker did not stop"


@pytest.fixture
def process(db_url, token_file):
    """:class:`Process` on ``db_url``, with a little master data."""
    service = Process(db_url, token_file)
    try:
        service.ingest(OBJECTS)
        service.ingest(ACTIVITIES)
        yield service
    finally:
        service.stop()


LINE = "L{n},T{n},{obj},{act},2026-02-01T08:00:00Z,cost,2026-02-02,{amount},inv-{n}"


def actual(n: int, amount: str, obj: str = "P-1", act: str = "ROAD") -> str:
    return lines(LINE.format(n=n, obj=obj, act=act, amount=amount))


def moves(events: list[dict]) -> list[tuple]:
    return [
        (e["object"], e["activity"], e["kind"], e["old_status"], e["new_status"]) for e in events
    ]


def test_each_status_change_arrives_signed_in_order(svc):
    receiver = Receiver()
    try:
        hook = svc.subscribe(receiver.url)
        b = svc.budget("P-1", ("ROAD", "0", "1000.00"))
        svc.ingest(actual(1, "500.00"))  # 50 %: still OK, nothing sent
        svc.ingest(actual(2, "300.00"))  # 80 %: WARN
        svc.ingest(lines("PO-1,P-1,ROAD,Acme,2026-03-01,300.00,0,approved", header=ORDERS_HEADER))
        svc.budget("P-1", ("ROAD", "0", "2000.00"), bid=b["id"], version=b["version"])  # 55 %
        put = svc.call("PUT", "/api/v1/settings", json={"warn_ratio": "0.5"})
        assert put.status_code == 200, put.text
        svc.ingest(actual(3, "10.00", obj="P-2", act="MAINT"))  # no budget: UNBUDGETED
        svc.budget("D-1", ("ROAD", "1000.00", "0"))  # income planned, none yet: BEHIND
        got = receiver.wait_for(6)
        assert moves(got) == [
            ("P-1", "ROAD", "cost", "OK", "WARN"),
            ("P-1", "ROAD", "cost", "WARN", "OVER"),
            ("P-1", "ROAD", "cost", "OVER", "OK"),
            ("P-1", "ROAD", "cost", "OK", "WARN"),
            ("P-2", "MAINT", "cost", "OK", "UNBUDGETED"),
            ("D-1", "ROAD", "income", "OK", "BEHIND"),
        ]
        assert receiver.bad_signatures == 0
        first = got[1]
        assert first["event"] == "status_changed"
        assert first["period"] == {"from": "2026-01-01", "to": "2026-12-31"}
        assert (first["figures"]["current"], first["figures"]["actual"]) == ("1000.00", "800.00")
        assert first["figures"]["committed"] == "300.00"
        assert len({e["id"] for e in got}) == 6
        log = svc.logged(hook, 6)
        assert log["pending"] == 0
        assert [d["status_code"] for d in log["deliveries"]] == [200] * 6
        listed = svc.call("GET", "/api/v1/webhooks").json()["webhooks"]
        assert [h["id"] for h in listed] == [hook] and "secret" not in json.dumps(listed)
    finally:
        receiver.close()


def test_a_failing_receiver_gets_the_event_again_until_it_answers(svc):
    receiver = Receiver(plan=[500, 500])
    try:
        hook = svc.subscribe(receiver.url)
        svc.budget("P-1", ("ROAD", "0", "1000.00"))
        svc.ingest(actual(1, "900.00"))
        svc.ingest(actual(2, "200.00"))
        assert moves(receiver.wait_for(2)) == [
            ("P-1", "ROAD", "cost", "OK", "WARN"),
            ("P-1", "ROAD", "cost", "WARN", "OVER"),
        ]
        log = svc.logged(hook, 4)["deliveries"]
        assert [d["status_code"] for d in reversed(log)] == [500, 500, 200, 200]
        assert [d["ok"] for d in reversed(log)] == [False, False, True, True]
    finally:
        receiver.close()


def test_a_slow_receiver_times_out_and_gets_it_again(svc):
    receiver = Receiver(plan=["slow"])
    try:
        hook = svc.subscribe(receiver.url)
        svc.budget("P-1", ("ROAD", "0", "1000.00"))
        svc.ingest(actual(1, "900.00"))
        receiver.wait_for(2)  # the slow answer came after the timeout: sent again
        log = list(reversed(svc.logged(hook, 2)["deliveries"]))
        assert log[0]["status_code"] is None and "timed out" in log[0]["error"]
        assert log[-1]["status_code"] == 200
        assert {e["id"] for e in receiver.got} == {receiver.got[0]["id"]}  # one event, twice
    finally:
        receiver.close()


def test_a_receiver_down_gets_the_events_after_a_service_restart(process):
    svc = process  # a process of its own: it is stopped and started again
    port = free_port()
    hook = svc.subscribe(f"http://127.0.0.1:{port}/hook")
    svc.budget("P-1", ("ROAD", "0", "1000.00"))
    svc.ingest(actual(1, "900.00"))
    svc.ingest(actual(2, "200.00"))
    log = svc.logged(hook, 2)
    assert log["pending"] == 2
    assert all(d["status_code"] is None and "Refused" in d["error"] for d in log["deliveries"])
    svc.stop()
    receiver = Receiver(port=port)
    try:
        svc.start()
        assert moves(receiver.wait_for(2)) == [
            ("P-1", "ROAD", "cost", "OK", "WARN"),
            ("P-1", "ROAD", "cost", "WARN", "OVER"),
        ]
        assert receiver.bad_signatures == 0
        assert svc.deliveries(hook)["pending"] == 0
    finally:
        receiver.close()


def test_subscriptions_are_for_admins_and_checked(client, headers, admin_headers):
    # no delivery here: the app in this process (Flask's test client) answers as the
    # service process does, without starting one
    denied = client.get("/api/v1/webhooks", headers=headers("accountant"))
    assert denied.status_code == 403
    for body, field in (
        ({"url": "ftp://127.0.0.1/x", "secret": SECRET, "events": ["status_changed"]}, "url"),
        (
            {"url": "http://127.0.0.1:1/x", "secret": "short", "events": ["status_changed"]},
            "secret",
        ),
        ({"url": "http://127.0.0.1:1/x", "secret": SECRET, "events": ["nope"]}, "events"),
        ({"url": "http://127.0.0.1:1/x", "secret": SECRET}, "events"),
    ):
        resp = client.post("/api/v1/webhooks", json=body, headers=admin_headers)
        assert resp.status_code == 422 and resp.get_json()["field"] == field, resp.text
    body = {"url": "http://127.0.0.1:1/x", "secret": SECRET, "events": ["status_changed"]}
    made = client.post("/api/v1/webhooks", json=body, headers=admin_headers)
    assert made.status_code == 201, made.text
    hook = made.get_json()["id"]
    assert client.delete(f"/api/v1/webhooks/{hook}", headers=admin_headers).status_code == 200
    assert client.delete(f"/api/v1/webhooks/{hook}", headers=admin_headers).status_code == 404
    listed = client.get("/api/v1/webhooks", headers=admin_headers)
    assert listed.get_json()["webhooks"] == []


def test_two_service_processes_on_one_database_send_each_event_once(svc, db_url, token_file):
    # this process's app and worker, and a second service process on the same database
    receiver = Receiver()
    second = Process(db_url, token_file)
    try:
        svc.subscribe(receiver.url)
        svc.budget("P-1", ("ROAD", "0", "1000.00"))
        for n, amount in enumerate(["900.00", "200.00"], start=1):
            svc.ingest(actual(n, amount))
        b = second.budget("P-2", ("ROAD", "0", "10.00"))
        second.ingest(actual(3, "20.00", obj="P-2"))
        second.budget("P-2", ("ROAD", "0", "100.00"), bid=b["id"], version=b["version"])
        got = receiver.wait_for(4)
        time.sleep(1)  # long enough for a duplicate to arrive, if any were sent
        assert len(receiver.got) == receiver.requests == 4
        assert len({e["id"] for e in receiver.got}) == 4
        assert moves(got) == [
            ("P-1", "ROAD", "cost", "OK", "WARN"),
            ("P-1", "ROAD", "cost", "WARN", "OVER"),
            ("P-2", "ROAD", "cost", "OK", "OVER"),
            ("P-2", "ROAD", "cost", "OVER", "OK"),
        ]
    finally:
        second.stop()
        receiver.close()


def test_the_python_check_in_the_docs_accepts_a_real_event_and_refuses_a_forged_one(svc):
    """The Flask receiver of docs/control.md, run as written, behind a relay that passes
    each event the service sends to it (and a copy with one byte changed)."""
    doc = (Path(__file__).parents[2] / "docs" / "control.md").read_text()
    code = doc.split("```python\n", 1)[1].split("```", 1)[0]
    code = code.replace('b"the secret you subscribed with"', repr(SECRET.encode()))
    space: dict = {"__name__": "__main__"}
    exec(compile(code, "docs/control.md", "exec"), space)
    docs_app = space["app"].test_client()
    receiver = Receiver()
    try:
        svc.subscribe(receiver.url)
        svc.budget("P-1", ("ROAD", "0", "1000.00"))
        svc.ingest(actual(1, "900.00"))
        receiver.wait_for(1)
        body, signature = receiver.raw[0]  # the service's bytes and header, as sent
        headers = {"X-Pixie-Signature": signature}
        ok = docs_app.post("/pixie", data=body, headers=headers, content_type="application/json")
        assert ok.status_code == 204
        forged = docs_app.post(
            "/pixie",
            data=body.replace(b'"WARN"', b'"OK"'),
            headers=headers,
            content_type="application/json",
        )
        assert forged.status_code == 401
    finally:
        receiver.close()


def test_a_receiver_down_then_up_gets_the_event_without_a_restart(svc):
    port = free_port()
    hook = svc.subscribe(f"http://127.0.0.1:{port}/hook")
    svc.budget("P-1", ("ROAD", "0", "1000.00"))
    svc.ingest(actual(1, "900.00"))
    assert svc.logged(hook, 2)["pending"] == 1
    receiver = Receiver(port=port)
    try:
        assert moves(receiver.wait_for(1)) == [("P-1", "ROAD", "cost", "OK", "WARN")]
        log = svc.logged(hook, 3)["deliveries"]
        assert log[0]["ok"] is True and all(not d["ok"] for d in log[1:]) and len(log) >= 3
    finally:
        receiver.close()


def test_an_id_beyond_any_column_is_not_found(client, admin_headers):
    big = 2264409114057083233239040
    got = client.get(f"/api/v1/webhooks/{big}/deliveries", headers=admin_headers)
    assert got.status_code == 404
    assert client.delete(f"/api/v1/webhooks/{big}", headers=admin_headers).status_code == 404


def test_the_pixie_xl_serve_command_delivers_events_too(db_url, tmp_path):
    """The command a user runs starts the delivery worker (it once started none, so events
    waited in the outbox for ever)."""
    service = Process(db_url, tmp_path / "token", cli=True)
    receiver = Receiver()
    try:
        service.ingest(OBJECTS)
        service.ingest(ACTIVITIES)
        service.subscribe(receiver.url)
        service.budget("P-1", ("ROAD", "0", "1000.00"))
        service.ingest(actual(1, "900.00"))  # 90 %: WARN
        got = receiver.wait_for(1)
        assert moves(got) == [("P-1", "ROAD", "cost", "OK", "WARN")]
        assert receiver.bad_signatures == 0
    finally:
        receiver.close()
        service.stop()
