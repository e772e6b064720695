"""The worksheet formulas' arguments as Excel hands them over, and their error texts.

Dates are datetimes, Excel serial numbers or ISO text; an object or activity is a code the
cache knows or ``"*"``; a kind is ``"income"`` or ``"cost"``. A bad argument raises
:class:`ArgError`, whose text the cell shows (``#PIXIE! unknown object "P-9"``).
"""

from __future__ import annotations

import functools
from datetime import date, datetime

from pixie_xl.core.errors import PixieError

#: Excel's day 0 in the 1900 date system (serial 1 is 1900-01-01 after the leap-year bug)
_SERIAL_BASE = date(1899, 12, 30).toordinal()
_KINDS = ("income", "cost")


class ArgError(Exception):
    """A formula argument that cannot be used; its text goes into the cell."""


def ordinal(value, name: str) -> int:
    """The date ordinal of a date argument; ``name`` says which in the error text.

    >>> ordinal(46023, "from date") == date(2026, 1, 1).toordinal()
    True
    """
    t = type(value)
    if t is datetime or t is date:  # the common case first: a formula runs often
        return value.toordinal()
    if isinstance(value, datetime | date):
        return value.toordinal()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 0 < value < 2958466:
            raise ArgError(f"{name} {value!r} is not a date")
        return _SERIAL_BASE + int(value)
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10]).toordinal()
        except ValueError:
            pass
    raise ArgError(f'{name} "{value}" is not a date')


def object_id(lk, value) -> str:
    """An object the cache ``lk`` knows (its id, stripped) or ``"*"``."""
    if type(value) is str and (value in lk.tree.objects or value == "*"):
        return value
    oid = "" if value is None else str(value).strip()
    if oid == "*" or oid in lk.tree.objects:
        return oid
    raise ArgError(f'unknown object "{oid}"')


def activity(lk, value) -> str:
    """An activity code the cache ``lk`` knows or ``"*"``."""
    if type(value) is str and (value in lk.activities or value == "*"):
        return value
    code = "" if value is None else str(value).strip()
    if code == "*" or code in lk.activities:
        return code
    raise ArgError(f'unknown activity "{code}"')


def kind(value) -> str:
    """``"income"`` or ``"cost"`` (blank: cost; any case)."""
    if value == "cost" or value == "income":
        return value
    k = "cost" if value is None or value == "" else str(value).strip().lower()
    if k not in _KINDS:
        raise ArgError(f'kind "{value}" is not income or cost')
    return k


def period(frm, to) -> tuple[int, int]:
    """The ordinals of a from and a to date, the to date not before the from date."""
    a, b = ordinal(frm, "from date"), ordinal(to, "to date")
    if b < a:
        raise ArgError("to date is before from date")
    return a, b


def error_text(exc: Exception) -> str:
    """What a cell shows for a failure: ``#PIXIE! …``, never a traceback."""
    if isinstance(exc, ArgError):
        return f"#PIXIE! {exc}"
    if isinstance(exc, PixieError):
        return f"#PIXIE! {exc.message}"
    return f"#PIXIE! {type(exc).__name__}: {exc}"


def readable(fn):
    """Turn every failure of a formula into the text ``#PIXIE! …`` shown in the cell."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # never a crash in a cell
            return error_text(exc)

    return wrapper
