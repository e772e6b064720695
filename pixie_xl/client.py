"""The HTTP client of the sync service (SPEC §4), and the wire format ↔ records.

A :class:`Client` speaks JSON with bearer-token auth. Failures come back as the
:mod:`pixie_xl.core.errors` family: ``application/problem+json`` answers are mapped by
their ``code`` and status, a refused connection is :class:`ServerUnreachable`, 401/403 are
:class:`Unauthorized`/:class:`Forbidden`. Every write carries an ``Idempotency-Key`` that is
reused when the same write is retried, so a retry never takes effect twice.

The budget, finding and master-data shapes are :mod:`pixie_xl.wire`'s (kept importable from here).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import requests

from pixie_xl.core import errors
from pixie_xl.tokens import (  # noqa: F401 - the client's public names, kept here too
    DEFAULT_SERVER,
    read_token_file,
    resolve_server,
    resolve_token,
    same_server,
    server_url,
    token_file,
    token_file_text,
)
from pixie_xl.wire.budgets import (  # noqa: F401 - the client's public names, kept here too
    budget_from_json,
    draft_to_json,
    history_from_json,
)
from pixie_xl.wire.findings import finding_from_json
from pixie_xl.wire.master import (  # noqa: F401 - imported from here by the cache and the book
    activity_from_json,
    object_from_json,
    profile_from_json,
    settings_from_json,
)

#: how often a failed request is tried again (connection errors and 502/503/504 only)
RETRIES = 2


_BY_CODE: dict[str, type[errors.PixieError]] = {
    "stale_version": errors.StaleVersion,
    "validation_failed": errors.ValidationFailed,
    "unauthorized": errors.Unauthorized,
    "forbidden": errors.Forbidden,
    "not_found": errors.NotFound,
    "bad_file": errors.BadFile,
}
_BY_STATUS: dict[int, type[errors.PixieError]] = {
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.RuleViolation,
    422: errors.InvalidInput,
}


#: error answers a proxy or waitress itself may give in front of a Pixie service
_TRANSPORT_STATUSES = frozenset({413, 429, 502, 503, 504})


def not_pixie(url: str, resp: requests.Response | None = None) -> errors.ServerUnreachable:
    """The error for a web server that answers, but not as a Pixie service (exit status 3)."""
    what = f" (it answered HTTP {resp.status_code})" if resp is not None else ""
    return errors.ServerUnreachable(
        f"not a Pixie service at {url}{what}: check the server URL (--server, PIXIE_SERVER "
        "or the Pixie sheet's Server cell)",
        code="not_pixie",
    )


def error_from_response(resp: requests.Response, url: str | None = None) -> errors.PixieError:
    """Turn an error answer (problem+json or not) into the matching PixieError."""
    is_problem = resp.headers.get("Content-Type", "").startswith("application/problem+json")
    if url and not is_problem and resp.status_code not in _TRANSPORT_STATUSES:
        return not_pixie(url, resp)
    try:
        body = resp.json()
    except ValueError:
        body = {}
    if not isinstance(body, Mapping):
        body = {}
    code = str(body.get("code") or "")
    message = str(body.get("detail") or body.get("title") or resp.reason or "error")
    message = f"{message} (HTTP {resp.status_code})"
    cls = _BY_CODE.get(code) or _BY_STATUS.get(resp.status_code, errors.PixieError)
    if cls is errors.ValidationFailed or body.get("findings"):
        err: errors.PixieError = errors.ValidationFailed(
            message, [finding_from_json(f) for f in body.get("findings") or ()]
        )
        if code:
            err.code = code
    else:
        err = cls(message, code=code or None, detail=dict(body))
    err.status = resp.status_code
    return err


#: seconds a full pull may take to start answering (one body of up to a million lines)
FULL_PULL_TIMEOUT = 600.0


class Client:
    """A session with one sync service.

    ``token`` is resolved by :func:`resolve_token` (pass ``book_token`` when a workbook's
    Pixie sheet holds one). Methods return the service's JSON (dicts and lists); the
    ``*_records`` helpers below turn it into core records.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 30.0,
        *,
        book_token: str | None = None,
        session: requests.Session | None = None,
    ):
        server_url(base_url)  # a usage error for "not a url", file://...
        self.base_url = base_url.strip().rstrip("/")
        self.token = resolve_token(token, book_token, self.base_url)
        self.timeout = timeout
        self.session = session or requests.Session()

    # --- plumbing ---------------------------------------------------------------------
    def _request(self, method: str, path: str, *, write: bool = False, **kw) -> requests.Response:
        headers = dict(kw.pop("headers", {}) or {})
        timeout = kw.pop("timeout", self.timeout)
        if self.token and path != "/healthz":  # the token never goes where none is needed
            headers["Authorization"] = f"Bearer {self.token}"
        if write:
            headers["Idempotency-Key"] = str(uuid.uuid4())  # the same key for every retry
        url = self.base_url + path
        last: Exception | None = None
        for attempt in range(RETRIES + 1):
            if attempt:
                time.sleep(0.2 * attempt)
            try:
                resp = self.session.request(method, url, headers=headers, timeout=timeout, **kw)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = exc
                continue
            if resp.status_code in (502, 503, 504) and attempt < RETRIES:
                continue
            if resp.status_code == 401 and not self.token:
                raise self._no_token()
            if resp.status_code >= 400:
                raise error_from_response(resp, self.base_url)
            return resp
        raise errors.ServerUnreachable(
            f"the Pixie service at {self.base_url} does not answer ({type(last).__name__})"
        )

    def _no_token(self) -> errors.Unauthorized:
        return errors.Unauthorized(
            f"no token for {self.base_url}: run pixie-xl token create --role accountant "
            "on that server and set PIXIE_TOKEN (the local token file is sent only to "
            "the server that wrote it)",
            code="no_token",
        )

    def _json(self, resp: requests.Response) -> object:
        """The answer's JSON; a page that is not JSON is not from a Pixie service."""
        try:
            return resp.json()
        except ValueError:
            raise not_pixie(self.base_url, resp) from None

    def _list(self, body: object, key: str) -> list:
        """The list ``key`` of an answer (``{"objects": [...]}``); without it the answer is
        not from a Pixie service."""
        items = body.get(key) if isinstance(body, Mapping) else None
        if not isinstance(items, list):
            raise not_pixie(self.base_url)
        return items

    def get(self, path: str, **params) -> object:
        clean = {k: v for k, v in params.items() if v is not None}
        return self._json(self._request("GET", path, params=clean))

    def post(self, path: str, json: object = None, **kw) -> object:
        resp = self._request("POST", path, write=True, json=json, **kw)
        return self._json(resp) if resp.content else None

    def put(self, path: str, json: object) -> object:
        return self._json(self._request("PUT", path, write=True, json=json))

    def delete(self, path: str) -> None:
        self._request("DELETE", path, write=True)

    # --- endpoints --------------------------------------------------------------------
    def healthz(self) -> dict:
        """``{"status", "time", "timezone"}``; needs no token, and is never sent one."""
        body = self._json(self._request("GET", "/healthz"))
        if not isinstance(body, Mapping) or "status" not in body:
            raise not_pixie(self.base_url)
        return dict(body)

    def server_time(self) -> datetime:
        """The server's clock (aware, in the company timezone)."""
        return datetime.fromisoformat(self.healthz()["time"])

    def objects(self) -> list[dict]:
        return self._list(self.get("/api/v1/objects"), "objects")

    def activities(self) -> list[dict]:
        return self._list(self.get("/api/v1/activities"), "activities")

    def settings(self) -> dict:
        return self.get("/api/v1/settings")

    def put_settings(self, settings: Mapping) -> dict:
        """Change the company settings (admin): timezone, currency, dating, ratios."""
        return self.put("/api/v1/settings", dict(settings))

    def profiles(self) -> list[dict]:
        """Seasonal profiles kept on the service (empty where the service has none)."""
        try:
            return self._list(self.get("/api/v1/profiles"), "profiles")
        except errors.NotFound:
            return []

    def budgets(self, object: str | None = None, on: date | None = None) -> list[dict]:
        return self._list(
            self.get("/api/v1/budgets", object=object, date=on and on.isoformat()), "budgets"
        )

    def budget(self, budget_id: str) -> dict:
        return self.get(f"/api/v1/budgets/{budget_id}")

    def versions(self, budget_id: str) -> list[dict]:
        return self._list(self.get(f"/api/v1/budgets/{budget_id}/versions"), "versions")

    def histories(self, currencies: Mapping[str, str] | None = None, default: str = "EUR"):
        """Every budget as a :class:`BudgetHistory` (versions fetched only where corrected)."""
        out = []
        for b in self.budgets():
            cur = (currencies or {}).get(b["object"], default)
            versions = self.versions(str(b["id"])) if b.get("kind") == "correction" else [b]
            out.append(history_from_json(versions or [b], cur))
        return out

    def save_batch(self, budgets: Sequence[Mapping]) -> list[dict]:
        """Save many budgets all or nothing; returns the saved budgets in the same order."""
        return self._list(self.post("/api/v1/budgets/batch", {"budgets": list(budgets)}), "budgets")

    def delete_budget(self, budget_id: str, version: int) -> dict:
        """Delete the newest version while it is editable (R2, R7), made from ``version``."""
        resp = self._request(
            "DELETE", f"/api/v1/budgets/{budget_id}", write=True, params={"version": version}
        )
        return resp.json() if resp.content else {}

    def sync(self, cursor: str | None = None, limit: int | None = None) -> dict:
        """One JSON page of changes since ``cursor`` (``None``: from the beginning)."""
        return self.get("/api/v1/sync", cursor=cursor or "", limit=limit)

    def sync_table(self, cursor: str | None = None):
        """One Arrow page of changes since ``cursor`` (a ``pyarrow.Table``, see
        :mod:`pixie_xl.arrow_sync`), or ``None`` from a service that answers only JSON."""
        import pyarrow as pa

        from pixie_xl.arrow_sync import MEDIA_TYPE

        accept = f"{MEDIA_TYPE}, application/json;q=0.5"
        resp = self._request(
            "GET",
            "/api/v1/sync",
            params={"cursor": cursor or ""},
            headers={"Accept": accept},
            # a page of up to a million lines: the service reads them all before answering
            timeout=(self.timeout, max(self.timeout, FULL_PULL_TIMEOUT)),
        )
        if resp.headers.get("Content-Type", "").split(";")[0].strip() != MEDIA_TYPE:
            return None
        try:
            return pa.ipc.open_stream(resp.content).read_all()
        except pa.ArrowInvalid:
            raise not_pixie(self.base_url, resp) from None

    def variance(self, frm: date, to: date, object: str | None = None) -> list[dict]:
        body = self.get(
            "/api/v1/variance", **{"from": frm.isoformat(), "to": to.isoformat()}, object=object
        )
        return self._list(body, "rows")

    def ingest(self, path: Path | str) -> dict:
        """Upload one file; the service answers with what it wrote (``{"results": [...]}``)."""
        return self._ingest(path)

    def _ingest(self, path: Path | str) -> dict:
        # one CSV/.xlsx file of objects, activities, actual lines or purchase orders
        path = Path(path)
        ctype = (
            "text/csv"
            if path.suffix.lower() == ".csv"
            else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
        # The file's bytes, not an open handle: a retry (same Idempotency-Key) sends the
        # whole file again, where a handle would be at its end after the first attempt.
        data = path.read_bytes()
        return self.post("/api/v1/ingest", files={"file": (path.name, data, ctype)})


#: counts of an ingest answer that are shown only when they are not zero
_QUIET_COUNTS = frozenset({"deleted", "tasks_changed", "lines_resent"})


def ingest_summary(answer: object) -> str:
    """``"actuals: 1234 written, 0 unchanged, 3 tasks changed"`` from an ingest answer.

    >>> ingest_summary({"results": [{"format": "actual_lines", "written": 2, "unchanged": 0,
    ...     "tasks_changed": 0, "lines_resent": 1}]})
    'actual lines: 2 written, 0 unchanged, 1 line resent'
    """
    results = answer.get("results") if isinstance(answer, Mapping) else None
    parts = []
    for r in results if isinstance(results, list) else [answer]:
        if not isinstance(r, Mapping):
            continue
        counts = ", ".join(
            _count(v, k)
            for k, v in r.items()
            if k != "format" and isinstance(v, int | str) and not (k in _QUIET_COUNTS and v == 0)
        )
        what = str(r.get("format", "file")).replace("_", " ")
        parts.append(f"{what}: {counts}" if counts else what)
    return "; ".join(parts) or "ok"


def _count(value: object, key: str) -> str:
    """``3 tasks changed``, ``1 line resent``: a count and its words, singular for one."""
    words = key.replace("_", " ")
    if value == 1:
        first, _, rest = words.partition(" ")
        if first.endswith("s") and rest:
            words = f"{first[:-1]} {rest}"
    return f"{value} {words}"
