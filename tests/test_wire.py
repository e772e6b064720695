"""The wire module (pixie_xl.wire): one shape for budgets, findings, master data and sync
pages, both ways."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pixie_server.api.sync import _json_page

from pixie_xl.core.findings import Finding, Severity, SourceRef
from pixie_xl.core.money import Money
from pixie_xl.core.records import (
    Activity,
    BudgetDraft,
    BudgetHistory,
    BudgetLine,
    BudgetVersion,
    CostDate,
    CrmObject,
    ObjectKind,
    Profile,
    Settings,
    VersionKind,
)
from pixie_xl.wire import master
from pixie_xl.wire.budgets import budget_json, draft_to_json, history_from_json, history_json
from pixie_xl.wire.findings import ItemRef, finding_from_json, finding_to_json, item_ref
from pixie_xl.wire.sync import SyncLine, SyncOrder, SyncPage, Tombstone, page_from_json

TZ = ZoneInfo("Europe/Amsterdam")
LINES = (
    BudgetLine("ROAD", Money.of("10.50", "EUR"), Money.of("1200.00", "EUR"), "months", "a"),
    BudgetLine("DESIGN", Money.zero("EUR"), Money.of("3.00", "EUR")),
)


def version(seq: int, revision: int) -> BudgetVersion:
    kind = VersionKind.MASTER if seq == 0 else VersionKind.CORRECTION
    created = datetime(2026, 1, 10 + seq, 8, tzinfo=UTC)
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    return BudgetVersion("B-1", seq, kind, "P1", start, end, LINES, created, revision)


def test_the_wire_imports_nothing_of_the_service():
    code = (
        "import sys, pixie_xl.wire.budgets, pixie_xl.wire.reader, pixie_xl.wire.findings,"
        " pixie_xl.wire.sync, pixie_xl.wire.master;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pixie_server', 'flask')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_history_the_service_writes_reads_back_the_same():
    history = BudgetHistory((version(0, 1), version(1, 3)))
    now = datetime(2026, 3, 1, tzinfo=UTC)
    sent = history_json(history, now, TZ)
    assert sent["versions"][1]["lines"][0] == {
        "activity": "ROAD",
        "income": "10.50",
        "cost": "1200.00",
        "phasing": "months",
        "note": "a",
    }
    assert history_from_json(sent["versions"], "EUR") == history
    assert budget_json(history.current, now, TZ)["locked"] is True  # created in January


def test_a_draft_goes_with_its_id_and_version_only_when_it_edits_one():
    new = BudgetDraft(None, "P1", date(2026, 1, 1), date(2026, 12, 31), LINES)
    assert "id" not in draft_to_json(new) and "version" not in draft_to_json(new)
    edit = BudgetDraft("B-1", "P1", date(2026, 1, 1), date(2026, 12, 31), LINES, 3)
    body = draft_to_json(edit)
    assert (body["id"], body["version"], body["lines"][1]["cost"]) == ("B-1", 3, "3.00")


def test_an_item_ref_names_the_item_line_and_field():
    assert item_ref("budgets", 3, "cost", line=0).cell == "budgets[3].lines[0].cost"
    assert item_ref("budgets", 3, "start").cell == "budgets[3].start"
    assert item_ref("budgets", 3).cell == "budgets[3]"
    assert item_ref("budgets", None, "note", line=2).cell == "lines[2].note"
    assert item_ref("budgets", None, "", line=2).cell == "lines[2]"
    assert item_ref("profiles", 1).cell == "profiles[1]"


def test_findings_go_and_come_back_with_their_place():
    for source in (
        item_ref("budgets", 1, "activity", line=0),
        item_ref("budgets", None, "version"),
        SourceRef("march.csv", "row 4, amount"),
        None,
    ):
        f = Finding(source, "some_code", "what is wrong", Severity.WARNING)
        assert finding_from_json(finding_to_json(f)) == f
    sent = finding_to_json(Finding(item_ref("budgets", 1, "activity", line=0), "c", "m"))
    assert sent["source"] == {
        "sheet": "request",
        "cell": "budgets[1].lines[0].activity",
        **{"list": "budgets", "item": 1, "line": 0, "field": "activity"},
    }
    assert isinstance(finding_from_json(sent).source, ItemRef)


def _wire(body: dict) -> dict:
    """A body as the client receives it: encoded and decoded as JSON."""
    return json.loads(json.dumps(body))


def test_a_sync_page_the_service_writes_reads_back_the_same():
    created = datetime(2026, 1, 5, 8, tzinfo=UTC)
    # the columns of the service's LINES and ORDERS queries, as the database hands them
    line_rows = [
        (3, "L1", False, "T1", "P1", "ROAD", created, "cost", date(2026, 3, 1), -1250, "INV-7"),
        (5, "L2", False, "T1", "P1", "ROAD", "2026-01-05 08:00:00", "income", date(2026, 3, 2),
         5, None),
        (6, "L0", True, None, None, None, None, None, None, None, None),
    ]  # fmt: skip
    order_rows = [
        (4, "PO1", False, "P1", "ROAD", "Acme", date(2026, 2, 3), 10000, 0, "open"),
        (7, "PO0", True, None, None, None, None, None, None, None),
    ]
    body = _json_page(line_rows, order_rows, cursor=2, high=9, limit=10, places=2)
    at = "2026-01-05T08:00:00+00:00"
    assert page_from_json(_wire(body), {}, "EUR") == SyncPage(
        "2", "9", False,
        [SyncLine("L1", "T1", "P1", "ROAD", "cost", "2026-03-01", at, -1250, "INV-7", 3),
         SyncLine("L2", "T1", "P1", "ROAD", "income", "2026-03-02", at, 5, None, 5)],
        [SyncOrder("PO1", "P1", "ROAD", "Acme", "2026-02-03", 10000, 0, "open", 4)],
        [Tombstone("line", "L0", 6), Tombstone("purchase_order", "PO0", 7)],
    )  # fmt: skip
    assert body["tasks"] == [
        {"task_id": "T1", "object": "P1", "activity": "ROAD", "created_at": at}
    ]
    assert body["lines"][0]["amount"] == "-12.50" and body["lines"][1]["amount"] == "0.05"


def test_a_full_page_says_where_the_next_one_starts():
    rows = [(n, f"PO{n}", False, "P1", "ROAD", "", date(2026, 2, 3), n, 0, "open") for n in (1, 2)]
    page = page_from_json(_wire(_json_page([], rows, 0, 9, 1, 0)), {"P1": "JPY"}, "EUR")
    assert (page.next_cursor, page.more, [o.amount for o in page.orders]) == ("1", True, [1])


def test_master_data_the_service_writes_reads_back_the_same():
    obj = CrmObject("P1", "Road", ObjectKind.PROJECT, "C1", "EUR")
    act = Activity("ROAD", "Road works", False)
    st = Settings(timezone="Europe/Amsterdam", currency="SEK", cost_date=CostDate("task_created"),
                  warn_ratio=Decimal("0.85"), over_ratio=Decimal("1.05"))  # fmt: skip
    prof = Profile("summer", tuple(Decimal(w) for w in ["0.5"] * 2 + ["1.25"] * 8 + ["0.5"] * 2))
    assert master.object_from_json(_wire(master.object_json(obj))) == obj
    assert master.activity_from_json(_wire(master.activity_json(act))) == act
    assert master.settings_from_json(_wire(master.settings_json(st))) == st
    assert master.profile_from_json(_wire(master.profile_json(prof))) == prof
    assert _wire(master.object_json(obj)) == {
        "id": "P1", "name": "Road", "kind": "project", "parent": "C1", "currency": "EUR"
    }  # fmt: skip
