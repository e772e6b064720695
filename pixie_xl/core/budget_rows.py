"""Reading the rows of a Budgets table into values, with a finding for every bad cell.

:class:`RowReader` turns each non-blank :class:`~pixie_xl.core.records.RawRow` into a
:class:`Row`: its cells read by :mod:`pixie_xl.core.cells`, or :data:`BAD` where a cell gave
a finding, plus the checks that need only the row (missing values, unknown object, activity
or phasing). :class:`Findings` collects what every step finds and gives it back in sheet
order.

It runs over every line of a 100,000-line import, so the clean cells are read a column at a
time (:mod:`~pixie_xl.core.budget_columns`); a row with any other cell is read here cell by
cell, where the common cells (plain text, a date, a float of whole cents, a cached day or
amount) are read inline and everything else takes the careful path of the cell readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import count, repeat
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

from . import checks
from .budget_columns import DIRTY, clean_columns
from .cells import (
    CACHED_DATE_TYPES,
    Amounts,
    CellError,
    read_date,
    read_text,
    read_version,
)
from .fast_records import budget_lines, source_refs
from .findings import Finding, Severity, SourceRef
from .money import Money
from .raw_table import RawTable
from .records import BUDGET_COLUMNS, PHASING_DAYS, PHASING_MONTHS, CrmObject, RawRow

if TYPE_CHECKING:
    from .budget_context import Context

#: a cell that gave a finding
BAD = object()
_KEYS = tuple(BUDGET_COLUMNS)
_COL_POS = {key: i for i, key in enumerate(_KEYS)}
_ALL_CELLS = itemgetter(*_KEYS)
_VALUES = attrgetter("values")
_SHEET, _NUMBER, _COLUMNS = attrgetter("sheet"), attrgetter("row"), attrgetter("columns")
_TEXT_KEYS = ("budget_id", "object", "activity", "phasing", "note")
_MAX_VERSION = 2**63


class Row:
    """One non-blank row, read: its values, or ``BAD`` where a cell gave a finding."""

    __slots__ = (
        "activity",
        "bad",
        "budget_id",
        "columns",
        "cost",
        "end",
        "income",
        "index",
        "line",
        "note",
        "number",
        "object",
        "phasing",
        "sheet",
        "start",
        "version",
    )  # fmt: skip

    def ref(self, key: str | None = None) -> SourceRef:
        """The cell of ``key`` in this row, or its first cell, as ``RawRow.ref`` says."""
        col = self.columns.get(key) if key else None
        if col is None:
            col = next(iter(self.columns.values()), "A")
        return SourceRef(self.sheet, f"{col}{self.number}")


class Findings:
    """Every finding, kept with its place so that they come back in sheet order."""

    def __init__(self) -> None:
        self._found: list[tuple[int, int, int, Finding]] = []

    def add(
        self, row: Row, key: str | None, code: str, message: str, severity=Severity.ERROR
    ) -> None:
        """A finding at ``row``'s cell ``key`` (its first cell for None); errors mark it bad."""
        if severity is Severity.ERROR:
            row.bad = True
        finding = Finding(row.ref(key), code, message, severity)
        self._found.append((row.index, _COL_POS.get(key, -1), len(self._found), finding))

    def in_sheet_order(self) -> tuple[Finding, ...]:
        """Row by row, left to right within a row, then in the order found."""
        self._found.sort(key=lambda f: f[:3])
        return tuple(f[3] for f in self._found)


def _blank(values) -> bool:
    return all(v is None or (type(v) is str and not v.strip()) for v in values)


def first_column(columns: dict[str, str]) -> str:
    """The letter of a row's first cell, which names its budget line: the Budget ID's."""
    return columns.get("budget_id") or next(iter(columns.values()), "A")


class _Source:
    """The cells of the rows to read: a column at a time, and a row's where needed."""

    def __init__(self, rows: Sequence[RawRow]) -> None:
        self.rows = rows
        if isinstance(rows, RawTable):
            n = len(rows)
            cells = rows.cells
            #: the ten columns of BUDGET_COLUMNS (a column the table lacks is blank)
            self.columns = [cells[k] if k in cells else [None] * n for k in _KEYS]
            self._present = tuple(cells.values())
            self.table = None
            return
        try:
            table = list(map(_ALL_CELLS, map(_VALUES, rows)))
        except KeyError:  # a table without the optional columns
            table = [tuple(map(raw.values.get, _KEYS)) for raw in rows]
        self.table = table
        self.columns = list(zip(*table, strict=True))

    def places(self, clean: Sequence[Sequence[object]]) -> tuple:
        """Iterables of each row's sheet, sheet row, column letters and budget line.

        The line is made from the clean columns a column at a time (a table's rows share
        their sheet and columns); it stands for the row's line only where the row is clean
        and its budget takes its lines as they are (else it is None, or unused).
        """
        rows = self.rows
        if not isinstance(rows, RawTable):
            places = map(_SHEET, rows), map(_NUMBER, rows), map(_COLUMNS, rows)
            return (*places, repeat(None))
        col = first_column(rows.columns)
        sources = source_refs(rows.sheet, [f"{col}{n}" for n in rows.numbers])
        lines = budget_lines(*clean[5:], sources)
        return repeat(rows.sheet), rows.numbers, repeat(rows.columns), lines

    def row(self, index: int) -> tuple:
        """The ten cells of one row."""
        if self.table is not None:
            return self.table[index]
        return tuple(column[index] for column in self.columns)

    def present(self, index: int):
        """The cells of one row that the table has (a missing column is not a blank cell)."""
        if self.table is None:
            return [column[index] for column in self._present]
        values = self.rows[index].values
        return self.table[index] if len(values) == len(_KEYS) else values.values()


