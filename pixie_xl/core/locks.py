"""When a budget version locks (R2, R4): the end of its creation day in the company timezone.

Pure functions over aware instants; :mod:`pixie_xl.core.rules` decides with them.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidInput
from .records import BudgetVersion


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(
            f'"{tz}" is not an IANA timezone such as Europe/Copenhagen', code="bad_timezone"
        ) from None


def _aware(instant: datetime, what: str) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(f"{what} {instant} has no timezone", code="naive_datetime")
    return instant


# --- time -----------------------------------------------------------------------------


def lock_instant(created_at: datetime, tz: str | ZoneInfo) -> datetime:
    """The aware instant a version locks: the next local midnight after ``created_at`` in ``tz``.

    That is the end of its creation day in the company timezone, so the editable time is
    anything from a minute to a day, and a day is not always 24 hours:

    * created 23:59 local → locks one minute later;
    * created 00:00 local → locks 24 hours later, but 23 hours on the day clocks go forward
      (2026-03-29 in Europe/Copenhagen) and 25 hours on the day they go back (2026-10-25).

    Where local midnight does not exist (a zone that moves its clocks at midnight) or happens
    twice, ``fold=0`` picks the first instant that is no longer the creation day: the
    moment of the jump, or the first of the two midnights.

    The result is in UTC: Python never finds an ambiguous local time ``==`` to the same
    instant in another zone (PEP 495), so a UTC instant is the safe one to compare and store;
    :func:`local_lock` gives the wall time to show.

    >>> from datetime import datetime, timezone
    >>> str(lock_instant(datetime(2026, 10, 24, 22, 0, tzinfo=timezone.utc), "Europe/Copenhagen"))
    '2026-10-25 23:00:00+00:00'
    """
    zone = _zone(tz)
    local_day = _aware(created_at, "created_at").astimezone(zone).date()
    midnight = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=zone)  # fold=0
    return midnight.astimezone(UTC)


def local_lock(created_at: datetime, tz: str | ZoneInfo) -> str:
    """The lock instant as an accountant reads it: ``"2026-01-11 00:00 Europe/Copenhagen"``."""
    zone = _zone(tz)
    return f"{lock_instant(created_at, zone).astimezone(zone):%Y-%m-%d %H:%M} {zone.key}"


def is_locked(version: BudgetVersion, now: datetime, tz: str | ZoneInfo) -> bool:
    """True once ``now`` has reached the end of ``version``'s creation day (R2, R4)."""
    return _aware(now, "now") >= lock_instant(version.created_at, tz)
