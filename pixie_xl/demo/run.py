"""The whole cycle on the demo dataset, against a real service in a subprocess.

Start the service on a free loopback port with a fresh SQLite file and token file inside
the output folder; ingest the dataset; build a workbook; import the budget file with
mistakes (and print its findings); import the corrected one; save; restart the service on a
later day and save an edit, which becomes a correction (master and current shown); refresh;
print the totals and alerts. The service's clock is pinned (``PIXIE_CLOCK_AT``) so the
demo gives the same figures on any day.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from pixie_xl import client as wire
from pixie_xl.core.errors import PixieError, ServerUnreachable
from pixie_xl.demo import dataset

#: the first day the demo's service lives on, and the later day of the correction
FIRST_DAY = "2026-11-02T09:00:00+01:00"
LATER_DAY = "2026-11-04T10:30:00+01:00"
#: the demo company: a Dutch roads contractor
SETTINGS = {"timezone": "Europe/Amsterdam", "currency": "EUR"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def service(out: Path, clock_at: str | None, port: int | None = None):
    """Run ``pixie-xl serve`` on loopback; yields the base URL, stops it afterwards."""
    port = port or free_port()
    env = dict(os.environ, PIXIE_TOKEN_FILE=str(out / "token"))
    if clock_at:
        env["PIXIE_CLOCK_AT"] = clock_at
    log = (out / "server.log").open("ab")
    cmd = [
        sys.executable, "-m", "pixie_xl.cli.main", "serve",
        "--db", f"sqlite:///{out / 'pixie.sqlite'}",
        "--host", "127.0.0.1", "--port", str(port),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


#: seconds a started service has to answer /healthz (the test suite, run on several workers
#: of a busy machine, gives it longer: its first start migrates a new database)
START_TIMEOUT = 30.0


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float | None = None):
    timeout = START_TIMEOUT if timeout is None else timeout
    probe = wire.Client(url, token="-", timeout=2)
    wire_retries, wire.RETRIES = wire.RETRIES, 0
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise ServerUnreachable(f"the service exited with status {proc.returncode}")
            try:
                probe.healthz()
                return
            except ServerUnreachable:
                time.sleep(0.1)
        raise ServerUnreachable(f"the service at {url} did not start in {timeout:.0f} s")
    finally:
        wire.RETRIES = wire_retries


def run(out: Path, say: Callable[[str], None] = print) -> dict:
    """Run the demo into ``out``; returns what it printed a summary of.

    The cache and the token file live inside ``out`` while it runs; the environment is
    restored afterwards.
    """
    out = Path(out).resolve()
    saved = {k: os.environ.get(k) for k in ("PIXIE_CACHE_DIR", "PIXIE_TOKEN_FILE")}
    os.environ["PIXIE_CACHE_DIR"] = str(out / "cache")
    os.environ["PIXIE_TOKEN_FILE"] = str(out / "token")  # the service writes it
    try:
        return _run(out, say)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(out: Path, say: Callable[[str], None]) -> dict:
    out = Path(out).resolve()
    _clear(out)
    files = dataset.write(dataset.generate(), out / "data")
    path = out / "PixieBudget-demo.xlsm"
    summary: dict = {"workbook": path}
    summary["import_findings"] = _first_day(out, files, path, say)
    summary["versions"], result = _later_day(out, path, say)
    _say_result(result, say)
    say(f"workbook: {path}")
    summary.update(result)
    return summary


def _clear(out: Path) -> None:
    """Remove what an earlier demo left in ``out`` (database, token, cache); make ``out``."""
    for stale in ("pixie.sqlite", "pixie.sqlite-wal", "pixie.sqlite-shm", "token", "cache"):
        p = out / stale
        shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def _first_day(out: Path, files: dict[str, Path], path: Path, say: Callable[[str], None]):
    """Settings and master data into a new service, the workbook built, the budget file with
    mistakes imported (its findings are returned), the corrected one imported and saved."""
    from pixie_xl.excel import actions
    from pixie_xl.excel.builder import build_workbook
    from pixie_xl.sheets.filebook import FileBook

    say(f"starting the service (clock at {FIRST_DAY})")
    with service(out, FIRST_DAY) as url:
        client = wire.Client(url, _token(out))
        client.put_settings(SETTINGS)
        say(f"company settings: {SETTINGS['timezone']}, {SETTINGS['currency']}")
        for name in ("objects", "activities", "actuals", "purchase_orders"):
            answer = client.ingest(files[name])
            say(f"ingested {files[name].name}: {wire.ingest_summary(answer)}")
        build_workbook(path, server_url=url)
        say(f"built {path.name}")

        book = FileBook.open(path)
        say(f"importing {files['budgets_with_mistakes'].name}:")
        mistakes = actions.import_budgets(book, files["budgets_with_mistakes"], client)
        for f in mistakes:
            say(f"  {f}")
        findings = actions.import_budgets(book, files["budgets"], client)
        say(f"imported {files['budgets'].name}: {len(findings)} finding(s)")
        outcome = actions.save(book, client)
        _require(outcome)
        say(f"saved {len(outcome.saved)} budgets")
        book.save()
    return mistakes


def _later_day(out: Path, path: Path, say: Callable[[str], None]) -> tuple[list, dict]:
    """An edit saved on a later day (a correction); the edited budget's versions and what
    the refresh gives."""
    from pixie_xl.excel import actions
    from pixie_xl.sheets import layout
    from pixie_xl.sheets.filebook import FileBook

    say(f"restarting the service on a later day (clock at {LATER_DAY})")
    with service(out, LATER_DAY) as url:
        client = wire.Client(url, _token(out))
        book = FileBook.open(path)
        bid, cell = _edit_first_cost(book, layout)
        say(f"raising the cost budget at {layout.BUDGETS_SHEET}!{cell} by 10,000.00")
        outcome = actions.save(book, client)
        _require(outcome)
        for f in outcome.findings:
            say(f"  {f}")
        versions = client.versions(bid)
        say(
            f"budget {bid}: "
            + "; ".join(
                f"{v.get('kind')} v{v.get('version')} cost "
                f"{sum(Decimal(ln.get('cost') or 0) for ln in v.get('lines', [])):,}"
                for v in versions
            )
        )
        result = actions.refresh(book, client)
        book.save()
    return versions, result


def _say_result(result: dict, say: Callable[[str], None]) -> None:
    """The refresh's totals by kind and its five worst alerts."""
    say(
        f"variance {result['from']}..{result['to']}: {len(result['rows'])} rows, "
        f"{len(result['alerts'])} alert(s)"
    )
    by_kind = result["kind_totals"]  # never income and cost added together (issue 11)
    say(f"  {'':>10} {'income':>14} {'cost':>14} {'net':>14}")
    for name in by_kind["income"]:
        cells = [by_kind[k][name] for k in ("income", "cost", "net")]
        say(
            f"  {name:>10} "
            + " ".join(f"{'' if m is None else f'{m.decimal:,}':>14}" for m in cells)
        )
    say("worst alerts:")
    for row in result["alerts"][:5]:
        say(
            f"  {row.status:<10} {row.object:<6} {row.activity:<7} {row.kind:<6} "
            f"actual {row.actual.decimal:>12,} of {row.current.decimal:>12,}"
        )


def _token(out: Path) -> str | None:
    """The admin token the demo's own service wrote (never a PIXIE_TOKEN of the shell)."""
    for line in (out / "token").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()
    return None


def _require(outcome) -> None:
    if not outcome.ok:
        lines = "\n".join(str(f) for f in outcome.findings if f.is_error)
        raise PixieError(f"the demo's budgets did not save:\n{lines}", code="demo_failed")


def _edit_first_cost(book, layout) -> tuple[str, str]:
    """Raise the first row's cost budget by 10,000: on a locked budget, a correction."""
    table = book.read_table(layout.BUDGETS_SHEET, layout.BUDGETS_TABLE)
    cols = {h.strip().lower(): i for i, h in enumerate(table.header)}
    row = table.rows[0]
    cost = row[cols["cost budget"]]
    cell = f"{table.columns[cols['cost budget']]}{table.first_row}"
    book.set_value(layout.BUDGETS_SHEET, cell, float(cost or 0) + 10_000)
    return str(row[cols["budget id"]]), cell
