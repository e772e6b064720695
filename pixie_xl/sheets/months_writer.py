"""The Months table (months across) and its income, cost and net totals (issue 11 item 3).

The table's columns follow the report period: object, object name, activity, kind, scope,
then ``YYYY-MM budget | YYYY-MM actual | YYYY-MM variance`` for each month, then the
period's totals. Under it, as under the Variance table, ``Income total``, ``Cost total`` and
``Net (income − cost)`` rows of live formulas that follow the filter; they count the
``own`` rows only, since a ``subtree`` row repeats its descendants' figures.
"""

from __future__ import annotations

from pixie_xl.core.months_across import OWN, MonthsAcross
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book
from pixie_xl.sheets.cells import cell_name
from pixie_xl.sheets.kind_totals import block_rows, block_start, clear_block
from pixie_xl.sheets.writers import _write_block


def _money(m):
    return None if m is None else m.decimal


def months_values(report: MonthsAcross) -> list[list[object]]:
    """The table's rows, in the order of :func:`layout.months_across_columns`."""
    out = []
    for r in report.rows:
        months = []
        for b, a, v in zip(r.budgets, r.actuals, r.variances, strict=True):
            months += [b.decimal, _money(a), _money(v)]
        out.append(
            [
                r.object,
                r.object_name,
                r.activity,
                r.kind.value,
                r.scope,
                *months,
                r.budget.decimal,
                r.actual.decimal,
                r.variance.decimal,
            ]
        )
    return out


def write_months_across(book: Book, report: MonthsAcross) -> None:
    """The Months table, its columns those of the report's months, and its three totals."""
    sheet, table = layout.MONTHS_ACROSS_SHEET, layout.MONTHS_ACROSS_TABLE
    plain = layout.months_across_columns(report.months)
    currency = next((r.budget.currency for r in report.rows), None)
    columns = layout.in_currency(plain, currency)
    old_width, old_rows = _old_size(book, sheet, table)
    wide = max(old_width, len(columns))
    rows = months_values(report)
    # no separate clear where the writes that follow cover the old totals (issue 12.6)
    pad = clear_block(book, sheet, wide, old_rows, len(rows) if wide == len(columns) else None)
    if old_width > len(columns):  # fewer months: the old headers beyond go
        book.clear_range(sheet, cell_name(len(columns) + 1, 1), old_width - len(columns), 1)
    book.write_table(sheet, table, columns, rows)
    style_header = getattr(book, "style_header", None)
    if style_header is not None:  # the months' headers as the first one (LibreOffice)
        style_header(sheet, cell_name(1, 1), len(columns))
    headers = [c.header for c in columns]
    money = {c.header for c in plain if c.number_format == layout.MONEY}
    adds = {h for h in money if h.endswith("variance")}
    block = block_rows(headers, table, money, adds, (), f'--({table}[Scope]="{OWN}")')
    _write_block(book, sheet, block_start(len(rows)), block, columns, pad)


def _old_size(book: Book, sheet: str, table: str) -> tuple[int, int]:
    """(columns, data rows) of the table as it is: from its place where the book knows it
    (a file: no parse of the old table's cells, issue 12.1), else from its cells."""
    size = getattr(book, "table_size", None)
    if size is not None:
        return size(sheet, table)
    old = book.read_table(sheet, table)
    return len(old.header), len(old.rows)
