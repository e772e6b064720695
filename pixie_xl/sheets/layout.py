"""Where everything sits in the workbook (SPEC §3): sheet, table and cell names, columns.

Constants only. The builder lays the workbook out from these, the books and writers find
their tables by them, and the actions read the control panel through :data:`PIXIE_CELLS`.
"""

from __future__ import annotations

from pixie_xl.core.records import BUDGET_COLUMNS
from pixie_xl.sheets.book import Column

# --- sheets ------------------------------------------------------------------------------

PIXIE_SHEET = "Pixie"
BUDGETS_SHEET = "Budgets"
PROFILES_SHEET = "Profiles"
CHECKS_SHEET = "Checks"
VARIANCE_SHEET = "Variance"
#: the parents' roll-up (issue 11): each parent object's figures including its descendants
PARENTS_SHEET = "Parents"
MONTHS_SHEET = "Variance by month"
#: the months across (issue 11): budget, actual, variance per month in columns
MONTHS_ACROSS_SHEET = "Months"
ALERTS_SHEET = "Alerts"
#: hidden sheet of the drop-down lists that refresh fills (objects, activities, phasings)
LISTS_SHEET = "Lists"
CONF_SHEET = "xlwings.conf"

#: every sheet, in the order of the tabs
SHEETS = (
    PIXIE_SHEET,
    BUDGETS_SHEET,
    PROFILES_SHEET,
    CHECKS_SHEET,
    VARIANCE_SHEET,
    PARENTS_SHEET,
    MONTHS_SHEET,
    MONTHS_ACROSS_SHEET,
    ALERTS_SHEET,
    LISTS_SHEET,
    CONF_SHEET,
)

# --- tables ------------------------------------------------------------------------------

BUDGETS_TABLE = "Budgets"
PROFILES_TABLE = "Profiles"
CHECKS_TABLE = "Checks"
VARIANCE_TABLE = "Variance"
PARENTS_TABLE = "VarianceByParent"
MONTHS_TABLE = "VarianceByMonth"
MONTHS_ACROSS_TABLE = "MonthsAcross"
ALERTS_TABLE = "Alerts"

#: table name → its sheet
TABLE_SHEETS = {
    BUDGETS_TABLE: BUDGETS_SHEET,
    PROFILES_TABLE: PROFILES_SHEET,
    CHECKS_TABLE: CHECKS_SHEET,
    VARIANCE_TABLE: VARIANCE_SHEET,
    PARENTS_TABLE: PARENTS_SHEET,
    MONTHS_TABLE: MONTHS_SHEET,
    MONTHS_ACROSS_TABLE: MONTHS_ACROSS_SHEET,
    ALERTS_TABLE: ALERTS_SHEET,
}

#: every table starts at the top-left cell of its sheet
TABLE_ORIGIN = "A1"

# --- number formats ----------------------------------------------------------------------

#: ``_ `` pads a number with a space's width on the right, so that a right-aligned amount
#: never touches the left-aligned text of the next column (``190,000.00days`` in LibreOffice)
MONEY = "#,##0.00_ ;-#,##0.00_ "
#: the charts' value axes: whole amounts
WHOLE_AMOUNT = "#,##0"
PERCENT = "0.0%"
DATE = "yyyy-mm-dd"
MONTH = "yyyy-mm"
DATETIME = "yyyy-mm-dd hh:mm"
INTEGER = "0"
#: the Budgets table's dates and versions, padded as :data:`MONEY` (a column of text follows)
DATE_CELL = "yyyy-mm-dd_ "
INTEGER_CELL = "0_ "
TEXT = "@"

#: a chart's month label, as text ("Jan 2026"): never wrapped as "2026 / -01"
CHART_MONTH_LABEL = "%b %Y"


def money_format(currency: str) -> str:
    """The number format of money in ``currency``: its ISO 4217 decimals, padded on the
    right as :data:`MONEY`.

    >>> money_format("JPY"), money_format("BHD")
    ('#,##0_ ;-#,##0_ ', '#,##0.000_ ;-#,##0.000_ ')
    >>> money_format("EUR") == MONEY
    True
    """
    from pixie_xl.core.money import exponent

    places = exponent(currency)
    plain = "#,##0." + "0" * places if places else "#,##0"
    return f"{plain}_ ;-{plain}_ "


