"""The workbook actions, shared by the button macros and the command line (STYLE §9, §10).

Each takes a :class:`~pixie_xl.sheets.book.Book` (and a client or cache where it needs
one), reads a table, calls the core, writes a table. Data problems come back as findings;
operational failures raise :class:`~pixie_xl.core.errors.PixieError`.

* :func:`validate` — every finding to ``Checks``, the bad cells marked.
* :func:`save` — validate, then save every changed budget and profile all or nothing, write
  back Budget ID, Version and Status, and delete the budgets the Delete column marks
  (:mod:`pixie_xl.excel.saving`).
* :func:`refresh` — delta sync into the cache, the Budgets and Profiles tables brought up
  to date (unsaved rows kept and reported), then :func:`build_variance`.
* :func:`show_history` — one budget's master and corrections side by side on ``History``.
* :func:`build_variance` — Variance, Parents, Variance by month (down and across), Alerts
  and the report period and refresh time.
* :func:`import_budgets` — a budget file, validated, appended all or nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pixie_xl import client as wire
from pixie_xl.core.errors import PixieError
from pixie_xl.core.findings import Finding, Severity, has_errors
from pixie_xl.core.records import BudgetHistory, Profile
from pixie_xl.excel.cache import Cache
from pixie_xl.excel.pixie_cells import as_date as _as_date
from pixie_xl.excel.pixie_cells import pixie_value, pixie_values, set_pixie_cells
from pixie_xl.excel.pixie_cells import text as _text
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book

if TYPE_CHECKING:
    from pixie_xl.excel.cache.lookup import Lookup
    from pixie_xl.excel.saving import SaveOutcome

Progress = Callable[[str], None]


def _quiet(_msg: str) -> None:
    pass


# --- the Pixie sheet (pixie_xl.excel.pixie_cells) ---------------------------------------


def book_client(
    book: Book | None, server: str | None = None, token: str | None = None
) -> wire.Client:
    """A client for the server named by the option, ``PIXIE_SERVER`` or the Pixie sheet."""
    url = wire.resolve_server(server, book and _text(pixie_value(book, "server")))
    return wire.Client(url, token, book_token=book and _text(pixie_value(book, "token")))


# --- the rules' context ----------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Master data, budgets and the time that validation checks against."""

    settings: object
    objects: list
    activities: list
    profiles: dict[str, Profile]
    budgets: list[BudgetHistory]
    now: datetime


def source_from_server(client: wire.Client) -> Source:
    settings = wire.settings_from_json(client.settings())
    objects = [wire.object_from_json(o) for o in client.objects()]
    currencies = {o.id: o.currency for o in objects}
    return Source(
        settings,
        objects,
        [wire.activity_from_json(a) for a in client.activities()],
        {p.name: p for p in map(wire.profile_from_json, client.profiles())},
        client.histories(currencies, settings.currency),
        client.server_time(),
    )


def source_from_cache(cache: Cache) -> Source:
    settings = cache.settings()
    tz = ZoneInfo(settings.timezone)
    today = cache.server_today()
    return Source(
        settings,
        cache.objects(),
        cache.activities(),
        cache.profiles(),
        cache.histories(),
        datetime.combine(today, datetime.now(tz).time(), tz),
    )


def _book_profiles(book: Book) -> dict[str, Profile]:
    """The workbook's Profiles table (it wins over the service's profiles of one name);
    :func:`check` reports its cells that do not read."""
    from pixie_xl.excel.profiles_table import read_profiles

    return read_profiles(book)[0]


def _context(source: Source, profiles: dict[str, Profile]):
    from pixie_xl.core.validation import Context

    return Context(
        activities={a.code: a for a in source.activities},
        objects={o.id: o for o in source.objects},
        profiles={**source.profiles, **profiles},
        currency=source.settings.currency,
        budgets={h.budget_id: h for h in source.budgets},
        now=source.now,
        timezone=source.settings.timezone,
        budgets_known=True,  # (all the service holds, or held at the last refresh)
    )


def _source(book: Book, client: wire.Client | None, cache: Cache | None) -> Source:
    if client is not None:
        return source_from_server(client)
    cache = cache or _book_cache(book)
    if cache is None:
        raise PixieError(
            "no master data to check against: connect to the service or refresh once",
            code="no_cache",
        )
    return source_from_cache(cache)


def _book_cache(book: Book) -> Cache | None:
    url = wire.resolve_server(None, _text(pixie_value(book, "server")))
    cache = Cache(url)
    return cache if cache.exists() else Cache.most_recent()


# --- validate and save -----------------------------------------------------------------


def check(book: Book, client: wire.Client | None = None, cache: Cache | None = None):
    """Validate the Budgets table; write Checks and mark cells. Returns the core's Result.

    Rows typed under the table join it first; every cell outside it is a warning. Rows of
    budgets marked in the Delete column are not validated as edits: each mark is checked
    instead (a locked budget is refused at its Delete cell).
    """
    return _check(book, client, cache)[0]


