"""The custom worksheet formulas (SPEC §3), bound to Excel with xlwings CE.

Every formula reads the local cache that Refresh fills (:mod:`pixie_xl.excel.cache`); none
calls the server. Which cache: the server named on the calling workbook's ``Pixie`` sheet
(xlwings passes the calling cell as the parameter named ``caller``), else ``PIXIE_SERVER``,
else the cache refreshed last.

Arguments as Excel hands them over: ``object`` is an object id, a parent (its descendants
are included) or ``"*"``; ``activity`` an activity code or ``"*"``; dates are datetimes,
Excel serial numbers or ISO text; ``kind`` is ``"income"`` or ``"cost"``. A bad argument
gives a readable text in the cell (``#PIXIE! unknown object "P-9"``), never an exception.

On Linux ``xw.func``/``xw.arg``/``xw.ret`` are no-ops, so the functions are plain callables.
The array formulas (``PIXIE_TABLE``, ``PIXIE_ALLOCATE``) return a 2-D list, which Excel 365
spills as a dynamic array; they do not use xlwings' legacy ``expand="table"`` mode, which
rewrites the formula as a CSE array and overwrites the cells around it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime
from decimal import Decimal
from os import environ as _environ
from time import monotonic

import xlwings as xw

from pixie_xl.core.money import Money, from_excel
from pixie_xl.excel import cache as cache_mod
from pixie_xl.excel.cache import Cache, Lookup, lookup_for
from pixie_xl.excel.udf_args import ArgError, error_text, ordinal, readable
from pixie_xl.excel.udf_args import activity as _activity
from pixie_xl.excel.udf_args import kind as _kind
from pixie_xl.excel.udf_args import object_id as _object
from pixie_xl.excel.udf_args import period as _period

__all__ = ["ArgError", "forget", "status", "variance_values"]
TABLE_HEADER = (
    "Object",
    "Object name",
    "Activity",
    "Kind",
    "Original budget",
    "Current budget",
    "Actual",
    "Committed",
    "Variance",
    "Variance %",
    "Used %",
    "Available",
    "Forecast",
    "Status",
)


# --- choosing the cache ----------------------------------------------------------------

_CACHES: dict[str | None, Cache] = {}
_BOOK_SERVERS: dict[str, str | None] = {}


def _book_server(caller) -> str | None:
    """The server URL on the calling workbook's Pixie sheet (remembered per workbook)."""
    if caller is None:
        return None
    try:
        book = caller.sheet.book
        name = book.fullname
        if name not in _BOOK_SERVERS:
            from pixie_xl.sheets.layout import PIXIE_CELLS, PIXIE_SHEET

            value = book.sheets[PIXIE_SHEET].range(PIXIE_CELLS["server"]).value
            _BOOK_SERVERS[name] = (str(value).strip() if value else "") or None
        return _BOOK_SERVERS[name]
    except Exception:  # a formula must never crash: fall back to the environment
        return None


def _cache(caller=None) -> Cache | None:
    url = (_book_server(caller) if caller is not None else None) or _environ.get("PIXIE_SERVER")
    try:
        return _CACHES[url]
    except KeyError:
        pass
    cache = Cache(url) if url else None
    if cache is not None and cache.exists():
        _CACHES[url] = cache  # remembered only once it exists: a refresh may create it
        return cache
    return Cache.most_recent()


#: the last answer for a call without ``caller``: the Lookup, until when it is trusted (on
#: the monotonic clock), the cache generation it belongs to, and its checked running sums
#: once PIXIE_ACTUAL has asked for them
_RECENT: list = [None, 0.0, -1, None]
_GENERATION = cache_mod.GENERATION


def _lookup(caller=None) -> Lookup:
    if caller is None:  # tests and the CLI: trust the last answer for CHECK_EVERY seconds
        lk, until, generation, _ = _RECENT
        if lk is not None and generation == _GENERATION[0] and monotonic() < until:
            return lk
    cache = _cache(caller)
    if cache is None:
        raise ArgError("no data yet: press Refresh actuals (or run pixie-xl refresh)")
    lk = lookup_for(cache)
    if caller is None:
        _RECENT[:] = [lk, monotonic() + cache_mod.CHECK_EVERY, _GENERATION[0], None]
    return lk


def forget() -> None:
    """Forget which cache each workbook uses (tests, and after a server change)."""
    _RECENT[:] = [None, 0.0, -1, None]
    _CACHES.clear()
    _BOOK_SERVERS.clear()


