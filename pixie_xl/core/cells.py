"""Reading one cell of the Budgets table: text, dates, versions and amounts (SPEC §3).

Each reader takes the raw value a sheet or file holds and the column's header, and returns
the value the core works with, or raises :class:`CellError` with a stable code and a
message that names the column and shows the value::

    >>> read_date("2026-01-31", "Period start")
    datetime.date(2026, 1, 31)
    >>> read_text(" ROAD ", "Activity")
    'ROAD'
    >>> read_date("31/01/2026", "Period start")
    Traceback (most recent call last):
    ...
    pixie_xl.core.cells.CellError: Period start "31/01/2026" is not a date (write it as 2026-01-31)

Blank cells (``None`` or blank text) read as ``None`` (an amount as zero). Nothing here
raises anything but ``CellError`` on the values a sheet can hold; the validator still
guards against the unexpected.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from decimal import Decimal

from .errors import AmountError
from .money import EXCEL_ERRORS, Money, exponent, from_excel
from .records import Formula

_EXCEL_EPOCH = date(1899, 12, 30)
#: Excel day numbers from 1900-03-01 (61: below it Excel's 1900 leap-year bug) to 9999-12-31
_FIRST_SERIAL, _LAST_SERIAL = 61, 2958465
#: hashable date cell types whose reading may be cached (bool is not: True == 1)
CACHED_DATE_TYPES = frozenset({datetime, date, str, int, float})


class CellError(Exception):
    """A cell value the column cannot take: a stable ``code`` and the accountant's message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def show(value: object) -> str:
    """The value as a message quotes it, short and never failing.

    >>> show(True), show(12.5), show("a" * 50)
    ('TRUE', '12.5', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...')
    """
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int) and value.bit_length() > 200:
        return "a number of more than 60 digits"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def refuse_special(value: object, header: str) -> None:
    """Formulas and Excel error values, refused in every cell."""
    if isinstance(value, Formula):
        raise CellError("formula", f'{header} holds the formula "{show(value)}"; a value is needed')
    if isinstance(value, str):
        s = value.strip()
        if s[:1] == "#" and s.upper() in EXCEL_ERRORS:
            raise CellError("excel_error", f"{header} holds the Excel error {s.upper()}")


def read_text(value: object, header: str) -> str | None:
    """A code or note: text, or a whole number written without decimals.

    >>> read_text(1042.0, "Object"), read_text("  ", "Note")
    ('1042', None)
    """
    if value is None:
        return None
    if type(value) is str:
        s = value.strip()
        if s[:1] == "#":
            refuse_special(s, header)
        return s or None
    refuse_special(value, header)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() < 64:
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    raise CellError("wrong_type", f"{header} {show(value)} is not text")


