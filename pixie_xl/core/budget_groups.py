"""Rows grouped into budgets, and each budget checked as a whole (SPEC §3).

Rows with the same Budget ID are one budget; rows with a blank ID and the same Object,
Period start and Period end are one new budget. A group's rows must agree on object, dates
and version, list each activity once and take no inactive activity the budget does not
already have; a group without errors becomes a :class:`~pixie_xl.core.records.BudgetDraft`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from itertools import count, groupby
from operator import attrgetter

from .budget_rows import BAD, Findings, Row, TableRows, first_column
from .checks import BUDGET_CHECKS, Known, check
from .fast_records import budget_line, source_ref
from .findings import SourceRef
from .money import Money
from .records import PHASING_DAYS, BudgetDraft, BudgetHistory, BudgetLine
from .rules import Span

#: ``row.index``, for ``findings.any_bad(map(_INDEX, rows))`` (no generator frame per row)
_INDEX = attrgetter("index")
#: the cell of a check's field (the others are named alike)
_CELL = {"id": "budget_id"}
_ZERO = Money.zero("EUR")
_AGREE = (
    ("object", "Object"),
    ("start", "Period start"),
    ("end", "Period end"),
    ("version", "Version"),
)


class Group:
    """The rows of one budget, the draft they make and what is known about it.

    The rows of a table (:class:`~pixie_xl.core.budget_rows.TableRows`) are held by their
    indices, and a Row is made only where one is needed (a finding, a message, a budget
    that is not the usual case); ``rows`` makes them all. Whether a group has an error is
    for the findings to say (:meth:`any_bad`).
    """

    __slots__ = (
        "_rows", "budget_id", "draft", "end", "indices", "object", "span", "start",
        "table", "version",
    )  # fmt: skip

    def __init__(self, first: Row | None, table: TableRows | None = None, index: int = 0):
        self._rows = None if first is None else [first]
        self.table = table
        self.indices = None if table is None else [index]
        bid = first.budget_id if first is not None else table.clean[0][index]
        self.budget_id = bid if isinstance(bid, str) else None
        self.object = self.start = self.end = self.version = None
        self.draft: BudgetDraft | None = None
        self.span: Span | None = None

    @property
    def rows(self) -> list[Row]:
        if self._rows is None:
            self._rows = list(map(self.table.row, self.indices))
        return self._rows

    @property
    def first(self) -> Row:
        return self.rows[0] if self._rows is not None else self.table.row(self.indices[0])

    def clean(self, findings: Findings) -> list[int] | None:
        """The indices of a table's rows when every one is clean and none has an error."""
        if self.indices is None:
            return None
        made = self.table.made
        if made and any((r := made.get(i)) is not None and r.line is None
                        for i in self.indices):  # fmt: skip
            return None  # (a row read cell by cell)
        return None if findings.any_bad(self.indices) else self.indices

    def any_bad(self, findings: Findings) -> bool:
        """Whether the findings have an error in any of the group's rows."""
        if self.indices is not None:
            return findings.any_bad(self.indices)
        return findings.any_bad(map(_INDEX, self._rows))

    def first_period(self) -> tuple:
        """(object, start, end) of the first row."""
        if self._rows is None and self.indices[0] not in self.table.made:
            clean, i = self.table.clean, self.indices[0]
            return clean[2][i], clean[3][i], clean[4][i]
        first = self.first
        return first.object, first.start, first.end

    def first_ref(self):
        """``first.ref()``: the first cell of the first row."""
        if self._rows is None and self.indices[0] not in self.table.made:
            return self.table.ref(self.indices[0])
        return self.first.ref()

    def first_place(self) -> tuple[str, int]:
        """(sheet, row number) of the first row."""
        if self._rows is None and self.indices[0] not in self.table.made:
            table = self.table
            return table.sheet, table.numbers[self.indices[0]]
        return self.first.sheet, self.first.number

    @property
    def label(self) -> str:
        if self.budget_id:
            return f"budget {self.budget_id}"
        sheet, number = self.first_place()
        return f"the new budget of {sheet} row {number}"


