"""Batches of master data and actuals in (SPEC §4, §5): all or nothing, idempotent by id.

A batch is a table whose header row says what it holds (objects, activities, actual lines
or purchase orders). Every row is checked and every problem reported with its row and
field; if any is an error nothing is written. Rows are upserted by id: a row identical to
the stored one changes nothing; a changed row is updated and takes a new sync sequence
number. An ``op`` column (or a ``deleted`` column that is true) holding ``delete``
tombstones a line or an order, so clients see the deletion on their next sync.

Actual lines go the bulk way: the csv module and every check first (no lock needed), then
bulk upserts in the batch's write transaction; a long batch is staged in short
transactions first and merged in one (:mod:`pixie_server.staging`).
"""

from __future__ import annotations

import csv
import io
import json
import operator
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from pixie_xl.core.errors import AmountError, BadFile, ValidationFailed
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.core.money import MAX_SIGNIFICANT_DIGITS, exponent, parse_text
from pixie_xl.core.records import INGEST_FORMATS

from . import db, master, staging
from .edge import MAX_ID, MAX_TEXT, is_amount_text, row_problems, strict_date, strict_instant
from .records import load_settings

#: the header row of each format (SPEC §5)
FORMATS = INGEST_FORMATS
#: columns a file may add to any actuals/orders format
OPTIONAL = ("op", "deleted")
#: JSON keys accepted for each format
JSON_KEYS = {
    "objects": ("objects",),
    "activities": ("activities",),
    "actuals": ("actuals", "actual_lines", "lines"),
    "purchase_orders": ("purchase_orders", "pos"),
}
MAX_FINDINGS = 1000
PO_STATUSES = frozenset({"draft", "approved", "received", "invoiced", "cancelled"})


def detect(header: Sequence[str]) -> str:
    """The format a header row names (case and spaces ignored, extra op/deleted allowed)."""
    cols = [h.strip().lower() for h in header]
    core = [c for c in cols if c not in OPTIONAL]
    for name, expected in FORMATS.items():
        if set(core) == set(expected) and len(core) == len(expected):
            return name
    raise BadFile(
        "the header row matches none of the ingest formats: "
        + "; ".join(f"{k}: {','.join(v)}" for k, v in FORMATS.items()),
        code="unknown_format",
    )


def read_csv(data: bytes | str) -> tuple[list[str], Iterator[list[str]]]:
    """Header and row iterator of CSV ``data`` (UTF-8, an optional BOM), read strictly.

    A file that does not parse cleanly is refused whole (``bad_csv``, naming its line): an
    unbalanced quote, a row whose field count differs from the header's, a field spanning
    lines (no ingest format has multi-line fields). Empty lines are skipped.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadFile("the file is not UTF-8 text", code="not_utf8") from None
    refuse_nul(data)
    reader = csv.reader(io.StringIO(data, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise BadFile("the file is empty", code="empty_file") from None
    except csv.Error as exc:
        raise _bad_csv(1, str(exc)) from None
    _single_lines(header, 1)
    return header, _strict_rows(reader, len(header))


def _bad_csv(line: int, why: str) -> BadFile:
    return BadFile(
        f"line {line}: not a clean CSV file ({why}); nothing was saved",
        code="bad_csv",
        detail={"line": line},
    )


def _single_lines(row: list[str], line: int) -> None:
    for value in row:
        if "\n" in value or "\r" in value:
            raise _bad_csv(line, "a quoted field runs over several lines: an unbalanced quote?")


def _strict_rows(reader, width: int) -> Iterator[list[str]]:
    """The rows after the header; a row of the wrong width or spanning lines is refused."""
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _bad_csv(start, f"{exc}: an unbalanced quote?") from None
        line = reader.line_num
        if not row:
            continue
        if line != start:
            _single_lines(row, start)
        if len(row) != width:
            raise _bad_csv(start, f"{len(row)} fields where the header has {width}")
        yield row


def refuse_nul(text: str, where: str = "") -> None:
    """NUL characters cannot be stored as text (PostgreSQL refuses them): refuse the batch."""
    at = text.find("\x00")
    if at >= 0:
        line = text.count("\n", 0, at) + 1
        place = where or f"line {line}"
        raise BadFile(
            f"{place} holds a NUL character, which text cannot hold", code="nul_character"
        )


def read_xlsx(data: bytes) -> tuple[list[str], Iterator[list[str]]]:
    """Header and rows of the first sheet of an .xlsx file, every cell as text."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=True)
    except Exception as exc:  # calamine raises several types for broken files
        raise BadFile(f"not a readable workbook: {exc}", code="bad_workbook") from None
    if not sheet:
        raise BadFile("the workbook's first sheet is empty", code="empty_file")
    cells = [[_cell_text(v) for v in row] for row in sheet]
    for n, row in enumerate(cells, start=1):
        refuse_nul("".join(row), f"row {n}")
    return cells[0], iter(cells[1:])


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    if isinstance(v, datetime):
        return v.isoformat() if (v.hour, v.minute, v.second) != (0, 0, 0) else v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def dict_rows(header: Sequence[str], rows: Iterable[list[str]]) -> Iterator[tuple[int, dict]]:
    cols = [h.strip().lower() for h in header]
    for n, r in enumerate(rows, start=2):
        yield n, dict(zip(cols, r, strict=False))


