"""Writes that take effect once: the ``@idempotent`` decorator every write view wears.

It runs the view inside the single write transaction (:func:`pixie_server.db.lock_writes`)
and commits it. With an ``Idempotency-Key`` header the key, the request's hash and the
response are stored in that same transaction, so a retry after a lost answer replays the
stored status and body and the write happened exactly once. The same key from the same
token with a different request is refused (422 ``idempotency_key_reused``). Keys are per
token. Error answers are not stored: the transaction rolled back, so a retry runs afresh.

A view wearing it uses :func:`pixie_server.db.session` and must not commit itself.
"""

from __future__ import annotations

import functools
import hashlib

from flask import Response, g, make_response, request
from sqlalchemy import select

from pixie_xl.core.errors import InvalidInput

from . import clock, db
from .models import IdempotencyKey

HEADER = "Idempotency-Key"


def request_hash() -> str:
    """The fingerprint of what the request says, not how it travelled: method, path and
    query, the media type without parameters, then the body. A multipart body counts by
    its parsed parts (each field's name and value; each file's field, file name, media
    type and bytes), so a retry with a new random boundary is the same request."""
    h = hashlib.sha256()
    h.update(request.method.encode() + b" " + request.full_path.encode() + b"\n")
    h.update((request.mimetype or "").encode() + b"\n")
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            h.update(_part(b"field", name, value.encode()))
        for name, upload in sorted(request.files.items(multi=True), key=lambda kv: kv[0]):
            h.update(_part(b"file", name, (upload.filename or "").encode()))
            h.update((upload.mimetype or "").encode() + b"\n")
            digest = hashlib.sha256()
            for chunk in iter(functools.partial(upload.stream.read, 1 << 20), b""):
                digest.update(chunk)
            upload.stream.seek(0)
            h.update(digest.digest())
    else:
        h.update(request.get_data(cache=True))
    return h.hexdigest()


def _part(kind: bytes, name: str, value: bytes) -> bytes:
    """One part, length-prefixed so that no two different parts hash alike."""
    key = name.encode()
    return b"%s %d:%s %d:%s\n" % (kind, len(key), key, len(value), value)


def idempotent(view=None, *, lock_first: bool = True):
    """``@idempotent``; ``@idempotent(lock_first=False)`` for a view that does its reading
    and checking first and takes the write lock itself (:func:`pixie_server.db.lock_writes`)
    before it writes: the key is then looked up again under the lock before it is stored."""
    if view is None:
        return functools.partial(idempotent, lock_first=lock_first)

    @functools.wraps(view)
    def inner(*args, **kwargs):
        key = request.headers.get(HEADER)
        s = db.session()
        if lock_first:
            db.lock_writes(s)
        try:
            return _run_once(s, key, lock_first, lambda: view(*args, **kwargs))
        except BaseException:
            s.rollback()
            raise

    inner.pixie_idempotent = True
    return inner


def _run_once(s, key: str | None, lock_first: bool, call) -> Response:
    """The stored answer for ``key``, or the view's answer (stored and committed)."""
    digest = ""
    if key is not None:
        _check_key(key)
        digest = request_hash()
        stored = _stored(s, key)
        if stored is not None:
            return _replay(s, stored, digest)
    resp = make_response(call())
    if resp.status_code >= 400:
        s.rollback()
        return resp
    if key is not None:
        stored = None if lock_first else _stored(s, key)  # under the lock now: a twin may
        if stored is not None:  # have finished
            return _replay(s, stored, digest)
        s.add(_record(key, digest, resp))
    s.commit()
    return resp


def _check_key(key: str) -> None:
    if not key or len(key) > 200 or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            "Idempotency-Key must be 1 to 200 printable ASCII characters",
            code="bad_idempotency_key",
        )


def _record(key: str, digest: str, resp: Response) -> IdempotencyKey:
    """The row that keeps ``resp`` as the answer to this request under ``key``."""
    return IdempotencyKey(
        key=key,
        token_id=g.token_id,
        method=request.method,
        path=request.path,
        request_hash=digest,
        status_code=resp.status_code,
        response_body=resp.get_data(as_text=True),
        content_type=resp.content_type or "application/json",
        created_at=clock.now(),
    )


def _stored(s, key: str) -> IdempotencyKey | None:
    return s.execute(
        select(IdempotencyKey).where(
            IdempotencyKey.token_id == g.token_id, IdempotencyKey.key == key
        )
    ).scalar_one_or_none()


def _replay(s, stored: IdempotencyKey, digest: str) -> Response:
    """The stored answer of ``stored`` (this request's own writes are rolled back)."""
    s.rollback()
    if stored.request_hash != digest:
        raise InvalidInput(
            "this Idempotency-Key was used for a different request",
            code="idempotency_key_reused",
        )
    resp = Response(
        stored.response_body, status=stored.status_code, content_type=stored.content_type
    )
    resp.headers["Idempotent-Replayed"] = "true"
    return resp