def _number(lk: Lookup, minor: int) -> float:
    # one division of an exact integer: the float nearest the exact decimal amount
    return minor / lk.scale


def _figures(lk: Lookup, obj, act, frm: int, to: int, kind: str) -> tuple[int, int, int]:
    """Current budget, actual and committed (0 on income) of the subtree, in minor units."""
    budget = lk.budget(obj, act, date.fromordinal(frm), date.fromordinal(to), kind, "current")
    actual = lk.amount(obj, act, frm, to, kind)
    committed = lk.amount(obj, act, frm, to, "committed") if kind == "cost" else 0
    return budget, actual, committed


# --- the formulas ----------------------------------------------------------------------


@xw.func
def PIXIE_ACTUAL(object, activity, from_date, to_date, kind="cost", caller=None):
    """Actual income or cost of an object (with its descendants) and activity in a period.

    ``PIXIE_ACTUAL("P-100", "ROAD", DATE(2026,1,1), DATE(2026,3,31), "cost")``; object and
    activity may be ``"*"``; dates inclusive; kind ``"income"`` or ``"cost"`` (default).
    """
    # the formula a sheet holds most of, so inline: with datetimes, a known object and
    # activity code and an exact kind, one look-up and two bisects; other calls are checked
    try:
        lk, until, generation, sums = _RECENT
        if caller is not None or generation != _GENERATION[0] or monotonic() >= until:
            lk, sums = _lookup(caller), None
        if sums is None:
            sums = lk.checked_sums
            if caller is None:
                _RECENT[3] = sums
        t, u = type(from_date), type(to_date)
        frm = from_date.toordinal() if t is datetime else ordinal(from_date, "from date")
        to = to_date.toordinal() if u is datetime else ordinal(to_date, "to date")
        if to < frm:
            raise ArgError("to date is before from date")
        entry = sums.get((object, activity, kind))
        if entry is None:
            return _actual(lk, object, activity, frm, to, kind)
        dates, cum = entry
        return (cum[bisect_right(dates, to)] - cum[bisect_left(dates, frm)]) / lk.scale
    except Exception as exc:  # never a crash in a cell
        return error_text(exc)


def _actual(lk: Lookup, object, activity, frm: int, to: int, kind) -> float:
    """PIXIE_ACTUAL of a call its fast path does not answer: every code checked."""
    obj, act, k = _object(lk, object), _activity(lk, activity), _kind(kind)
    return _number(lk, lk.amount(obj, act, frm, to, k))


@xw.func
@readable
def PIXIE_BUDGET(object, activity, from_date, to_date, kind="cost", version="current", caller=None):
    """Budget prorated to a period by each line's phasing.

    ``version`` is ``"current"`` (default: the newest correction, else the master) or
    ``"original"`` (the master's figures).
    """
    lk = _lookup(caller)
    frm, to = _period(from_date, to_date)
    obj, act, k = _object(lk, object), _activity(lk, activity), _kind(kind)
    ver = str(version or "current").strip().lower()
    if ver not in ("current", "original"):
        raise ArgError(f'version "{version}" is not current or original')
    minor = lk.budget(obj, act, date.fromordinal(frm), date.fromordinal(to), k, ver)
    return _number(lk, minor)


@xw.func
@readable
def PIXIE_COMMITTED(object, activity, from_date, to_date, caller=None):
    """Committed cost: the uninvoiced rest of approved and received purchase orders,
    dated by their order date."""
    lk = _lookup(caller)
    frm, to = _period(from_date, to_date)
    obj, act = _object(lk, object), _activity(lk, activity)
    return _number(lk, lk.amount(obj, act, frm, to, "committed"))


@xw.func
@readable
def PIXIE_VARIANCE(object, activity, from_date, to_date, kind="cost", caller=None):
    """Variance as in the Variance table, positive when favourable.

    Cost: current budget − actual. Income: actual − current budget.
    """
    lk = _lookup(caller)
    frm, to = _period(from_date, to_date)
    obj, act, k = _object(lk, object), _activity(lk, activity), _kind(kind)
    budget, actual, _ = _figures(lk, obj, act, frm, to, k)
    return _number(lk, budget - actual if k == "cost" else actual - budget)


@xw.func
@readable
def PIXIE_AVAILABLE(object, activity, from_date, to_date, caller=None):
    """Cost budget still free: current budget − actual − committed."""
    lk = _lookup(caller)
    frm, to = _period(from_date, to_date)
    obj, act = _object(lk, object), _activity(lk, activity)
    budget, actual, committed = _figures(lk, obj, act, frm, to, "cost")
    return _number(lk, budget - actual - committed)


