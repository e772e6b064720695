"""Every error as ``application/problem+json`` with a stable ``code`` (RFC 9457).

PixieError subclasses carry ``code`` and ``status``; werkzeug's HTTP exceptions get codes
derived from their names (``not_found``, ``method_not_allowed``...). A
:class:`~pixie_xl.core.errors.ValidationFailed` adds ``findings``.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from pixie_xl.core.errors import PixieError
from pixie_xl.core.findings import Finding
from pixie_xl.wire.findings import finding_to_json

log = logging.getLogger("pixie_server")

PROBLEM = "application/problem+json"

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
}


def problem(status: int, code: str, title: str, detail: str, **extra) -> Response:
    body = {"type": f"about:blank#{code}", "title": title, "status": status, "detail": detail}
    body["code"] = code
    body.update(extra)
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="pixie"'
    if status == 503:  # every 503 is "busy, try again": say when
        resp.headers["Retry-After"] = "2"
    return resp


def pixie_problem(exc: PixieError) -> Response:
    extra = dict(exc.detail or {})
    findings = getattr(exc, "findings", None)
    if findings:
        extra["findings"] = [finding_to_json(f) if isinstance(f, Finding) else f for f in findings]
    title = type(exc).__name__
    return problem(exc.status, exc.code, title, exc.message, **extra)


def init_app(app: Flask) -> None:
    @app.errorhandler(PixieError)
    def _pixie(exc: PixieError):
        return pixie_problem(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        resp = problem(
            status, _HTTP_CODES.get(status, f"http_{status}"), exc.name, exc.description or ""
        )
        if status == 405 and exc.get_response().headers.get("Allow"):
            resp.headers["Allow"] = exc.get_response().headers["Allow"]
        return resp

    @app.errorhandler(Exception)
    def _other(exc: Exception):
        log.exception("unhandled error")
        return problem(500, "internal_error", "Internal Server Error", "an unexpected error")