class TableRows:
    """The rows of a :class:`~pixie_xl.core.raw_table.RawTable` as read: the clean ones as
    the clean columns (a :class:`Row` is made the first time one is asked for, then kept, so
    a finding marks that Row), the others read cell by cell (``dirty``; ``blank`` ones are
    skipped)."""

    __slots__ = ("blank", "clean", "dirty", "lines", "made", "table")

    def __init__(self, table: RawTable, clean: list, lines: list, dirty: dict[int, Row]):
        self.table = table
        self.clean = clean
        #: each clean row's budget line (made a column at a time)
        self.lines = lines
        #: index → Row of the rows read cell by cell (the blank ones are not rows)
        self.dirty = dirty
        self.blank: set[int] = set()
        #: index → Row of every Row made or read so far
        self.made: dict[int, Row] = dict(dirty)

    def __len__(self) -> int:
        return len(self.table)

    def row(self, index: int) -> Row:
        row = self.made.get(index)
        if row is None:
            t = self.table
            row = self.made[index] = Row()
            row.index, row.bad, row.line = index, False, self.lines[index]
            row.sheet, row.number, row.columns = t.sheet, t.numbers[index], t.columns
            (
                row.budget_id, row.version, row.object, row.start, row.end,
                row.activity, row.income, row.cost, row.phasing, row.note,
            ) = (column[index] for column in self.clean)  # fmt: skip
        return row

    def ref(self, index: int) -> SourceRef:
        """``self.row(index).ref()``, without making the Row."""
        t = self.table
        col = next(iter(t.columns.values()), "A")
        return SourceRef(t.sheet, f"{col}{t.numbers[index]}")


