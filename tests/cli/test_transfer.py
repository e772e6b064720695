"""``pixie-xl transfer`` (issue 13, item 5): money moved between two lines of one budget in
the Budgets table, its total kept; ``pixie-xl save`` sends it like any edit, naming it a
transfer. On the day it was saved the budget is edited in place; on a later day (the
service restarted with its clock a day on) it becomes a correction, the master untouched.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest

from pixie_xl import client as wire
from pixie_xl.demo import dataset
from pixie_xl.demo.run import free_port, service
from pixie_xl.sheets.filebook import FileBook
from tests.cli.test_allocate import cents, rows, run

DAY1 = "2026-11-02T09:00:00+01:00"
DAY2 = "2026-11-03T10:00:00+01:00"


def one_budget(workbook, year: int) -> str:
    """P-400 (C-PORT's only child) with a SURVEY cost line of 100.00, saved; its ID."""
    run(
        "allocate", workbook, "--parent", "C-PORT", "--activity", "SURVEY", "--cost", "100.00",
        "--from", f"{year}-01-01", "--to", f"{year}-12-31",
    )  # fmt: skip
    run("save", workbook)
    (row,) = rows(workbook)
    return row["Budget ID"]


def lines(workbook) -> dict[str, Decimal]:
    return {r["Activity"]: cents(r["Cost budget"]) for r in rows(workbook)}


def audit_of(client: wire.Client, budget_id: str) -> list[dict]:
    return client.get("/api/v1/audit", entity="budget", entity_id=budget_id)["entries"]


@pytest.mark.usefixtures("clean")
def test_same_day_transfer_edits_in_place_and_the_audit_says_transfer(workbook, client):
    bid = one_budget(workbook, 2040)
    out = run("transfer", workbook, "--budget", bid, "--from", "SURVEY", "--to", "DESIGN",
              "--cost", "40.00")  # fmt: skip
    assert "moved 40.00 of cost from SURVEY to DESIGN" in out
    assert lines(workbook) == {"SURVEY": Decimal("60.00"), "DESIGN": Decimal("40.00")}
    assert {r["Budget ID"] for r in rows(workbook)} == {bid}  # the new line joins the budget
    book = FileBook.open(workbook)
    assert book.get_value("Pixie", "B33") == bid  # pending until the save
    assert "saved 1 budget(s)" in run("save", workbook)
    assert FileBook.open(workbook).get_value("Pixie", "B33") in (None, "")
    versions = client.versions(bid)
    assert [v["kind"] for v in versions] == ["master"]  # edited in place, same day
    got = {ln["activity"]: Decimal(ln["cost"]) for ln in versions[-1]["lines"]}
    assert got == {"SURVEY": Decimal("60.00"), "DESIGN": Decimal("40.00")}
    entries = audit_of(client, bid)
    assert entries[-1]["action"] == "budget.edit_in_place"
    assert entries[-1]["after"]["reason"] == "transfer"
    assert "reason" not in (entries[0]["after"] or {})  # the first save was no transfer


@pytest.mark.usefixtures("clean")
def test_a_transfer_larger_than_the_line_is_refused_naming_the_cell(workbook):
    bid = one_budget(workbook, 2041)
    out = run("transfer", workbook, "--budget", bid, "--from", "SURVEY", "--to", "DESIGN",
              "--cost", "100.01", code=2)  # fmt: skip
    assert "Budgets!H2: cannot transfer 100.01 from SURVEY: its cost budget is only 100.00" in out
    assert lines(workbook) == {"SURVEY": Decimal("100.00")}


BAD = [
    (["--budget", "B-NOPE"], "the Budgets table has no rows of budget B-NOPE"),
    (["--from", "ROAD"], "the budget has no ROAD line to transfer from"),
    (["--to", "SURVEY"], "cannot transfer from SURVEY to itself"),
    (["--cost", "-5"], "must be more than zero"),
    (["--income", "5"], "exactly one of --cost X or --income X"),
]


@pytest.mark.usefixtures("clean")
def test_bad_transfers_are_one_message_and_status_2(workbook):
    bid = one_budget(workbook, 2042)
    base = {"--budget": bid, "--from": "SURVEY", "--to": "DESIGN", "--cost": "5.00"}
    for args, message in BAD:
        given = dict(zip(args[::2], args[1::2], strict=True))
        flags = [x for k, v in {**base, **given}.items() for x in (k, v)]
        out = run("transfer", workbook, *flags, code=2)
        assert message in out and "Traceback" not in out, args
    assert lines(workbook) == {"SURVEY": Decimal("100.00")}  # the table as it was


@pytest.fixture
def days(tmp_path, monkeypatch):
    """A service of its own whose clock can move on a day (restarted on the same file)."""
    folder = tmp_path / "service"
    folder.mkdir()
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(folder / "token"))
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    port = free_port()
    monkeypatch.setenv("PIXIE_SERVER", f"http://127.0.0.1:{port}")
    files = dataset.write(dataset.generate(), tmp_path / "data")
    stack = contextlib.ExitStack()

    def start(clock: str) -> wire.Client:
        stack.close()
        stack.enter_context(service(folder, clock, port))
        return wire.Client(f"http://127.0.0.1:{port}")

    try:  # the service stops even when the set-up below or the test fails
        client = start(DAY1)
        client.put_settings({"timezone": "Europe/Amsterdam", "currency": "EUR"})
        for name in ("objects", "activities"):
            client.ingest(files[name])
        yield start
    finally:
        stack.close()