# --- amounts, dates, instants: fast paths with the core's messages on failure ------------


def minor_units(value: str, places: int) -> int:
    """Decimal text → minor units, exactly; errors are the core's (``AmountError``).

    >>> minor_units("1234.5", 2), minor_units("-0.05", 2), minor_units("7", 0)
    (123450, -5, 7)
    """
    dot = value.find(".")
    if dot > 0 and len(value) - dot - 1 == places and len(value) <= MAX_SIGNIFICANT_DIGITS:
        whole, frac = value[:dot], value[dot + 1 :]
        if whole.isdigit() and frac.isdigit() and whole.isascii() and frac.isascii():
            return int(whole + frac)
    s = value.strip()
    neg = s.startswith("-")
    body = s[1:] if neg or s.startswith("+") else s
    whole, _, frac = body.partition(".")
    if (
        (whole.isdigit() or (whole == "" and frac))
        and (frac == "" or frac.isdigit())
        and len(frac) <= places
        and whole.isascii()
        and frac.isascii()
        and len((whole + frac).lstrip("0")) <= MAX_SIGNIFICANT_DIGITS
    ):
        n = int(whole or "0") * 10**places + (int(frac.ljust(places, "0")) if places else 0)
        return -n if neg else n
    if not is_amount_text(value):  # the core's \d would read Arabic-Indic digits
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise AmountError(
            f'"{shown}" is not a number (ASCII digits and a dot)', code="not_a_number"
        )
    return parse_text(value, _currency_for(places)).minor


def _currency_for(places: int) -> str:
    return {0: "JPY", 3: "KWD"}.get(places, "EUR")


def parse_instant(value: str, tz: ZoneInfo) -> datetime:
    """An ISO date or date-time; without an offset it is read in the company timezone."""
    return strict_instant(value, tz)


def sqlite_instant(dt: datetime) -> str:
    """How SQLAlchemy's DateTime stores a (UTC) instant in SQLite."""
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


class Collector:
    """Findings of one batch, capped so a hostile file cannot make the answer huge."""

    def __init__(self, source: str):
        self.source = source
        self.items: list[Finding] = []
        self.more = 0

    def add(self, row: int, field: str, code: str, message: str) -> None:
        if len(self.items) < MAX_FINDINGS:
            self.items.append(Finding(SourceRef(self.source, f"row {row}, {field}"), code, message))
        else:
            self.more += 1

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            if len(self.items) < MAX_FINDINGS:
                self.items.append(f)
            else:
                self.more += 1

    def raise_if_any(self, what: str) -> None:
        if not self.items:
            return
        items = list(self.items)
        if self.more:
            msg = f"and {self.more} more findings not listed"
            items.append(Finding(SourceRef(self.source), "more_findings", msg))
        total = len(self.items) + self.more
        raise ValidationFailed(f"{what}: {total} problem(s); nothing was saved", items)


def _is_delete(r: dict) -> bool:
    op = (r.get("op") or "").strip().lower()
    return op == "delete" or master.parse_bool(r.get("deleted") or "false") is True


