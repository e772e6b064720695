"""Dating actuals by the company's settings (SPEC §1 "Dating actuals").

A cost line is dated by its own date (``cost_date=expense``) or by its task's creation date
(``task_created``); an income line by its own date (``income_date=income``) or by its task's
creation date. The creation date is the calendar date *in the company timezone*: a task
created at 23:30 UTC on 31 March is dated 1 April in Copenhagen. Changing a setting re-dates
every line at the next refresh, because the date is chosen here, when figures are built,
and never stored.

A line whose task creation date is unknown keeps its own date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from .errors import InvalidInput
from .records import ActualLine, CostDate, IncomeDate, Kind, Settings, Task

OUTPUT_COLUMNS = ["object", "activity", "kind", "date", "amount"]


def uses_task_date(kind: Kind | str, settings: Settings) -> bool:
    """Whether lines of ``kind`` are dated by their task's creation date."""
    if Kind(kind) is Kind.COST:
        return CostDate(settings.cost_date) is CostDate.TASK_CREATED
    return IncomeDate(settings.income_date) is IncomeDate.TASK_CREATED


def local_date(instant: datetime | date, timezone: str) -> date:
    """The calendar date of ``instant`` in ``timezone`` (a naive datetime is taken as local).

    >>> from datetime import UTC
    >>> local_date(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "Europe/Copenhagen")
    datetime.date(2026, 4, 1)
    """
    if not isinstance(instant, datetime):
        return instant
    if instant.tzinfo is None:
        return instant.date()
    try:
        return instant.astimezone(ZoneInfo(timezone)).date()
    except OverflowError:
        raise InvalidInput(
            f"{instant.isoformat()} falls outside the calendar (0001-01-01 to 9999-12-31) "
            f"in {timezone}"
        ) from None


def actual_date(line: ActualLine, task: Task, settings: Settings) -> date:
    """The date that counts for ``line``: its own, or its task's local creation date."""
    if uses_task_date(line.kind, settings):
        return local_date(task.created_at, settings.timezone)
    return line.date


#: seconds, not nanoseconds: a nanosecond datetime64 ends in 2262 and would wrap 9999-12-31
#: (a common "no end") round to 1816 in silence; seconds reach every ``date``
_UNIT = "datetime64[s]"
_NAT = np.datetime64("NaT", "s")


def _parse_local(value: object, timezone: str) -> np.datetime64:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return _NAT
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return _NAT
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime | date):
        return np.datetime64(local_date(value, timezone), "s")
    raise TypeError(f"cannot read {value!r} as a date")


def to_local_days(col: pd.Series, timezone: str) -> pd.Series:
    """A column of dates as ``datetime64`` midnights of the local calendar date.

    Accepts ``datetime64`` (naive: already local; aware: converted to ``timezone``), Python
    dates and datetimes, and ISO 8601 text with or without a time and an offset.
    """
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return col.dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return col.dt.normalize()
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    parsed = np.array([_parse_local(u, timezone) for u in uniques] + [_NAT])
    return pd.Series(parsed[codes], index=col.index)


def dated_actuals(raw: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Actual lines with the date the settings choose: object, activity, kind, date, amount.

    ``raw`` has columns line_id, object, activity, kind (``income``/``cost``), date (the
    line's own date), task_created (the task's creation date or instant) and amount (int64
    minor units). ``date`` in the result is ``datetime64[s]`` at midnight (any ``date``,
    up to 9999-12-31).
    """
    kind = raw["kind"].astype(str).to_numpy()
    own = to_local_days(raw["date"], settings.timezone)
    by_task = np.zeros(len(raw), dtype=bool)
    for k in Kind:
        if uses_task_date(k, settings):
            by_task |= kind == k.value
    dates = own.to_numpy(dtype=_UNIT)
    if by_task.any():
        created = to_local_days(raw["task_created"], settings.timezone)
        created = created.to_numpy(dtype=_UNIT)
        use = by_task & ~np.isnat(created)
        dates = np.where(use, created, dates)
    return pd.DataFrame(
        {
            "object": raw["object"].to_numpy(),
            "activity": raw["activity"].to_numpy(),
            "kind": kind,
            "date": dates,
            "amount": raw["amount"].to_numpy(dtype=np.int64),
        }
    )
