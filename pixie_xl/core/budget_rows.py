"""The rows of a Budgets table as read, and the findings about them, for the budget checks.

A reader (:mod:`pixie_xl.sheets.budget_cells`) turns each non-blank row of cells into a
:class:`Row`: its values (text, dates, a version, :class:`~pixie_xl.core.money.Money`), or
:data:`BAD` where a cell gave a finding, and its place (sheet, sheet row, the column letter
of each field), from which a finding names its cell. The rows of a whole table may come as
:class:`TableRows`: the clean ones as columns, a :class:`Row` made only where one is needed.

:class:`Findings` collects what every step finds, gives it back in sheet order, and holds
which rows have an error (:meth:`Findings.is_bad`), so that no step marks another's record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .findings import Finding, Severity, SourceRef
from .records import BUDGET_COLUMNS

#: a cell that gave a finding
BAD = object()
_COL_POS = {key: i for i, key in enumerate(BUDGET_COLUMNS)}


class Row:
    """One non-blank row, read: its values, or ``BAD`` where a cell gave a finding.

    ``index`` is the row's position among the rows read (findings sort by it); ``sheet``,
    ``number`` (the sheet row) and ``columns`` (field → column letter) are its place;
    ``line`` is its budget line when a reader made it already (else None).
    """

    __slots__ = (
        "activity",
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
    """Every finding, kept with its place so that they come back in sheet order, and the
    rows that have an error."""

    def __init__(self) -> None:
        self._found: list[tuple[int, int, int, Finding]] = []
        #: the ``index`` of every row with an error finding
        self.bad_rows: set[int] = set()

    def add(
        self, row: Row, key: str | None, code: str, message: str, severity=Severity.ERROR
    ) -> None:
        """A finding at ``row``'s cell ``key`` (its first cell for None); an error makes the
        row bad."""
        if severity is Severity.ERROR:
            self.bad_rows.add(row.index)
        finding = Finding(row.ref(key), code, message, severity)
        self._found.append((row.index, _COL_POS.get(key, -1), len(self._found), finding))

    def is_bad(self, row: Row) -> bool:
        """Whether an error was found in ``row``."""
        return row.index in self.bad_rows

    def any_bad(self, indices: Iterable[int]) -> bool:
        """Whether an error was found in any of the rows of ``indices``."""
        return bool(self.bad_rows) and not self.bad_rows.isdisjoint(indices)

    def in_sheet_order(self) -> tuple[Finding, ...]:
        """Row by row, left to right within a row, then in the order found."""
        self._found.sort(key=lambda f: f[:3])
        return tuple(f[3] for f in self._found)


def first_column(columns: Mapping[str, str]) -> str:
    """The letter of a row's first cell, which names its budget line: the Budget ID's."""
    return columns.get("budget_id") or next(iter(columns.values()), "A")


class TableRows:
    """The rows of one table as read: the clean ones as columns of values (a :class:`Row`
    is made the first time one is asked for, then kept), the others read cell by cell
    (``dirty``); the ``blank`` ones are skipped.

    ``clean`` holds the ten columns of :data:`~pixie_xl.core.records.BUDGET_COLUMNS` (a
    dirty row's cells in them are unused), ``lines`` each clean row's budget line.
    """

    __slots__ = ("blank", "clean", "columns", "dirty", "lines", "made", "numbers", "sheet")

    def __init__(
        self,
        place: tuple[str, Sequence[int], Mapping[str, str]],
        clean: list,
        lines: list,
        dirty: dict[int, Row],
        blank: set[int],
    ):
        #: the rows' sheet, each row's sheet row, and field → column letter
        self.sheet, self.numbers, self.columns = place
        self.clean = clean
        self.lines = lines
        #: index → Row of the rows read cell by cell (the blank ones are not rows)
        self.dirty = dirty
        self.blank = blank
        #: index → Row of every Row made or read so far
        self.made: dict[int, Row] = dict(dirty)

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, index: int) -> Row:
        row = self.made.get(index)
        if row is None:
            row = self.made[index] = Row()
            row.index, row.line = index, self.lines[index]
            row.sheet, row.number, row.columns = self.sheet, self.numbers[index], self.columns
            (
                row.budget_id, row.version, row.object, row.start, row.end,
                row.activity, row.income, row.cost, row.phasing, row.note,
            ) = (column[index] for column in self.clean)  # fmt: skip
        return row

    def ref(self, index: int) -> SourceRef:
        """``self.row(index).ref()``, without making the Row."""
        col = next(iter(self.columns.values()), "A")
        return SourceRef(self.sheet, f"{col}{self.numbers[index]}")
