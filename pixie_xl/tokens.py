"""Server URLs and the local token file: a token is sent only to the server that wrote it.

The service's first start writes its admin token to the token file with a ``# server:``
line naming its URL (see :func:`token_file_text`); :func:`resolve_token` hands the file's
token out only for that server (SPEC §5). URLs are compared normalised (:func:`server_url`,
:func:`same_server`): lower case, default ports, and one loopback host for ``localhost``,
``127.0.0.1`` and ``::1``.

>>> same_server("http://localhost:8750/", "HTTP://127.0.0.1:8750")
True
>>> same_server("http://127.0.0.1:8750", "http://127.0.0.1:8751")
False
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from pixie_xl.core import errors

DEFAULT_SERVER = "http://127.0.0.1:8750"


def token_file() -> Path:
    """Where the service writes its first admin token (``PIXIE_TOKEN_FILE`` overrides)."""
    env = os.environ.get("PIXIE_TOKEN_FILE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("pixie-xl")) / "token"


#: hosts that name this machine's loopback interface: one host for token binding
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "::"})
#: the line of the token file that names the server it belongs to
SERVER_LINE = "# server: "


def server_url(url: str) -> str:
    """``url`` checked and normalised: ``scheme://host:port`` (+ path), lower case.

    Raises a usage error (exit status 2) for anything but an ``http``/``https`` URL with a
    host, e.g. ``"not a url"`` or ``file:///tmp``.
    """
    text = str(url).strip().rstrip("/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise errors.InvalidInput(
            f'"{url}" is not a server URL: write http://HOST:PORT, e.g. {DEFAULT_SERVER}',
            code="usage",
        )
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    port = port or (443 if scheme == "https" else 80)
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}{parts.path.rstrip('/')}"


def same_server(a: str, b: str) -> bool:
    """Whether two URLs name one service (``localhost`` and ``127.0.0.1`` are one host)."""
    ua, ub = urlsplit(server_url(a)), urlsplit(server_url(b))
    ha, hb = ua.hostname, ub.hostname
    if ha in LOOPBACK and hb in LOOPBACK:
        ha = hb = "loopback"
    return (ua.scheme, ha, ua.port, ua.path) == (ub.scheme, hb, ub.port, ub.path)


def read_token_file(path: Path | None = None) -> tuple[str | None, str | None]:
    """``(token, server)`` of the token file; ``(None, None)`` when there is none."""
    try:
        text = (path or token_file()).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, None
    token = server = None
    for line in text.splitlines():
        if line.startswith(SERVER_LINE):
            server = line[len(SERVER_LINE) :].strip() or None
        elif line.strip() and not line.lstrip().startswith("#") and token is None:
            token = line.strip()
    return token, server


def token_file_text(token: str, server: str | None) -> str:
    """What the service writes to the token file: the token, bound to its server."""
    if not server:
        return token + "\n"
    return (
        "# Pixie XL admin token, written on the service's first start.\n"
        "# pixie-xl sends it only to this server:\n"
        f"{SERVER_LINE}{server_url(server)}\n{token}\n"
    )


def resolve_token(
    explicit: str | None = None, book_token: str | None = None, server: str | None = None
) -> str | None:
    """The token: explicit → ``PIXIE_TOKEN`` → the workbook's token cell → the token file.

    The token file is used only for the server that wrote it (its ``# server:`` line);
    with ``server`` unknown, or a file that names no server, it is not used.
    """
    for candidate in (explicit, os.environ.get("PIXIE_TOKEN"), book_token):
        if candidate and str(candidate).strip():
            return str(candidate).strip()
    token, bound = read_token_file()
    if token and bound and server and same_server(bound, server):
        return token
    return None


def resolve_server(explicit: str | None = None, book_server: str | None = None) -> str:
    """The server URL: explicit → ``PIXIE_SERVER`` → the workbook's Pixie sheet → default."""
    for candidate in (explicit, os.environ.get("PIXIE_SERVER"), book_server):
        if candidate and str(candidate).strip():
            return str(candidate).strip().rstrip("/")
    return DEFAULT_SERVER