def in_currency(columns: tuple[Column, ...], currency: str | None) -> tuple[Column, ...]:
    """``columns`` with their money format (:data:`MONEY`) that of ``currency``."""
    fmt = money_format(currency) if currency else MONEY
    if fmt == MONEY:
        return columns
    return tuple(
        Column(c.header, fmt, c.total, c.width) if c.number_format == MONEY else c for c in columns
    )


# --- columns -----------------------------------------------------------------------------

_BUDGET_FORMATS = {
    "budget_id": (TEXT, 14),
    "version": (INTEGER_CELL, 9),
    "object": ("", 14),
    "start": (DATE_CELL, 13),
    "end": (DATE_CELL, 13),
    "activity": ("", 14),
    "income": (MONEY, 15),
    "cost": (MONEY, 15),
    "phasing": ("", 12),
    "note": (TEXT, 32),
}

#: the Budgets table's column that Pixie writes (master, correction 2, editable until …,
#: locked) and never reads
STATUS_HEADER = "Status"
#: the Budgets table's column whose non-blank cells mark a whole budget for deletion
DELETE_HEADER = "Delete"

#: the Budgets input table: the columns of core.records.BUDGET_COLUMNS, in their order,
#: then Status and Delete (SPEC §3)
BUDGETS_COLUMNS: tuple[Column, ...] = (
    *(
        Column(header, _BUDGET_FORMATS[key][0], None, _BUDGET_FORMATS[key][1])
        for key, header in BUDGET_COLUMNS.items()
    ),
    Column(STATUS_HEADER, TEXT, None, 30),
    Column(DELETE_HEADER, "", None, 8),
)

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip

PROFILES_COLUMNS: tuple[Column, ...] = (
    Column("Profile", "", None, 16),
    *(Column(m, "0.00", None, 7) for m in MONTH_NAMES),
)

CHECKS_COLUMNS: tuple[Column, ...] = (
    Column("Sheet", "", None, 14),
    Column("Cell", "", None, 8),
    Column("Code", "", None, 22),
    Column("Message", "", None, 80),
    Column("Severity", "", None, 10),
)


def _variance_columns(totals: bool) -> tuple[Column, ...]:
    s = "sum" if totals else None
    return (
        Column("Object", "", "Total" if totals else None, 14),
        Column("Object name", "", None, 28),
        Column("Activity", "", None, 12),
        Column("Kind", "", None, 8),
        Column("Original budget", MONEY, s, 15),
        Column("Current budget", MONEY, s, 15),
        Column("Actual", MONEY, s, 15),
        Column("Committed", MONEY, s, 14),
        Column("Variance", MONEY, s, 14),
        Column("Variance %", PERCENT, None, 11),
        Column("Used %", PERCENT, None, 9),
        Column("Available", MONEY, s, 14),
        Column("Forecast", MONEY, s, 14),
        Column("Status", "", None, 12),
        # issue 11: to date beside the full period, and the phasing-aware forecasts (at the
        # end, so that readers by position and the service's JSON keep working)
        Column("Budget to date", MONEY, s, 15),
        Column("Variance to date", MONEY, s, 15),
        Column("Estimate at completion", MONEY, s, 15),
        Column("Forecast by phasing", MONEY, s, 15),
    )


#: the Variance table (SPEC §3); no total row: income, cost and net totals sit under it
#: (pixie_xl.sheets.kind_totals), never a sum of income and cost
VARIANCE_COLUMNS: tuple[Column, ...] = _variance_columns(totals=False)

#: the VarianceByParent table: the Variance columns, one row per parent object, activity
#: and kind with the figures of the parent and all its descendants (so its rows overlap:
#: no totals)
PARENTS_COLUMNS: tuple[Column, ...] = _variance_columns(totals=False)