# --- the four formats ----------------------------------------------------------------------


#: the longest text of each field of the master data and orders (the columns' widths)
OBJECT_LIMITS = {"id": MAX_ID, "name": MAX_TEXT, "kind": MAX_ID, "parent": MAX_ID, "currency": 3}
ACTIVITY_LIMITS = {"code": MAX_ID, "name": MAX_TEXT, "active": MAX_ID}
PO_LIMITS = {"po_id": MAX_ID, "vendor": MAX_TEXT, "status": MAX_ID}


def _bounded(c: Collector, n: int, row: dict, limits: dict) -> bool:
    """Add a finding per field over its length; True when there is none."""
    problems = row_problems(row, limits)
    for field, message in problems:
        c.add(n, field, "bad_text", message)
    return not problems


def refuse_unbounded(rows: list, source: str, limits: dict) -> None:
    """Refuse ``(row, dict)`` pairs holding text over its column's width (or not text)."""
    c = Collector(source)
    for n, r in rows:
        _bounded(c, n, r, limits)
    c.raise_if_any("refused")


def ingest_objects(s: Session, rows, source: str) -> dict:
    settings = load_settings(s)
    rows = list(rows)
    refuse_unbounded(rows, source, OBJECT_LIMITS)
    objects, findings = master.check_objects(s, rows, source, settings.currency)
    c = Collector(source)
    c.extend(findings)
    c.raise_if_any("objects refused")
    written, unchanged = master.save_objects(s, objects)
    return {"format": "objects", "rows": len(rows), "written": written, "unchanged": unchanged}


def ingest_activities(s: Session, rows, source: str) -> dict:
    rows = list(rows)
    refuse_unbounded(rows, source, ACTIVITY_LIMITS)
    acts, findings = master.check_activities(rows, source)
    c = Collector(source)
    c.extend(findings)
    c.raise_if_any("activities refused")
    written, unchanged = master.save_activities(s, acts)
    return {"format": "activities", "rows": len(rows), "written": written, "unchanged": unchanged}


def _known(s: Session, table: str, col: str) -> set[str]:
    return {r[0] for r in s.execute(text(f"SELECT {col} FROM {table}"))}


