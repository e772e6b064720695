"""The entry points the workbook's buttons call (``RunPython "import …; …()"`` in VBA Subs).

The only place that calls ``xw.Book.caller()`` (STYLE §10): each entry point wraps the
calling workbook in an ``XlwingsBook``, runs the action of :mod:`pixie_xl.excel.actions`
and turns a :class:`~pixie_xl.core.errors.PixieError` into a message box.

Import budgets asks for the file with Excel's own Open dialog on Windows
(``Application.GetOpenFilename`` through COM); on a Mac, where xlwings has no such dialog,
and when the dialog is cancelled, the path typed in the Pixie sheet's ``Import file`` cell
is used. Each action ends by giving the status bar back to Excel.

The entry points are plain functions: ``RunPython`` imports the module and calls them, so
they need no xlwings decorator (``@xw.sub`` is a deprecated alias for importing Subs into
VBA, which the workbook does not do).
"""

from __future__ import annotations

import functools

import xlwings as xw

from pixie_xl.core.errors import PixieError
from pixie_xl.core.findings import has_errors
from pixie_xl.excel import actions


def _book():
    from pixie_xl.sheets.xlwings_book import XlwingsBook

    return XlwingsBook(xw.Book.caller())


def _client(book):
    """In Excel the workbook's own Server cell wins over ``PIXIE_SERVER``: several open
    workbooks may point at different services."""
    server = actions.pixie_value(book, "server")
    return actions.book_client(book, str(server).strip() if server else None)


def _entry(fn):
    """Run ``fn(book)``; a PixieError becomes an alert instead of a Python traceback."""

    @functools.wraps(fn)
    def wrapper():
        book = _book()
        try:
            with book.quiet():  # screen updating and calculation off while it writes
                fn(book)
        except PixieError as exc:
            book.status(f"failed: {exc.message}")
            book.alert(exc.message)
            if hasattr(exc, "findings") and exc.findings:
                actions.report(book, exc.findings)
        finally:
            book.reset_status()

    return wrapper


@_entry
def validate(book) -> None:
    """Validate button: findings to the Checks sheet, the bad cells marked."""
    try:
        client = _client(book)
        findings = actions.validate(book, client)
    except PixieError as exc:
        if exc.code not in ("server_unreachable",):
            raise
        findings = actions.validate(book)  # offline: check against the last refresh
    if has_errors(findings):
        book.alert(f"{sum(f.is_error for f in findings)} problem(s): see the Checks sheet")


@_entry
def save_budgets(book) -> None:
    """Save budgets button: validate, then save all or nothing; IDs and versions back."""
    outcome = actions.save(book, _client(book))
    if not outcome.ok:
        book.alert("Nothing was saved: fix the problems listed on the Checks sheet")
    book.save()


@_entry
def refresh_actuals(book) -> None:
    """Refresh actuals button: pull what changed from the service, rebuild the variance."""
    actions.refresh(book, _client(book))
    _recalculate(book)


@_entry
def build_variance(book) -> None:
    """Build variance button: rebuild the variance sheets from the last refresh (offline)."""
    cache = actions._book_cache(book)
    if cache is None:
        raise PixieError("no data yet: press Refresh actuals first", code="no_cache")
    actions.build_variance(book, cache)
    _recalculate(book)


def _on_windows(book) -> bool:
    """Excel for Windows, as xlwings drives it (COM), rather than Excel for Mac."""
    return type(book.book.app.impl).__module__ == "xlwings._xlwindows"


def _recalculate(book) -> None:
    """Recalculate every formula: the PIXIE_* cells read the cache a refresh just changed.

    On Windows a full recalculation (``Application.CalculateFull``): the PIXIE_* functions
    are not volatile, so a plain ``Calculate`` would leave them as they were. On a Mac there
    are no PIXIE_* functions (xlwings CE has worksheet functions on Windows only) and
    xlwings' own ``App.calculate`` recalculates the plain formulas."""
    app = book.book.app
    if _on_windows(book):
        app.api.CalculateFull()
    else:
        app.calculate()


def _ask_path(book) -> str | None:
    """The file chosen in Excel's Open dialog (Windows), else the typed Import file."""
    if _on_windows(book):
        chosen = book.book.app.api.GetOpenFilename("Budget files (*.xlsx;*.csv),*.xlsx;*.csv")
        if chosen not in (False, None, "False", ""):
            return str(chosen)
    typed = actions.pixie_value(book, "import_file")
    return str(typed).strip() if typed else None


@_entry
def import_budgets(book) -> None:
    """Import budgets button: choose a .xlsx/.csv file, validate it, append all or nothing."""
    path = _ask_path(book)
    if not path:
        how = "Choose a budget file, or type its" if _on_windows(book) else "Type a budget file's"
        book.alert(f"{how} path in the Pixie sheet's Import file cell")
        return
    try:
        client = _client(book)
        client.healthz()
    except PixieError:
        client = None
    actions.import_budgets(book, path, client)


def _online_client(book):
    try:
        client = _client(book)
        client.healthz()
    except PixieError:
        return None
    return client


@_entry
def allocate(book) -> None:
    """Allocate button: the Allocate block's amount as one Budgets row per child."""
    from pixie_xl.excel import control

    control.allocate(book, _online_client(book), control.allocation_from_sheet(book))


@_entry
def transfer(book) -> None:
    """Transfer button: the Transfer block's amount moved between two lines of a budget."""
    from pixie_xl.excel import actions, control

    control.transfer(book, control.transfer_from_sheet(book), actions.book_client(book))
