"""The key the audit trail is signed with, kept outside the database (SPEC §6 tamper evidence).

Where it comes from, first match wins:

1. ``PIXIE_AUDIT_KEY`` (environment or config): the key as text, at least 32 characters.
   Every host of one PostgreSQL database must be given the same key this way.
2. ``PIXIE_AUDIT_KEY_FILE``, by default ``audit.key`` beside the token file: read if it
   exists, else created on first start with 32 random bytes (hex), mode 0600, with
   ``O_CREAT | O_EXCL | O_NOFOLLOW`` so that a link planted at the path is never followed.

Someone who can change the database but not read this key cannot forge an entry or the
chain's head; whoever holds the key can, so keep it with the same care as the token file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path

from flask import Flask, current_app

from pixie_xl.core.errors import PixieError

EXT = "pixie_audit_key"
MIN_LENGTH = 32


class AuditKeyError(PixieError):
    code = "audit_key"
    status = 500


def key_path(app: Flask) -> Path:
    configured = app.config.get("PIXIE_AUDIT_KEY_FILE")
    if configured:
        return Path(configured)
    return Path(app.config["PIXIE_TOKEN_FILE"]).parent / "audit.key"


def _read(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise AuditKeyError(
            f"the audit key file {path} cannot be read ({exc.strerror}); it must be a plain "
            "file, not a link: remove it only if the audit trail is to start over unsigned",
            code="audit_key_unreadable",
        ) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise AuditKeyError(f"the audit key file {path} is not a plain file")
        text = fh.read().strip()
    if len(text) < MIN_LENGTH:
        raise AuditKeyError(f"the audit key file {path} holds fewer than {MIN_LENGTH} characters")
    return text


def _create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(32).encode()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return _read(path)  # another worker created it first (or a link is there: refused)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key + b"\n")
    return key


def load(app: Flask) -> bytes:
    """The app's audit key (read or created once, then kept in ``app.extensions``)."""
    key = app.extensions.get(EXT)
    if key is None:
        given = app.config.get("PIXIE_AUDIT_KEY")
        if given:
            if len(str(given)) < MIN_LENGTH:
                raise AuditKeyError(f"PIXIE_AUDIT_KEY must hold at least {MIN_LENGTH} characters")
            key = str(given).encode()
        else:
            path = key_path(app)
            key = _read(path) if os.path.lexists(path) else _create(path)
        app.extensions[EXT] = key
    return key


def key() -> bytes:
    return load(current_app)


def sign(text: str) -> str:
    """HMAC-SHA256 of ``text`` under the app's audit key, as hex."""
    return hmac.new(key(), text.encode(), hashlib.sha256).hexdigest()


def key_id() -> str:
    """A fingerprint of the key (not the key): tells a wrong key from a tampered entry."""
    return sign("pixie-audit-key-id")[:16]
