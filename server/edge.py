"""Checks at the service's edge: every value from a request is bounded and strict here,
before any view or the database sees it, so SQLite and PostgreSQL refuse the same input
with the same problem (issue 9).

- JSON bodies: at most :data:`MAX_DEPTH` levels, integers of at most :data:`MAX_INT_DIGITS`
  digits, no ``NaN``/``Infinity``, no lone surrogates (``"\\ud800"``): 422 ``bad_json``.
- Text: ids and codes at most :data:`MAX_ID` characters (the ``VARCHAR(200)`` columns),
  free text at most :data:`MAX_TEXT`; no NUL, no lone surrogate.
- Dates ``YYYY-MM-DD`` only (ASCII digits); instants ISO 8601 with a representable UTC value.
- Amounts: decimal strings of ASCII digits (``"1234.50"``), never JSON numbers.
- Whole numbers in query strings: ASCII digits, within the column's range (int4 for ids).
- Currencies: three letters of the ISO 4217 list.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, tzinfo
from itertools import accumulate

from pixie_xl.core.errors import InvalidInput
from pixie_xl.wire.text import (  # noqa: F401 - the wire's bounds, the service's names too
    INT4_MAX,
    MAX_ID,
    MAX_TEXT,
    is_amount_text,
    strict_date,
    text_problem,
)
from pixie_xl.wire.text import SURROGATES as _SURROGATES

#: deepest nesting of a JSON body (a budget batch needs 4)
MAX_DEPTH = 32
#: longest integer literal in a JSON body
MAX_INT_DIGITS = 30
#: the largest value of a bigint column (sync sequence numbers)
INT8_MAX = 2**63 - 1

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?",
    re.ASCII,
)
_WHOLE = re.compile(r"\d{1,19}", re.ASCII)


class BadJson(InvalidInput):
    """A body that is not JSON the service reads (malformed, too deep, unbounded numbers):
    422 like every other unreadable body (docs/decisions.md, helper E)."""

    code = "bad_json"
    status = 422


# --- JSON ----------------------------------------------------------------------------------


def _big_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise BadJson(f"a number in the body has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _constant(name: str):
    raise BadJson(f"{name} is not a JSON number the service accepts")


def depth(data: bytes) -> int:
    """How deep ``[`` and ``{`` nest in JSON text (strings skipped)."""
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKET)
    if not brackets:
        return 0
    return max(accumulate(1 if c in b"[{" else -1 for c in brackets))


def load_json(data: bytes | str) -> object:
    """Parse a request body strictly (see the module's rules); :class:`BadJson` if not."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if depth(raw) > MAX_DEPTH:
        raise BadJson(f"the JSON body nests deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(raw, parse_int=_big_int, parse_constant=_constant)
    except (ValueError, RecursionError) as exc:
        raise BadJson(f"the body is not valid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(raw):
        _refuse_surrogates(value)
    return value


def _refuse_surrogates(value: object) -> None:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATES.search(v):
                raise BadJson("the body holds a lone surrogate (\\ud800-\\udfff), not text")
        elif isinstance(v, Mapping):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


# --- text ----------------------------------------------------------------------------------


def bounded_text(value: object, field: str, limit: int = MAX_ID) -> str:
    """``value`` as text of at most ``limit`` characters, else 422 naming ``field``."""
    why = text_problem(value, limit)
    if why is not None:
        raise InvalidInput(f"{field} {why}", code="bad_field", detail={"field": field})
    return value  # type: ignore[return-value]


#: the fields where a JSON true/false stands for the text "true"/"false"
FLAGS = frozenset({"active", "deleted"})


def row_problems(row: Mapping, limits: Mapping[str, int]) -> list[tuple[str, str]]:
    """``(field, message)`` for each field of ``row`` over its limit or not text.

    ``limits`` maps field names to their longest length; a JSON ``true``/``false`` passes
    in the :data:`FLAGS` fields, and null or a missing field passes everywhere. NUL
    characters are left to the callers, which refuse them with the code ``nul_character``.
    """
    out = []
    for field, limit in limits.items():
        value = row.get(field)
        if value is None or (isinstance(value, bool) and field in FLAGS):
            continue
        why = text_problem(value, limit, nul=False)
        if why is not None:
            out.append((field, f"{field} {why}"))
    return out


# --- dates, instants, amounts, numbers, currencies -----------------------------------------


def strict_instant(value: str, tz: tzinfo) -> datetime:
    """An ISO date or date-time in UTC; without an offset read in ``tz``. ``ValueError``
    when it is not one or its UTC value falls outside the calendar (year 1 to 9999)."""
    s = value.strip()
    if not _INSTANT.fullmatch(s):
        raise ValueError(f'"{value}" is not an ISO date or date-time')
    s = s.replace("Z", "+00:00")
    try:
        if len(s) == 10:
            return datetime.combine(date.fromisoformat(s), time(), tz).astimezone(UTC)
        dt = datetime.fromisoformat(s)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        return dt.astimezone(UTC)
    except OverflowError:
        raise ValueError(f'"{value}" lies outside the calendar in UTC') from None


def whole_number(raw: str, name: str, low: int, high: int) -> int:
    """A query parameter of ASCII digits from ``low`` to ``high``, else 422 naming it."""
    if not _WHOLE.fullmatch(raw) or not low <= int(raw) <= high:
        raise InvalidInput(
            f"{name} must be a whole number from {low} to {high}",
            code="bad_parameter",
            detail={"parameter": name},
        )
    return int(raw)


def currency(value: object, field: str = "currency") -> str:
    """An ISO 4217 code: three capital letters of the list, else 422 naming ``field``."""
    if not isinstance(value, str) or value not in ISO_4217:
        raise InvalidInput(
            f"{field} {str(value)[:20]!r} is not an ISO 4217 currency code",
            code="bad_currency",
            detail={"field": field},
        )
    return value


#: ISO 4217 active codes (the core's exponent table covers those whose minor unit is not 2)
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
    KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP
    MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR
    RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW
    ZWL""".split()  # noqa: SIM905
)


# --- the app's hooks -----------------------------------------------------------------------

#: endpoints that take bulk bodies (the ingest limit); every other body has the small limit
BULK_ENDPOINTS = frozenset({"ingest.post_ingest", "budgets.batch"})


def body_limit(app, endpoint: str | None) -> int:
    key = "PIXIE_MAX_INGEST_BODY" if endpoint in BULK_ENDPOINTS else "PIXIE_MAX_BODY"
    return int(app.config[key])


def check_request() -> None:
    """``before_request`` (ahead of authentication, reading no body): a declared body over
    the limit is 413 at once, and the stream is capped at the limit for bodies without
    Content-Length; NUL or lone surrogates in the path or the query string are 400."""
    from flask import current_app, request
    from werkzeug.exceptions import RequestEntityTooLarge

    limit = body_limit(current_app, request.endpoint)
    # without Content-Length werkzeug stops reading at the limit without a word: read one
    # byte more, and Request.get_data refuses a body that reached it
    request.max_content_length = limit if request.content_length is not None else limit + 1
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(
            f"the body has {request.content_length} bytes; this endpoint takes at most {limit}"
        )
    for name, value in [*request.args.items(multi=True), *(request.view_args or {}).items()]:
        for what, text in (("name", name), ("value", value)):
            if isinstance(text, str) and ("\x00" in text or _SURROGATES.search(text)):
                raise InvalidInput(
                    f"the parameter {name[:40]!r} holds a NUL character or a lone surrogate "
                    f"in its {what}",
                    code="bad_parameter",
                    detail={"parameter": name[:200]},
                )


def _request_class():
    from flask import Request
    from werkzeug.exceptions import RequestEntityTooLarge

    class BoundedRequest(Request):
        """A request whose streamed body (no Content-Length) is refused past its limit."""

        def get_data(self, *args, **kwargs):
            data = super().get_data(*args, **kwargs)
            cap = self.max_content_length
            if self.content_length is None and cap is not None and len(data) >= cap:
                raise RequestEntityTooLarge(f"the body is over {cap - 1} bytes")
            return data

    return BoundedRequest


class JsonProvider:
    """Mixed into Flask's JSON provider: request bodies are parsed by :func:`load_json`."""

    def loads(self, s, **kwargs):
        return load_json(s)


def init_app(app) -> None:
    from flask.json.provider import DefaultJSONProvider

    class Provider(JsonProvider, DefaultJSONProvider):
        pass

    sort_keys = app.json.sort_keys
    app.json = Provider(app)
    app.json.sort_keys = sort_keys
    app.request_class = _request_class()
    app.before_request(check_request)


def byte_size(value: object, key: str) -> int:
    """A body limit from the configuration (bytes, a whole number ≥ 1)."""
    try:
        n = int(str(value).strip())
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{key} must be a whole number of bytes, not {value!r}")
    return n
