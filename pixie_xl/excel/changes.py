"""What changed since the last refresh (issue 13, item 3): each Alerts row's previous
status, and a status line such as "3 lines went over budget".

The previous statuses are read from the workbook's own Variance table just before a refresh
(or Build variance) rewrites it: the table holds every row's status as last shown, OK rows
too, for this workbook's report period. So the marks compare what this workbook showed
with what it shows now, whichever machine or cache did the refresh. A workbook never
refreshed (an empty Variance table) marks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pixie_xl.core.records import Status, VarianceRow
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book

Key = tuple[str, str, str]
#: the Was cell of a row the previous Variance table did not have
NEW = "(new)"
_ORDER = {s.value: i for i, s in enumerate(Status)}  # OVER first, OK last
_WENT = {
    "OVER": "went over budget",
    "UNBUDGETED": "got actuals without a budget",
    "BEHIND": "fell behind their income budget",
    "WARN": "reached the warning level",
    "OK": "came back to OK",
}


def key_of(r: VarianceRow) -> Key:
    return (r.object, r.activity, r.kind.value)


def previous_statuses(book: Book) -> dict[Key, str] | None:
    """Each Variance row's status as the workbook shows it now; None when it shows none."""
    try:
        table = book.read_table(layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
    except (KeyError, ValueError):
        return None
    header = [str(h).strip().lower() for h in table.header]
    try:
        at = [header.index(h) for h in ("object", "activity", "kind", "status")]
    except ValueError:
        return None
    out: dict[Key, str] = {}
    for values in table.rows:
        obj, act, kind, status = (values[i] if i < len(values) else None for i in at)
        if obj and status in _ORDER:
            out[(str(obj), str(act), str(kind))] = str(status)
    return out or None


def was_of(r: VarianceRow, was: Mapping[Key, str] | None) -> tuple[str, str]:
    """The Was and Changed cells of an Alerts row: the previous status, and ``worse``,
    ``better``, ``new`` or blank (unchanged, or no previous refresh)."""
    if was is None:
        return "", ""
    before = was.get(key_of(r))
    if before is None:
        return NEW, "new"
    if before == r.status.value:
        return before, ""
    worse = _ORDER[r.status.value] < _ORDER[before]
    return before, "worse" if worse else "better"


def summary(rows: Sequence[VarianceRow], was: Mapping[Key, str] | None) -> str:
    """``3 lines went over budget, 1 line came back to OK`` (worst first); "" when nothing
    changed or there was no previous refresh."""
    if was is None:
        return ""
    moved: dict[str, int] = {}
    for r in rows:
        before = was.get(key_of(r), "OK")
        if before != r.status.value:
            moved[r.status.value] = moved.get(r.status.value, 0) + 1
    parts = [
        f"{n} line{'' if n == 1 else 's'} {_WENT[s]}"
        for s, n in sorted(moved.items(), key=lambda kv: _ORDER[kv[0]])
    ]
    return ", ".join(parts)