#: the Variance by month table; no total row (it would add income and cost): income, cost
#: and net totals sit under it (pixie_xl.sheets.kind_totals); months after the last month
#: with actuals leave Actual and Variance blank
MONTHS_COLUMNS: tuple[Column, ...] = (
    Column("Object", "", None, 14),
    Column("Object name", "", None, 28),
    Column("Activity", "", None, 12),
    Column("Kind", "", None, 8),
    Column("Month", MONTH, None, 10),
    Column("Budget", MONEY, None, 15),
    Column("Actual", MONEY, None, 15),
    Column("Variance", MONEY, None, 15),
)

#: the Months table's figures of one month, as ``f"{month:%Y-%m} {figure}"`` headers
MONTH_FIGURES = ("budget", "actual", "variance")
#: the Months table's own totals of the whole period, after the months
MONTHS_ACROSS_TOTALS = ("Total budget", "Total actual", "Total variance")


def months_across_columns(months=()) -> tuple[Column, ...]:
    """The Months table: object, activity, kind and scope (``own`` figures, or ``subtree``:
    a parent's with its descendants), then budget, actual and variance of each month
    (first days of month, in order), then the period's totals."""
    return (
        Column("Object", "", None, 14),
        Column("Object name", "", None, 28),
        Column("Activity", "", None, 12),
        Column("Kind", "", None, 8),
        Column("Scope", "", None, 9),
        *(Column(f"{m:%Y-%m} {f}", MONEY, None, 13) for m in months for f in MONTH_FIGURES),
        *(Column(h, MONEY, None, 14) for h in MONTHS_ACROSS_TOTALS),
    )


#: the Months table as the builder makes it (the months' columns come with a refresh)
MONTHS_ACROSS_COLUMNS: tuple[Column, ...] = months_across_columns()

#: the Alerts table: the Variance columns, worst first, without a total row, then the
#: status at the previous refresh (``Was``) and whether it got ``worse``/``better``/``new``
ALERTS_COLUMNS: tuple[Column, ...] = (
    *_variance_columns(totals=False),
    Column("Was", "", None, 12),
    Column("Changed", "", None, 10),
)

#: table name → its columns
TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {
    BUDGETS_TABLE: BUDGETS_COLUMNS,
    PROFILES_TABLE: PROFILES_COLUMNS,
    CHECKS_TABLE: CHECKS_COLUMNS,
    VARIANCE_TABLE: VARIANCE_COLUMNS,
    PARENTS_TABLE: PARENTS_COLUMNS,
    MONTHS_TABLE: MONTHS_COLUMNS,
    MONTHS_ACROSS_TABLE: MONTHS_ACROSS_COLUMNS,
    ALERTS_TABLE: ALERTS_COLUMNS,
}

#: the Status words with the fill colour conditional formatting gives them
STATUS_COLOURS = {
    "OVER": "#FFC7CE",  # red
    "WARN": "#FFEB9C",  # amber
    "BEHIND": "#FCD5B4",  # orange
    "UNBUDGETED": "#FCD5B4",  # orange
    "OK": "#C6EFCE",  # green
}

# --- the Pixie control panel ---------------------------------------------------------------

#: control-panel value → its cell on the Pixie sheet (labels sit in column A)
PIXIE_CELLS = {
    "server": "B3",
    "token": "B4",
    "report_from": "B5",
    "report_to": "B6",
    "last_refresh": "B7",
    "status": "B8",
    "import_file": "B9",
    # the Allocate button's input block (issue 13)
    "alloc_parent": "B19",
    "alloc_activity": "B20",
    "alloc_kind": "B21",
    "alloc_amount": "B22",
    "alloc_from": "B23",
    "alloc_to": "B24",
    "alloc_by": "B25",
    # the Transfer button's input block
    "transfer_budget": "B27",
    "transfer_from": "B28",
    "transfer_to": "B29",
    "transfer_kind": "B30",
    "transfer_amount": "B31",
    #: budget IDs changed by a transfer and not saved yet (the Save names them transfers)
    "pending_transfers": "B33",
}

