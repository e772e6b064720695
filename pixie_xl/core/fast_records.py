"""Frozen records made by the hundred thousand, without the per-field cost of ``__init__``.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (a global
look-up and a call per field), which is most of the time a 100,000-line budget file spends
making its lines. The makers here set the same slots through their descriptors; the record
is the same (equal, same hash, same repr) as the one its constructor makes, which the tests
hold, with the field order, so a field added to a record cannot be missed here.

>>> source_ref("Budgets", "A14") == SourceRef("Budgets", "A14")
True
"""

from __future__ import annotations

from dataclasses import fields

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
