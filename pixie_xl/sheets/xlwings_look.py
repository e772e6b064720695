"""How :class:`~pixie_xl.sheets.xlwings_book.XlwingsBook` sets number formats and the page
set-up (issue 11's print look, issue 12 item 6's few calls): inside ``quiet()`` the number
formats are held and sent at its end, one multi-area write per sheet and format; a sheet's
``PageSetup`` is fetched once for its header and print area; the charts are pointed at
their data. A base of ``XlwingsBook``, which gives ``_quiet``, ``_formats``, ``_setups``,
``_charts``, ``_sheet`` and ``_used_range``."""

from __future__ import annotations

from pixie_xl.sheets import layout
from pixie_xl.sheets.cells import is_blank, split_cell
from pixie_xl.sheets.xlwings_blocks import address


class PrintLook:
    """Number formats, page headers, the print area and the charts of an open workbook."""

    def format_range(
        self, sheet: str, cell: str, n_cols: int, n_rows: int, number_format: str
    ) -> None:
        col, row = split_cell(cell)
        ref = address(row, col, row + n_rows - 1, col + n_cols - 1)
        self._number_format(sheet, ref, number_format)

    def _number_format(self, sheet: str, ref: str, number_format: str) -> None:
        """Inside :meth:`quiet` held back and sent at its end, one write per sheet and
        format (:class:`.xlwings_blocks.Formats`); outside, at once."""
        if self._quiet:
            self._formats.add(sheet, ref, number_format, self._send_format)
        else:
            self._send_format((sheet, ref, number_format))

    def _send_format(self, held: tuple[str, str, str]) -> None:
        sheet, ref, number_format = held
        self._sheet(sheet).range(ref).number_format = number_format

    def set_print_header(self, sheet: str, left: str, center: str, right: str) -> None:
        setup = self._page_setup(sheet)
        setup.LeftHeader, setup.CenterHeader, setup.RightHeader = left, center, right

    def set_print_area(self, sheet: str, area: str) -> None:
        self._page_setup(sheet).PrintArea = ",".join(
            part.split("!")[-1] for part in area.split(",")
        )

    def _page_setup(self, sheet: str):
        """The sheet's ``PageSetup``, fetched once per book (its header and print area are
        set through the same object)."""
        if sheet not in self._setups:
            self._setups[sheet] = self._sheet(sheet).api.PageSetup
        return self._setups[sheet]

    def style_header(self, sheet: str, cell: str, n_cols: int) -> None:
        """Nothing to do in Excel: the table style draws the header of new columns."""

    def _rebuild_charts(self) -> None:
        """The helper sheet's used range is read once; each chart plots its three columns,
        down to the first blank in the first, as series."""
        self._charts_due = False
        if self._charts is None:
            self._charts = list(self._sheet(layout.VARIANCE_SHEET).charts)
        data = self._sheet(layout.CHART_DATA_SHEET)
        top, left, cells = self._used_range(layout.CHART_DATA_SHEET)

        def value(r: int, c: int) -> object:
            i, j = r - top, c - left
            return cells[i][j] if 0 <= i < len(cells) and 0 <= j < len(cells[i]) else None

        for chart, cell in zip(
            self._charts, (layout.CHART_ACTIVITY_CELL, layout.CHART_MONTH_CELL), strict=False
        ):
            col, row = split_cell(cell)
            last = row
            while last < top + len(cells) and not is_blank(value(last, col)):
                last += 1
            last -= 1
            source = data.range(address(row, col, max(last, row + 1), col + 2))
            chart.set_source_data(source, plot_by="columns")
