"""The one list of budget checks (issue 10.1): each listed once, each judged on a draft."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from pixie_xl.core import checks
from pixie_xl.core.checks import CHECKS, Known, check
from pixie_xl.core.money import Money, parse_text
from pixie_xl.core.records import BudgetDraft, BudgetHistory, BudgetLine, BudgetVersion, VersionKind

EUR = Money.zero("EUR")
KNOWN = Known({"P1"}, {"ROAD": True, "OLD": False}, {"Summer"}, None, True)


def line(activity="ROAD", cost="10.00", phasing="days") -> BudgetLine:
    return BudgetLine(activity, EUR, parse_text(cost, "EUR"), phasing)


def draft(*lines, bid=None, start=date(2026, 1, 1), end=date(2026, 12, 31), version=None):
    return BudgetDraft(bid, "P1", start, end, tuple(lines or (line(),)), version)


def history(*activities) -> BudgetHistory:
    master = BudgetVersion(
        "B1", 0, VersionKind.MASTER, "P1", date(2026, 1, 1), date(2026, 12, 31),
        tuple(line(a) for a in activities), datetime(2026, 1, 5, tzinfo=UTC), 1,
    )  # fmt: skip
    return BudgetHistory((master,), issued=1)


def test_each_check_is_listed_once_and_in_the_table():
    table = set(re.findall(r"^``(\w+)`` {2,}", checks.__doc__, re.M))
    names = [c.__name__ for c in CHECKS]
    assert len(names) == len(set(names))
    assert table == set(names)


def test_a_clean_draft_has_no_problem():
    assert check(draft(line(), line("OLD", phasing="Summer")), KNOWN.about(history("OLD"))) == []


@pytest.mark.parametrize(
    ("d", "known", "expected"),
    [
        (draft(line("road")), KNOWN, (0, "activity", "unknown_activity")),
        (draft(line("OLD")), KNOWN, (0, "activity", "inactive_activity")),
        (draft(line(phasing="weekly")), KNOWN, (0, "phasing", "unknown_phasing")),
        (draft(line(cost="-5")), KNOWN, (0, "cost", "negative_amount")),
        (draft(line(), line()), KNOWN, (1, "activity", "duplicate_activity")),
        (draft(end=date(2025, 12, 31)), KNOWN, (None, "end", "end_before_start")),
        (draft(bid="B9", version=1), KNOWN, (None, "id", "unknown_budget")),
        (draft(bid="B1"), KNOWN.about(history("ROAD")), (None, "version", "version_required")),
        (draft(bid="B9"), Known({"P1"}, {"ROAD": True}), (None, "version", "version_required")),
    ],
    ids=[
        "unknown-activity", "inactive", "phasing", "negative", "duplicate", "end",
        "unknown-budget", "version", "version-offline",
    ],
)  # fmt: skip
def test_each_mistake_is_one_problem_at_its_line_and_field(d, known, expected):
    assert [(p.line, p.field, p.code) for p in check(d, known)] == [expected]


def test_the_hint_names_the_known_code_in_its_case():
    (p,) = check(draft(line("road")), KNOWN)
    assert p.message == 'Activity "road" is not known; did you mean ROAD?'


def test_a_row_on_its_own_gives_its_problems_at_its_fields():
    from types import SimpleNamespace

    bad_cell = object()  # a cell the reader could not read: not judged again
    row = SimpleNamespace(
        object="P2", start=None, end=bad_cell, activity="road", phasing="summer",
        income=parse_text("-1.00", "EUR"), cost=EUR,
    )  # fmt: skip
    assert [(p.field, p.code) for p in checks.row_problems(row, KNOWN)] == [
        ("start", "missing_value"),
        ("object", "unknown_object"),
        ("activity", "unknown_activity"),
        ("income", "negative_amount"),
    ]  # (a phasing in another case names the profile: Summer)
    row.phasing = "Winter"
    assert [p.message for p in checks.row_problems(row, KNOWN)][-1] == checks.phasing_text("Winter")
    assert KNOWN.phasing_name("MONTHS") == "months" and KNOWN.phasing_name("Winter") is None


def test_the_findings_say_which_rows_are_bad_and_info_makes_none_bad():
    from pixie_xl.core.budget_rows import Findings, Row
    from pixie_xl.core.findings import Severity

    rows = []
    for index in range(3):
        row = Row()
        row.index, row.sheet, row.number, row.columns = index, "Budgets", index + 2, {"cost": "H"}
        rows.append(row)
    findings = Findings()
    findings.add(rows[1], "cost", "not_a_number", "Cost budget ...")
    findings.add(rows[2], None, "becomes_correction", "...", Severity.INFO)
    assert [findings.is_bad(r) for r in rows] == [False, True, False]
    assert findings.bad_rows == {1} and findings.any_bad([0, 1]) and not findings.any_bad([0, 2])
    assert [str(f.source) for f in findings.in_sheet_order()] == ["Budgets!H3", "Budgets!H4"]
