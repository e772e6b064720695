"""The control panel's cells on the Pixie sheet: read one, read or write a run of them in
one call where the book reads and writes ranges (Excel, issue 12 item 6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book


def pixie_value(book: Book, name: str) -> object:
    """A control-panel value (``server``, ``token``, ``report_from`` …), None if absent."""
    cell = layout.PIXIE_CELLS.get(name)
    if cell is None:
        return None
    try:
        value = book.get_value(layout.PIXIE_SHEET, cell)
    except (KeyError, ValueError):
        return None
    return None if value in ("", None) else value


def text(value: object) -> str | None:
    return None if value is None else str(value).strip() or None


def as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return date.fromordinal(date(1899, 12, 30).toordinal() + int(value))
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def pixie_values(book: Book, names: Sequence[str]) -> dict[str, object]:
    """:func:`pixie_value` of each name; a book that reads ranges (Excel) reads the cells
    of a run down the column in one read (issue 12 item 6)."""
    read = getattr(book, "read_range", None)
    cells = [layout.PIXIE_CELLS[n] for n in names]
    run = one_run(cells)
    if read is None or run is None:
        return {n: pixie_value(book, n) for n in names}
    values = [r[0] for r in read(layout.PIXIE_SHEET, cells[0], 1, len(cells))]
    return {n: None if v in ("", None) else v for n, v in zip(names, values, strict=True)}


def one_run(cells: Sequence[str]) -> int | None:
    """The first row of ``cells`` if they are one run down one column, else None."""
    from pixie_xl.sheets.cells import split_cell

    places = [split_cell(c) for c in cells]
    col, row = places[0]
    return row if places == [(col, row + i) for i in range(len(places))] else None


def set_pixie_cells(book: Book, values: dict[str, object]) -> None:
    """Control-panel values (a date as a datetime at midnight): one write where their
    cells are one run down the column and the book writes ranges, else cell by cell."""
    named = {n: v for n, v in values.items() if n in layout.PIXIE_CELLS}
    out = {
        layout.PIXIE_CELLS[n]: datetime.combine(v, time())
        if isinstance(v, date) and not isinstance(v, datetime)
        else v
        for n, v in named.items()
    }
    cells = list(out)
    if len(cells) > 1 and hasattr(book, "write_range") and one_run(cells) is not None:
        book.write_range(layout.PIXIE_SHEET, cells[0], [[v] for v in out.values()])
        return
    for cell, value in out.items():
        book.set_value(layout.PIXIE_SHEET, cell, value)