def _check(book: Book, client: wire.Client | None, cache: Cache | None):
    """(the core's Result, the Source it was checked against, the Delete marks)."""
    from pixie_xl.excel import budget_deletes, budget_view
    from pixie_xl.excel.profiles_table import read_profiles
    from pixie_xl.sheets.budget_cells import validate_table
    from pixie_xl.sheets.tables import read_budget_rows

    source = _source(book, client, cache)
    stray = budget_view.tidy(book)
    marks = budget_view.delete_marks(budget_view.View.read(book))
    table = read_budget_rows(book)  # (as columns: the checks read them so, when nothing is marked)
    rows = [r for r in table if r.row not in marks.rows] if marks.rows else table
    profiles, bad_profiles = read_profiles(book)
    result = validate_table(rows, _context(source, profiles))
    tz = source.settings.timezone
    known = {h.budget_id: h for h in source.budgets}
    more = budget_deletes.check_marks(marks, known, source.now, tz)
    findings = (*result.findings, *bad_profiles, *more, *stray)
    result = dataclasses.replace(result, findings=findings)
    report(book, result.findings)
    return result, source, marks


def report(book: Book, findings: Sequence[Finding]) -> None:
    """Findings to the Checks sheet, the cells marked, a status line."""
    from pixie_xl.sheets.tables import write_checks

    write_checks(book, findings)
    bad = sorted(
        {
            f.source.cell
            for f in findings
            if f.is_error and f.source and f.source.cell and f.source.sheet == layout.BUDGETS_SHEET
        }
    )
    book.mark_cells(layout.BUDGETS_SHEET, bad, Severity.ERROR)
    errors = sum(f.is_error for f in findings)
    notes = len(findings) - errors
    book.status(
        f"{errors} error(s), {notes} note(s): see the Checks sheet"
        if findings
        else "Budgets checked: no problems"
    )


def validate(book: Book, client: wire.Client | None = None, cache: Cache | None = None):
    """Every finding about the Budgets table (also written to Checks, the cells marked).

    Checked against the service's master data, budgets and clock when ``client`` is
    given, else against the cache's last copy.
    """
    return list(check(book, client, cache).findings)


def save(book: Book, client: wire.Client, progress: Progress = _quiet) -> SaveOutcome:
    """Validate, then save every new or changed budget (and the Profiles table's new or
    changed rows) in one batch, all or nothing, then delete the budgets marked in the
    Delete column; see :func:`pixie_xl.excel.saving.save_budgets`."""
    from pixie_xl.excel.saving import save_budgets

    return save_budgets(book, client, progress)


def show_history(book: Book, client: wire.Client, budget_id: str) -> list[list[object]]:
    """The History sheet of one budget (master and each correction side by side); returns
    its cells. For a button: the macro passes the Budget ID of the selected row."""
    from pixie_xl.excel.history import history_grid, write_history

    grid = history_grid(budget_id, client.versions(budget_id.strip()))
    write_history(book, grid)
    book.status(f"History of budget {budget_id}: {len(grid[3]) // 2} version(s)")
    return grid


# --- refresh and variance --------------------------------------------------------------


def report_period(book: Book, today: date, frm=None, to=None) -> tuple[date, date]:
    """The period: the arguments, else the Pixie sheet's Report from/to, else this year."""
    a = _as_date(frm) or _as_date(pixie_value(book, "report_from")) or date(today.year, 1, 1)
    b = _as_date(to) or _as_date(pixie_value(book, "report_to")) or date(today.year, 12, 31)
    if b < a:
        raise PixieError(f"the report period ends ({b}) before it starts ({a})", code="usage")
    return a, b


def refresh(
    book: Book,
    client: wire.Client,
    frm: date | None = None,
    to: date | None = None,
    progress: Progress = _quiet,
    object_id: str | None = None,
) -> dict:
    """Pull what changed into the cache (delta sync), bring the Budgets table up to date,
    then build the variance sheets (``object_id``: that object's subtree only).
    ``findings`` of the answer name the rows kept."""
    from pixie_xl.excel.profiles_table import refresh_profiles
    from pixie_xl.excel.refreshing import refresh_budgets

    cache = Cache(client.base_url)
    before = {h.budget_id: h for h in cache.histories()} if cache.exists() else {}
    progress("syncing")
    cache.refresh(client, progress)
    progress("updating the Budgets and Profiles tables")
    findings = refresh_budgets(book, cache, before)
    findings += refresh_profiles(book, cache.profiles())
    report(book, findings)
    out = build_variance(book, cache, frm, to, progress, object_id)
    return {**out, "findings": findings}


