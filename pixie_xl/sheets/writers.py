"""Records to the workbook's tables, on any :class:`~pixie_xl.sheets.book.Book`.

Money goes out as ``Decimal`` and becomes a number only in the book, at the very edge;
percentages are fractions shown with ``0.0%``; dates stay dates. The books write text that
could be taken for a formula (CRM names such as ``=HYPERLINK(…)``) as text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from pixie_xl.core.findings import Finding, Severity
from pixie_xl.core.money import Money
from pixie_xl.core.records import (
    BUDGET_COLUMNS,
    PHASING_DAYS,
    PHASING_MONTHS,
    Kind,
    MonthRow,
    Profile,
    RawRow,
    VarianceRow,
)
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book
from pixie_xl.sheets.cells import col_index, split_cell


def _money(m: Money | None) -> Decimal | None:
    return None if m is None else m.decimal


def write_checks(book: Book, findings: Sequence[Finding]) -> None:
    """The findings to the Checks table (errors first), and their cells on Budgets marked."""
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    ranked = sorted(enumerate(findings), key=lambda p: (order[p[1].severity], p[0]))
    rows = [
        [
            f.source.sheet if f.source else "",
            f.source.cell if f.source else "",
            f.code,
            str(f),
            f.severity.value,
        ]
        for _, f in ranked
    ]
    book.write_table(layout.CHECKS_SHEET, layout.CHECKS_TABLE, layout.CHECKS_COLUMNS, rows)
    bad = sorted(
        {
            f.source.cell
            for f in findings
            if f.is_error and f.source and f.source.cell and f.source.sheet == layout.BUDGETS_SHEET
        }
    )
    book.mark_cells(layout.BUDGETS_SHEET, bad, Severity.ERROR)


def variance_values(r: VarianceRow) -> list[object]:
    """One Variance (or Alerts) table row, in the order of ``layout.VARIANCE_COLUMNS``."""
    return [
        r.object,
        r.object_name,
        r.activity,
        r.kind.value,
        r.original.decimal,
        r.current.decimal,
        r.actual.decimal,
        _money(r.committed),
        r.variance.decimal,
        r.variance_pct,
        r.used_pct,
        _money(r.available),
        r.forecast.decimal,
        r.status.value,
        _money(r.budget_to_date),
        _money(r.variance_to_date),
        _money(r.estimate),
        _money(r.forecast_phased),
    ]


def write_variance(book: Book, rows: Sequence[VarianceRow]) -> None:
    """The Variance table, its income, cost and net totals under it
    (:mod:`pixie_xl.sheets.kind_totals`) and the by-activity chart."""
    from pixie_xl.sheets.kind_totals import clear_kind_totals, write_kind_totals

    was = _old_rows(book, layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
    pad = clear_kind_totals(book, was, len(rows))
    currency = currency_of(rows)
    book.write_table(
        layout.VARIANCE_SHEET,
        layout.VARIANCE_TABLE,
        layout.in_currency(layout.VARIANCE_COLUMNS, currency),
        [variance_values(r) for r in rows],
    )
    write_kind_totals(book, len(rows), currency, pad)
    by_activity: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in rows:
        if r.kind is Kind.COST:
            pair = by_activity[r.activity]
            pair[0] += r.current.decimal
            pair[1] += r.actual.decimal
    data = [[a, b, c] for a, (b, c) in sorted(by_activity.items())]
    _write_chart_data(book, layout.CHART_ACTIVITY_CELL, ["Activity", "Budget", "Actual"], data)


def write_parents(book: Book, rows: Sequence[VarianceRow]) -> None:
    """The VarianceByParent table on the Parents sheet: each parent's roll-up rows
    (:func:`pixie_xl.core.variance.parent_rows`), in the Variance table's columns."""
    book.write_table(
        layout.PARENTS_SHEET,
        layout.PARENTS_TABLE,
        layout.in_currency(layout.PARENTS_COLUMNS, currency_of(rows)),
        [variance_values(r) for r in rows],
    )


