"""The workbook side: reading + validating budgets, formula look-ups, a file-mode refresh.

1. Reading and validating a 100,000-line budget file (.xlsx written with XlsxWriter),
   against python-calamine only reading it (target: within 2×).
2. 10,000 ``PIXIE_ACTUAL`` look-ups from the cache with mixed objects, activities and
   periods (target: under 5 µs each), beside a bare dict of running sums doing the same
   look-ups.
3. A file-mode refresh (cache pre-filled: 1,000,000 actual lines and its columnar lines
   snapshot; no service, so no delta moves) of a workbook with 10,000 budget lines:
   opening the workbook, the variance from the cache, Variance, Variance by month (one
   row per object, activity, kind and month), Alerts and the drop-downs written, the
   workbook saved; against XlsxWriter in constant-memory mode writing the same output cells
   into a new file (target: within 1×); openpyxl loading and saving the refreshed workbook
   is reported beside it, and the peak memory of the same refresh in a process of its own
   (target: under 1 GiB).
4. The calls into Excel's object model of the same refresh of 10,000 budget lines in Excel
   for Windows, through xlwings' own Windows layer over the COM stand-in of the tests
   (target: at most 200, the same for 100 lines).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.harness import Result, absolute, best_of, relative

ACTIVITIES = ["ROAD", "MAINT", "DESIGN", "SURVEY", "PAVE", "LIGHT", "DRAIN", "SIGN", "GREEN",
              "CLEAN"]  # fmt: skip
HEADER = ["Budget ID", "Version", "Object", "Period start", "Period end", "Activity",
          "Income budget", "Cost budget", "Phasing", "Note"]  # fmt: skip


def _objects(n_projects: int, n_departments: int = 20) -> list[dict]:
    depts = [{"id": f"D-{i:03d}", "name": f"Department {i}", "kind": "department"}
             for i in range(n_departments)]  # fmt: skip
    projects = [
        {"id": f"P-{i:05d}", "name": f"Project {i}", "kind": "project",
         "parent": f"D-{i % n_departments:03d}"}
        for i in range(n_projects)
    ]  # fmt: skip
    return depts + projects


def _budget_rows(n_lines: int) -> list[list]:
    """``n_lines`` budget lines: one 2026 budget of ten lines per project."""
    rows = []
    for i in range(n_lines // len(ACTIVITIES)):
        for k, act in enumerate(ACTIVITIES):
            rows.append(["", "", f"P-{i:05d}", date(2026, 1, 1), date(2026, 12, 31), act,
                         (i * 7 + k) * 10 % 5000 + 0.5, (i * 13 + k) * 10 % 9000 + 0.25,
                         "days", ""])  # fmt: skip
    return rows


# --- 1. read + validate -------------------------------------------------------------------


def bench_read_validate(folder: Path, n_lines: int = 100_000) -> list[Result]:
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from pixie_xl.client import activity_from_json, object_from_json
    from pixie_xl.core.validation import Context
    from pixie_xl.sheets.budget_cells import validate_table
    from pixie_xl.sheets.tables import read_budget_file

    path = folder / "budgets-100k.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Budgets")
    datefmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, HEADER)
    for r, row in enumerate(_budget_rows(n_lines), start=1):
        ws.write_row(r, 0, row[:3])
        ws.write_datetime(r, 3, datetime(2026, 1, 1), datefmt)
        ws.write_datetime(r, 4, datetime(2026, 12, 31), datefmt)
        ws.write_row(r, 5, row[5:])
    wb.close()
    ctx = Context(
        activities=[activity_from_json({"code": a, "name": a}) for a in ACTIVITIES],
        objects=[object_from_json(o) for o in _objects(n_lines // len(ACTIVITIES))],
        profiles={},
        currency="EUR",
        budgets=[],
        now=datetime(2026, 11, 2, 9, tzinfo=UTC),
        timezone="Europe/Amsterdam",
    )

    def ours():
        result = validate_table(read_budget_file(path), ctx)
        assert not [f for f in result.findings if f.is_error], result.findings[:3]

    def floor():
        CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Budgets").to_python()

    t_floor, t_ours = best_of(floor), best_of(ours)
    return [relative("read_validate_100k_budget_lines", t_ours, t_floor, "s", 2.0)]


# --- 2. formula look-ups ------------------------------------------------------------------


def _fill_cache(cache, n_lines: int, n_projects: int, budgets: list | None = None) -> None:
    rnd = random.Random(7)
    objects = _objects(n_projects)
    day0 = date(2026, 1, 1)

    def lines():
        for i in range(n_lines):
            p = f"P-{rnd.randrange(n_projects):05d}"
            d = (day0 + timedelta(days=rnd.randrange(365))).isoformat()
            kind = "income" if i % 4 == 0 else "cost"
            yield (f"L{i}", f"T{i // 3}", p, ACTIVITIES[i % len(ACTIVITIES)], kind, d,
                   "2026-01-01T09:00:00+01:00", rnd.randrange(1, 500_000), "")  # fmt: skip

    cache.fill(
        settings={"timezone": "Europe/Amsterdam", "currency": "EUR"},
        objects=objects,
        activities=[{"code": a, "name": a, "active": True} for a in ACTIVITIES],
        lines=lines(),
        budgets=budgets or [],
        server_time=datetime(2026, 11, 2, 9, tzinfo=UTC),
    )


def bench_lookups(folder: Path, n_calls: int = 10_000) -> list[Result]:
    from pixie_xl.excel import udfs
    from pixie_xl.excel.cache import Cache

    os.environ["PIXIE_CACHE_DIR"] = str(folder / "cache-lookups")
    os.environ["PIXIE_SERVER"] = "http://bench-lookups:1"
    cache = Cache("http://bench-lookups:1")
    _fill_cache(cache, 200_000, 200)
    udfs.forget()
    lk = cache.lookup()
    rnd = random.Random(3)
    objs = ["*", *[f"D-{i:03d}" for i in range(20)], *[f"P-{i:05d}" for i in range(200)]]
    calls = []
    for _ in range(n_calls):
        a = datetime(2026, 1, 1) + timedelta(days=rnd.randrange(300))
        b = a + timedelta(days=rnd.randrange(1, 120))
        calls.append((rnd.choice(objs), rnd.choice(["*", *ACTIVITIES]), a, b,
                      rnd.choice(["cost", "income"])))  # fmt: skip
    udfs.PIXIE_ACTUAL(*calls[0])  # builds the running sums once, as the first cell does
    sums = dict(lk.sums)
    keys = [(o, act, k, a.toordinal(), b.toordinal()) for o, act, a, b, k in calls]

    def bare():
        total = 0
        for o, act, k, a, b in keys:
            entry = sums.get((o, act, k))
            if entry is not None:
                dates, cum = entry
                total += cum[bisect_right(dates, b)] - cum[bisect_left(dates, a)]
        return total

    def ours():
        f = udfs.PIXIE_ACTUAL
        for c in calls:
            f(*c)

    # a check that both do the same work: the same total
    total = sum(round(udfs.PIXIE_ACTUAL(*c) * 100) for c in calls)
    assert total == bare(), "PIXIE_ACTUAL disagrees with the bare running sums"
    t_bare = best_of(bare, 5) / n_calls * 1e6
    t_ours = best_of(ours, 5) / n_calls * 1e6
    return [absolute("pixie_actual_lookup", t_ours, "µs/call", 5.0, floor=t_bare)]


# --- 3. file-mode refresh -----------------------------------------------------------------


def bench_refresh(folder: Path, n_budget_lines: int = 10_000, n_actuals: int = 1_000_000):
    import openpyxl

    from pixie_xl.excel import actions
    from pixie_xl.excel.builder import build_workbook
    from pixie_xl.excel.cache import Cache
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.tables import write_budgets

    n_projects = n_budget_lines // len(ACTIVITIES)
    rows = _budget_rows(n_budget_lines)
    budgets = []
    for i in range(n_projects):
        lines = [{"activity": r[5], "income": f"{r[6]:.2f}", "cost": f"{r[7]:.2f}",
                  "phasing": "days"} for r in rows[i * 10:(i + 1) * 10]]  # fmt: skip
        budgets.append(
            [
                {
                    "id": f"B{i}",
                    "object": f"P-{i:05d}",
                    "start": "2026-01-01",
                    "end": "2026-12-31",
                    "version": 1,
                    "kind": "master",
                    "created_at": "2026-01-05T09:00:00+01:00",
                    "lines": lines,
                }
            ]
        )
        for r in rows[i * 10 : (i + 1) * 10]:
            r[0], r[1] = f"B{i}", 1
    os.environ["PIXIE_CACHE_DIR"] = str(folder / "cache-refresh")
    cache = Cache("http://bench-refresh:1")
    t0 = time.perf_counter()
    _fill_cache(cache, n_actuals, n_projects, budgets)
    fill = time.perf_counter() - t0
    path = folder / "refresh.xlsm"
    build_workbook(path, server_url=cache.server_url)
    book = FileBook.open(path)
    write_budgets(book, rows)
    book.save()

    def ours():
        book = FileBook.open(path)
        actions.build_variance(book, cache, date(2026, 1, 1), date(2026, 12, 31))
        book.save()

    def openpyxl_floor():
        wb = openpyxl.load_workbook(path, keep_vba=True)
        wb.save(folder / "openpyxl-copy.xlsm")

    ours()  # once untimed: the lines snapshot is part of a pre-filled cache, and both
    # measured runs then start from the same refreshed workbook
    t_ours = best_of(ours, 2)
    cells = _output_cells(path)
    t_floor = best_of(lambda: _xlsxwriter_floor(cells, folder / "floor.xlsx"), 2)
    cells.clear()
    t_openpyxl = best_of(openpyxl_floor, 1)
    memory = _refresh_peak_mib(path, cache.server_url)
    return [
        relative("file_refresh_10k_budget_lines_1m_actuals", t_ours, t_floor, "s", 1.0),
        absolute("file_refresh_peak_memory", memory, "MiB", 1024.0),
        absolute("file_refresh_openpyxl_load_save", t_openpyxl, "s", None),
        absolute("cache_fill_1m_actual_lines", fill, "s", None),
    ]


def _refresh_peak_mib(path: Path, server_url: str) -> float:
    """The peak resident memory of the same refresh in a process of its own (this one
    has held the cache fill and the floor's cells): the cache opened, the workbook opened,
    refreshed and saved; the child's own high-water mark (``VmHWM``)."""
    import subprocess
    import sys

    code = (
        "import sys; from datetime import date;"
        "from pixie_xl.excel import actions; from pixie_xl.excel.cache import Cache;"
        "from pixie_xl.sheets.filebook import FileBook;"
        "book = FileBook.open(sys.argv[1]);"
        "actions.build_variance(book, Cache(sys.argv[2]), date(2026, 1, 1), date(2026, 12, 31));"
        "book.save(); print(next(ln.split()[1] for ln in open('/proc/self/status')"
        " if ln.startswith('VmHWM:')))"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), server_url],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    # VmHWM, not ru_maxrss: Linux carries the parent's resident size at the fork over the
    # exec into the child's ru_maxrss (~2 GiB here, the parent holding the cache fill)
    return int(done.stdout.split()[-1]) / 1024  # KiB


