"""Validation of the Budgets table: every problem, at its cell, in words an accountant reads."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixie_xl.core.cells import Amounts
from pixie_xl.core.errors import AmountError
from pixie_xl.core.money import EXCEL_ERRORS, Money, from_excel
from pixie_xl.core.records import (
    BUDGET_COLUMNS,
    Activity,
    CrmObject,
    Formula,
    ObjectKind,
    Profile,
    RawRow,
)
from pixie_xl.core.rules import Action
from pixie_xl.core.validation import Context
from pixie_xl.sheets.budget_cells import validate_table
from tests.builders import at, d, history, line, version

# ID | Version | Object | start | end | Activity | Income | Cost | Phasing | Note
#  A | B | C | D | E | F | G | H | I | J
COLUMNS = dict(zip(BUDGET_COLUMNS, "ABCDEFGHIJ", strict=True))
NOW = at("2026-02-01T10:00+00:00")

# B1: a locked master of P1 for 2026 (version 1): ROAD cost 1000, OLD (now inactive) cost 10
B1 = history(version("B1", lines=[line("ROAD", cost="1000.00"), line("OLD", cost="10.00")]))
# B2: a master of P2 for 2026 created today, still editable (version 3 after two edits)
B2 = history(
    version("B2", object="P2", created_at="2026-02-01T08:00+00:00", revision=3),
)


def context(**changes) -> Context:
    base = Context(
        activities={
            "ROAD": Activity("ROAD", "Road work"),
            "MAINT": Activity("MAINT", "Maintenance"),
            "OLD": Activity("OLD", "Old work", active=False),
        },
        objects={
            "P1": CrmObject("P1", "Bridge", ObjectKind.PROJECT),
            "P2": CrmObject("P2", "Tunnel", ObjectKind.PROJECT),
            "P3": CrmObject("P3", "Tokyo", ObjectKind.PROJECT, currency="JPY"),
            "P4": CrmObject("P4", "Misread", ObjectKind.PROJECT, currency="euro"),
        },
        profiles=frozenset({"Summer"}),
        budgets={"B1": B1, "B2": B2},
        now=NOW,
        timezone="Europe/Copenhagen",
    )
    return replace(base, **changes)


def row(n: int = 2, **values) -> RawRow:
    """A row of a new budget of P1 for 2026 with a ROAD line; ``values`` override cells."""
    cells = {
        "budget_id": None,
        "version": None,
        "object": "P1",
        "start": "2027-01-01",
        "end": "2027-12-31",
        "activity": "ROAD",
        "income": None,
        "cost": 100.0,
        "phasing": None,
        "note": None,
    }
    cells.update(values)
    return RawRow("Budgets", n, cells, COLUMNS)


def b1(n: int = 2, **values) -> RawRow:
    """A row of the locked budget B1 as the server holds it."""
    cells = dict(
        budget_id="B1", version=1, start=date(2026, 1, 1), end=date(2026, 12, 31), cost=1000.0
    )
    return row(n, **{**cells, **values})


def b1_rows(**changes) -> list[RawRow]:
    return [b1(2, **changes), b1(3, activity="OLD", cost=10)]


def found(rows, ctx=None) -> list[tuple[str, str]]:
    return [(f.code, str(f)) for f in validate_table(rows, ctx or context()).findings]


# --- one finding per cell problem ------------------------------------------------------

CELL_CASES = [
    # (id, cell values, code, what the accountant reads)
    ("missing-object", {"object": None}, "missing_value", "Budgets!C2: Object is missing"),
    ("blank-start", {"start": "  "}, "missing_value", "Budgets!D2: Period start is missing"),
    ("missing-end", {"end": None}, "missing_value", "Budgets!E2: Period end is missing"),
    ("missing-activity", {"activity": ""}, "missing_value", "Budgets!F2: Activity is missing"),
    (
        "text-in-number-cell",
        {"cost": "12,5O"},
        "not_a_number",
        'Budgets!H2: Cost budget "12,5O" is not a number: write digits with a dot for '
        "decimals and no thousands separators, e.g. 1234.50",
    ),
    (
        "boolean-amount",
        {"income": True},
        "not_a_number",
        'Budgets!G2: Income budget "True" is a TRUE/FALSE value, not an amount',
    ),
    (
        "date-in-amount",
        {"cost": datetime(2026, 1, 1)},
        "not_a_number",
        "Budgets!H2: Cost budget 2026-01-01T00:00:00 is a date, not an amount",
    ),
    (
        "excel-error-amount",
        {"cost": "#REF!"},
        "excel_error",
        "Budgets!H2: Cost budget holds the Excel error #REF!",
    ),
    (
        "excel-error-object",
        {"object": "#N/A"},
        "excel_error",
        "Budgets!C2: Object holds the Excel error #N/A",
    ),
    (
        "formula-amount",
        {"cost": Formula("=G2*2")},
        "formula",
        'Budgets!H2: Cost budget holds the formula "=G2*2"; a value is needed',
    ),
    (
        "formula-date",
        {"start": Formula("=TODAY()")},
        "formula",
        'Budgets!D2: Period start holds the formula "=TODAY()"; a value is needed',
    ),
    (
        "nan",
        {"cost": math.nan},
        "non_finite",
        'Budgets!H2: Cost budget "nan" is not a finite number',
    ),
    (
        "minus-infinity",
        {"income": -math.inf},
        "non_finite",
        'Budgets!G2: Income budget "-inf" is not a finite number',
    ),
    (
        "16-digits",
        {"cost": 1234567890123456.0},
        "too_many_digits",
        'Budgets!H2: Cost budget "1234567890123456.0" has more than 15 significant digits, '
        "more than Excel holds exactly",
    ),
    (
        "huge-int",
        {"cost": 10**400},
        "too_many_digits",
        "Budgets!H2: Cost budget has more than 15 significant digits, more than Excel holds "
        "exactly",
    ),
    (
        "three-decimals",
        {"cost": 12.345},
        "too_many_decimals",
        'Budgets!H2: Cost budget "12.345" has more than 2 decimals, more than EUR allows: '
        "round it to 12.35",
    ),
    (
        "decimals-in-yen",
        {"object": "P3", "cost": 12.5},
        "too_many_decimals",
        'Budgets!H2: Cost budget "12.5" has more than 0 decimals, more than JPY allows: '
        "round it to 13",
    ),
    (
        "currency-of-the-object-is-not-iso",
        {"object": "P4", "cost": 5.0},
        "bad_currency",
        'Budgets!H2: Cost budget "euro" is not an ISO 4217 currency code',
    ),
    (
        "negative",
        {"income": -5},
        "negative_amount",
        "Budgets!G2: Income budget -5.00 is negative; budgets are amounts from 0 up",
    ),
    (
        "date-as-words",
        {"start": "1 Jan 2027"},
        "not_a_date",
        'Budgets!D2: Period start "1 Jan 2027" is not a date '
        "(write it as YYYY-MM-DD, e.g. 2026-01-31)",
    ),
    (
        "date-with-time",
        {"end": datetime(2027, 12, 31, 13, 30)},
        "not_a_date",
        "Budgets!E2: Period end 2027-12-31T13:30:00 has a time of day; give a date",
    ),
    (
        "fractional-day-number",
        {"end": 46387.5},
        "not_a_date",
        "Budgets!E2: Period end 46387.5 is not a whole day number",
    ),
    (
        "day-number-out-of-range",
        {"start": -3},
        "not_a_date",
        "Budgets!D2: Period start -3 is not a date Excel can hold",
    ),
    (
        "boolean-date",
        {"start": False},
        "not_a_date",
        "Budgets!D2: Period start FALSE is not a date",
    ),
    ("bytes-object", {"object": b"P1"}, "wrong_type", "Budgets!C2: Object b'P1' is not text"),
    (
        "date-as-activity",
        {"activity": date(2026, 1, 1)},
        "wrong_type",
        "Budgets!F2: Activity 2026-01-01 is not text",
    ),
    (
        "version-text",
        {"version": "v2"},
        "bad_version",
        "Budgets!B2: Version v2 is not a version number",
    ),
    (
        "unknown-object",
        {"object": "P99"},
        "unknown_object",
        'Budgets!C2: Object "P99" is not known',
    ),
    (
        "unknown-activity-in-lower-case",
        {"activity": "road"},
        "unknown_activity",
        'Budgets!F2: Activity "road" is not known; did you mean ROAD?',
    ),
    (
        "inactive-activity-on-a-new-budget",
        {"activity": "OLD"},
        "inactive_activity",
        "Budgets!F2: Activity OLD is inactive and takes no new budget lines",
    ),
    (
        "unknown-phasing",
        {"phasing": "Winter"},
        "unknown_phasing",
        'Budgets!I2: Phasing "Winter" is not days, months or a profile of the Profiles table',
    ),
    (
        "end-before-start",
        {"start": "2027-05-01", "end": "2027-04-30"},
        "end_before_start",
        "Budgets!E2: Period end 2027-04-30 is before Period start 2027-05-01",
    ),
    (
        "unknown-budget-id",
        {"budget_id": "B404", "version": 1},
        "unknown_budget",
        'Budgets!A2: Budget ID "B404" is not known to the server; clear it to save the rows '
        "as a new budget",
    ),
]


@pytest.mark.parametrize(
    ("cells", "code", "message"),
    [case[1:] for case in CELL_CASES],
    ids=[case[0] for case in CELL_CASES],
)
def test_each_cell_problem_is_one_finding_at_its_cell(cells, code, message):
    assert found([row(**cells)]) == [(code, message)]


# --- findings about whole budgets ------------------------------------------------------

BUDGET_CASES = [
    # (id, rows, [(code, message)])
    (
        "duplicate-activity",
        [row(2), row(3, cost=5)],
        [
            (
                "duplicate_activity",
                "Budgets!F3: Activity ROAD already has a line in this budget; "
                "give each activity one line",
            )
        ],
    ),
    (
        "rows-of-one-id-disagree",
        [b1(2), b1(3, activity="OLD", cost=10, end="2026-11-30")],
        [
            (
                "budget_rows_disagree",
                "Budgets!E3: Period end 2026-11-30 differs from 2026-12-31 in row 2 of budget "
                "B1; all its rows must agree",
            )
        ],
    ),
    (
        "version-missing",
        [b1(2, version=None), b1(3, activity="OLD", cost=10, version=None)],
        [
            (
                "version_required",
                "Budgets!B2: Version is missing for budget B1; it is filled in when the budget "
                "is saved or refreshed, and tells the server which version you edited",
            )
        ],
    ),
    (
        "overlap-within-the-sheet",
        [row(2), row(3, start="2027-12-31", end="2028-06-30")],
        [
            (
                "overlap",
                "Budgets!D2: The new budget of P1 (2027-01-01 to 2027-12-31) overlaps budget in "
                "Budgets row 3 (2027-12-31 to 2028-06-30); budgets of one object may touch but "
                "not overlap",
            ),
            (
                "overlap",
                "Budgets!D3: The new budget of P1 (2027-12-31 to 2028-06-30) overlaps budget in "
                "Budgets row 2 (2027-01-01 to 2027-12-31); budgets of one object may touch but "
                "not overlap",
            ),
        ],
    ),
    ("touching-within-the-sheet", [row(2), row(3, start="2028-01-01", end="2028-06-30")], []),
    (
        "overlap-with-the-server",
        [row(2, start="2026-12-01")],
        [
            (
                "overlap",
                "Budgets!D2: The new budget of P1 (2026-12-01 to 2027-12-31) overlaps budget B1 "
                "(2026-01-01 to 2026-12-31); budgets of one object may touch but not overlap",
            )
        ],
    ),
    (
        "dates-of-a-locked-budget",
        b1_rows(end="2026-06-30"),
        [
            (
                "dates_locked",
                "Budgets!E2: Budget B1 is locked since 2026-01-11 00:00 Europe/Copenhagen: its "
                "dates stay 2026-01-01 to 2026-12-31; only amounts, notes and phasing may "
                "change, and lines may be added (you gave 2026-01-01 to 2026-06-30)",
            ),
            (
                "budget_rows_disagree",
                "Budgets!E3: Period end 2026-12-31 differs from 2026-06-30 in row 2 of budget "
                "B1; all its rows must agree",
            ),
        ],
    ),
    (
        "object-of-a-locked-budget",
        [b1(2, object="P2"), b1(3, object="P2", activity="OLD", cost=10)],
        [
            (
                "object_locked",
                "Budgets!C2: Budget B1 is locked since 2026-01-11 00:00 Europe/Copenhagen: it "
                "stays a budget of P1 (you gave P2)",
            )
        ],
    ),
    (
        "stale-version",
        [
            row(2, budget_id="B2", version=2, object="P2", start="2026-01-01", end="2026-12-31"),
        ],
        [
            (
                "stale_version",
                "Budgets!B2: Budget B2 has changed since version 2: the current version is 3. "
                "Refresh: your rows are kept and the service's figures are named beside them; "
                "then Save again",
            )
        ],
    ),
    (
        "line-of-a-locked-version-dropped",
        [b1(2, cost=900)],
        [
            (
                "line_removed",
                "Budgets!A2: Budget B1: activity OLD is in locked version 1 and cannot be "
                "removed; set it to 0 instead",
            )
        ],
    ),
    (
        "locked-budget-with-new-numbers",
        [b1(2, cost=900), b1(3, activity="OLD", cost=0)],
        [
            (
                "becomes_correction",
                "Budgets!A2: Budget B1 is locked (since 2026-01-11 00:00 Europe/Copenhagen): "
                "saving creates correction 1; the master and earlier versions stay as they are",
            ),
            (
                "becomes_correction",
                "Budgets!A3: Budget B1 is locked (since 2026-01-11 00:00 Europe/Copenhagen): "
                "saving creates correction 1; the master and earlier versions stay as they are",
            ),
        ],
    ),
    ("locked-budget-unchanged-in-another-order", list(reversed(b1_rows())), []),
    ("inactive-activity-kept-on-its-budget", b1_rows(), []),
    (
        "editable-budget-moves-its-dates",
        [row(2, budget_id="B2", version=3, object="P2", start="2026-02-01", end="2026-12-31")],
        [],
    ),
    ("blank-rows-are-skipped", [row(2, **dict.fromkeys(BUDGET_COLUMNS)), row(3)], []),
]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [case[1:] for case in BUDGET_CASES],
    ids=[case[0] for case in BUDGET_CASES],
)
def test_findings_about_whole_budgets(rows, expected):
    assert found(rows) == expected


def test_every_code_is_documented_and_shown_by_a_test():
    import pixie_xl.core.validation as module

    documented = set(re.findall(r"^``(\w+)``", module.__doc__, re.MULTILINE))
    tested = {code for case in CELL_CASES for code in [case[2]]}
    tested |= {code for case in BUDGET_CASES for code, _ in case[2]}
    assert tested <= documented
    # the workbook actions' codes are shown by tests/excel/test_actions.py and tests/cli
    # (test_budgets_sheet.py, test_two_accountants.py)
    sheet = {"outside_table", "delete_locked", "delete_new_rows", "unsaved_rows", "conflict"}
    sheet.add("budget_gone")
    # unreadable: a safety net no cell value reaches
    assert documented - tested == {"unreadable", *sheet}


def test_the_correction_notice_is_information_not_an_error():
    result = validate_table([b1(2, cost=900), b1(3, activity="OLD", cost=0)], context())
    assert result.ok
    assert {f.severity for f in result.findings} == {"info"}
    ((draft, decision),) = result.decisions
    assert (draft.budget_id, draft.based_on, decision.action) == ("B1", 1, Action.NEW_CORRECTION)


def test_a_clean_sheet_gives_no_errors_and_the_budgets_it_describes():
    rows = [
        row(2, cost=1500.5, note="  first phase "),
        row(3, activity="MAINT", income="200", cost=None, phasing="summer"),
        row(4, object="P2", start=46388, end=datetime(2027, 6, 30), cost=7),
        b1(5, cost=1000),
        b1(6, activity="OLD", cost=10.0),
    ]
    result = validate_table(rows, context())
    assert result.findings == ()
    assert result.ok
    new_p1, new_p2, kept = result.drafts
    assert (new_p1.budget_id, new_p1.object, new_p1.start, new_p1.end) == (
        None,
        "P1",
        d("2027-01-01"),
        d("2027-12-31"),
    )
    assert new_p1.lines == (
        line("ROAD", cost="1500.50", note="first phase"),
        line("MAINT", income="200.00", phasing="Summer"),
    )
    assert [str(ln.source) for ln in new_p1.lines] == ["Budgets!A2", "Budgets!A3"]
    assert (new_p2.object, new_p2.start, new_p2.end) == ("P2", d("2027-01-01"), d("2027-06-30"))
    assert new_p2.lines == (line("ROAD", cost="7.00"),)
    assert kept.budget_id == "B1" and kept.based_on == 1
    assert [a for _, a in ((dr, dec.action) for dr, dec in result.decisions)] == [
        Action.CREATE,
        Action.CREATE,
        Action.UNCHANGED,
    ]


def test_findings_come_in_sheet_order_whatever_finds_them():
    rows = [
        row(2, start="2027-06-01"),  # overlaps row 5: found by the last pass
        row(3, object="P2", cost="x", income="y"),
        row(4, object="P2", activity="ROAD", cost=-1),  # duplicate ROAD in P2's budget
        row(5, start="2027-01-01", end="2027-06-30", activity="nope"),
    ]
    cells = [f.source.cell for f in validate_table(rows, context()).findings]
    assert cells == ["D2", "G3", "H3", "F4", "H4", "D5", "F5"]


def test_without_the_servers_time_no_lock_information_but_stale_versions_still_show():
    offline = context(now=None)
    result = validate_table([b1(2, cost=900), b1(3, activity="OLD", cost=0)], offline)
    assert result.findings == () and result.decisions == ()
    stale = [row(2, budget_id="B2", version=1, object="P2", start="2026-01-01", end="2026-12-31")]
    assert [f.code for f in validate_table(stale, offline).findings] == ["stale_version"]


def test_without_server_budgets_an_id_is_not_called_unknown():
    offline = context(budgets={}, now=None)
    assert validate_table([b1(2), b1(3, activity="MAINT", cost=10)], offline).findings == ()
    no_version = [b1(2, version=None)]
    assert [f.code for f in validate_table(no_version, offline).findings] == ["version_required"]


def test_rows_of_two_sheets_keep_their_order_and_their_sheet():
    incoming = RawRow("import.csv", 2, row(2, start="2027-06-01").values, COLUMNS)
    rows = [row(7), incoming]
    findings = validate_table(rows, context()).findings
    assert [str(f.source) for f in findings] == ["Budgets!D7", "import.csv!D2"]
    assert {f.code for f in findings} == {"overlap"}


def test_lists_of_records_are_accepted_as_the_context():
    base = context()
    listed = Context(
        activities=list(base.activities.values()),
        objects=list(base.objects.values()),
        profiles=[Profile("Summer", ())],
        budgets=[B1, B2],
        now=NOW,
        timezone="Europe/Copenhagen",
    )
    rows = [b1(2, cost=900), b1(3, activity="OLD", cost=0), row(4, phasing="Summer")]
    assert validate_table(rows, listed) == validate_table(rows, base)


def test_a_dict_of_profiles_is_accepted():
    rows = [row(2, phasing="Summer"), row(3, activity="MAINT", phasing="months")]
    assert validate_table(rows, context(profiles={"Summer": object()})).ok


def test_errors_in_a_locked_budget_still_show_its_date_change():
    rows = [b1(2, end="2026-06-30", cost="bad"), b1(3, activity="OLD", end="2026-06-30")]
    codes = [f.code for f in validate_table(rows, context()).findings]
    assert codes == ["dates_locked", "not_a_number"]


# --- never raising ---------------------------------------------------------------------

cell_values = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(10**5000),
    st.booleans(),
    st.datetimes(timezones=st.none() | st.just(at("2026-01-01T00:00").tzinfo)),
    st.dates(),
    st.sampled_from(sorted(EXCEL_ERRORS)),
    st.builds(Formula, st.text(max_size=8).map(lambda s: "=" + s)),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.sampled_from(["2026-01-31", "P1", "ROAD", "B1", "B2", "days", " 12.50 ", "1e308", "-0.0"]),
    st.just(-0.0),
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.fixed_dictionaries({k: cell_values for k in BUDGET_COLUMNS}), max_size=5))
def test_any_cell_values_give_findings_never_an_exception(rows):
    raws = [RawRow("Budgets", i + 2, cells, COLUMNS) for i, cells in enumerate(rows)]
    result = validate_table(raws, context())
    for f in result.findings:
        assert f.source is not None and f.source.sheet == "Budgets"
        assert str(f).startswith("Budgets!") and f.code and f.message
    rows_in_order = [int(f.source.cell[1:]) for f in result.findings]
    assert rows_in_order == sorted(rows_in_order)


@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(10**16), 10**16),
        st.decimals(places=2, min_value=0, max_value=10**9).map(float),
    ),
    st.sampled_from(["EUR", "JPY", "KWD"]),
)
def test_the_fast_amount_path_reads_exactly_what_from_excel_reads(value, currency):
    try:
        expected: Money | str = from_excel(value, currency)
    except AmountError as e:
        expected = e.code
    try:
        got: Money | str = Amounts(currency).read(value, "Cost budget")
    except Exception as e:
        got = e.code
    assert got == expected
    if type(value) is float and 0 <= value < 10**13 and isinstance(expected, Money):
        rows = [row(2, object="P3" if currency == "JPY" else "P1", cost=value)]
        if currency != "KWD":
            (draft,) = validate_table(rows, context()).drafts
            assert draft.lines[0].cost == expected


# --- the clean cells read a column at a time say exactly what the careful path says -------

likely_cells = {
    "budget_id": st.sampled_from([None, "", "B1", "B2", " B9 ", "B404"]),
    "version": st.sampled_from([None, "", 1, 1.0, 3, "2", 0]),
    "object": st.sampled_from(["P1", "P2", "P3", "P4", " P1 ", "p1", ""]),
    "start": st.sampled_from(
        [date(2026, 1, 1), "2026-01-01", 46023, 46023.0, datetime(2026, 1, 1)]
    ),
    "end": st.sampled_from([date(2026, 12, 31), "2026-12-31", 46387, date(2025, 1, 1)]),
    "activity": st.sampled_from(["ROAD", "MAINT", "OLD", "road", " ROAD"]),
    "income": st.one_of(st.floats(-10, 10**6), st.sampled_from([None, 0.5, 12.345, "12.50", 7])),
    "cost": st.one_of(st.floats(0, 10**13), st.sampled_from([None, -0.0, 1000.0, 10, "x"])),
    "phasing": st.sampled_from([None, "days", "months", "Summer", "summer", "Winter"]),
    "note": st.sampled_from([None, "", " first phase ", "#REF!", "#1 priority"]),
}


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.one_of(
            st.fixed_dictionaries(likely_cells),
            st.fixed_dictionaries({k: st.one_of(likely_cells[k], cell_values) for k in COLUMNS}),
        ),
        max_size=6,
    ),
    offline=st.booleans(),
)
def test_reading_clean_cells_by_column_changes_nothing(rows, offline):
    import pixie_xl.sheets.budget_cells as budget_cells
    from pixie_xl.sheets.budget_columns import DIRTY, Column

    def all_dirty(columns, *_args):
        return [Column([DIRTY] * len(c), True) for c in columns]

    raws = [RawRow("Budgets", i + 2, cells, COLUMNS) for i, cells in enumerate(rows)]
    ctx = context(now=None, budgets={}) if offline else context()
    fast = validate_table(raws, ctx)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget_cells, "clean_columns", all_dirty)
        careful = validate_table(raws, ctx)
    assert fast == careful
    assert [ln.source for d in fast.drafts for ln in d.lines] == [
        ln.source for d in careful.drafts for ln in d.lines
    ]


def test_an_id_an_empty_server_lacks_is_unknown_when_its_budgets_are_known():
    online = context(budgets={}, budgets_known=True)  # the service holds no budget at all
    assert [f.code for f in validate_table([b1(2)], online).findings] == ["unknown_budget"]
