"""The output sheets of a :class:`~pixie_xl.sheets.filebook.FileBook`, kept out of openpyxl.

Refresh rewrites Variance, Variance by month, Months, Parents, Alerts and Checks whole; on a
company's scale they hold millions of cells, and openpyxl would build an object per cell
twice (load and save). Here openpyxl loads the package with those sheets' rows taken out
(:func:`pixie_xl.sheets.splice.strip`), so it still owns their tables, views, columns, page
setup, header/footer, drawings and validation; their cells live in a
:class:`~pixie_xl.sheets.stream_sheet.StreamSheet` each, and :meth:`FileBook.save` splices
the streamed rows back in (docs/decisions.md, "Streamed output sheets").
"""

from __future__ import annotations

from collections.abc import Sequence

from pixie_xl.core.records import Formula
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Column
from pixie_xl.sheets.cells import split_cell
from pixie_xl.sheets.stream_sheet import StreamSheet
from pixie_xl.sheets.xlsx_stream import Styler, shared_strings

#: the sheets whose cells refresh rewrites, streamed instead of held by openpyxl
STREAMED = (
    layout.CHECKS_SHEET,
    layout.VARIANCE_SHEET,
    layout.PARENTS_SHEET,
    layout.MONTHS_SHEET,
    layout.MONTHS_ACROSS_SHEET,
    layout.ALERTS_SHEET,
)


def open_streams(wb, rows: dict[str, str], strings_xml: str | None) -> dict[str, StreamSheet]:
    """A StreamSheet for each stripped sheet of ``wb`` (``rows``: each one's rows as text)."""
    cache: list[list[str]] = []

    def strings() -> list[str]:
        if not cache:
            cache.append(shared_strings(strings_xml))
        return cache[0]

    styler = make_styler(wb)
    return {name: StreamSheet(data, strings, styler) for name, data in rows.items()}


def make_styler(wb) -> Styler:
    """Style ids from openpyxl's own list (so the styles part it writes has them)."""
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.styles.numbers import (
        BUILTIN_FORMATS,
        BUILTIN_FORMATS_MAX_SIZE,
        BUILTIN_FORMATS_REVERSE,
        is_date_format,
    )

    def fmt_of(fmt_id: int) -> str:
        if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS.get(fmt_id, "General")
        return wb._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]

    dates = {i for i, st in enumerate(wb._cell_styles) if is_date_format(fmt_of(st.numFmtId))}

    def derive(style: int, number_format: str | None, quote: bool) -> int:
        if number_format is None and not quote:
            return style
        styles = wb._cell_styles
        arr = StyleArray(styles[style]) if style < len(styles) else StyleArray()
        if number_format is not None:
            if number_format in BUILTIN_FORMATS_REVERSE:
                arr.numFmtId = BUILTIN_FORMATS_REVERSE[number_format]
            else:
                arr.numFmtId = wb._number_formats.add(number_format) + BUILTIN_FORMATS_MAX_SIZE
        if quote:
            arr.quotePrefix = 1
        got = styles.add(arr)
        if is_date_format(fmt_of(arr.numFmtId)):
            dates.add(got)
        return got

    return Styler(dates, derive)


def styles_part(wb) -> bytes:
    """The styles part as openpyxl writes it, with the styles the streamed cells added."""
    from openpyxl.styles.stylesheet import write_stylesheet
    from openpyxl.xml.functions import tostring

    return tostring(write_stylesheet(wb))


def write_table(st: StreamSheet, tbl, table: str, columns: Sequence[Column], rows) -> int:
    """The table's header, data and total row into ``st``; returns the last row written
    (the caller resizes the table part, as for an openpyxl sheet)."""
    from pixie_xl.sheets.cells import parse_ref
    from pixie_xl.sheets.filebook import total_formula

    c1, r1, c2, r2 = parse_ref(tbl.ref)
    totals = bool(tbl.totalsRowCount)
    width = len(columns) if columns else c2 - c1 + 1
    st.clear(c1, r1 + 1, max(c2, c1 + width - 1), max(r2, r1 + 1))
    for i, col in enumerate(columns):
        st.put(r1, c1 + i, col.header)
    derived = st.styler.derived
    styles = [derived(0, c.number_format or None) for c in columns] if columns else [0] * width
    st.put_rows(r1 + 1, c1, rows, styles)
    last = r1 + max(len(rows), 1)  # a table keeps at least one (blank) data row
    if totals:
        last += 1
        for i, col in enumerate(columns):
            if col.total == "sum":
                st.put(last, c1 + i, Formula(total_formula(table, col.header)), styles[i])
            elif col.total is not None:
                st.put(last, c1 + i, col.total, 0)
    return last


def write_range(st: StreamSheet, cell: str, rows: Sequence[Sequence[object]]) -> None:
    col, row = split_cell(cell)
    for r, values in enumerate(rows, start=row):
        for c, v in enumerate(values, start=col):
            st.put(r, c, v)


def clear_range(st: StreamSheet, cell: str, n_cols: int, n_rows: int) -> None:
    col, row = split_cell(cell)
    for r in range(row, row + n_rows):
        for c in range(col, col + n_cols):
            if st.get(r, c) is not None:
                st.put(r, c, None)


def format_range(st: StreamSheet, cell: str, n_cols: int, n_rows: int, number_format: str):
    col, row = split_cell(cell)
    for r in range(row, row + n_rows):
        for c in range(col, col + n_cols):
            st.put(r, c, st.get(r, c), st.styler.derived(st.style(r, c), number_format))


def style_header(st: StreamSheet, cell: str, n_cols: int) -> None:
    col, row = split_cell(cell)
    first = st.style(row, col)
    for c in range(col + 1, col + n_cols):
        st.put(row, c, st.get(row, c), first)


def take_openpyxl_cells(ws, st: StreamSheet) -> None:
    """Cells some code made on the stripped openpyxl sheet go to the stream (a value with
    its style; a blank cell gives its style only), so none is lost at save."""
    from openpyxl.cell.cell import MergedCell

    for (r, c), cell in sorted(ws._cells.items()):
        if isinstance(cell, MergedCell):
            continue
        value = cell.value
        if value is None:
            st.put(r, c, st.get(r, c), cell.style_id)
        else:
            if cell.data_type == "f" and isinstance(value, str):
                value = Formula(value)
            st.put(r, c, value, cell.style_id)
    ws._cells.clear()
