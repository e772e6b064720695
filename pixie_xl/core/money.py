"""Exact money: integer minor units of one currency (STYLE §2).

Every amount in Pixie XL is a :class:`Money`, an integer count of the currency's minor
units (cents for EUR). Values come in from three edges and each is converted once:

* Excel hands over binary floats. :func:`from_excel` converts with ``Decimal(str(x))``
  (the float's shortest repr, the digits Excel shows), never ``Decimal(x)``.
* Text (CSV, JSON, the API) is parsed by :func:`parse_text`: a dot is the decimal separator.
* Code builds amounts with :meth:`Money.of` from ``int``/``Decimal``/text.

A value with more decimals than the currency allows is refused (``too_many_decimals``),
never rounded silently; so are non-finite values, text that is not a number and amounts
with more than 15 significant digits, the most Excel holds exactly.

>>> str(Money.of("1234.5", "EUR"))
'1234.50'
>>> from_excel(12.5, "EUR").minor
1250
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import AmountError

#: ISO 4217 currencies whose minor unit is not 1/100.
_EXPONENTS = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}
#: Excel keeps 15 significant decimal digits; more cannot round-trip through a cell.
MAX_SIGNIFICANT_DIGITS = 15
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_TEXT_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
#: Excel's error values as openpyxl and xlwings hand them over.
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#UNKNOWN!",
        "#CONNECT!",
        "#BUSY!",
    }
)


def exponent(currency: str) -> int:
    """Number of decimals of ``currency`` (2 unless ISO 4217 says otherwise)."""
    got = _CHECKED.get(currency)  # a report asks for millions of amounts (issue 12.1)
    if got is None:
        if not _CURRENCY_RE.match(currency or ""):
            raise AmountError(f'"{currency}" is not an ISO 4217 currency code', code="bad_currency")
        got = _CHECKED[currency] = _EXPONENTS.get(currency, 2)
    return got


#: the currencies :func:`exponent` has checked, with their decimals
_CHECKED: dict[str, int] = {}


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``minor`` units of ``currency`` (``Money(123450, "EUR")`` is 1234.50)."""

    #: the amount in minor units (cents)
    minor: int
    #: ISO 4217 code
    currency: str = "EUR"

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        return cls(0, currency)

    @classmethod
    def of(cls, value: int | str | Decimal, currency: str = "EUR") -> Money:
        """Build from an ``int`` of major units, a ``Decimal`` or decimal text, exactly."""
        if isinstance(value, bool | float):
            raise TypeError("Money.of takes int, str or Decimal; use from_excel for floats")
        if isinstance(value, str):
            return parse_text(value, currency)
        return _from_decimal(Decimal(value), currency, str(value))

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def __str__(self) -> str:
        """Decimal text with exactly the currency's decimals: ``"1234.50"``, ``"-0.05"``."""
        return decimal_text(self.minor, exponent(self.currency))

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise AmountError(
                f"cannot combine {self.currency} with {other.currency}", code="currency_mismatch"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0


def decimal_text(minor: int, places: int) -> str:
    """Minor units as decimal text with exactly ``places`` decimals (no Money built).

    >>> decimal_text(-5, 2), decimal_text(123450, 2), decimal_text(7, 0)
    ('-0.05', '1234.50', '7')
    """
    if places == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def _from_decimal(d: Decimal, currency: str, shown: str) -> Money:
    if not d.is_finite():
        raise AmountError(f'"{shown}" is not a finite number', code="non_finite")
    places = exponent(currency)
    d = d.normalize() if d != 0 else Decimal(0)
    # significant digits, counting an integer part's trailing zeros (1e308 has 309)
    digits = max(len(d.as_tuple().digits), d.adjusted() + 1) if d != 0 else 1
    if digits > MAX_SIGNIFICANT_DIGITS:
        raise AmountError(
            f'"{shown}" has more than {MAX_SIGNIFICANT_DIGITS} significant digits, '
            "more than Excel holds exactly",
            code="too_many_digits",
        )
    scaled = d.scaleb(places)
    if scaled != scaled.to_integral_value():
        rounded = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        raise AmountError(
            f'"{shown}" has more than {places} decimals, more than {currency} allows: '
            f"round it to {rounded}",
            code="too_many_decimals",
        )
    return Money(int(scaled), currency)


def parse_text(text: str, currency: str = "EUR") -> Money:
    """Parse decimal text with a dot separator (``"1234.50"``, ``"-3"``, ``"+0.5"``).

    Thousands separators, currency signs and exponents are refused: an import file that
    has them is better reported than guessed at.
    """
    s = text.strip()
    if not _TEXT_RE.match(s):
        raise AmountError(f'"{text}" is not a number{amount_hint(s)}', code="not_a_number")
    try:
        return _from_decimal(Decimal(s), currency, s)
    except AmountError as exc:
        if exc.code != "too_many_decimals" or not _THOUSAND.match(s):
            raise
        also = f", or {s.replace('.', '')} if the dot groups thousands"
        raise AmountError(exc.message + also, code=exc.code) from None


_SIGNS = "€$£¥₹₽₩₪₺"
_THOUSAND = re.compile(r"^[+-]?\d{1,3}\.\d{3}$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([.,' \u00a0\u202f])\d{3}(\1\d{3})*([.,]\d+)?$")


def amount_hint(text: str) -> str:
    """What to write instead of an amount that does not parse (the exact text when the
    reading is sure, else the form to use).

    >>> amount_hint("1.234,50"), amount_hint("€1000"), amount_hint("12,5")
    (': write 1234.50', ': write the number without the currency sign (1000)', ': write 12.5')
    """
    s = text.strip()
    bare = s.strip(_SIGNS).strip()
    if len(bare) > 3 and bare[:3].isalpha() and bare[:3].isupper():
        bare = bare[3:].strip()
    elif len(bare) > 3 and bare[-3:].isalpha() and bare[-3:].isupper():
        bare = bare[:-3].strip()
    if bare != s and bare:
        inner = _plain(bare)
        if inner is not None:
            return f": write the number without the currency sign ({inner})"
        return ": write the number without the currency sign"
    plain = _plain(s)
    if plain is not None and plain != s:
        return f": write {plain}"
    return ": write digits with a dot for decimals and no thousands separators, e.g. 1234.50"


def _plain(s: str) -> str | None:
    """``s`` as dot-decimal text without grouping, when that reading is not a guess."""
    if _TEXT_RE.match(s):
        return s
    m = _GROUPED.match(s)
    if m:  # 1.234,50 / 1,234.50 / 1 234,50: a grouping mark, then a different decimal one
        group, dec = m.group(1), m.group(3)
        if dec and dec[0] == group:
            return None
        if not dec and group in ".,":
            return None  # "1.234" or "1,234": a thousand, or one and a bit?
        whole = s[: len(s) - len(dec or "")].replace(group, "")
        return whole + ("." + dec[1:] if dec else "")
    if s.count(",") == 1 and "." not in s:  # 12,5: a decimal comma
        t = s.replace(",", ".")
        return t if _TEXT_RE.match(t) else None
    return None


def from_excel(value: object, currency: str = "EUR") -> Money:
    """Convert what a cell holds (float, int, Decimal or text) into Money, exactly once.

    A float is read through its shortest ``repr`` (``Decimal(str(x))``). Excel holds 15
    significant digits, so a float whose repr shows more (``0.1 + 0.2`` is
    ``0.30000000000000004``) is taken at Excel's 15 digits, as Excel shows it; an integer
    part of more than 15 digits is refused. ``-0.0`` is zero. Text goes through
    :func:`parse_text`; booleans and Excel error values are refused.

    >>> str(from_excel(0.1 + 0.2))
    '0.30'
    >>> from_excel(1e308)
    Traceback (most recent call last):
    ...
    pixie_xl.core.errors.AmountError: "1e+308" has more than 15 significant digits, ...
    """
    if isinstance(value, bool):
        raise AmountError(f'"{value}" is a TRUE/FALSE value, not an amount', code="not_a_number")
    if isinstance(value, int):
        return _from_decimal(Decimal(value), currency, str(value))
    if isinstance(value, Decimal):
        return _from_decimal(value, currency, str(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AmountError(f'"{value}" is not a finite number', code="non_finite")
        shown = repr(value)
        try:
            d = Decimal(shown)
        except InvalidOperation:  # pragma: no cover - repr of a finite float always parses
            raise AmountError(f'"{shown}" is not a number', code="not_a_number") from None
        if d != 0 and d.adjusted() + 1 <= MAX_SIGNIFICANT_DIGITS:
            d = Decimal(format(value, f".{MAX_SIGNIFICANT_DIGITS}g"))
        return _from_decimal(d, currency, format(value, "g") if abs(value) >= 1e16 else shown)
    if isinstance(value, str):
        if value.strip().upper() in EXCEL_ERRORS:
            raise AmountError(f"holds the Excel error {value.strip()}", code="excel_error")
        return parse_text(value, currency)
    raise AmountError(f'"{value}" is not a number', code="not_a_number")


def total(amounts, currency: str = "EUR") -> Money:
    """Sum of Money values (``Money.zero`` for none)."""
    result = Money.zero(currency)
    for a in amounts:
        result = result + a
    return result