def write_months(book: Book, rows: Sequence[MonthRow]) -> None:
    """The Variance by month table, its income, cost and net totals under it (no total row:
    it would add income and cost) and the cumulative monthly chart (cost rows).

    Months after the last month with any actual show the budget and leave Actual and
    Variance blank: a month not booked yet is not a favourable variance.
    """
    from pixie_xl.sheets.kind_totals import block_rows, block_start, clear_block, kind_sum

    sheet, table = layout.MONTHS_SHEET, layout.MONTHS_TABLE
    columns = layout.in_currency(layout.MONTHS_COLUMNS, currency_of(rows))
    pad = clear_block(book, sheet, len(columns), _old_rows(book, sheet, table), len(rows))
    booked = [r.month for r in rows if r.actual.minor]
    last = max(booked) if booked else None

    def shown(r: MonthRow, m: Money) -> Decimal | None:
        return m.decimal if last is not None and r.month <= last else None

    values = [
        [
            r.object,
            r.object_name,
            r.activity,
            r.kind.value,
            r.month,
            r.budget.decimal,
            shown(r, r.actual),
            shown(r, r.variance),
        ]
        for r in rows
    ]
    book.write_table(sheet, table, columns, values)
    headers = [c.header for c in columns]
    block = block_rows(headers, table, ("Budget", "Actual", "Variance"), ("Variance",), (),
                       total=kind_sum)  # fmt: skip
    _write_block(book, sheet, block_start(len(rows)), block, columns, pad)
    _write_chart_data(
        book, layout.CHART_MONTH_CELL, ["Month", "Budget", "Actual"], month_chart(rows, last)
    )


def _old_rows(book: Book, sheet: str, table: str) -> int:
    """The data rows of a table as it is, before it is rewritten: from its place where the
    book knows it (Excel: no read of its cells), else its non-blank rows."""
    rows = getattr(book, "table_rows", None)
    return rows(sheet, table) if rows is not None else len(book.read_table(sheet, table).rows)


def month_chart(rows: Sequence[MonthRow], last: date | None) -> list[list[object]]:
    """The cumulative chart's rows: the month as text (``Jan 2026``), the cost budget to
    date and the cost actual to date, blank after ``last`` (the line stops there)."""
    per_month: dict[date, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in rows:
        pair = per_month[r.month]  # every month of the report, cost or not
        if r.kind is Kind.COST:
            pair[0] += r.budget.decimal
            pair[1] += r.actual.decimal
    data, budget, actual = [], Decimal(0), Decimal(0)
    for month in sorted(per_month):
        budget += per_month[month][0]
        actual += per_month[month][1]
        booked = last is not None and month <= last
        label = month.strftime(layout.CHART_MONTH_LABEL)
        data.append([label, budget, actual if booked else None])
    return data


def currency_of(rows: Sequence[object]) -> str | None:
    """The currency of report rows (None when there are none)."""
    for r in rows:
        for name in ("current", "budget"):
            m = getattr(r, name, None)
            if isinstance(m, Money):
                return m.currency
    return None


def _write_block(
    book: Book, sheet: str, row: int, block: list[list], columns, pad: int = 0
) -> None:
    """Totals rows under a table, their money cells in the table's money format; ``pad``
    blank rows written under them (over an old block lower down)."""
    from pixie_xl.sheets.cells import cell_name

    blank = [None] * max((len(r) for r in block), default=0)
    book.write_range(sheet, cell_name(1, row), [*block, *([blank] * pad)])
    fmt = next((c.number_format for c in columns if c.number_format.startswith("#,##0")), "")
    format_range = getattr(book, "format_range", None)
    if fmt and format_range is not None:
        format_range(sheet, cell_name(2, row), len(columns) - 1, len(block), fmt)


def write_alerts(book: Book, rows: Sequence[VarianceRow], was=None) -> None:
    """The Alerts table: the rows given (already worst first), Variance columns, then
    ``Was`` and ``Changed`` from ``was`` (the statuses of the previous refresh, by object,
    activity and kind; None: no previous refresh, both blank)."""
    from pixie_xl.excel.changes import was_of

    book.write_table(
        layout.ALERTS_SHEET,
        layout.ALERTS_TABLE,
        layout.in_currency(layout.ALERTS_COLUMNS, currency_of(rows)),
        [[*variance_values(r), *was_of(r, was)] for r in rows],
    )


def write_budgets(book: Book, rows: Sequence[RawRow | Sequence[object]]) -> None:
    """Replace the Budgets table's rows (RawRows, or lists in the table's column order).

    Text that a CSV file gave for an amount, a date or a version is written as a number or
    a date, so that an imported row looks like a typed one; anything else is kept as read.
    """
    keys = list(BUDGET_COLUMNS)
    out = []
    for row in rows:
        values = [row.values.get(k) for k in keys] if isinstance(row, RawRow) else list(row)
        out.append([_typed(k, v) for k, v in zip(keys, values, strict=False)])
    book.write_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE, layout.BUDGETS_COLUMNS, out)


