"""The COM calls of one Refresh in Excel for Windows (issue 12, item 6): a workbook whose
Budgets table holds ``n`` budget lines, open in the stand-in under xlwings' own Windows
layer, refreshed from a cache that already holds those budgets and some actual lines (the
sync itself talks to the service, not to Excel).

What is counted is what the Refresh actuals button does to the workbook after the sync,
inside the same ``XlwingsBook.quiet()`` as the button: the Budgets and Profiles tables
brought up to date, the Checks sheet, the variance sheets, the full recalculation and the
status bar given back. Used by ``test_book_xlwings`` and ``bench.bench_workbook``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

ACTIVITIES = ["ROAD", "MAINT", "DESIGN", "SURVEY", "PAVE", "LIGHT", "DRAIN", "SIGN", "GREEN",
              "CLEAN"]  # fmt: skip


def prepared(folder: Path, n_lines: int, n_actuals: int = 5_000):
    """``(workbook path, cache)``: ``n_lines`` saved budget lines (ten per project) in
    the workbook's Budgets table and in the cache (under ``PIXIE_CACHE_DIR``), with
    ``n_actuals`` actual lines."""
    from pixie_xl.excel.builder import build_workbook
    from pixie_xl.excel.cache import Cache
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.tables import write_budgets

    folder.mkdir(parents=True, exist_ok=True)
    n_projects = max(n_lines // len(ACTIVITIES), 1)
    rows, budgets = [], []
    for i in range(n_projects):
        lines = []
        for k, act in enumerate(ACTIVITIES):
            income, cost = (i * 7 + k) * 10 % 5000 + 0.5, (i * 13 + k) * 10 % 9000 + 0.25
            rows.append([f"B{i}", 1, f"P-{i:05d}", date(2026, 1, 1), date(2026, 12, 31), act,
                         income, cost, "days", ""])  # fmt: skip
            lines.append({"activity": act, "income": f"{income:.2f}", "cost": f"{cost:.2f}",
                          "phasing": "days"})  # fmt: skip
        budgets.append([{"id": f"B{i}", "object": f"P-{i:05d}", "start": "2026-01-01",
                         "end": "2026-12-31", "version": 1, "kind": "master",
                         "created_at": "2026-01-05T09:00:00+01:00", "lines": lines}])  # fmt: skip
    cache = Cache(f"http://refresh-calls-{n_lines}:1")
    _fill(cache, n_actuals, n_projects, budgets)
    path = folder / f"Refresh{n_lines}.xlsx"  # one Excel opens one book of a name
    build_workbook(path, server_url=cache.server_url)
    book = FileBook.open(path)
    write_budgets(book, rows)
    book.save()
    return path, cache


def _fill(cache, n_actuals: int, n_projects: int, budgets: list) -> None:
    from datetime import UTC, datetime, timedelta

    depts = [{"id": f"D-{i:03d}", "name": f"Department {i}", "kind": "department"}
             for i in range(5)]  # fmt: skip
    projects = [{"id": f"P-{i:05d}", "name": f"Project {i}", "kind": "project",
                 "parent": f"D-{i % 5:03d}"} for i in range(n_projects)]  # fmt: skip
    day0 = date(2026, 1, 1)

    def lines():
        for i in range(n_actuals):
            d = (day0 + timedelta(days=i * 7 % 300)).isoformat()
            yield (f"L{i}", f"T{i // 3}", f"P-{i % n_projects:05d}", ACTIVITIES[i % 10],
                   "income" if i % 4 == 0 else "cost", d, "2026-01-01T09:00:00+01:00",
                   1 + i * 37 % 500_000, "")  # fmt: skip

    cache.fill(
        settings={"timezone": "Europe/Amsterdam", "currency": "EUR"},
        objects=depts + projects,
        activities=[{"code": a, "name": a, "active": True} for a in ACTIVITIES],
        lines=lines(),
        budgets=budgets,
        server_time=datetime(2026, 11, 2, 9, tzinfo=UTC),
    )


def refresh_calls(windows_excel, path: Path, cache, to: date = date(2026, 12, 31)) -> int:
    """The COM calls of the workbook side of one Refresh of the workbook at ``path``, for
    the report period 2026-01-01..``to`` (a shorter period: fewer month rows to write into
    the stand-in, the same calls)."""
    from pixie_xl.excel import actions, macros
    from pixie_xl.excel.profiles_table import refresh_profiles
    from pixie_xl.excel.refreshing import refresh_budgets
    from pixie_xl.sheets.xlwings_book import XlwingsBook

    book = XlwingsBook(windows_excel.open(path))
    before = windows_excel.app.com_calls
    histories = {h.budget_id: h for h in cache.histories()}
    with book.quiet():
        findings = refresh_budgets(book, cache, histories)
        findings += refresh_profiles(book, cache.profiles())
        actions.report(book, findings)
        actions.build_variance(book, cache, date(2026, 1, 1), to)
        macros._recalculate(book)
    assert not [f for f in findings if f.is_error], findings[:3]
    return windows_excel.app.com_calls - before