PIXIE_LABELS = {
    "server": "Server",
    "token": "Token",
    "report_from": "Report from",
    "report_to": "Report to",
    "last_refresh": "Last refresh",
    "status": "Status",
    "import_file": "Import file",
    "alloc_parent": "Allocate: parent",
    "alloc_activity": "Activity",
    "alloc_kind": "Kind",
    "alloc_amount": "Amount",
    "alloc_from": "From",
    "alloc_to": "To",
    "alloc_by": "By",
    "transfer_budget": "Transfer: budget",
    "transfer_from": "From activity",
    "transfer_to": "To activity",
    "transfer_kind": "Kind",
    "transfer_amount": "Amount",
    "pending_transfers": "Pending transfers",
}

#: control-panel value → the workbook-level defined name of its cell
PIXIE_NAMES = {
    "server": "PixieServer",
    "token": "PixieToken",
    "report_from": "ReportFrom",
    "report_to": "ReportTo",
    "last_refresh": "LastRefresh",
    "status": "PixieStatus",
    "import_file": "PixieImportFile",
    "alloc_parent": "PixieAllocParent",
    "alloc_activity": "PixieAllocActivity",
    "alloc_kind": "PixieAllocKind",
    "alloc_amount": "PixieAllocAmount",
    "alloc_from": "PixieAllocFrom",
    "alloc_to": "PixieAllocTo",
    "alloc_by": "PixieAllocBy",
    "transfer_budget": "PixieTransferBudget",
    "transfer_from": "PixieTransferFrom",
    "transfer_to": "PixieTransferTo",
    "transfer_kind": "PixieTransferKind",
    "transfer_amount": "PixieTransferAmount",
    "pending_transfers": "PixiePendingTransfers",
}

# --- drop-down lists (hidden Lists sheet) ----------------------------------------------------

#: list → (defined name, column on the Lists sheet); values start in row 2 under a header
LISTS = {
    "objects": ("PixieObjects", "A"),
    "activities": ("PixieActivities", "B"),
    "phasings": ("PixiePhasings", "C"),
}
#: rows the drop-down ranges span (refresh writes at most this many values)
LIST_ROWS = 5000
#: profile names the phasing list can show after ``days`` and ``months``
PHASING_PROFILE_ROWS = 100

# --- chart data (on the hidden Lists sheet, so filtering the Variance table keeps it) ---------

#: the sheet of the charts' helper ranges
CHART_DATA_SHEET = LISTS_SHEET
#: top-left cell of the "budget vs actual by activity" range (Activity, Budget, Actual)
CHART_ACTIVITY_CELL = "E1"
#: top-left cell of the cumulative monthly range (Month, Budget, Actual)
CHART_MONTH_CELL = "I1"
#: where the two charts sit on the Variance sheet (right of the table)
CHART_ACTIVITY_ANCHOR = "T2"
CHART_MONTH_ANCHOR = "T20"
CHART_ACTIVITY_TITLE = "Cost: current budget vs actual by activity"
CHART_MONTH_TITLE = "Cost: cumulative budget vs actual by month"

# --- buttons and macros ---------------------------------------------------------------------

#: button caption → VBA Sub it runs
MACROS = {
    "Validate": "PixieValidate",
    "Save budgets": "PixieSaveBudgets",
    "Refresh actuals": "PixieRefreshActuals",
    "Build variance": "PixieBuildVariance",
    "Import budgets": "PixieImportBudgets",
    "Allocate": "PixieAllocate",
    "Transfer": "PixieTransfer",
}

#: VBA Sub → the function of ``pixie_xl.excel.macros`` it calls through RunPython
MACRO_FUNCTIONS = {
    "PixieValidate": "validate",
    "PixieSaveBudgets": "save_budgets",
    "PixieRefreshActuals": "refresh_actuals",
    "PixieBuildVariance": "build_variance",
    "PixieImportBudgets": "import_budgets",
    "PixieAllocate": "allocate",
    "PixieTransfer": "transfer",
}

#: the Python module the buttons' functions live in
MACROS_MODULE = "pixie_xl.excel.macros"
#: the module of the worksheet formulas (xlwings.conf "UDF Modules")
UDF_MODULE = "pixie_xl.excel.udfs"
