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

    def __post_init__(self) -> None:
        if self.count < 0:
            self.count = len(self.lines)


def check_actuals(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    """Parse and check every row (reads only: no write lock needed); a batch with any
    finding is refused whole (``ValidationFailed``) before anything is written."""
    settings = load_settings(s)
    tz = ZoneInfo(settings.timezone)
    places = exponent(settings.currency)
    sqlite = s.get_bind().dialect.name == "sqlite"
    objects, activities = known_ids(s, "objects", "id"), known_ids(s, "activities", "code")
    cols = [h.strip().lower() for h in header]
    ix = {name: cols.index(name) for name in FORMATS["actuals"]}
    i_op = cols.index("op") if "op" in cols else None
    i_del = cols.index("deleted") if "deleted" in cols else None
    i_id, i_task, i_obj, i_act = ix["line_id"], ix["task_id"], ix["object"], ix["activity"]
    i_created, i_kind, i_date, i_amt, i_ref = (
        ix["task_created"],
        ix["kind"],
        ix["date"],
        ix["amount"],
        ix["reference"],
    )
    width = len(cols)
    c = Collector(source)
    lines: list[list] = []
    deletes: list[str] = []
    tasks: dict[str, tuple[str, str, datetime, int]] = {}
    seen: set[str] = set()
    # the same few hundred dates and task instants repeat: parse each once
    days: dict[str, date] = {}
    instants: dict[str, datetime] = {}
    day_text = _DayText()
    stored_day: dict[str, date | str] = {}
    get = operator.itemgetter(i_id, i_task, i_obj, i_act, i_created, i_kind, i_date, i_amt, i_ref)
    fast = i_op is None and i_del is None
    for n, r in enumerate(rows, start=2):
        # Fast path: a well-formed row whose date and instant were seen before. Anything
        # unusual falls through to the checks below, which name every problem.
        if fast and len(r) == width:
            lid, task, obj, act, cr, kind, ds, amt, ref = get(r)
            if (
                lid
                and lid not in seen
                and lid[0] > " " < lid[-1]
                and len(lid) <= MAX_ID
                and task
                and task[0] > " " < task[-1]
                and len(task) <= MAX_ID
                and len(ref) <= MAX_TEXT
                and obj in objects
                and act in activities
                and (kind == "cost" or kind == "income")
                and ds in stored_day
                and cr in instants
            ):
                dot = amt.find(".")
                if dot > 0 and len(amt) - dot - 1 == places and len(amt) <= MAX_SIGNIFICANT_DIGITS:
                    whole, frac = amt[:dot], amt[dot + 1 :]
                    if whole.isdigit() and frac.isdigit() and whole.isascii() and frac.isascii():
                        created = instants[cr]
                        known = tasks.get(task)
                        if known is None:
                            tasks[task] = (obj, act, created, n)
                        elif known[0] != obj or known[1] != act or known[2] != created:
                            known = False
                        if known is not False:
                            seen.add(lid)
                            lines.append((lid, task, kind, stored_day[ds], int(whole + frac), ref))
                            continue
        if len(r) != width:
            if not any(v.strip() for v in r):
                continue
            c.add(n, "row", "bad_row", f"the row has {len(r)} fields, the header {width}")
            continue
        lid = r[i_id].strip()
        if not lid:
            c.add(n, "line_id", "missing_value", "line_id is required")
            continue
        if len(lid) > MAX_ID:
            c.add(n, "line_id", "too_long", f"line_id is {len(lid)} characters; at most {MAX_ID}")
            continue
        if lid in seen:
            c.add(n, "line_id", "duplicate_id", f'line "{lid}" appears twice in this batch')
            continue
        seen.add(lid)
        if (i_op is not None and r[i_op].strip().lower() == "delete") or (
            i_del is not None and master.parse_bool(r[i_del] or "false") is True
        ):
            deletes.append(lid)
            continue
        ok = True
        task, obj, act = r[i_task].strip(), r[i_obj].strip(), r[i_act].strip()
        if not task:
            c.add(n, "task_id", "missing_value", "task_id is required")
            ok = False
        elif len(task) > MAX_ID:
            c.add(n, "task_id", "too_long", f"task_id is {len(task)} characters; at most {MAX_ID}")
            ok = False
        if len(r[i_ref]) > MAX_TEXT:
            msg = f"reference is {len(r[i_ref])} characters; at most {MAX_TEXT}"
            c.add(n, "reference", "too_long", msg)
            ok = False
        if not known_pair(c, n, obj, act, objects, activities):
            ok = False
        kind = r[i_kind].strip().lower()
        if kind not in ("income", "cost"):
            c.add(n, "kind", "bad_kind", f'kind "{r[i_kind]}" is not income or cost')
            ok = False
        day = days.get(r[i_date])
        if day is None:
            try:
                day = days[r[i_date]] = strict_date(r[i_date].strip())
            except ValueError:
                msg = f'date "{r[i_date]}" is not an ISO date (YYYY-MM-DD)'
                c.add(n, "date", "bad_date", msg)
                ok = False
        created = instants.get(r[i_created])
        if created is None:
            try:
                created = instants[r[i_created]] = parse_instant(r[i_created], tz)
            except ValueError as exc:
                msg = f"task_created {exc}"
                c.add(n, "task_created", "bad_date", msg)
                ok = False
        try:
            amount = minor_units(r[i_amt], places)
        except AmountError as exc:
            c.add(n, "amount", exc.code, f"amount {exc.message}")
            ok = False
        if not ok:
            continue
        known = tasks.get(task)
        if known is None:
            tasks[task] = (obj, act, created, n)
        elif known[:3] != (obj, act, created):
            msg = f'task "{task}" has another object, activity or creation time in row {known[3]}'
            c.add(n, "task_id", "task_conflict", msg)
            continue
        stored_day[r[i_date]] = day_text[day] if sqlite else day
        lines.append((lid, task, kind, stored_day[r[i_date]], amount, r[i_ref]))
    c.raise_if_any("actual lines refused")
    return CheckedActuals(lines, tasks, deletes, len(seen), sqlite)


class _DayText(dict):
    """date → its ISO text, computed once per date."""

    def __missing__(self, day: date) -> str:
        self[day] = text = day.isoformat()
        return text
