"""The server's clock: the only source of "now" for the rules (SPEC §2).

``app.config["PIXIE_CLOCK"]`` is a zero-argument callable returning an aware UTC datetime.
Only the app's configuration sets it (tests use a holder they move; a demo sets
``PIXIE_CLOCK_AT`` when it starts the process); nothing in a request can.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app


def real_now() -> datetime:
    return datetime.now(UTC)


def starting_at(instant: str) -> Callable[[], datetime]:
    """A clock that reads ``instant`` now and runs forward in real time from there.

    >>> clock = starting_at("2026-03-31T21:59:00Z")
    >>> clock().isoformat()[:16]
    '2026-03-31T21:59'
    """
    start = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    if start.tzinfo is None:
        raise ValueError(f"PIXIE_CLOCK_AT must carry an offset: {instant!r}")
    start = start.astimezone(UTC)
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)


class FixedClock:
    """A clock tests can set and move: ``clock.set(at(...))``, ``clock.advance(hours=1)``."""

    def __init__(self, instant: datetime):
        self.set(instant)

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self.instant = instant.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.instant += timedelta(**delta)

    def __call__(self) -> datetime:
        return self.instant


def now(app: Flask | None = None) -> datetime:
    """The server's now, aware, in UTC."""
    value = (app or current_app).config["PIXIE_CLOCK"]()
    return value.astimezone(UTC)


def company_tz(session) -> ZoneInfo:
    """The company's timezone from the settings row."""
    from .models import SettingsRow

    row = session.get(SettingsRow, 1)
    return ZoneInfo(row.timezone if row else "UTC")


def local_now(session, app: Flask | None = None) -> datetime:
    """The server's now in the company timezone."""
    return now(app).astimezone(company_tz(session))
