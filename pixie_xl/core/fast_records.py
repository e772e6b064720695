"""Frozen records made by the hundred thousand, without the per-field cost of ``__init__``.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (a global
look-up and a call per field), which is most of the time a 100,000-line budget file spends
making its lines. The makers here set the same slots through their descriptors; the record
is the same (equal, same hash, same repr) as the one its constructor makes, which the tests
hold, with the field order, so a field added to a record cannot be missed here.

>>> source_ref("Budgets", "A14") == SourceRef("Budgets", "A14")
True

The column makers (:func:`budget_lines`, :func:`source_refs`) make a whole table's records
a field at a time: each field's descriptor is mapped over the new records in one C-level
pass, without a Python call per record (about a third less time for 100,000 lines).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import fields
from itertools import repeat

from .findings import SourceRef
from .money import Money
from .records import BudgetLine

_new = object.__new__
_LINE_FIELDS = ("activity", "income", "cost", "phasing", "note", "source")
_REF_FIELDS = ("sheet", "cell")
for _cls, _names in ((BudgetLine, _LINE_FIELDS), (SourceRef, _REF_FIELDS)):
    if tuple(f.name for f in fields(_cls)) != _names:  # a field added or moved: update here
        raise TypeError(f"fast_records: {_cls.__name__} no longer has the fields {_names}")
_activity, _income, _cost, _phasing, _note, _source = (
    getattr(BudgetLine, name).__set__ for name in _LINE_FIELDS
)
_LINE_SETTERS = (_activity, _income, _cost, _phasing, _note, _source)
_sheet, _cell = (getattr(SourceRef, name).__set__ for name in _REF_FIELDS)


def budget_line(
    activity: str, income: Money, cost: Money, phasing: str, note: str, source: SourceRef | None
) -> BudgetLine:
    """``BudgetLine(activity, income, cost, phasing, note, source)``, from checked values."""
    line = _new(BudgetLine)
    _activity(line, activity)
    _income(line, income)
    _cost(line, cost)
    _phasing(line, phasing)
    _note(line, note)
    _source(line, source)
    return line


def source_ref(sheet: str, cell: str) -> SourceRef:
    """``SourceRef(sheet, cell)``."""
    ref = _new(SourceRef)
    _sheet(ref, sheet)
    _cell(ref, cell)
    return ref


def budget_lines(
    activities: Sequence[str],
    incomes: Sequence[Money],
    costs: Sequence[Money],
    phasings: Sequence[str],
    notes: Sequence[str],
    sources: Sequence[SourceRef | None],
) -> list[BudgetLine]:
    """``[budget_line(*cells) for cells in zip(...)]`` from columns of one length each."""
    columns = (activities, incomes, costs, phasings, notes, sources)
    return _made(BudgetLine, _LINE_SETTERS, columns)


def source_refs(sheet: str, cells: Sequence[str]) -> list[SourceRef]:
    """``[SourceRef(sheet, cell) for cell in cells]``."""
    return _made(SourceRef, (_sheet, _cell), (repeat(sheet, len(cells)), cells))


def _made(cls: type, setters: tuple, columns: tuple) -> list:
    n = len(columns[-1])
    if any(len(c) != n for c in columns if not isinstance(c, repeat)):
        lengths = [len(c) for c in columns if not isinstance(c, repeat)]
        raise ValueError(f"fast_records: columns of {lengths} cells for one {cls.__name__} each")
    records = list(map(_new, repeat(cls, n)))
    for set_field, column in zip(setters, columns, strict=True):
        _consume(map(set_field, records, column))
    return records


_consume = deque(maxlen=0).extend
