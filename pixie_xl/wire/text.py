"""The bounds and strict forms of values on the wire (issue 9): every id, text, date and
amount the service reads is checked by these, so SQLite and PostgreSQL refuse the same
input with the same problem.

>>> strict_date("2026-01-31")
datetime.date(2026, 1, 31)
>>> text_problem("a" * 201)
'is 201 characters long; at most 200'
"""

from __future__ import annotations

import re
from datetime import date

#: the width of every id, code and name column (VARCHAR(200))
MAX_ID = 200
#: the longest free text (notes, names, references, vendors)
MAX_TEXT = 4000
#: the largest value of an int4 column (audit ids, revisions)
INT4_MAX = 2**31 - 1

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_AMOUNT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
#: a lone surrogate (``"\ud800"``), which no column stores
SURROGATES = re.compile("[\ud800-\udfff]")


def text_problem(value: object, limit: int = MAX_ID, *, nul: bool = True) -> str | None:
    """Why ``value`` cannot be stored as text of at most ``limit`` characters, or None
    (``nul=False`` leaves NUL characters to a check of the caller's own)."""
    if not isinstance(value, str):
        return f"must be text, not {type(value).__name__}"
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit}"
    if nul and "\x00" in value:
        return "holds a NUL character"
    if SURROGATES.search(value):
        return "holds a lone surrogate, not text"
    return None


def strict_date(value: str) -> date:
    """An ISO date ``YYYY-MM-DD`` (ASCII digits), else ``ValueError``."""
    if not _DATE.fullmatch(value):
        raise ValueError(f'"{value}" is not an ISO date (YYYY-MM-DD)')
    return date.fromisoformat(value)


def is_amount_text(value: object) -> bool:
    """A decimal string of ASCII digits with an optional sign and dot (``"-12.50"``)."""
    return isinstance(value, str) and _AMOUNT.fullmatch(value.strip()) is not None


def show(value: object) -> str:
    """A value as a message quotes it: its repr, at most 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def clip(value: str) -> str:
    """Text as a message quotes it: at most 40 characters."""
    return value if len(value) <= 40 else value[:37] + "..."
