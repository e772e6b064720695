"""Budget rows from a book, and fast, defensive readers of budget and ingest files.

:func:`read_budget_rows` reads the Budgets table of any :class:`Book`. :func:`read_budget_file`
reads a batch-import file: ``.xlsx``/``.xlsm`` with python-calamine (about ten times faster
than openpyxl), ``.csv`` with the csv module. Every row keeps its cells, so findings read
``Budgets!G14`` or ``budgets.csv!G14``.

Files are read by the one guarded reader of uploads and imports
(:mod:`pixie_xl.sheets.uploads`, :mod:`pixie_xl.sheets.package`): a file that is not a
readable workbook or CSV raises :class:`~pixie_xl.core.errors.BadFile` with a clear message,
in bounded time and memory (zip bombs, DTDs and entities refused before anything parses).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from operator import itemgetter
from pathlib import Path

from pixie_xl.core.errors import BadFile
from pixie_xl.core.gcpause import no_gc
from pixie_xl.core.raw_table import RawTable
from pixie_xl.core.records import BUDGET_COLUMNS
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book
from pixie_xl.sheets.cells import col_letter
from pixie_xl.sheets.package import read_sheet
from pixie_xl.sheets.uploads import read_csv_file

#: the headers a budget table cannot do without (ID, version, phasing and note may be absent)
REQUIRED_KEYS = ("object", "start", "end", "activity", "income", "cost")
_BY_HEADER = {h.lower(): k for k, h in BUDGET_COLUMNS.items()}

# --- from a book ---------------------------------------------------------------------------


def header_keys(header: Sequence[object], where: str) -> dict[str, int]:
    """Canonical key → column index, matching headers trimmed and case-insensitively.

    Raises ``BadFile`` naming ``where`` and every required header that is missing.

    >>> header_keys([" object", "PERIOD START", "Period end", "Activity", "Income budget",
    ...              "Cost budget"], "Budgets")["start"]
    1
    >>> header_keys(["Object"], "Budgets")
    Traceback (most recent call last):
    ...
    pixie_xl.core.errors.BadFile: Budgets: missing header(s) Period start, Period end, ...
    """
    keys: dict[str, int] = {}
    for i, h in enumerate(header):
        key = _BY_HEADER.get(str(h).strip().lower()) if h is not None else None
        if key is not None and key not in keys:
            keys[key] = i
    missing = [BUDGET_COLUMNS[k] for k in REQUIRED_KEYS if k not in keys]
    if missing:
        raise BadFile(
            f"{where}: missing header(s) {', '.join(missing)}; a budget table needs "
            + ", ".join(BUDGET_COLUMNS[k] for k in REQUIRED_KEYS),
            code="missing_headers",
            detail={"missing": missing, "sheet": where},
        )
    return keys


def read_budget_rows(book: Book) -> RawTable:
    """The Budgets table's non-blank rows, each with its cells (formulas as ``Formula``)."""
    sheet = layout.BUDGETS_SHEET
    table = book.read_table(sheet, layout.BUDGETS_TABLE)
    keys = header_keys(table.header, f"{sheet} (table {layout.BUDGETS_TABLE})")
    columns = {k: table.columns[i] for k, i in keys.items()}
    return _raw_rows(sheet, table.rows, table.first_row, keys, columns)


def _raw_rows(
    sheet: str,
    rows: Sequence[Sequence[object]],
    first_row: int,
    keys: dict[str, int],
    columns: dict[str, str],
) -> RawTable:
    """The non-blank rows, a column at a time; blank cells ("" from calamine and csv) become
    None.

    Lean on purpose: it runs over every line of a 100,000-line import. The table's columns
    are picked and cleared of blanks a column at a time, and no record is made per row (the
    checks read the columns; a :class:`RawTable` makes a ``RawRow`` when one is asked for).
    """
    if not isinstance(rows, list | tuple):
        rows = list(rows)
    names = tuple(keys)
    if not rows:
        return RawTable(sheet, [], columns, {k: [] for k in names})
    need = max(keys.values()) + 1
    with no_gc():  # many small acyclic records: the collector would only slow this down
        if min(map(len, rows)) < need:
            rows = [row if len(row) >= need else [*row, *[""] * (need - len(row))] for row in rows]
        cells = [_no_blanks(list(map(itemgetter(i), rows))) for i in keys.values()]
        numbers: Sequence[int] = range(first_row, first_row + len(rows))
        if all(None in column for column in cells):  # (else no row can be blank)
            width = len(names)
            rows_of = enumerate(zip(*cells, strict=True))
            keep = [i for i, values in rows_of if values.count(None) != width]
            if len(keep) != len(rows):
                numbers = [first_row + i for i in keep]
                cells = [[column[i] for i in keep] for column in cells]
        return RawTable(sheet, numbers, columns, dict(zip(names, cells, strict=True)))


