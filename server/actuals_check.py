"""Checking a batch of actual lines (SPEC §5) before any write lock: every row parsed and
checked, every problem named with its row and field; a batch with any finding is refused
whole before anything is written."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from pixie_xl.core.errors import AmountError
from pixie_xl.core.money import MAX_SIGNIFICANT_DIGITS, exponent
from pixie_xl.core.records import INGEST_FORMATS as FORMATS

from . import master
from .edge import MAX_ID, MAX_TEXT, strict_date
from .ingest_values import Collector, known_ids, known_pair, minor_units, parse_instant
from .records import load_settings


@dataclass
class CheckedActuals:
    """An actual-lines batch every row of which passed its checks, ready to be written."""

    lines: list[tuple]  # (id, task, kind, day, minor units, reference)
    tasks: dict[str, tuple[str, str, datetime, int]]  # id → (object, activity, created, row)
    deletes: list[str]
    rows: int
    sqlite: bool
    staged: str | None = None  # the staging batch id once staged (pixie_server.staging)
    count: int = -1  # the number of lines (``len(lines)`` unless given)
    #: a batch read a column at a time (pixie_server.actuals_columns) has no ``lines`` but
    #: their JSON texts, one per staging chunk, the JSON array of their ids and their sums
    chunks: list[str] | None = None
    ids: str | None = None
    sums: tuple[dict, dict] | None = None
    widths: list[int] | None = None  # of the staged texts' fields (pixie_server.staging)
    ragged: tuple[bool, bool] = (True, True)  # some id / task id shorter than its width

    def __post_init__(self) -> None:
        if self.count < 0:
            self.count = len(self.lines)


def check_actuals(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    """Parse and check every row (reads only: no write lock needed); a batch with any
    finding is refused whole (``ValidationFailed``) before anything is written."""
    b = _Batch(s, header, source)
    get, width, fast = b.get, b.width, b.i_op is None and b.i_del is None
    for n, r in enumerate(rows, start=2):
        # Fast path: a well-formed row whose date and instant were seen before. Anything
        # unusual falls through to the checks below, which name every problem.
        if fast and len(r) == width and _plain_row(b, n, get(r)):
            continue
        _checked_row(b, n, r)
    b.c.raise_if_any("actual lines refused")
    return CheckedActuals(b.lines, b.tasks, b.deletes, len(b.seen), b.sqlite)


class _Batch:
    """What the checks of one batch share: its settings, the known master data, the
    columns' places and what the rows so far gave."""

    def __init__(self, s: Session, header: Sequence[str], source: str) -> None:
        settings = load_settings(s)
        self.tz = ZoneInfo(settings.timezone)
        self.places = exponent(settings.currency)
        self.sqlite = s.get_bind().dialect.name == "sqlite"
        self.objects = known_ids(s, "objects", "id")
        self.activities = known_ids(s, "activities", "code")
        cols = [h.strip().lower() for h in header]
        ix = [cols.index(name) for name in _ORDER]
        self.i_id, self.i_task, self.i_obj, self.i_act, self.i_created = ix[:5]
        self.i_kind, self.i_date, self.i_amt, self.i_ref = ix[5:]
        self.i_op = cols.index("op") if "op" in cols else None
        self.i_del = cols.index("deleted") if "deleted" in cols else None
        self.get = operator.itemgetter(*ix)
        self.width = len(cols)
        self.c = Collector(source)
        self.lines: list[tuple] = []
        self.deletes: list[str] = []
        self.tasks: dict[str, tuple[str, str, datetime, int]] = {}
        self.seen: set[str] = set()
        # the same few hundred dates and task instants repeat: parse each once
        self.days: dict[str, date] = {}
        self.instants: dict[str, datetime] = {}
        self.day_text = _DayText()
        self.stored_day: dict[str, date | str] = {}


#: the actuals columns in the order :class:`_Batch`'s ``get`` returns them
_ORDER = ("line_id", "task_id", "object", "activity", "task_created", "kind", "date")
_ORDER += ("amount", "reference")
assert set(_ORDER) == set(FORMATS["actuals"])


def _plain_row(b: _Batch, n: int, fields: tuple) -> bool:
    """Take a row that needs no finding and no parsing (True); False leaves it to
    :func:`_checked_row`, which names its problems."""
    lid, task, obj, act, cr, kind, ds, amt, ref = fields
    if not (
        lid
        and lid not in b.seen
        and lid[0] > " " < lid[-1]
        and len(lid) <= MAX_ID
        and task
        and task[0] > " " < task[-1]
        and len(task) <= MAX_ID
        and len(ref) <= MAX_TEXT
        and obj in b.objects
        and act in b.activities
        and (kind == "cost" or kind == "income")
        and ds in b.stored_day
        and cr in b.instants
    ):
        return False
    dot = amt.find(".")
    if not (dot > 0 and len(amt) - dot - 1 == b.places and len(amt) <= MAX_SIGNIFICANT_DIGITS):
        return False
    whole, frac = amt[:dot], amt[dot + 1 :]
    if not (whole.isdigit() and frac.isdigit() and whole.isascii() and frac.isascii()):
        return False
    created = b.instants[cr]
    known = b.tasks.get(task)
    if known is None:
        b.tasks[task] = (obj, act, created, n)
    elif known[0] != obj or known[1] != act or known[2] != created:
        return False
    b.seen.add(lid)
    b.lines.append((lid, task, kind, b.stored_day[ds], int(whole + frac), ref))
    return True