def build_variance(
    book: Book,
    cache: Cache,
    frm: date | None = None,
    to: date | None = None,
    progress: Progress = _quiet,
    object_id: str | None = None,
) -> dict:
    """Variance, Parents, Variance by month and Alerts from the cache (``object_id``: that
    object and its descendants only, as the service's ``object=`` filter); returns the
    totals."""
    from pixie_xl.core import variance
    from pixie_xl.excel.changes import summary

    progress("computing variance")
    lk = cache.lookup()
    a, b = report_period(book, lk.today, frm, to)
    sheets = _variance_sheets(lk, a, b, object_id)
    rows, *_, alerts = sheets
    was = _previous_statuses(book, a, b)  # issue 13: what changed since the last refresh
    progress(f"writing {len(rows)} variance rows")
    _write_variance_sheets(book, lk, sheets, was)
    _stamp_period(book, lk, a, b, len(rows))
    changed = summary(rows, was)
    said = f"; {changed}" if changed else ""
    book.status(f"variance {a}..{b}: {len(rows)} rows, {len(alerts)} alert(s){said}")
    totals = variance.totals(rows)
    out = {"rows": rows, "alerts": alerts, "totals": totals, "from": a, "to": b}
    out["kind_totals"] = variance.kind_totals(rows, lk.settings.currency)
    return {**out, "changes": changed}


def _variance_sheets(lk: Lookup, a: date, b: date, object_id: str | None) -> tuple:
    """The rows of Variance, Parents, Variance by month (down and across) and Alerts."""
    from pixie_xl.core import variance
    from pixie_xl.core.months_across import months_across

    rows = variance.variance_rows(lk.facts, a, b, lk.today, object_id)
    parents = variance.parent_rows(lk.facts, a, b, lk.today, object_id)
    months = variance.month_rows(lk.facts, a, b, object_id)
    across = months_across(lk.facts, a, b, object_id, own=months)  # one month_rows
    return rows, parents, months, across, variance.alerts(rows)


def _write_variance_sheets(book: Book, lk: Lookup, sheets: tuple, was) -> None:
    """Write what :func:`_variance_sheets` gives, and the Budgets table's drop-down lists."""
    from pixie_xl.sheets import tables
    from pixie_xl.sheets.months_writer import write_months_across

    rows, parents, months, across, alerts = sheets
    tables.write_variance(book, rows)
    tables.write_parents(book, parents)
    tables.write_months(book, months)
    write_months_across(book, across)
    tables.write_alerts(book, alerts, was)
    if hasattr(book, "write_range"):  # the drop-downs of the Budgets table
        tables.write_lists(
            book,
            sorted(lk.tree.objects),
            sorted(code for code, a in lk.activities.items() if a.active),
            sorted(lk.profiles),
        )


def _stamp_period(book: Book, lk: Lookup, a: date, b: date, count: int) -> None:
    """The report period and the refresh time (local) on the Pixie sheet and the page
    headers (issue 11: period, refresh time, print)."""
    from pixie_xl.sheets.look import set_page_headers

    local = None
    if lk.refreshed is not None:
        tz = ZoneInfo(lk.settings.timezone)
        local = lk.refreshed.astimezone(tz).replace(tzinfo=None)
    shown = {"report_from": a, "report_to": b}
    set_pixie_cells(book, shown if local is None else {**shown, "last_refresh": local})
    set_page_headers(book, a, b, local, count)


def _previous_statuses(book: Book, a: date, b: date):
    """The statuses the Variance table shows, if it shows the period ``a..b``."""
    from pixie_xl.excel.changes import previous_statuses

    got = pixie_values(book, ("report_from", "report_to"))
    shown = (_as_date(got["report_from"]), _as_date(got["report_to"]))
    return previous_statuses(book) if shown == (a, b) else None


# --- import ----------------------------------------------------------------------------


def import_budgets(
    book: Book,
    path: Path | str,
    client: wire.Client | None = None,
    cache: Cache | None = None,
) -> list[Finding]:
    """Read a budget file, validate it, and append it to the Budgets table all or nothing.

    Returns the findings; with any error the table is left as it was (the findings go to
    the Checks sheet, pointing at the file's cells).
    """
    from pixie_xl.excel import budget_view
    from pixie_xl.sheets.budget_cells import validate_table
    from pixie_xl.sheets.tables import read_budget_file, read_budget_rows

    source = _source(book, client, cache)
    incoming = read_budget_file(Path(path))
    stray = budget_view.tidy(book)
    existing = read_budget_rows(book)
    ctx = _context(source, _book_profiles(book))
    # checked together with the sheet's rows, so an overlap with them is found too
    result = validate_table([*existing, *incoming], ctx)
    findings = [*result.findings, *stray]
    if has_errors(findings):
        report(book, findings)
        book.alert(f"{Path(path).name}: nothing imported, see the Checks sheet")
        return findings
    # appended to the table as it is (its Status and Delete cells too)
    view = budget_view.View.read(book)
    old = [list(values) for _n, values in view.numbered()]
    view.write(book, [*old, *(view.row_of(r.values) for r in incoming)])
    report(book, findings)
    book.status(f"imported {len(incoming)} budget line(s) from {Path(path).name}")
    return findings