def typed_value(key: str, value: object) -> object:
    """A budget cell as written: text a CSV file gave for an amount, a date or a version
    becomes a number or a date; anything else is kept as read."""
    return _typed(key, value)


def _typed(key: str, value: object) -> object:
    if not isinstance(value, str) or type(value) is not str:  # Formula stays a formula
        return value
    s = value.strip()
    if not s:
        return None
    try:
        if key in ("income", "cost"):
            return Decimal(s)
        if key in ("start", "end"):
            return date.fromisoformat(s[:10])
        if key == "version" and s.isdigit():
            return int(s)
    except (InvalidOperation, ValueError):
        pass
    return value


def write_profiles(book: Book, profiles: Iterable[Profile]) -> None:
    """The Profiles table: one row per profile, its twelve monthly weights."""
    rows = [[p.name, *p.weights] for p in sorted(profiles, key=lambda p: p.name)]
    book.write_table(layout.PROFILES_SHEET, layout.PROFILES_TABLE, layout.PROFILES_COLUMNS, rows)


def write_lists(
    book: Book,
    objects: Sequence[str],
    activities: Sequence[str],
    profiles: Sequence[str] = (),
) -> None:
    """The drop-down lists of the Budgets table (object ids, active activity codes, and the
    phasings ``days``, ``months`` and the profile names), on the hidden Lists sheet."""
    columns = {
        "objects": list(objects),
        "activities": list(activities),
        "phasings": [PHASING_DAYS, PHASING_MONTHS, *profiles],
    }
    # one 2-D block (the lists side by side, blank under the shorter ones), then one clear
    # of the rows under the longest (issue 12 item 6: two calls, not two per list)
    lists = [columns[key][: layout.LIST_ROWS] for key in layout.LISTS]
    letters = [col for _name, col in layout.LISTS.values()]
    first = letters[0]
    if [col_index(c) for c in letters] != list(
        range(col_index(first), col_index(first) + len(letters))
    ):
        raise ValueError(f"the drop-down lists must be side by side: {letters}")
    longest = max(len(v) for v in lists)
    block = [[v[i] if i < len(v) else None for v in lists] for i in range(longest)]
    if block:
        book.write_range(layout.LISTS_SHEET, f"{first}2", block)
    if longest < layout.LIST_ROWS:
        book.clear_range(
            layout.LISTS_SHEET, f"{first}{2 + longest}", len(lists), layout.LIST_ROWS - longest
        )


def _write_chart_data(book: Book, cell: str, header: list[str], data: list[list[object]]):
    sheet = layout.CHART_DATA_SHEET
    col, row = split_cell(cell)
    old = _filled_below(book, sheet, col, row)
    # the old, longer range blanked by the same write (no separate clear)
    blank = [[None] * len(header) for _ in range(old - len(data))]
    book.write_range(sheet, cell, [header, *data, *blank])
    rebuild = getattr(book, "rebuild_charts", None)
    if rebuild is not None:
        rebuild()


#: the rows a book that reads ranges reads at a time for the cells under a chart's header
CHART_READ_ROWS = 64


def _filled_below(book: Book, sheet: str, col: int, row: int) -> int:
    """How many cells directly under ``(col, row)`` are filled (up to the first blank): read
    a block at a time where the book reads ranges (Excel), else cell by cell."""
    read = getattr(book, "read_range", None)
    n = 0
    while True:
        if read is None:
            cells = [book.get_value(sheet, _cell(col, row + n + 1))]
        else:
            got = read(sheet, _cell(col, row + n + 1), 1, CHART_READ_ROWS, formulas=False)
            cells = [r[0] for r in got]
        for v in cells:
            if v in (None, ""):
                return n
            n += 1


def _cell(col: int, row: int) -> str:
    from pixie_xl.sheets.cells import cell_name

    return cell_name(col, row)
