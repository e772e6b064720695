"""A budget's History: its master and every correction side by side (SPEC §2 R3–R5).

:func:`history_grid` lays the service's ``/versions`` out as rows of cells, one row per
activity and, for each version, its income and cost; :func:`write_history` puts the grid
on the ``History`` sheet (created where missing, its old content replaced).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from pixie_xl.core.errors import PixieError

HISTORY_SHEET = "History"
#: the block a History written before is cleared of in live Excel (2 columns a version)
CLEAR_COLUMNS, CLEAR_ROWS = 201, 2000


def _label(v: Mapping, i: int) -> str:
    kind = "master" if i == 0 else f"correction {i}"
    return f"{kind} (version {v.get('version')})"


def _amount(value: object) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def history_grid(budget_id: str, versions: Sequence[Mapping]) -> list[list[object]]:
    """The History sheet's cells: a title, each version's facts, then the lines.

    >>> v = [{"object": "P-1", "start": "2026-01-01", "end": "2026-12-31", "version": 1,
    ...       "created_at": "2026-11-02T09:00:00+01:00", "locked": True,
    ...       "lines": [{"activity": "ROAD", "income": "0", "cost": "100.00"}]},
    ...      {"object": "P-1", "start": "2026-01-01", "end": "2026-12-31", "version": 3,
    ...       "created_at": "2026-11-03T10:00:00+01:00", "locked": False,
    ...       "lines": [{"activity": "ROAD", "income": "0", "cost": "120.00"}]}]
    >>> grid = history_grid("7", v)
    >>> grid[3]
    ['Activity', 'master (version 1) income', 'master (version 1) cost', \
'correction 1 (version 3) income', 'correction 1 (version 3) cost']
    >>> grid[4]
    ['ROAD', Decimal('0'), Decimal('100.00'), Decimal('0'), Decimal('120.00')]
    """
    if not versions:
        raise PixieError(f"budget {budget_id} has no versions on the service", code="not_found")
    first = versions[0]
    title = [
        f"Budget {budget_id}",
        str(first.get("object")),
        f"{first.get('start')}..{first.get('end')}",
    ]
    saved = ["Saved at"] + [str(v.get("created_at") or "") for v in versions]
    locked = ["Locked"] + ["locked" if v.get("locked") else "editable" for v in versions]
    header = ["Activity"]
    for i, v in enumerate(versions):
        header += [f"{_label(v, i)} income", f"{_label(v, i)} cost"]
    activities: list[str] = []
    by_version = []
    for v in versions:
        lines = {str(ln["activity"]): ln for ln in v.get("lines") or ()}
        activities += [a for a in lines if a not in activities]
        by_version.append(lines)
    body = []
    for act in activities:
        row: list[object] = [act]
        for lines in by_version:
            ln = lines.get(act)
            row += (
                [None, None] if ln is None else [_amount(ln.get("income")), _amount(ln.get("cost"))]
            )
        body.append(row)
    totals: list[object] = ["Total"]
    for lines in by_version:
        totals += [sum((_amount(ln.get(k)) for ln in lines.values()), Decimal(0))
                   for k in ("income", "cost")]  # fmt: skip
    return [title, saved, locked, header, *body, totals]


def write_history(book, grid: Sequence[Sequence[object]]) -> None:
    """The grid on the History sheet, which is created (or emptied) first."""
    from pixie_xl.sheets.fakebook import FakeBook
    from pixie_xl.sheets.filebook import FileBook

    if isinstance(book, FileBook):  # a fresh sheet, in the old one's place
        wb = book.wb
        index = len(wb.sheetnames)
        if HISTORY_SHEET in wb.sheetnames:
            index = wb.sheetnames.index(HISTORY_SHEET)
            wb.remove(wb[HISTORY_SHEET])
        wb.create_sheet(HISTORY_SHEET, index)
    elif isinstance(book, FakeBook):
        book.cells[HISTORY_SHEET] = {}
    elif HISTORY_SHEET in book.sheet_names():  # live Excel: clear what an earlier one wrote
        book.clear_range(HISTORY_SHEET, "A1", CLEAR_COLUMNS, CLEAR_ROWS)
    else:
        add = getattr(book, "add_sheet", None)
        if add is None:
            raise PixieError(f"the workbook has no {HISTORY_SHEET} sheet: add one and retry")
        add(HISTORY_SHEET)
    book.write_range(HISTORY_SHEET, "A1", [list(r) for r in grid])


def grid_text(grid: Sequence[Sequence[object]]) -> str:
    """The grid as aligned text columns, for a terminal."""

    def show(v: object) -> str:
        if v is None:
            return ""
        if isinstance(v, Decimal):
            return f"{v:,.2f}"
        return str(v)

    cells = [[show(v) for v in row] for row in grid]
    width = max(len(r) for r in cells)
    sizes = [max((len(r[i]) for r in cells if i < len(r)), default=0) for i in range(width)]
    lines = []
    for r in cells:
        parts = [c.rjust(sizes[i]) if i else c.ljust(sizes[i]) for i, c in enumerate(r)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)
