"""The clean cells of a Budgets table, read a column at a time.

A budget file repeats itself: ten thousand budgets share one period, ten activities, a
phasing and a few hundred distinct amounts. :func:`clean_columns` therefore reads each
column's *distinct* values once with the cell readers of :mod:`pixie_xl.core.cells` and
maps the column through the results. A value stands for its reading only if the reading is
clean: it gives no finding at all, not even one of the row checks
(:func:`pixie_xl.core.checks.row_problems`: a missing value, an unknown object or activity,
a negative amount, an unknown phasing). Every other cell is :data:`DIRTY`, and its row is
read cell by cell (:mod:`pixie_xl.sheets.budget_cells`), so every finding and every message
stays exactly what the careful path says.

Only values whose equality means "same reading" are looked up this way (``"P1"`` and
``Formula("P1")`` are equal strings but not the same cell; ``True == 1``; equal instants in
two timezones are different days): each column names the types it takes, and a cell of any
other type is dirty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from itertools import repeat

from pixie_xl.core.cells import Amounts, read_date, read_text, read_version
from pixie_xl.core.records import BUDGET_COLUMNS, PHASING_DAYS, CrmObject

#: a cell whose row must be read cell by cell
DIRTY = object()


class Column(list):
    """A column's readings; ``dirty`` says whether any of them is DIRTY."""

    __slots__ = ("dirty",)

    def __init__(self, values, dirty: bool):
        super().__init__(values)
        self.dirty = dirty


_NONE = type(None)
_TEXT_TYPES = frozenset({str, _NONE})
_STR_ONLY = {str}
_DATE_TYPES = frozenset({date, datetime, str, int, float, _NONE})
_VERSION_TYPES = frozenset({str, int, float, _NONE})
_AMOUNT_TYPES = frozenset({str, int, float, _NONE})


def _through(column: Sequence[object], types: frozenset, read: Callable[[object], object]):
    """The column mapped through ``read`` of its distinct values (DIRTY where unclean)."""
    memo: dict[object, object] = {}
    n = len(column)
    if column and column[0] is None and column.count(None) == n:
        reading = read(None)  # a column left blank (no IDs yet, no notes): no look at types
        return Column(repeat(reading, n), reading is DIRTY)
    if set(map(type, column)) <= types:
        if column and column.count(column[0]) == n:  # one period, one phasing: read once
            reading = read(column[0])  # (equal values of these types read alike)
            return Column(repeat(reading, n), reading is DIRTY)
        for value in dict.fromkeys(column):
            memo[value] = read(value)
        dirty = any(v is DIRTY for v in memo.values())
        return Column(map(memo.__getitem__, column), dirty)
    out = Column((), True)
    for value in column:
        if type(value) in types:
            found = memo.get(value, memo)
            if found is memo:
                found = memo[value] = read(value)
            out.append(found)
        else:
            out.append(DIRTY)
    return out


def _plain_known(column: Sequence[object], names: Mapping[str, object]) -> bool:
    """Whether every cell is text that reads as itself and is a key of ``names``: exact
    ``str``, not blank, nothing to strip, not starting with "#" (the column then stands for
    its reading as it is, with no look-up per cell)."""
    if not column or set(map(type, column)) != _STR_ONLY:
        return False
    distinct = dict.fromkeys(column)
    if "" in distinct or not distinct.keys() <= names.keys():
        return False
    values = list(distinct)
    return list(map(str.strip, values)) == values and not any(
        map(str.startswith, values, repeat("#"))
    )


def _known_text(column: Sequence[object], header: str, names: Mapping[str, object]) -> Column:
    """The column of a code that must be a key of ``names`` (an object id, an activity)."""
    if _plain_known(column, names):
        return Column(column, False)
    return _through(column, _TEXT_TYPES, _clean(read_text, header, _known(names)))


def _clean(reader, header: str, accept: Callable[[object], object] | None = None):
    """``reader`` as a function of the value alone: its reading, or DIRTY."""

    def read(value):
        try:
            result = reader(value, header)
        except Exception:  # the careful path reports it
            return DIRTY
        return result if accept is None else accept(result)

    return read


def _known(names: Mapping[str, object]):
    return lambda text: text if text is not None and text in names else DIRTY


def _present(value):
    return DIRTY if value is None else value


def _date(value):
    if type(value) is datetime and value.tzinfo is not None:
        return DIRTY  # its day depends on the zone; the careful path handles it
    return value if type(value) is date else _READ_DATE(value)


_READ_DATE = _clean(read_date, "", _present)


def clean_columns(
    columns: Sequence[Sequence[object]],
    objects: Mapping[str, CrmObject],
    activities: Mapping[str, object],
    phasing_name: Callable[[str], str | None],
    currency: str,
) -> list[Column]:
    """The ten columns of :data:`~pixie_xl.core.records.BUDGET_COLUMNS`, read where clean.

    ``phasing_name`` gives the canonical name of a phasing as written (None: unknown), as
    :meth:`pixie_xl.core.checks.Known.phasing_name` does.
    """
    bid, version, obj, start, end, activity, income, cost, phasing, note = columns
    h = BUDGET_COLUMNS
    objs = _known_text(obj, h["object"], objects)

    def phase(text):
        if text is None:
            return PHASING_DAYS
        return phasing_name(text) or DIRTY

    out = [
        _through(bid, _TEXT_TYPES, _clean(read_text, h["budget_id"])),
        _through(version, _VERSION_TYPES, _clean(read_version, h["version"])),
        objs,
        _through(start, _DATE_TYPES, _date),
        _through(end, _DATE_TYPES, _date),
        _known_text(activity, h["activity"], activities),
        None,
        None,
        _through(phasing, _TEXT_TYPES, _clean(read_text, h["phasing"], phase)),
        _through(note, _TEXT_TYPES, _clean(read_text, h["note"], lambda t: t or "")),
    ]
    currencies = {objects[o].currency for o in dict.fromkeys(objs) if o is not DIRTY}
    if len(currencies) <= 1:
        amounts = Amounts(currencies.pop() if currencies else currency)
        out[6] = _through(income, _AMOUNT_TYPES, _clean(amounts.read, h["income"], _positive))
        out[7] = _through(cost, _AMOUNT_TYPES, _clean(amounts.read, h["cost"], _positive))
    else:  # several currencies: the careful path reads every amount
        out[6] = out[7] = Column(repeat(DIRTY, len(income)), True)
    return out


def _positive(money):
    return DIRTY if money.minor < 0 else money