def test_a_transfer_on_a_locked_budget_becomes_a_correction_total_unchanged(days, tmp_path):
    from pixie_xl.excel.builder import build_workbook

    client = days(DAY1)
    workbook = build_workbook(tmp_path / "Locked.xlsm", server_url=client.base_url)
    bid = one_budget(workbook, 2026)
    client = days(DAY2)  # the next day: the budget is locked
    run("refresh", workbook)
    assert rows(workbook)[0]["Status"].startswith("master, locked")
    run("transfer", workbook, "--budget", bid, "--from", "SURVEY", "--to", "DESIGN",
        "--cost", "25.50")  # fmt: skip
    out = run("save", workbook)
    assert "correction" in out
    versions = client.versions(bid)
    assert [v["kind"] for v in versions] == ["master", "correction"]
    master = {ln["activity"]: Decimal(ln["cost"]) for ln in versions[0]["lines"]}
    now = {ln["activity"]: Decimal(ln["cost"]) for ln in versions[-1]["lines"]}
    assert master == {"SURVEY": Decimal("100.00")}  # the master stays as it was
    assert now == {"SURVEY": Decimal("74.50"), "DESIGN": Decimal("25.50")}
    assert sum(now.values()) == sum(master.values())  # the total unchanged
    entry = audit_of(client, bid)[-1]
    assert entry["action"] == "budget.new_correction"
    assert entry["after"]["reason"] == "transfer"


def test_the_service_refuses_a_reason_it_does_not_know(client):
    from pixie_xl.core.errors import PixieError

    body = {
        "object": "P-400",
        "start": "2043-01-01",
        "end": "2043-12-31",
        "lines": [{"activity": "SURVEY", "income": "0", "cost": "1.00"}],
        "reason": "gift",
    }
    with pytest.raises(PixieError) as caught:
        client.save_batch([body])
    shown = [str(f) for f in getattr(caught.value, "findings", ())] or [caught.value.message]
    assert any("budgets[0].reason: must be one of transfer, not 'gift'" in s for s in shown)
    assert all(b["start"] != "2043-01-01" for b in client.budgets(object="P-400"))


@pytest.mark.usefixtures("clean")
def test_offline_without_a_refresh_the_currency_is_not_guessed(workbook, monkeypatch):
    """Without the service and without a refresh Pixie does not know how many decimals the
    company currency has: the transfer is refused (it once read the amount as EUR)."""
    bid = one_budget(workbook, 2043)
    monkeypatch.setenv("PIXIE_SERVER", f"http://127.0.0.1:{free_port()}")  # nobody there
    out = run("transfer", workbook, "--budget", bid, "--from", "SURVEY", "--to", "DESIGN",
              "--cost", "5.00", code=2)  # fmt: skip
    assert "does not know the company currency yet" in out and "Traceback" not in out
    assert lines(workbook) == {"SURVEY": Decimal("100.00")}  # the table as it was