class RowReader:
    """Reads rows against a :class:`~pixie_xl.core.validation.Context`."""

    def __init__(self, context: Context, findings: Findings):
        self.ctx = context
        self.findings = findings
        self.add = findings.add
        self.amounts: dict[str, Amounts] = {}
        #: per currency, float cell → Money: amounts repeat, and Money is immutable
        self.money: dict[str, dict[float, Money]] = {}
        # by lower-case name, and by exact name for the common case
        self.profiles = {p.lower(): p for p in context.profiles}
        self.profiles.update({PHASING_DAYS: PHASING_DAYS, PHASING_MONTHS: PHASING_MONTHS})
        self.profiles.update({p: p for p in context.profiles})
        self.date_cache: dict[object, object] = {}
        #: the catalogue the checks judge by (shared with the budget checks)
        self.known = checks.Known(
            context.objects, context.activities, context.profiles, None, context.knows_budgets()
        )

    def read_all(self, rows: Sequence[RawRow]) -> list[Row] | TableRows:
        """Every non-blank row, read and checked on its own.

        The clean cells are read a column at a time (:mod:`~pixie_xl.core.budget_columns`);
        a row with any other cell is read cell by cell, with its findings. A
        :class:`~pixie_xl.core.raw_table.RawTable` hands its columns over as they are, and
        its clean rows stay columns (:class:`TableRows`).
        """
        if not rows:
            return []
        source = _Source(rows)
        ctx = self.ctx
        clean = clean_columns(
            source.columns, ctx.objects, ctx.activities, self.profiles, ctx.currency
        )
        dirty = set()
        for column in clean:
            if column.dirty:
                dirty.update(i for i, v in enumerate(column) if v is DIRTY)
        if isinstance(rows, RawTable):
            return self._read_table(rows, source, clean, dirty)
        out = []
        append = out.append
        new_row = Row.__new__
        for (
            index, sheet, number, columns, line,
            bid, ver, obj, start, end, act, income, cost, phasing, note,
        ) in zip(count(), *source.places(clean), *clean, strict=False):  # fmt: skip
            if index in dirty:
                if not _blank(source.present(index)):
                    append(self.read(index, sheet, number, columns, source.row(index)))
                continue
            row = new_row(Row)
            row.index, row.bad = index, False
            row.sheet, row.number, row.columns, row.line = sheet, number, columns, line
            row.budget_id, row.version, row.object, row.start, row.end = bid, ver, obj, start, end
            row.activity, row.income, row.cost = act, income, cost
            row.phasing, row.note = phasing, note
            append(row)
        return out

    def _read_table(self, table: RawTable, source: _Source, clean, dirty: set) -> TableRows:
        sheet, columns = table.sheet, table.columns
        read = {}
        blank = set()
        for index in sorted(dirty):
            if _blank(source.present(index)):
                blank.add(index)
            else:
                number = table.numbers[index]
                read[index] = self.read(index, sheet, number, columns, source.row(index))
        lines = list(source.places(clean)[3])
        rows = TableRows(table, clean, lines, read)
        rows.blank = blank
        return rows

    def cell(self, row: Row, key: str, read, value, *args):
        """``read(value, header, *args)``, or ``BAD`` with a finding at the cell."""
        try:
            return read(value, BUDGET_COLUMNS[key], *args)
        except CellError as bad:
            self.add(row, key, bad.code, bad.message)
        except Exception as e:  # a cell must never stop validation
            self.add(row, key, "unreadable", f"{BUDGET_COLUMNS[key]} could not be read ({e})")
        return BAD

    def read(self, index: int, sheet: str, number: int, columns: dict, cells: tuple) -> Row:
        row = Row()
        row.index, row.bad, row.line = index, False, None
        row.sheet, row.number, row.columns = sheet, number, columns
        budget_id, version, obj_id, start, end, activity, income, cost, phasing, note = cells
        texts = []
        for key, v in zip(_TEXT_KEYS, (budget_id, obj_id, activity, phasing, note), strict=True):
            if v is None:
                texts.append(None)
            elif type(v) is str and (t := v.strip())[:1] != "#":
                texts.append(t or None)
            else:
                texts.append(self.cell(row, key, read_text, v))
        row.budget_id, row.object, row.activity, row.phasing, row.note = texts
        if version is None or version == "":
            row.version = None
        elif type(version) is float and version.is_integer() and 1 <= version < _MAX_VERSION:
            row.version = int(version)
        else:
            row.version = self.cell(row, "version", read_version, version)
        row.start = start if type(start) is date else self.date(row, "start", start)
        row.end = end if type(end) is date else self.date(row, "end", end)
        obj = self.ctx.objects.get(row.object) if type(row.object) is str else None
        currency = obj.currency if obj is not None else self.ctx.currency
        row.income = self.amount(row, "income", income, currency)
        row.cost = self.amount(row, "cost", cost, currency)
        self.check(row, obj)
        return row

    def date(self, row: Row, key: str, value: object):
        cache = self.date_cache
        if type(value) in CACHED_DATE_TYPES:
            found = cache.get(value, BAD)
            if found is not BAD:
                return found
        result = self.cell(row, key, read_date, value)
        # aware datetimes are not cached: equal instants in two zones are different days
        if (
            result is not BAD
            and type(value) in CACHED_DATE_TYPES
            and not (type(value) is datetime and value.tzinfo is not None)
        ):
            cache[value] = result
        return result

    def amount(self, row: Row, key: str, value: object, currency: str):
        """The cell's Money, or ``BAD`` (a finding) when unreadable or negative."""
        cache = self.money.get(currency)
        if cache is None:
            cache = self.money[currency] = {}
            self.amounts[currency] = Amounts(currency)
        if type(value) is float:
            money = cache.get(value)
            if money is not None:
                return money
        money = self.cell(row, key, self.amounts[currency].read, value)
        if money is BAD:
            return BAD
        if money.minor < 0:
            self.add(row, key, "negative_amount", checks.negative_text(key, money))
            return BAD
        if type(value) is float:  # a float's Money depends on its value only (-0.0 is 0)
            cache[value] = money
        return money

    def check(self, row: Row, obj: CrmObject | None) -> None:
        """What needs only the row: required values, known object, activity and phasing."""
        if row.object is None or row.start is None or row.end is None or row.activity is None:
            for key in ("object", "start", "end", "activity"):
                if getattr(row, key) is None:
                    self.add(row, key, "missing_value", f"{BUDGET_COLUMNS[key]} is missing")
        if obj is None and type(row.object) is str:
            self.add(row, "object", "unknown_object", self.unknown("Object", row.object))
        if type(row.activity) is str and row.activity not in self.ctx.activities:
            self.add(row, "activity", "unknown_activity", self.unknown("Activity", row.activity))
        phasing = row.phasing
        if phasing is None:
            row.phasing = PHASING_DAYS
        elif phasing is not BAD:
            known = self.profiles.get(phasing) or self.profiles.get(phasing.lower())
            if known is None:
                self.add(row, "phasing", "unknown_phasing", checks.phasing_text(phasing))
                row.phasing = BAD
            else:
                row.phasing = known
        if row.note is None:
            row.note = ""

    def unknown(self, header: str, value: str) -> str:
        """``Activity "road" is not known; did you mean ROAD?`` (the checks' own text)"""
        return checks.not_known(header, value, self.known)