def _output_cells(path: Path) -> dict[str, list[tuple[int, list[tuple]]]]:
    """The cells refresh wrote, as the floor writes them: per output sheet, its rows of
    ``(column, value, number format)`` (0-based), read from the refreshed workbook."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    from pixie_xl.sheets.filebook import FileBook

    book = FileBook.open(path)
    wb = book.wb

    def fmt(style: int) -> str | None:
        if style >= len(wb._cell_styles):
            return None
        n = wb._cell_styles[style].numFmtId
        code = BUILTIN_FORMATS.get(n) if n < BUILTIN_FORMATS_MAX_SIZE else None
        code = code or (wb._number_formats[n - BUILTIN_FORMATS_MAX_SIZE] if n >= 164 else None)
        return None if code in (None, "General") else code

    formats = {i: fmt(i) for i in range(len(wb._cell_styles))}
    out = {}
    for name, sheet in book.streams.items():
        rows = sheet._parsed()
        out[name] = [
            (r - 1, [(c - 1, v, formats.get(s)) for c, (v, s) in sorted(rows[r].items())])
            for r in sorted(rows)
        ]
    return out


def _xlsxwriter_floor(cells: dict, target: Path) -> None:
    """XlsxWriter in constant-memory mode writing the same sheets, rows, values and number
    formats into a new file: what writing the output cells costs at the least."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    made: dict[str | None, object] = {None: None}

    def fmt(code):
        if code not in made:
            made[code] = wb.add_format({"num_format": code})
        return made[code]

    for name, rows in cells.items():
        ws = wb.add_worksheet(name)
        for r, row in rows:
            for c, v, code in row:
                if v is None:
                    continue
                if isinstance(v, str):
                    if v.startswith("="):
                        ws.write_formula(r, c, v, fmt(code))
                    else:
                        ws.write_string(r, c, v, fmt(code))
                elif isinstance(v, datetime | date):
                    ws.write_datetime(r, c, v, fmt(code))
                else:
                    ws.write_number(r, c, v, fmt(code))
    wb.close()