def _checked_row(b: _Batch, n: int, r: list[str]) -> None:
    """Check one row field by field: a finding for each problem, else its line."""
    lid = _line_id(b, n, r)
    if lid is None:
        return
    if _is_tombstone(b, r):
        b.deletes.append(lid)
        return
    task, obj, act = r[b.i_task].strip(), r[b.i_obj].strip(), r[b.i_act].strip()
    ok = _texts_fit(b, n, task, r[b.i_ref])
    ok = known_pair(b.c, n, obj, act, b.objects, b.activities) and ok
    kind = r[b.i_kind].strip().lower()
    if kind not in ("income", "cost"):
        b.c.add(n, "kind", "bad_kind", f'kind "{r[b.i_kind]}" is not income or cost')
        ok = False
    day, created = _day(b, n, r[b.i_date]), _instant(b, n, r[b.i_created])
    try:
        amount = minor_units(r[b.i_amt], b.places)
    except AmountError as exc:
        b.c.add(n, "amount", exc.code, f"amount {exc.message}")
        ok = False
    if not ok or day is None or created is None or not _same_task(b, n, task, obj, act, created):
        return
    b.stored_day[r[b.i_date]] = b.day_text[day] if b.sqlite else day
    b.lines.append((lid, task, kind, b.stored_day[r[b.i_date]], amount, r[b.i_ref]))


def _line_id(b: _Batch, n: int, r: list[str]) -> str | None:
    """The row's line id once its shape and id are fine and new in the batch, else None
    (with a finding, but for a blank row)."""
    if len(r) != b.width:
        if any(v.strip() for v in r):
            b.c.add(n, "row", "bad_row", f"the row has {len(r)} fields, the header {b.width}")
        return None
    lid = r[b.i_id].strip()
    if not lid:
        b.c.add(n, "line_id", "missing_value", "line_id is required")
        return None
    if len(lid) > MAX_ID:
        b.c.add(n, "line_id", "too_long", f"line_id is {len(lid)} characters; at most {MAX_ID}")
        return None
    if lid in b.seen:
        b.c.add(n, "line_id", "duplicate_id", f'line "{lid}" appears twice in this batch')
        return None
    b.seen.add(lid)
    return lid


def _is_tombstone(b: _Batch, r: list[str]) -> bool:
    """Whether the row's ``op`` is delete or its ``deleted`` flag is true."""
    if b.i_op is not None and r[b.i_op].strip().lower() == "delete":
        return True
    return b.i_del is not None and master.parse_bool(r[b.i_del] or "false") is True


def _texts_fit(b: _Batch, n: int, task: str, ref: str) -> bool:
    """The task id is given and no text is over its column's width."""
    ok = True
    if not task:
        b.c.add(n, "task_id", "missing_value", "task_id is required")
        ok = False
    elif len(task) > MAX_ID:
        b.c.add(n, "task_id", "too_long", f"task_id is {len(task)} characters; at most {MAX_ID}")
        ok = False
    if len(ref) > MAX_TEXT:
        b.c.add(
            n, "reference", "too_long", f"reference is {len(ref)} characters; at most {MAX_TEXT}"
        )
        ok = False
    return ok


def _day(b: _Batch, n: int, text: str) -> date | None:
    """The row's date (parsed once per text), or None with a finding."""
    day = b.days.get(text)
    if day is None:
        try:
            day = b.days[text] = strict_date(text.strip())
        except ValueError:
            b.c.add(n, "date", "bad_date", f'date "{text}" is not an ISO date (YYYY-MM-DD)')
    return day


def _instant(b: _Batch, n: int, text: str) -> datetime | None:
    """The task's creation instant (parsed once per text), or None with a finding."""
    created = b.instants.get(text)
    if created is None:
        try:
            created = b.instants[text] = parse_instant(text, b.tz)
        except ValueError as exc:
            b.c.add(n, "task_created", "bad_date", f"task_created {exc}")
    return created


def _same_task(b: _Batch, n: int, task: str, obj: str, act: str, created: datetime) -> bool:
    """Record the task at its first row; a later row must give it the same object,
    activity and creation time (else a finding)."""
    known = b.tasks.get(task)
    if known is None:
        b.tasks[task] = (obj, act, created, n)
    elif known[:3] != (obj, act, created):
        msg = f'task "{task}" has another object, activity or creation time in row {known[3]}'
        b.c.add(n, "task_id", "task_conflict", msg)
        return False
    return True


class _DayText(dict):
    """date → its ISO text, computed once per date."""

    def __missing__(self, day: date) -> str:
        self[day] = text = day.isoformat()
        return text