def read_date(value: object, header: str) -> date | None:
    """A date from a date or datetime, ISO text ``2026-01-31`` or an Excel day number.

    >>> read_date(46023, "Period start")
    datetime.date(2026, 1, 1)
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise CellError("not_a_date", f"{header} {show(value)} has a time of day; give a date")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return _date_text(value, header)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            raise CellError("not_a_date", f"{header} {show(value)} is not a whole day number")
        if _FIRST_SERIAL <= value <= _LAST_SERIAL:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise CellError("not_a_date", f"{header} {show(value)} is not a date Excel can hold")
    refuse_special(value, header)
    raise CellError("not_a_date", f"{header} {show(value)} is not a date")


def _date_text(value: str, header: str) -> date | None:
    s = value.strip()
    if not s:
        return None
    refuse_special(value, header)
    iso = len(s) == 10 and s[4] == "-" and s[7] == "-"
    try:
        if iso:
            return date.fromisoformat(s)
        if len(s) > 10 and s[4] == "-" and s[10] in "T ":
            return read_date(datetime.fromisoformat(s), header)
    except ValueError:
        pass
    if iso and s[:4].isdigit() and s[5:7].isdigit() and s[8:].isdigit():
        raise CellError(
            "not_a_date",
            f'{header} "{show(s)}" is not a day of the calendar: check the month (01-12) '
            "and the day of that month",
        )
    raise CellError("not_a_date", f'{header} "{show(s)}" is not a date ({_date_hint(s)})')


def _date_hint(s: str) -> str:
    """``write it as 2026-01-31``: the ISO form of ``31/01/2026``, ``31.01.2026`` (the day
    over 12, so the reading is sure) or ``2026-1-31``, else the form to use.

    >>> _date_hint("31.01.2026"), _date_hint("2026-1-5"), _date_hint("01/02/2026")
    ('write it as 2026-01-31', 'write it as 2026-01-05', 'write it as YYYY-MM-DD, e.g. 2026-01-31')
    """
    for sep in "/.-":
        parts = s.split(sep)
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            continue
        if len(parts[0]) == 4:  # 2026-1-5, 2026/01/05: year first, then month and day
            year, month, day = (int(p) for p in parts)
        elif len(parts[2]) == 4:
            a, b, year = (int(p) for p in parts)
            day, month = (a, b) if a > 12 >= b else (b, a) if b > 12 >= a else (0, 0)
        else:
            break
        try:
            return f"write it as {date(year, month, day).isoformat()}"
        except ValueError:
            break
    return "write it as YYYY-MM-DD, e.g. 2026-01-31"


def read_version(value: object, header: str) -> int | None:
    """The version token a row was edited from: a whole number from 1 up.

    >>> read_version(3.0, "Version"), read_version(" 12 ", "Version")
    (3, 12)
    """
    if value is None or (type(value) is str and not value.strip()):
        return None
    refuse_special(value, header)
    n = None
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif isinstance(value, float) and value.is_integer():
        n = int(value)
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 19:
        n = int(value.strip())
    if n is None or not 1 <= n < 2**63:
        raise CellError("bad_version", f"{header} {show(value)} is not a version number")
    return n


class Amounts:
    """Amount cells of one currency, converted exactly and fast.

    A float cell is almost always a whole number of cents already: ``round(x * 100) / 100
    == x`` then proves that ``x`` is the float nearest to those cents, which is exactly what
    :func:`~pixie_xl.core.money.from_excel` reads it as (its shortest repr has at most 15
    digits below 10**15 minor units). Everything else goes through ``from_excel``.

    >>> Amounts("EUR").read(1234.5, "Cost budget")
    Money(minor=123450, currency='EUR')
    >>> Amounts("EUR").read(0.1 + 0.2, "Cost budget")  # not whole cents: from_excel decides
    Money(minor=30, currency='EUR')
    """

    __slots__ = ("currency", "limit", "scale", "zero")

    def __init__(self, currency: str):
        self.currency = currency
        try:
            self.scale = 10 ** exponent(currency)
        except AmountError:
            self.scale = 0  # every amount goes through from_excel, which reports it
        self.limit = 10**15 // self.scale if self.scale else 0
        self.zero = Money(0, currency)

    def read(self, value: object, header: str) -> Money:
        t = type(value)
        if t is float:
            if -self.limit < value < self.limit:
                minor = round(value * self.scale)
                if minor / self.scale == value:
                    return Money(minor, self.currency)
        elif t is int:
            if -self.limit < value < self.limit:
                return Money(value * self.scale, self.currency)
        elif value is None or (t is str and not value.strip()):
            return self.zero
        return self._careful(value, header)

    def _careful(self, value: object, header: str) -> Money:
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 60:
            raise CellError(
                "too_many_digits",
                f"{header} has more than 15 significant digits, more than Excel holds exactly",
            )
        if isinstance(value, datetime | date):
            raise CellError("not_a_number", f"{header} {show(value)} is a date, not an amount")
        refuse_special(value, header)
        if not isinstance(value, str | int | float | Decimal):
            raise CellError("not_a_number", f"{header} {show(value)} is not a number")
        try:
            return from_excel(value, self.currency)
        except AmountError as e:
            raise CellError(e.code, f"{header} {e.message}") from None
