"""The wire module (pixie_xl.wire): one shape for budgets and findings, both ways."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pixie_xl.core.findings import Finding, Severity, SourceRef
from pixie_xl.core.money import Money
from pixie_xl.core.records import BudgetDraft, BudgetHistory, BudgetLine, BudgetVersion, VersionKind
from pixie_xl.wire.budgets import budget_json, draft_to_json, history_from_json, history_json
from pixie_xl.wire.findings import ItemRef, finding_from_json, finding_to_json, item_ref

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
        "import sys, pixie_xl.wire.budgets, pixie_xl.wire.reader, pixie_xl.wire.findings;"
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
