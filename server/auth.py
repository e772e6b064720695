"""Bearer tokens with roles (SPEC §4).

Tokens are ``pxl_`` + 43 url-safe characters; only their sha256 is stored. Every request
but ``GET /healthz`` must carry ``Authorization: Bearer <token>`` of a token that is not
revoked; views then say who may call them with :func:`require`.

| role | may |
|---|---|
| viewer | read everything (master data, sync, budgets, variance, audit) |
| accountant | read; write budgets and profiles |
| integration | read; write master data and actuals (objects, activities, ingest) |
| admin | everything: settings, tokens, audit verification |
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import Flask, current_app, g, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from pixie_xl.core.errors import Forbidden, InvalidInput, Unauthorized

from . import clock, db
from .models import ApiToken

ROLES = ("viewer", "accountant", "integration", "admin")

#: who passes ``require(role)``: reading is for everyone, each write role for itself and admin
ALLOWED: dict[str, frozenset[str]] = {
    "viewer": frozenset(ROLES),
    "accountant": frozenset({"accountant", "admin"}),
    "integration": frozenset({"integration", "admin"}),
    "admin": frozenset({"admin"}),
}

#: endpoints that answer without a token
PUBLIC_ENDPOINTS = frozenset({"health.healthz"})


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "pxl_" + secrets.token_urlsafe(32)


def add_token(s: Session, role: str, name: str, app: Flask | None = None) -> str:
    """Store a new token of ``role`` in ``s``'s transaction; returns the token (shown once)."""
    if role not in ROLES:
        raise InvalidInput(f'unknown role "{role}"; one of {", ".join(ROLES)}', code="bad_role")
    token = new_token()
    s.add(ApiToken(name=name, role=role, token_hash=hash_token(token), created_at=clock.now(app)))
    s.flush()
    return token


def create_token(db_url: str | None, role: str, name: str | None = None) -> str:
    """Create a token of ``role`` in the database at ``db_url`` (migrating it first)."""
    from . import create_app

    app = create_app({"PIXIE_DATABASE_URL": db_url} if db_url else None, first_token=False)
    with app.app_context(), db.transaction(app) as s:
        return add_token(s, role, name or role, app)


def write_token_file(path: Path | str, token: str, server: str | None = None) -> None:
    """Write the first admin token to ``path``, mode 0600, bound to ``server``.

    A symlink at ``path`` is refused, never followed. The token goes to a new file opened
    with ``O_CREAT | O_EXCL | O_NOFOLLOW`` beside it, then renamed over ``path`` (a rename
    replaces a name, it never writes through a link), so a reader sees all or nothing.
    """
    from pixie_xl.client import token_file_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.is_symlink():
        raise InvalidInput(
            f"{path} is a symbolic link: the admin token is not written through it. Remove "
            "it, or set PIXIE_TOKEN_FILE to another path, and start again",
            code="token_file_link",
        )
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(token_file_text(token, server))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> None:
    """``before_request``: refuse everything but the public endpoints without a valid token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    token = _bearer()
    if token is None:
        raise Unauthorized("a bearer token is required (Authorization: Bearer pxl_…)")
    s = db.session()
    row = s.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token))
    ).scalar_one_or_none()
    s.commit()  # end the read so a write view starts its own transaction
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the token is not valid", code="invalid_token")
    g.actor, g.role, g.token_id = row.name, row.role, row.id


def require(roles: str | tuple[str, ...]) -> Callable:
    """Decorator: only tokens whose role passes one of ``roles`` reach the view (else 403)."""
    names = (roles,) if isinstance(roles, str) else tuple(roles)
    allowed = frozenset().union(*(ALLOWED[r] for r in names))

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            if getattr(g, "role", None) not in allowed:
                raise Forbidden(
                    f"the role {getattr(g, 'role', None)!r} may not {request.method} {request.path}"
                )
            return view(*args, **kwargs)

        inner.pixie_roles = allowed
        return inner

    return wrap


def init_app(app: Flask) -> None:
    app.before_request(authenticate)


def current_actor() -> str:
    return getattr(g, "actor", "") or (current_app.name if current_app else "")
