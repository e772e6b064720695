"""The checks of an actual-lines batch a column at a time (issue 12 item 4).

A clean batch (the usual one: every row well formed, known objects and activities, ISO
dates, amounts with the currency's decimals) is checked over whole columns: sets of the
few hundred distinct dates, instants, objects and activities parsed once, the amounts
matched by one regular expression over the column and converted by ``int`` in a ``map``,
the lines zipped from the columns. No Python code runs per row.

The column checks accept a subset of what the row checks accept, and give the same lines
and tasks for it. Any batch they do not accept whole (a finding, an ``op``/``deleted``
column, an amount written ``12.5``, a task whose creation time is written two ways) goes
to the row checks of :mod:`pixie_server.actuals_check`, which name every problem with its
row and field; so the findings are the same as before, only clean batches are faster.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from pixie_xl.core.money import MAX_SIGNIFICANT_DIGITS

from .edge import MAX_ID, MAX_TEXT, strict_date
from .ingest_values import parse_instant

KINDS = frozenset({"cost", "income"})


def _amounts_pattern(places: int) -> re.Pattern:
    one = r"-?\d+" + (rf"\.\d{{{places}}}" if places else "")
    return re.compile(rf"(?:{one}\n)*{one}", re.ASCII)


def _clean_ids(values: tuple[str, ...]) -> bool:
    """Every id present, trimmed and at most MAX_ID long."""
    lengths = list(map(len, values))
    return min(lengths) > 0 and max(lengths) <= MAX_ID and tuple(map(str.strip, values)) == values


def _parsed(distinct: set[str], parse) -> dict | None:
    """value → parse(value) for each distinct value, or None when one does not parse."""
    out = {}
    for value in distinct:
        if value != value.strip():
            return None
        try:
            out[value] = parse(value)
        except ValueError:
            return None
    return out


def _minor_units(amounts: Sequence[str], places: int) -> list[int] | None:
    """The column's amounts in minor units, or None unless every one is plain decimal text
    with exactly the currency's decimals (the row checks handle the rest)."""
    joined = "\n".join(amounts)
    if (
        joined.count("\n") != len(amounts) - 1
        or max(map(len, amounts)) > MAX_SIGNIFICANT_DIGITS
        or _amounts_pattern(places).fullmatch(joined) is None
    ):
        return None
    return list(map(int, joined.replace(".", "").split("\n")))


def check_columns(
    rows: list,
    ix: dict[str, int],
    known: tuple[set[str], set[str]],
    places: int,
    tz: ZoneInfo,
    sqlite: bool,
):
    """``(lines, tasks)`` of a batch every row of which passes, else None (see the module).

    ``rows`` are lists of text of the header's width, ``ix`` the column of each field,
    ``known`` the ids of the objects and the codes of the activities."""
    if not rows:
        return None
    cols = list(zip(*rows, strict=True))
    ids, tasks, objs, acts = (cols[ix[k]] for k in ("line_id", "task_id", "object", "activity"))
    created, kinds, dates = (cols[ix[k]] for k in ("task_created", "kind", "date"))
    amounts, refs = cols[ix["amount"]], cols[ix["reference"]]
    objects, activities = set(objs), set(acts)
    if not (
        _clean_ids(ids)
        and len(set(ids)) == len(ids)
        and _clean_ids(tasks)
        and max(map(len, refs)) <= MAX_TEXT
        and objects <= known[0]
        and activities <= known[1]
        and set(kinds) <= KINDS
    ):
        return None
    days = _parsed(set(dates), strict_date)
    instants = _parsed(set(created), lambda v: parse_instant(v, tz))
    minor = _minor_units(amounts, places)
    if days is None or instants is None or minor is None:
        return None
    found = _tasks(tasks, objs, acts, created, instants)
    if found is None:
        return None
    stored = {text: day.isoformat() if sqlite else day for text, day in days.items()}
    lines = list(zip(ids, tasks, kinds, map(stored.__getitem__, dates), minor, refs, strict=True))
    return lines, found


def _tasks(tasks, objs, acts, created, instants: dict[str, datetime]) -> dict | None:
    """task → (object, activity, created, the row it first appears in), in the order of
    their first rows; None when a task comes with two objects, activities or creation
    times (written two ways, or a conflict: the row checks tell which)."""
    distinct = set(zip(tasks, objs, acts, created, strict=True))
    first = dict(zip(reversed(tasks), range(len(tasks) + 1, 1, -1), strict=True))
    if len(distinct) != len(first):
        return None
    spec = {t: (o, a, instants[c]) for t, o, a, c in distinct}
    return {t: (*spec[t], first[t]) for t in dict.fromkeys(tasks)}
