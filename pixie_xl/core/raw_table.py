"""The rows of one budget table held a column at a time, as a reader hands them over.

A :class:`RawTable` is a sequence of :class:`~pixie_xl.core.records.RawRow` (each made when
it is asked for), so everything that takes rows takes it;
:func:`~pixie_xl.sheets.budget_cells.validate_table` reads its columns directly and makes no
``RawRow`` for a clean row. It holds cells as a sheet gives them and reads none of them.

>>> t = RawTable("Budgets", [2, 4], {"object": "C", "cost": "H"},
...              {"object": ["P-1", "P-2"], "cost": [10.0, None]})
>>> len(t), t[1].row, t[1].values, str(t[1].ref("cost"))
(2, 4, {'object': 'P-2', 'cost': None}, 'Budgets!H4')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from .records import RawRow


class RawTable(Sequence[RawRow]):
    """Non-blank rows of one table: their sheet row numbers and each column's cells."""

    __slots__ = ("cells", "columns", "numbers", "sheet")

    def __init__(
        self,
        sheet: str,
        numbers: Sequence[int],
        columns: Mapping[str, str],
        cells: Mapping[str, Sequence[object]],
    ) -> None:
        if columns.keys() != cells.keys():
            raise ValueError(f"{sheet}: the columns {list(columns)} and cells {list(cells)}")
        if any(len(c) != len(numbers) for c in cells.values()):
            raise ValueError(f"{sheet}: every column needs one cell per row")
        #: sheet (or file) name, as findings name it
        self.sheet = sheet
        #: 1-based sheet row of each row
        self.numbers = numbers
        #: key → column letter, in the table's column order (as ``RawRow.columns``)
        self.columns = dict(columns)
        #: key → the column's cells (``None`` for a blank cell), one per row
        self.cells = dict(cells)

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, index: int) -> RawRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[RawRow]: ...

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        number = self.numbers[index]  # (raises IndexError past the end)
        values = {k: column[index] for k, column in self.cells.items()}
        return RawRow(self.sheet, number, values, self.columns)

    def __iter__(self) -> Iterator[RawRow]:
        for i in range(len(self.numbers)):
            yield self[i]

    def __repr__(self) -> str:
        return f"RawTable({self.sheet!r}, {len(self)} rows, columns {list(self.columns)})"