def _no_blanks(column: Sequence[object]) -> Sequence[object]:
    """The column with blank cells ("") as None."""
    blanks = column.count("")
    if not blanks:
        return column
    if blanks == len(column):  # a column left blank (no IDs yet, no notes)
        return [None] * blanks
    return [None if v == "" else v for v in column]


# --- from a file ---------------------------------------------------------------------------


def read_budget_file(path: Path | str) -> RawTable:
    """Budget rows of an ``.xlsx``/``.xlsm`` (its ``Budgets`` sheet, else the first) or
    ``.csv`` file, for batch import and ``pixie-xl validate``.

    Cells read as on the sheet: formulas as ``Formula``, Excel error cells as their text
    (``#REF!``), so the findings are the same; each names ``file.xlsx!G3`` or
    ``file.csv!G3``. A file without any budget row is refused.
    """
    path = Path(path)
    # a 100,000-line file is a million small acyclic objects: the collector's passes over
    # them would free nothing (one pause for the whole read: each time the collector is
    # switched back on, its next pass walks every object made so far)
    with no_gc():
        sheet, header, rows, formulas = _read_any(path, prefer_sheet=layout.BUDGETS_SHEET)
        keys = header_keys(header, sheet)
        columns = {k: col_letter(i + 1) for k, i in keys.items()}
        if formulas:
            rows = _with_formulas(rows, formulas)
        out = _raw_rows(path.name, rows, 2, keys, columns)
        del rows  # (freed now, not walked by the collector's next pass when it is back on)
    if not out:
        raise BadFile(
            f"{path.name}: no budget rows under the header; write one budget line per row",
            code="empty_file",
        )
    return out


def read_rows(path: Path | str) -> tuple[list[str], list[list[object]]]:
    """The header and data rows of the first sheet of a workbook, or of a CSV file.

    Blank cells are ``None``. For the ingest of objects, activities, actuals and orders.
    """
    _sheet, header, rows, _f = _read_any(Path(path))
    data = [[None if v == "" else v for v in row] for row in rows]
    return [("" if h is None else str(h)).strip() for h in header], data


def read_header(path: Path | str) -> list[str]:
    """The header row of a CSV or workbook file (a CSV's first line only is read)."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return read_rows(path)[0]
    with path.open("rb") as fh:
        first = fh.readline(1024 * 1024).decode("utf-8-sig", "replace")
    delimiter = max(",;\t", key=first.count)
    return [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])]


def _read_any(path: Path, prefer_sheet: str | None = None):
    """(sheet name, header, data rows, {(row index, col index): Formula})."""
    if not path.is_file():
        raise BadFile(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, rows = read_csv_file(path)
        return path.name, header, rows, {}
    if suffix in (".xlsx", ".xlsm"):
        return read_sheet(path, path.name, prefer_sheet)
    raise BadFile(f"{path.name}: not a budget file (expected .xlsx, .xlsm or .csv)")


def _with_formulas(rows: list[list[object]], formulas: dict[tuple[int, int], object]):
    """Put the formulas in place of calamine's cached values (data rows start at row 1)."""
    for (r, c), f in formulas.items():
        i = r - 1
        if 0 <= i < len(rows):
            row = rows[i]
            if c >= len(row):
                row.extend([""] * (c + 1 - len(row)))
            row[c] = f
    return rows