# --- 4. COM calls of a refresh in Excel -----------------------------------------------------


def bench_excel_refresh_com_calls(folder: Path, n_budget_lines: int = 10_000) -> list[Result]:
    """The calls into Excel's object model that the workbook side of a Refresh of
    ``n_budget_lines`` budget lines makes, through xlwings' own Windows layer over the COM
    stand-in of the tests (``tests/excel/comexcel_refresh.py``); target: at most 200."""
    from tests.excel.comexcel_refresh import prepared, refresh_calls
    from tests.excel.conftest import WindowsExcel
    from tests.excel.pywin32_stub import windows_xlwings

    os.environ["PIXIE_CACHE_DIR"] = str(folder / "cache-com-calls")
    with windows_xlwings() as (xlwings, xlwindows, udfs):
        excel = WindowsExcel(xlwings, xlwindows, udfs)
        # a one-month report: the calls are those of a year's, the stand-in's work less
        small = refresh_calls(excel, *prepared(folder / "com-calls", 100), to=date(2026, 1, 31))
        big = prepared(folder / "com-calls", n_budget_lines)
        n = refresh_calls(excel, *big, to=date(2026, 1, 31))
    # floor: the same refresh of 100 budget lines (a ratio of 1.0: independent of the rows)
    return [absolute("excel_refresh_com_calls", n, "calls", 200.0, floor=small)]


def run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for bench in (bench_read_validate, bench_lookups, bench_refresh,
                      bench_excel_refresh_com_calls):  # fmt: skip
            try:
                results += bench(folder)
            except Exception as exc:  # report a broken benchmark and go on with the rest
                print(f"{bench.__name__}: failed: {type(exc).__name__}: {exc}")
    return results
