"""The Budgets table as the accountant's view of the service (SPEC §3).

* :func:`tidy` lets rows typed under the table join it and reports every cell outside it
  (:func:`pixie_xl.excel.strays.outside_table`, which the Profiles table asks too).
* :func:`delete_marks` reads the ``Delete`` column: the budgets marked and their cells.
* :func:`merge` brings the table up to date with the service's budgets at a refresh,
  keeping every row with changes not yet saved and reporting it (a conflict when the
  budget changed on the service under the edit).
* :func:`status_text` is the ``Status`` column Pixie writes and never reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pixie_xl.core.findings import Finding, Severity, SourceRef
from pixie_xl.core.records import BUDGET_COLUMNS, BudgetDraft, BudgetHistory, BudgetVersion
from pixie_xl.core.rules import is_locked, lock_instant, same_figures
from pixie_xl.excel.strays import outside_table
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book, Column, Table
from pixie_xl.sheets.cells import is_blank

SHEET, TABLE = layout.BUDGETS_SHEET, layout.BUDGETS_TABLE
_STATUS, _DELETE = layout.STATUS_HEADER.lower(), layout.DELETE_HEADER.lower()


# --- nothing ignored -------------------------------------------------------------------


def tidy(book: Book) -> list[Finding]:
    """Grow the Budgets table over the rows typed under it; a warning per stray cell."""
    grow = getattr(book, "grow_table", None)
    if grow is not None:
        added = grow(SHEET, TABLE)
        if added:
            book.status(f"{added} row(s) typed under the Budgets table joined it")
    return outside_table(book, SHEET, TABLE)


# --- the table, by column ----------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """The Budgets table as read, with its columns found by header (any case)."""

    table: Table
    index: dict[str, int] = field(default_factory=dict)

    @classmethod
    def read(cls, book: Book) -> View:
        table = book.read_table(SHEET, TABLE)
        index: dict[str, int] = {}
        by_header = {h.lower(): k for k, h in BUDGET_COLUMNS.items()}
        by_header |= {_STATUS: "status", _DELETE: "delete"}
        for i, h in enumerate(table.header):
            key = by_header.get(str(h).strip().lower())
            if key is not None:
                index.setdefault(key, i)
        return cls(table, index)

    def value(self, values: Sequence[object], key: str) -> object:
        i = self.index.get(key)
        return values[i] if i is not None and i < len(values) else None

    def cell(self, row: int, key: str) -> str:
        i = self.index.get(key, 0)
        return f"{self.table.columns[i]}{row}"

    def numbered(self):
        """(sheet row, values) of every non-blank row."""
        for n, values in enumerate(self.table.rows, start=self.table.first_row):
            if not all(is_blank(v) for v in values):
                yield n, values

    def budget_id(self, values: Sequence[object]) -> str | None:
        return budget_id_text(self.value(values, "budget_id"))

    def blank_row(self) -> list[object]:
        return [None] * len(self.table.header)

    def row_of(self, values: Mapping[str, object]) -> list[object]:
        """A row of this table from values by key (a RawRow's), typed as typed cells are."""
        from pixie_xl.sheets.writers import typed_value

        row = self.blank_row()
        for key, v in values.items():
            if key in self.index:
                row[self.index[key]] = typed_value(key, v)
        return row

    def write(self, book: Book, rows: Sequence[Sequence[object]]) -> None:
        """Replace the table's rows (in its own column order), keeping its headers."""
        formats = {c.header.lower(): c for c in layout.BUDGETS_COLUMNS}
        columns = [formats.get(str(h).strip().lower(), Column(str(h))) for h in self.table.header]
        columns = [
            Column(str(h), c.number_format, None, c.width)
            for h, c in zip(self.table.header, columns, strict=True)
        ]
        book.write_table(SHEET, TABLE, columns, rows)


def budget_id_text(value: object) -> str | None:
    """A Budget ID cell as text (``12.0`` typed as a number reads ``"12"``)."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- Delete ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marks:
    """The budgets the Delete column marks: id → (first marked cell, the row's Version),
    and the rows of new budgets (no ID) that are marked."""

    budgets: dict[str, tuple[str, object]]
    new_rows: list[int]
    #: every row of a marked budget (and the marked new rows)
    rows: set[int]


def delete_marks(view: View) -> Marks:
    budgets: dict[str, tuple[str, object]] = {}
    new_rows: list[int] = []
    if "delete" not in view.index:
        return Marks({}, [], set())
    for n, values in view.numbered():
        if is_blank(view.value(values, "delete")):
            continue
        bid = view.budget_id(values)
        if bid is None:
            new_rows.append(n)
        elif bid not in budgets:
            budgets[bid] = (view.cell(n, "delete"), view.value(values, "version"))
    rows = set(new_rows)
    rows |= {n for n, values in view.numbered() if view.budget_id(values) in budgets}
    return Marks(budgets, new_rows, rows)


# --- Status ------------------------------------------------------------------------------


def status_text(current: BudgetVersion, now: datetime | None, tz: str) -> str:
    """``master, editable until 2026-12-01 24:00`` or ``correction 2, locked``."""
    kind = "master" if current.seq == 0 else f"correction {current.seq}"
    if now is None or current.created_at == datetime.min:
        return kind
    if is_locked(current, now, tz):
        return f"{kind}, locked"
    day = (lock_instant(current.created_at, tz).astimezone(ZoneInfo(tz)) - timedelta(days=1)).date()
    return f"{kind}, editable until {day.isoformat()} 24:00"


def service_rows(view: View, h: BudgetHistory, now: datetime | None, tz: str) -> list[list]:
    """The budget's current figures as table rows, one per line."""
    cur = h.current
    status = status_text(cur, now, tz)
    out = []
    for ln in cur.lines:
        row = view.blank_row()
        values = {
            "budget_id": h.budget_id,
            "version": h.revision,
            "object": cur.object,
            "start": cur.start,
            "end": cur.end,
            "activity": ln.activity,
            "income": ln.income.decimal,
            "cost": ln.cost.decimal,
            "phasing": ln.phasing,
            "note": ln.note or None,
            "status": status,
        }
        for key, v in values.items():
            if key in view.index:
                row[view.index[key]] = v
        out.append(row)
    return out


# --- refresh -----------------------------------------------------------------------------


@dataclass
class Merge:
    """What a refresh puts in the Budgets table and what it says about the rows kept."""

    rows: list[list] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    shown: int = 0
    kept: int = 0
    conflicts: int = 0
    removed: int = 0


def merge(
    view: View,
    drafts: Mapping[str, BudgetDraft],
    histories: Mapping[str, BudgetHistory],
    before: Mapping[str, BudgetHistory],
    now: datetime | None,
    tz: str,
) -> Merge:
    """The table after a refresh: every service budget with its current figures, in the
    sheet's order (new ones after), and every row with unsaved changes kept as it is.

    ``drafts`` are the sheet's budgets that read without an error, by ID; ``before`` is
    what the last refresh saw (to recognise an old version left unchanged).
    """
    out = Merge()
    groups: dict[str, list[tuple[int, list]]] = {}
    order: list[tuple[str | None, int, list]] = []
    for n, values in view.numbered():
        bid = view.budget_id(values)
        if bid is None:
            order.append((None, n, list(values)))
        else:
            if bid not in groups:
                order.append((bid, n, []))
            groups.setdefault(bid, []).append((n, list(values)))
    new_rows = []
    for bid, n, values in order:
        if bid is None:
            out.rows.append(values)
            new_rows.append(n)
            continue
        _one(out, view, bid, groups[bid], drafts.get(bid), histories, before, now, tz)
    for h in sorted(
        histories.values(), key=lambda h: (h.current.object, h.current.start, h.budget_id)
    ):
        if h.budget_id not in groups:
            out.rows += service_rows(view, h, now, tz)
            out.shown += 1
    if new_rows:
        out.kept += len(new_rows)
        out.findings.append(
            Finding(
                SourceRef(SHEET, view.cell(new_rows[0], "budget_id")),
                "unsaved_rows",
                f"{_rows(new_rows)}: new, not saved yet; kept as typed — Save sends them",
                Severity.INFO,
            )
        )
    return out


def _one(out: Merge, view, bid, rows, draft, histories, before, now, tz) -> None:
    h = histories.get(bid)
    numbers = [n for n, _ in rows]
    if any(not is_blank(view.value(values, "delete")) for _, values in rows):
        _keep(out, view, rows, "marked for deletion")
        msg = f"Budget {bid} is marked in the Delete column; kept as it is — Save deletes it"
        out.findings.append(_note(view, numbers, "unsaved_rows", msg))
        return
    if draft is None:
        _keep(out, view, rows, "unsaved, has problems")
        out.findings.append(
            _note(
                view,
                numbers,
                "unsaved_rows",
                f"Budget {bid}: {_rows(numbers)} {_have(numbers)} problems; kept as typed"
                " — see Validate",
            )
        )
        return
    base = _version_at(draft.based_on, h, before.get(bid))
    if h is None:
        if base is not None and same_figures(draft, base):
            out.removed += 1  # deleted on the service, and nothing changed here
            return
        _keep(out, view, rows, "not on the service")
        out.findings.append(
            _note(
                view,
                numbers,
                "budget_gone",
                f"Budget {bid} is no longer on the service (deleted); {_rows(numbers)} kept as "
                "they are — clear them, or clear their Budget ID and Version to save them anew",
                Severity.WARNING,
            )
        )
        return
    if same_figures(draft, h.current) or (base is not None and same_figures(draft, base)):
        out.rows += service_rows(view, h, now, tz)
        out.shown += 1
        return
    if draft.based_on is not None and draft.based_on < h.revision:
        _conflict(out, view, bid, rows, draft, h)
        return
    _keep(out, view, rows, "unsaved changes")
    msg = f"Budget {bid}: {_rows(numbers)} {_have(numbers)} changes not saved yet; kept as typed"
    out.findings.append(_note(view, numbers, "unsaved_rows", msg + " — Save sends them"))


def _version_at(token, h: BudgetHistory | None, seen: BudgetHistory | None):
    """The figures the budget had at version ``token``, where known."""
    if token is None:
        return None
    for hist in (h, seen):
        if hist is None:
            continue
        for v in reversed(hist.versions):
            if v.revision == token:
                return v
    return None


def _keep(out: Merge, view: View, rows, status: str) -> None:
    out.kept += len(rows)
    for _n, values in rows:
        if "status" in view.index:
            values[view.index["status"]] = status
        out.rows.append(values)


def _conflict(out: Merge, view: View, bid: str, rows, draft: BudgetDraft, h) -> None:
    """Keep the user's rows, set to the service's version, and say what differs."""
    cur = h.current
    theirs = {ln.activity: ln for ln in cur.lines}
    head = (
        f"Budget {bid} changed on the service (now version {h.revision}) under your unsaved "
        f"edit (made from version {draft.based_on})"
    )
    tail = "; your row is kept — Save keeps yours, or clear this budget's rows and Refresh"
    said = False
    mine = {ln.activity: ln for ln in draft.lines}
    for n, values in rows:
        act = str(view.value(values, "activity") or "").strip()
        line, other = mine.get(act), theirs.get(act)
        for key in ("income", "cost"):
            a = line and getattr(line, key)
            b = other and getattr(other, key)
            if a is not None and a != b:
                there = "no such line" if other is None else _money(b)
                what = f"{BUDGET_COLUMNS[key]} here {_money(a)}, on the service {there}"
                out.findings.append(_at(view, n, key, f"{head}: {what}{tail}"))
                said = True
    if (draft.start, draft.end, draft.object) != (cur.start, cur.end, cur.object):
        out.findings.append(
            _at(
                view,
                rows[0][0],
                "start",
                f"{head}: here {draft.object} {draft.start}..{draft.end}, on the service "
                f"{cur.object} {cur.start}..{cur.end}{tail}",
            )
        )
        said = True
    gone = sorted(set(theirs) - set(mine))
    if gone or not said:
        what = f"the service also has {', '.join(gone)}" if gone else "a note or phasing differs"
        out.findings.append(_at(view, rows[0][0], "budget_id", f"{head}: {what}{tail}"))
    out.conflicts += 1
    _keep(out, view, rows, f"conflict: the service has version {h.revision}")
    for _n, values in rows:
        if "version" in view.index:
            values[view.index["version"]] = h.revision


def _money(m) -> str:
    return f"{m.decimal:,.{max(0, -m.decimal.as_tuple().exponent)}f}" if m is not None else "0"


def _at(view: View, row: int, key: str, message: str) -> Finding:
    return Finding(SourceRef(SHEET, view.cell(row, key)), "conflict", message, Severity.WARNING)


def _note(view, numbers, code, message, severity=Severity.INFO) -> Finding:
    return Finding(SourceRef(SHEET, view.cell(numbers[0], "budget_id")), code, message, severity)


def _have(numbers: Sequence[int]) -> str:
    return "has" if len(numbers) == 1 else "have"


def _rows(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    return "rows " + ", ".join(map(str, numbers))