def ingest_actuals(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    """Check and upsert actual lines (and their tasks) in bulk, in the caller's transaction."""
    return write_actuals(s, check_actuals(s, header, rows, source))


@dataclass
class CheckedActuals:
    """An actual-lines batch every row of which passed its checks, ready to be written."""

    lines: list[tuple]  # (id, task, kind, day, minor units, reference)
    tasks: dict[str, tuple[str, str, datetime, int]]  # id → (object, activity, created, row)
    deletes: list[str]
    rows: int
    sqlite: bool
    staged: str | None = None  # the staging batch id once staged (pixie_server.staging)


def check_actuals(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    """Parse and check every row (reads only: no write lock needed); a batch with any
    finding is refused whole (``ValidationFailed``) before anything is written."""
    settings = load_settings(s)
    tz = ZoneInfo(settings.timezone)
    places = exponent(settings.currency)
    sqlite = s.get_bind().dialect.name == "sqlite"
    objects, activities = _known(s, "objects", "id"), _known(s, "activities", "code")
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
        if obj not in objects:
            c.add(n, "object", "unknown_object", f'object "{obj}" is not known')
            ok = False
        if act not in activities:
            c.add(n, "activity", "unknown_activity", f'activity "{act}" is not known')
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


#: lines per upsert statement of the one-transaction path
CHUNK = 50_000


def write_actuals(s: Session, batch: CheckedActuals) -> dict:
    """Write a checked batch inside the caller's write transaction: tasks, then the lines
    (merged from staging when the batch was staged), tombstones, re-sent lines of moved
    tasks. The batch was checked before the lock: its objects and activities are checked
    again here, in case one went away meanwhile."""
    _refuse_gone_master_data(s, batch.tasks)
    changed = _upsert_tasks(s, batch.tasks, batch.sqlite)
    if batch.staged is not None:
        written = staging.merge(s, batch.staged, len(batch.lines), batch.sqlite)
    else:
        written = sum(
            _upsert_lines(s, batch.lines[i : i + CHUNK], batch.sqlite)
            for i in range(0, len(batch.lines), CHUNK)
        )
    done = _finish_actuals(s, batch.sqlite, written, len(batch.lines), batch.deletes, changed)
    return done | {"rows": batch.rows}


def _refuse_gone_master_data(s: Session, tasks: dict) -> None:
    objects, activities = _known(s, "objects", "id"), _known(s, "activities", "code")
    for task, (obj, act, _created, n) in tasks.items():
        if obj not in objects or act not in activities:
            gone = f'object "{obj}"' if obj not in objects else f'activity "{act}"'
            raise ValidationFailed(
                f"row {n}: {gone} of task {task} is no longer known; nothing was saved",
                [],
            )


def _upsert_lines(s: Session, lines: list, sqlite: bool) -> int:
    """Insert new lines, update changed ones (new seq), leave equal ones; returns written."""
    if not lines:
        return 0
    ph = "?" if sqlite else "%s"
    first = db.next_seq(s, len(lines))
    sql = (
        "INSERT INTO actual_lines (id, task_id, kind, date, amount_minor, reference, seq, deleted)"
        f" VALUES ({', '.join([ph] * 8)})" + staging.LINE_UPSERT
    )
    if sqlite:
        # One statement over a JSON array: SQLite parses and inserts it in C without the
        # GIL, so the parser thread keeps running meanwhile (executemany takes the GIL back
        # for every row). Text with NUL characters takes the executemany way.
        blob = json.dumps(lines, ensure_ascii=False)
        if "\\u0000" not in blob:
            select = (
                "SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4,"
                " j.value->>5, ? + j.key, 0 FROM json_each(?) AS j WHERE true"
            )
            json_sql = sql.replace(f" VALUES ({', '.join([ph] * 8)})", " " + select)
            cur = s.connection().exec_driver_sql(json_sql, (first, blob))
            return max(cur.rowcount, 0)
    params = [(*ln, seq, False) for seq, ln in enumerate(lines, start=first)]
    return _executemany(s.connection(), sql, params)


def _finish_actuals(
    s: Session, sqlite: bool, written: int, total: int, deletes: list, changed: list
) -> dict:
    """Tombstones and re-sent lines of moved tasks, after every line is written."""
    ph = "?" if sqlite else "%s"
    deleted = 0
    if deletes:
        first = db.next_seq(s, len(deletes))
        dsql = f"UPDATE actual_lines SET deleted = {ph}, seq = {ph} WHERE id = {ph} AND NOT deleted"
        params = [(True, seq, d) for seq, d in enumerate(deletes, start=first)]
        deleted = _executemany(s.connection(), dsql, params)
    resent = _resend_lines_of(s, changed, ph) if changed else 0
    return {
        "format": "actuals",
        "written": written,
        "unchanged": total - written,
        "deleted": deleted,
        "tasks_changed": len(changed),
        "lines_resent": resent,
    }


def _executemany(conn, sql: str, params: list) -> int:
    if not params:
        return 0
    cur = conn.exec_driver_sql(sql, params)
    return max(cur.rowcount, 0)


def _upsert_tasks(s: Session, tasks: dict, sqlite: bool) -> list[str]:
    """Upsert the batch's tasks; returns the ids of existing tasks that changed."""
    if not tasks:
        return []
    conn = s.connection()
    ph = "?" if sqlite else "%s"
    existing: dict[str, tuple] = {}
    ids = list(tasks)
    if sqlite:  # one statement over a JSON array of ids (no GIL while SQLite works)
        found = conn.exec_driver_sql(
            "SELECT t.id, t.object_id, t.activity_code, t.created_at FROM json_each(?) AS j"
            " JOIN tasks AS t ON t.id = j.value",
            (json.dumps(ids, ensure_ascii=False),),
        ).all()
    else:
        found = conn.exec_driver_sql(
            "SELECT id, object_id, activity_code, created_at FROM tasks WHERE id = ANY(%s)",
            (ids,),
        ).all()
    if found:
        for tid, obj, act, created in found:
            if isinstance(created, str):
                created = datetime.fromisoformat(created).replace(tzinfo=UTC)
            existing[tid] = (obj, act, created.astimezone(UTC))
    changed = [t for t, v in existing.items() if v != tasks[t][:3]]
    fresh = [t for t in tasks if t not in existing]

    stamps: dict[datetime, str] = {}

    def row(t):
        obj, act, created, _ = tasks[t]
        if not sqlite:
            return (t, obj, act, created)
        stamp = stamps.get(created)
        if stamp is None:
            stamp = stamps[created] = sqlite_instant(created)
        return (t, obj, act, stamp)

    if fresh and sqlite:
        conn.exec_driver_sql(
            "INSERT INTO tasks (id, object_id, activity_code, created_at)"
            " SELECT j.value->>0, j.value->>1, j.value->>2, j.value->>3 FROM json_each(?) AS j",
            (json.dumps([row(t) for t in fresh], ensure_ascii=False),),
        )
    elif fresh:
        sql = "INSERT INTO tasks (id, object_id, activity_code, created_at) VALUES "
        conn.exec_driver_sql(sql + f"({', '.join([ph] * 4)})", [row(t) for t in fresh])
    if changed:
        sql = f"UPDATE tasks SET object_id = {ph}, activity_code = {ph}, created_at = {ph} "
        conn.exec_driver_sql(sql + f"WHERE id = {ph}", [(*row(t)[1:], t) for t in changed])
    return changed


def _resend_lines_of(s: Session, task_ids: list[str], ph: str) -> int:
    """Give every line of a changed task a new seq, so clients pick up its new object."""
    conn = s.connection()
    ids: list[str] = []
    for i in range(0, len(task_ids), 900):
        chunk = task_ids[i : i + 900]
        marks = ", ".join([ph] * len(chunk))
        ids += [
            r[0]
            for r in conn.exec_driver_sql(
                f"SELECT id FROM actual_lines WHERE task_id IN ({marks}) AND NOT deleted",
                tuple(chunk),
            )
        ]
    if not ids:
        return 0
    first = db.next_seq(s, len(ids))
    conn.exec_driver_sql(
        f"UPDATE actual_lines SET seq = {ph} WHERE id = {ph}",
        [(first + i, lid) for i, lid in enumerate(ids)],
    )
    return len(ids)


def ingest_purchase_orders(s: Session, rows, source: str) -> dict:
    settings = load_settings(s)
    places = exponent(settings.currency)
    sqlite = s.get_bind().dialect.name == "sqlite"
    objects, activities = _known(s, "objects", "id"), _known(s, "activities", "code")
    c = Collector(source)
    orders: list[tuple] = []
    deletes: list[str] = []
    seen: set[str] = set()
    for n, r in rows:
        pid = (r.get("po_id") or "").strip()
        if not pid:
            c.add(n, "po_id", "missing_value", "po_id is required")
            continue
        if pid in seen:
            c.add(n, "po_id", "duplicate_id", f'order "{pid}" appears twice in this batch')
            continue
        seen.add(pid)
        if _is_delete(r):
            deletes.append(pid)
            continue
        ok = _bounded(c, n, r, PO_LIMITS)
        obj, act = (r.get("object") or "").strip(), (r.get("activity") or "").strip()
        if obj not in objects:
            c.add(n, "object", "unknown_object", f'object "{obj}" is not known')
            ok = False
        if act not in activities:
            c.add(n, "activity", "unknown_activity", f'activity "{act}" is not known')
            ok = False
        status = (r.get("status") or "").strip().lower()
        if status not in PO_STATUSES:
            msg = f'status "{r.get("status")}" is not one of {", ".join(sorted(PO_STATUSES))}'
            c.add(n, "status", "bad_status", msg)
            ok = False
        try:
            ordered = strict_date((r.get("ordered_on") or "").strip())
        except ValueError:
            msg = f'ordered_on "{r.get("ordered_on")}" is not an ISO date (YYYY-MM-DD)'
            c.add(n, "ordered_on", "bad_date", msg)
            ok = False
        amounts = []
        for field in ("amount", "invoiced_amount"):
            raw = r.get(field) or ""
            try:
                amounts.append(minor_units(raw if raw.strip() else "0", places))
            except AmountError as exc:
                c.add(n, field, exc.code, f"{field} {exc.message}")
                ok = False
        if ok:
            day = ordered.isoformat() if sqlite else ordered
            vendor = r.get("vendor") or ""
            orders.append((pid, obj, act, vendor, day, amounts[0], amounts[1], status))
    c.raise_if_any("purchase orders refused")
    _refuse_over_budget(s, orders)
    conn = s.connection()
    ph = "?" if sqlite else "%s"
    first = db.next_seq(s, len(orders) + len(deletes)) if orders or deletes else 0
    cols = "id, object_id, activity_code, vendor, ordered_on, amount_minor, invoiced_minor, status"
    fields = cols.split(", ")[1:]
    sql = (
        f"INSERT INTO purchase_orders ({cols}, seq, deleted) VALUES ({', '.join([ph] * 10)})"
        " ON CONFLICT (id) DO UPDATE SET "
        + ", ".join(f"{f} = excluded.{f}" for f in [*fields, "seq", "deleted"])
        + " WHERE "
        + " OR ".join(
            f"purchase_orders.{f} IS DISTINCT FROM excluded.{f}" for f in [*fields, "deleted"]
        )
    )
    written = _executemany(conn, sql, [(*o, first + i, False) for i, o in enumerate(orders)])
    deleted = 0
    if deletes:
        base = first + len(orders)
        dsql = (
            f"UPDATE purchase_orders SET deleted = {ph}, seq = {ph} WHERE id = {ph} AND NOT deleted"
        )
        deleted = _executemany(conn, dsql, [(True, base + i, d) for i, d in enumerate(deletes)])
    return {
        "format": "purchase_orders",
        "rows": len(seen),
        "written": written,
        "unchanged": len(orders) - written,
        "deleted": deleted,
    }


def _refuse_over_budget(s: Session, orders: list[tuple]) -> None:
    """With ``on_over`` = ``stop``, refuse orders that take their line over (issue 13)."""
    from .api.checks import refuse_over_budget  # the view module imports this one

    refuse_over_budget(s, orders)


def ingest_table(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    """Detect the format from ``header`` and ingest ``rows`` (lists of text)."""
    try:
        return _ingest_table(s, header, rows, source)
    except csv.Error as exc:
        raise BadFile(f"not a readable CSV file: {exc}", code="bad_csv") from None


def _ingest_table(s: Session, header: Sequence[str], rows: Iterable[list[str]], source: str):
    fmt = detect(header)
    if fmt == "actuals":
        return ingest_actuals(s, header, rows, source)
    pairs = dict_rows(header, rows)
    if fmt == "objects":
        return ingest_objects(s, pairs, source)
    if fmt == "activities":
        return ingest_activities(s, pairs, source)
    return ingest_purchase_orders(s, pairs, source)


def ingest_json(s: Session, body: dict, source: str = "request") -> list[dict]:
    """A JSON batch ``{"objects": [...], "activities": [...], "actuals": [...],
    "purchase_orders": [...]}``, each a list of objects with the CSV field names."""
    results = []
    for fmt, keys in JSON_KEYS.items():
        items = next((body[k] for k in keys if k in body), None)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise BadFile(f'"{keys[0]}" must be a list of objects', code="bad_json")
        cols = list(FORMATS[fmt]) + [o for o in OPTIONAL if any(o in i for i in items)]
        rows = [
            [_json_text(i.get(col), f"{keys[0]}[{n}].{col}") for col in cols]
            for n, i in enumerate(items)
        ]
        results.append(ingest_table(s, cols, rows, f"{source}.{keys[0]}"))
    if not results:
        raise BadFile(
            "the JSON batch holds none of objects, activities, actuals, purchase_orders",
            code="unknown_format",
        )
    return results


def _json_text(v, field: str) -> str:
    """A JSON value as the text a CSV cell would hold: text, or true/false for flags."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if not isinstance(v, str):
        kind = "a JSON number" if isinstance(v, int | float) else f"a JSON {type(v).__name__}"
        raise BadFile(
            f"{field} is {kind}; every value travels as text (amounts as decimal strings"
            ' such as "12.50")',
            code="float_amount" if isinstance(v, float) else "wrong_type",
            detail={"field": field},
        )
    refuse_nul(v, field)
    return v