def group_rows(rows: list[Row] | TableRows) -> list[Group]:
    """The budgets the rows make, in the order of their first rows."""
    if isinstance(rows, TableRows):
        return _group_table(rows)
    groups: dict[tuple, Group] = {}
    found = groups.get
    for row in rows:
        bid = row.budget_id
        if isinstance(bid, str):
            key: tuple = ("id", bid)
        elif bid is None:
            obj, start, end = row.object, row.start, row.end
            if type(obj) is not str or type(start) is not date or type(end) is not date:
                continue  # a row without a readable budget: its cells already have findings
            key = ("new", obj, start, end)
        else:
            continue
        group = found(key)
        if group is None:
            groups[key] = Group(row)
        else:
            group.rows.append(row)
    return list(groups.values())


def _group_table(rows: TableRows) -> list[Group]:
    """``group_rows`` over a table's columns (a row read cell by cell gives its values)."""
    if not rows.dirty and not rows.blank:
        return _group_clean(rows)
    groups: dict[tuple, Group] = {}
    found = groups.get
    dirty, blank = rows.dirty, rows.blank
    bids, objs, starts, ends = rows.clean[0], rows.clean[2], rows.clean[3], rows.clean[4]
    for index, bid, obj, start, end in zip(count(), bids, objs, starts, ends, strict=False):
        if dirty and index in dirty:
            row = dirty[index]
            bid, obj, start, end = row.budget_id, row.object, row.start, row.end
        elif blank and index in blank:
            continue
        if isinstance(bid, str):
            key: tuple = ("id", bid)
        elif bid is None:
            if type(obj) is not str or type(start) is not date or type(end) is not date:
                continue  # a row without a readable budget: its cells already have findings
            key = ("new", obj, start, end)
        else:
            continue
        group = found(key)
        if group is None:
            groups[key] = Group(None, rows, index)
        else:
            group.indices.append(index)
    return list(groups.values())


def _group_clean(rows: TableRows) -> list[Group]:
    """``_group_table`` when every row is clean: a run of rows of one budget (its lines
    stand together on a sheet) is grouped at once, not row by row."""
    groups: dict[tuple, Group] = {}
    bids, objs, starts, ends = rows.clean[0], rows.clean[2], rows.clean[3], rows.clean[4]
    n = len(objs)
    if n and bids.count(None) == n and starts.count(starts[0]) == ends.count(ends[0]) == n:
        period = (starts[0], ends[0])  # no IDs yet and one period (a new file): by object
        by_object = groupby(range(n), objs.__getitem__)
        runs = (((None, obj, *period), run) for obj, run in by_object)
    else:
        keys = list(zip(bids, objs, starts, ends, strict=True))
        runs = groupby(range(n), keys.__getitem__)
    for (bid, obj, start, end), run in runs:
        if isinstance(bid, str):
            key: tuple = ("id", bid)
        elif bid is None and type(obj) is str and type(start) is date and type(end) is date:
            key = ("new", obj, start, end)
        else:
            continue  # a row without a readable budget: its cells already have findings
        group = groups.get(key)
        if group is None:
            indices = list(run)
            group = groups[key] = Group(None, rows, indices[0])
            group.indices = indices
        else:
            group.indices.extend(run)
    return list(groups.values())


