"""The cells of a Budgets table read into rows of values, with a finding for every bad cell.

:func:`validate_table` is the one entry point for a table's rows of cells (a
:class:`~pixie_xl.core.raw_table.RawTable` or any sequence of
:class:`~pixie_xl.core.records.RawRow`): :class:`RowReader` reads them into the core's
:class:`~pixie_xl.core.budget_rows.Row` values, and
:func:`pixie_xl.core.validation.validate_read` groups, checks and decides over those.

A cell is read by the value readers of :mod:`pixie_xl.core.cells`; a cell they refuse gives
its finding here (``not_a_number``, ``not_a_date``, ``formula`` …) and stands as
:data:`~pixie_xl.core.budget_rows.BAD`. What a row says wrong on its own (a missing value,
an unknown object, activity or phasing, a negative amount) is the core's
:func:`~pixie_xl.core.checks.row_problems`, asked for each row read here.

It runs over every line of a 100,000-line import, so the clean cells are read a column at a
time (:mod:`~pixie_xl.sheets.budget_columns`); a row with any other cell is read here cell
by cell, where the common cells (plain text, a date, a float of whole cents, a cached day
or amount) are read inline and everything else takes the careful path of the cell readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from itertools import count, repeat
from operator import attrgetter, itemgetter

from pixie_xl.core import checks
from pixie_xl.core.budget_context import Context
from pixie_xl.core.budget_rows import BAD, Findings, Row, TableRows, first_column
from pixie_xl.core.cells import (
    CACHED_DATE_TYPES,
    Amounts,
    CellError,
    read_date,
    read_text,
    read_version,
)
from pixie_xl.core.fast_records import budget_lines, source_refs
from pixie_xl.core.gcpause import no_gc
from pixie_xl.core.money import Money
from pixie_xl.core.raw_table import RawTable
from pixie_xl.core.records import BUDGET_COLUMNS, PHASING_DAYS, RawRow
from pixie_xl.core.validation import Result, validate_read
from pixie_xl.sheets.budget_columns import DIRTY, clean_columns

_KEYS = tuple(BUDGET_COLUMNS)
_ALL_CELLS = itemgetter(*_KEYS)
_VALUES = attrgetter("values")
_SHEET, _NUMBER, _COLUMNS = attrgetter("sheet"), attrgetter("row"), attrgetter("columns")
_TEXT_KEYS = ("budget_id", "object", "activity", "phasing", "note")
_MAX_VERSION = 2**63
#: the fields a row check may find wrong in a value already read (it then stands as BAD)
_JUDGED = frozenset({"income", "cost", "phasing"})


def validate_table(rows: Sequence[RawRow], context: Context) -> Result:
    """Read a Budgets table's cells, check it and say what saving it would do; never raises
    on a cell value.

    Findings come in sheet order (row by row, left to right within a row).
    """
    with no_gc():
        findings = Findings()
        reader = RowReader(context, findings)
        return validate_read(reader.read_all(rows), findings, context, reader.known)


def _blank(values) -> bool:
    return all(v is None or (type(v) is str and not v.strip()) for v in values)


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


class RowReader:
    """Reads rows of cells against a :class:`~pixie_xl.core.budget_context.Context`."""

    def __init__(self, context: Context, findings: Findings):
        self.ctx = context
        self.add = findings.add
        self.amounts: dict[str, Amounts] = {}
        #: per currency, float cell → Money: amounts repeat, and Money is immutable
        self.money: dict[str, dict[float, Money]] = {}
        self.date_cache: dict[object, object] = {}
        #: the catalogue the checks judge by (shared with the budget checks)
        self.known = context.known()

    def read_all(self, rows: Sequence[RawRow]) -> list[Row] | TableRows:
        """Every non-blank row, read and checked on its own.

        The clean cells are read a column at a time (:mod:`~pixie_xl.sheets.budget_columns`);
        a row with any other cell is read cell by cell, with its findings. A
        :class:`~pixie_xl.core.raw_table.RawTable` hands its columns over as they are, and
        its clean rows stay columns (:class:`~pixie_xl.core.budget_rows.TableRows`).
        """
        if not rows:
            return []
        source = _Source(rows)
        ctx = self.ctx
        clean = clean_columns(
            source.columns, ctx.objects, ctx.activities, self.known.phasing_name, ctx.currency
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
            row.index = index
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
        return TableRows((sheet, table.numbers, columns), clean, lines, read, blank)

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
        row.index, row.line = index, None
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
        self.check(row)
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
        """The cell's Money, or ``BAD`` (a finding) when unreadable."""
        cache = self.money.get(currency)
        if cache is None:
            cache = self.money[currency] = {}
            self.amounts[currency] = Amounts(currency)
        if type(value) is float:
            money = cache.get(value)
            if money is not None:
                return money
        money = self.cell(row, key, self.amounts[currency].read, value)
        if type(value) is float and money is not BAD:  # a float's Money is its value's
            cache[value] = money
        return money

    def check(self, row: Row) -> None:
        """The core's row checks, each problem at its cell; the phasing by its own name."""
        for p in checks.row_problems(row, self.known):
            self.add(row, p.field, p.code, p.message)
            if p.field in _JUDGED:
                setattr(row, p.field, BAD)
        phasing = row.phasing
        if phasing is None:
            row.phasing = PHASING_DAYS
        elif phasing is not BAD:
            row.phasing = self.known.phasing_name(phasing)
        if row.note is None:
            row.note = ""
