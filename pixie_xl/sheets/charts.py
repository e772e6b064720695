"""The Variance sheet's two charts, rebuilt with openpyxl from their helper ranges.

In file mode the charts are drawn anew at each refresh, sized to the data the writers put
on the hidden Lists sheet (:data:`~pixie_xl.sheets.layout.CHART_ACTIVITY_CELL` and
:data:`~pixie_xl.sheets.layout.CHART_MONTH_CELL`).
"""

from __future__ import annotations

from pixie_xl.sheets import layout
from pixie_xl.sheets.cells import split_cell


def _extent(ws, cell: str) -> tuple[int, int, int]:
    """(column, header row, last data row) of a helper range."""
    col, row = split_cell(cell)
    last = row
    while ws.cell(last + 1, col).value not in (None, ""):
        last += 1
    return col, row, last


def rebuild_variance_charts(wb) -> None:
    """Replace the Variance sheet's charts: budget vs actual by activity, and cumulative."""
    from openpyxl.chart import BarChart, LineChart, Reference

    if layout.VARIANCE_SHEET not in wb.sheetnames or layout.CHART_DATA_SHEET not in wb.sheetnames:
        return
    ws = wb[layout.VARIANCE_SHEET]
    data = wb[layout.CHART_DATA_SHEET]
    ws._charts = []

    col, top, last = _extent(data, layout.CHART_ACTIVITY_CELL)
    bar = BarChart()
    bar.type = "col"
    bar.title = layout.CHART_ACTIVITY_TITLE
    bar.y_axis.title = "Amount"
    # each series is a column (Budget, Actual), named by its header: said, not assumed
    series = Reference(data, col + 1, top, col + 2, max(last, top + 1))
    bar.add_data(series, titles_from_data=True, from_rows=False)
    bar.set_categories(Reference(data, col, top + 1, col, max(last, top + 1)))
    _readable(bar)
    ws.add_chart(bar, layout.CHART_ACTIVITY_ANCHOR)

    col, top, last = _extent(data, layout.CHART_MONTH_CELL)
    line = LineChart()
    line.title = layout.CHART_MONTH_TITLE
    line.y_axis.title = "Cumulative amount"
    series = Reference(data, col + 1, top, col + 2, max(last, top + 1))
    line.add_data(series, titles_from_data=True, from_rows=False)
    line.set_categories(Reference(data, col, top + 1, col, max(last, top + 1)))
    for s in line.series:
        s.smooth = False  # straight lines: a smoothed line dips over flat data
    line.display_blanks = "gap"  # the actual line stops at the last booked month
    _readable(line)
    ws.add_chart(line, layout.CHART_MONTH_ANCHOR)


def _readable(chart) -> None:
    """Whole-number value axis, both axes drawn, legend below, the size of the built one."""
    from openpyxl.chart.data_source import AxDataSource, NumFmt, StrRef

    for s in chart.series:  # the categories are text (activities, "Jan 2026"): a strRef
        if s.cat is not None and s.cat.numRef is not None:
            s.cat = AxDataSource(strRef=StrRef(f=s.cat.numRef.f))
    chart.y_axis.numFmt = NumFmt(formatCode=layout.WHOLE_AMOUNT, sourceLinked=False)
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend.position = "b"
    chart.width, chart.height = 19, 8.5  # cm: about 720 x 320 px