class BudgetChecks:
    """Check each group as a whole (SPEC §3) and build its draft."""

    def __init__(self, findings: Findings, budgets: Mapping[str, BudgetHistory], known: Known):
        self.findings = findings
        self.add = findings.add
        self.budgets = budgets
        self.known = known
        acts = known.activities
        self.inactive = frozenset(code for code in acts if not known.active(code))

    def agree(self, g: Group) -> None:
        """Rows of one Budget ID must agree on object, dates and version."""
        idx = g.clean(self.findings)
        if idx is not None:  # a table's clean rows: compared in their columns
            _, ver, objs, starts, ends = g.table.clean[:5]
            i = idx[0]
            same = (objs[i], starts[i], ends[i], ver[i])
            if all((objs[j], starts[j], ends[j], ver[j]) == same for j in idx):
                g.object, g.start, g.end, g.version = same
                return
        first = g.first
        same = (first.object, first.start, first.end, first.version)
        if BAD not in same and None not in same[:3]:
            rows = g.rows
            if all((r.object, r.start, r.end, r.version) == same for r in rows):
                g.object, g.start, g.end, g.version = same  # the usual case, checked at once
                return
        for key, header in _AGREE:
            first_row = None
            for row in g.rows:
                value = getattr(row, key)
                if value is BAD or value is None:
                    continue
                if first_row is None:
                    first_row = row
                    setattr(g, key, value)
                elif value != getattr(g, key):
                    self.add(
                        row,
                        key,
                        "budget_rows_disagree",
                        f"{header} {_fmt(value)} differs from {_fmt(getattr(g, key))} in row "
                        f"{first_row.number} of {g.label}; all its rows must agree",
                    )

    def lines(self, g: Group) -> tuple[BudgetLine, ...] | None:
        """The group's lines when a look over its rows shows no activity is given twice or
        inactive (the usual case); None when the checks must judge its rows one by one."""
        idx = g.clean(self.findings)
        if idx is not None:  # a table's clean rows: their activities are known codes
            activities = set(map(g.table.clean[5].__getitem__, idx))
            if len(activities) == len(idx) and self.inactive.isdisjoint(activities):
                return tuple(map(g.table.lines.__getitem__, idx))
        rows = g.rows
        if not self.findings.any_bad(map(_INDEX, rows)):  # the usual case: a line per row
            activities = {row.activity for row in rows}
            if (
                len(activities) == len(rows)
                and all(type(a) is str for a in activities)
                and self.inactive.isdisjoint(activities)
            ):
                return self.clean_lines(rows)
        return None

    def judged(self, g: Group, known: Known, lines: tuple | None) -> tuple[BudgetLine, ...]:
        """Run the budget checks over the group; its lines, less the rows found bad.

        Without ``lines`` every row with an activity stands as a line (a placeholder where a
        cell was bad), so each row is judged; the rows with an error give no line.
        """
        rows = None
        if lines is None:
            rows = [row for row in g.rows if isinstance(row.activity, str)]
            lines = tuple(map(self.probe_line, rows))
        draft = BudgetDraft(g.budget_id, g.object, g.start, g.end, lines, g.version)
        for p in check(draft, known, BUDGET_CHECKS):
            row = g.first if p.line is None or rows is None else rows[p.line]
            self.add(row, _CELL.get(p.field, p.field), p.code, p.message)
        if rows is None:
            return lines
        bad = self.findings.is_bad
        return tuple(ln for row, ln in zip(rows, lines, strict=True) if not bad(row))

    def probe_line(self, row: Row) -> BudgetLine:
        """The row's line (its cells as read, zero and days where a cell was bad)."""
        if not self.findings.is_bad(row):
            return BudgetLine(
                row.activity, row.income, row.cost, row.phasing, row.note, self.row_ref(row)
            )
        zero = _ZERO
        income = row.income if isinstance(row.income, Money) else zero
        cost = row.cost if isinstance(row.cost, Money) else zero
        phasing = row.phasing if isinstance(row.phasing, str) else PHASING_DAYS
        return BudgetLine(row.activity, income, cost, phasing, "")

    def clean_lines(self, rows: list[Row]) -> tuple[BudgetLine, ...]:
        """A line from each row, each from the row's first cell (as ``row_ref`` says)."""
        out = []
        append = out.append
        columns = col = None
        for r in rows:
            line = r.line  # (made with the table's clean columns)
            if line is None:
                if r.columns is not columns:  # (the rows of a table share their columns)
                    columns = r.columns
                    col = first_column(columns)
                source = source_ref(r.sheet, f"{col}{r.number}")
                line = budget_line(r.activity, r.income, r.cost, r.phasing, r.note, source)
            append(line)
        return tuple(out)

    def row_ref(self, row: Row) -> SourceRef:
        """The row's first cell, like ``row.ref()`` without its look-ups for every line."""
        return SourceRef(row.sheet, f"{first_column(row.columns)}{row.number}")

    def build(self, g: Group) -> None:
        """Check the group as a whole; set its draft and span."""
        bid = g.budget_id
        if bid is None:
            g.object, g.start, g.end = g.first_period()
            g.version = None
        else:
            self.agree(g)
        history = self.budgets.get(bid) if bid else None
        lines = self.lines(g)
        dated = g.start is not None and g.end is not None
        if (
            lines is None
            or (bid is not None and (g.version is None or history is None))
            or (dated and g.end < g.start)
        ):  # (else none of the budget checks can find anything)
            lines = self.judged(g, self.known.about(history), lines)
        if g.object is None or not dated:
            return  # (its cells have their findings; no draft)
        g.draft = BudgetDraft(bid, g.object, g.start, g.end, lines, g.version, g.first_ref())
        if g.end >= g.start:
            label = bid or "in {} row {}".format(*g.first_place())
            g.span = Span(label, g.object, g.start, g.end)


def _fmt(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
