"""The Variance table's totals per kind and net (SPEC §3 "Variance table", issue 11).

Three labelled rows one blank row under the table: ``Income total``, ``Cost total`` and
``Net (income − cost)``, each money column a live formula that follows the table's filter
(``SUBTOTAL(109, OFFSET(…))`` row by row, so hidden rows count as nothing) and that
LibreOffice evaluates too (qualified structured references ``Variance[Column]``, NOTES.md).
Income and cost are never added together.

The net row is income − cost for the budgets, the actual, the committed cost and the
forecast; for *Variance* it is the margin's variance, net actual − net current budget,
which is the income variance plus the cost variance (each favourable when positive);
*Available* is a cost figure only and has no net.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from pixie_xl.core.records import Formula
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book
from pixie_xl.sheets.cells import cell_name

INCOME_LABEL = "Income total"
COST_LABEL = "Cost total"
NET_LABEL = "Net (income − cost)"
LABELS = (INCOME_LABEL, COST_LABEL, NET_LABEL)

#: the money columns the three rows total
MONEY_HEADERS = (
    "Original budget",
    "Current budget",
    "Actual",
    "Committed",
    "Variance",
    "Available",
    "Forecast",
    "Budget to date",
    "Variance to date",
    "Estimate at completion",
    "Forecast by phasing",
)
#: net of these is income + cost (variances are both favourable when positive)
_NET_ADDS = frozenset({"Variance", "Variance to date"})
#: these have no net (cost-only figures)
_NO_NET = frozenset({"Available"})


def visible_sum(table: str, header: str, kind: str, where: str = "") -> str:
    """The filtered sum of ``header`` over the rows of ``kind`` (without the ``=``);
    ``where``: one more factor of the SUMPRODUCT, e.g. ``--(Months[Scope]="own")``.

    >>> visible_sum("Variance", "Actual", "cost")[:40]
    'SUMPRODUCT(SUBTOTAL(109,OFFSET(Variance['
    """
    col = f"{table}[{header}]"
    more = f",{where}" if where else ""
    return (
        f"SUMPRODUCT(SUBTOTAL(109,OFFSET({col},ROW({col})-MIN(ROW({col})),0,1)),"
        f'--({table}[Kind]="{kind}"){more})'
    )


def kind_sum(table: str, header: str, kind: str, where: str = "") -> str:
    """The sum of ``header`` over all the rows of ``kind``, filtered or not (without the
    ``=``): for the long ``Variance by month`` table, whose hundreds of thousands of rows
    would make :func:`visible_sum`'s volatile OFFSET per row slow at every recalculation.

    >>> kind_sum("VarianceByMonth", "Budget", "cost")
    'SUMIFS(VarianceByMonth[Budget],VarianceByMonth[Kind],"cost")'
    """
    return f'SUMIFS({table}[{header}],{table}[Kind],"{kind}")'


def block_start(n_rows: int) -> int:
    """The sheet row of the ``Income total`` row under a table of ``n_rows`` data rows (a
    table keeps one blank data row when empty), one blank row between."""
    return 1 + max(n_rows, 1) + 2


def block_rows(
    headers: Sequence[str],
    table: str = layout.VARIANCE_TABLE,
    money: Collection[str] = MONEY_HEADERS,
    adds: Collection[str] = _NET_ADDS,
    no_net: Collection[str] = _NO_NET,
    where: str = "",
    total=visible_sum,
) -> list[list]:
    """The three rows, cell by cell in the table's column order (labels in the first):
    ``money`` the headers totalled, ``adds`` those whose net is income + cost (variances),
    ``no_net`` those without a net; ``total`` makes one kind's sum (:func:`visible_sum`,
    or :func:`kind_sum`)."""
    income: list[object] = [INCOME_LABEL] + [None] * (len(headers) - 1)
    cost: list[object] = [COST_LABEL] + [None] * (len(headers) - 1)
    net: list[object] = [NET_LABEL] + [None] * (len(headers) - 1)
    for i, h in enumerate(headers):
        if h not in money:
            continue
        inc = total(table, h, "income", where)
        cst = total(table, h, "cost", where)
        income[i] = Formula(f"={inc}")
        cost[i] = Formula(f"={cst}")
        if h in no_net:
            continue
        net[i] = Formula(f"={inc}+{cst}" if h in adds else f"={inc}-{cst}")
    return [income, cost, net]


def clear_block(
    book: Book, sheet: str, width: int, n_rows: int, new_rows: int | None = None
) -> int:
    """Clear the three rows under a table as it is (``n_rows`` data rows): to be called
    before the table is rewritten, as the old rows may fall inside the new table.

    Given the new table's ``new_rows``, only what the table and block writes that follow
    will not cover is cleared (issue 12 item 6: no separate clear where a write follows):
    nothing when the old rows lie where the block goes or inside the new data rows; when
    they lie below the new block, nothing either, and the number of blank rows the block
    write is to add under it (for :func:`write_kind_totals` ``pad``) is returned."""
    old, new = block_start(n_rows), block_start(new_rows if new_rows is not None else -1)
    if new_rows is not None:
        if old >= new:
            return old - new
        if old + len(LABELS) - 1 <= 1 + new_rows:  # inside the new table's data rows
            return 0
    book.clear_range(sheet, cell_name(1, old), width, len(LABELS))
    return 0


def clear_kind_totals(book: Book, n_rows: int, new_rows: int | None = None) -> int:
    """:func:`clear_block` of the Variance table."""
    return clear_block(book, layout.VARIANCE_SHEET, len(layout.VARIANCE_COLUMNS), n_rows, new_rows)


def write_kind_totals(book: Book, n_rows: int, currency: str | None = None, pad: int = 0) -> None:
    """The three rows under the Variance table of ``n_rows`` data rows (money cells in the
    format of ``currency``), ``pad`` blank rows under them (over an old block lower down)."""
    from pixie_xl.sheets.writers import _write_block

    columns = layout.in_currency(layout.VARIANCE_COLUMNS, currency)
    headers = [c.header for c in columns]
    start = block_start(n_rows)
    _write_block(book, layout.VARIANCE_SHEET, start, block_rows(headers), columns, pad)