@xw.func
@readable
def PIXIE_STATUS(object, activity, from_date, to_date, kind="cost", caller=None):
    """The status word of the Variance table: OK, WARN, OVER, BEHIND or UNBUDGETED.

    For a parent or ``"*"`` the rule is applied to the rolled-up figures.
    """
    lk = _lookup(caller)
    frm, to = _period(from_date, to_date)
    obj, act, k = _object(lk, object), _activity(lk, activity), _kind(kind)
    budget, actual, committed = _figures(lk, obj, act, frm, to, k)
    return status(k, budget, actual, committed, frm, to, lk.today.toordinal(), lk.settings)


def status(
    kind: str, current: int, actual: int, committed: int, frm: int, to: int, today: int, settings
) -> str:
    """The Variance table's status for rolled-up figures (minor units, ordinal days).

    The rule is the core's (:func:`pixie_xl.core.variance.status_of`), applied to the
    figures of a parent or ``"*"`` as they are summed here.

    >>> from pixie_xl.core.records import Settings
    >>> status("cost", 1000, 850, 0, 1, 10, 5, Settings())
    'WARN'
    >>> status("income", 1000, 300, 0, 1, 10, 5, Settings())  # 300 in 5 of 10 days
    'BEHIND'
    """
    from pixie_xl.core.variance import forecast_of, status_of

    day = date.fromordinal
    forecast = forecast_of(actual, current, day(frm), day(to), day(today))
    return status_of(kind, current, actual, committed, forecast, settings).value


@xw.func
@readable
def PIXIE_TABLE(object, from_date, to_date, caller=None):
    """The Variance rows of an object and its descendants (``"*"``: all) as a dynamic
    array, with a header row."""
    from pixie_xl.core import variance

    lk = _lookup(caller)
    frm, to = _period(from_date, to_date)
    obj = _object(lk, object)
    rows = variance.variance_rows(
        lk.facts,
        date.fromordinal(frm),
        date.fromordinal(to),
        lk.today,
        object_id=None if obj == "*" else obj,
    )
    return [list(TABLE_HEADER), *(variance_values(r) for r in rows)]


@xw.func
@readable
def PIXIE_LAST_REFRESH(caller=None):
    """When the cache was last refreshed (in the company timezone), or a text saying never."""
    from zoneinfo import ZoneInfo

    lk = _lookup(caller)
    if lk.refreshed is None:
        return "never"
    return lk.refreshed.astimezone(ZoneInfo(lk.settings.timezone)).replace(tzinfo=None)


@xw.func
@xw.arg("weights", ndim=2)
@readable
def PIXIE_ALLOCATE(amount, weights):
    """Split ``amount`` in proportion to a range of weights; the parts add up exactly.

    Returns an array of the weights' shape: ``PIXIE_ALLOCATE(100, {1,1,1})`` gives
    ``33.34, 33.33, 33.33``. Weights must be numbers ≥ 0, not all zero.
    """
    from pixie_xl.core import allocation

    money = from_excel(amount)
    shape_rows = isinstance(weights, list) and weights and isinstance(weights[0], list)
    grid = weights if shape_rows else [weights if isinstance(weights, list) else [weights]]
    flat = [w for row in grid for w in row]
    try:
        ws = [Decimal(str(w)) if w not in (None, "") else Decimal(0) for w in flat]
    except ArithmeticError:
        raise ArgError("weights must be numbers") from None
    if any(isinstance(w, bool | str) and w != "" for w in flat) or any(w < 0 for w in ws):
        raise ArgError("weights must be numbers of at least 0")
    if not any(ws):
        raise ArgError("weights are all zero")
    parts = allocation.largest_remainder(money.minor, ws)
    values = iter([Money(p, money.currency).decimal for p in parts])
    out = [[float(next(values)) for _ in row] for row in grid]
    if not shape_rows and isinstance(weights, list):
        return [[v] for v in out[0]]  # a 1-D range came in: answer as a column
    return out


def variance_values(row) -> list:
    """A VarianceRow as the cells of a PIXIE_TABLE row (money as numbers, % as fractions)."""

    def num(m):
        return None if m is None else float(m.decimal)

    def pct(p):
        return None if p is None else float(p)

    return [
        row.object,
        row.object_name,
        row.activity,
        str(row.kind),
        num(row.original),
        num(row.current),
        num(row.actual),
        num(row.committed),
        num(row.variance),
        pct(row.variance_pct),
        pct(row.used_pct),
        num(row.available),
        num(row.forecast),
        str(row.status),
    ]
