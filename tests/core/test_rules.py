"""The budget rules R1–R7: when a budget locks, what a save or a delete does, and why not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixie_xl.core.errors import InvalidInput, RuleViolation, StaleVersion
from pixie_xl.core.records import VersionKind
from pixie_xl.core.rules import (
    Action,
    Decision,
    Span,
    apply_delete,
    apply_save,
    decide_delete,
    decide_save,
    is_locked,
    lock_instant,
    overlaps,
)
from tests.builders import at, d, draft, history, line, version

CPH = "Europe/Copenhagen"

# --- the end of the creation day --------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "created", "locks", "editable_for"),
    [
        (CPH, "2026-06-15T09:00+02:00", "2026-06-16T00:00+02:00", timedelta(hours=15)),
        (CPH, "2026-06-15T23:59+02:00", "2026-06-16T00:00+02:00", timedelta(minutes=1)),
        (CPH, "2026-06-16T00:01+02:00", "2026-06-17T00:00+02:00", timedelta(hours=23, minutes=59)),
        (CPH, "2026-06-15T22:30+00:00", "2026-06-17T00:00+02:00", timedelta(hours=23, minutes=30)),
        (CPH, "2026-03-29T00:00+01:00", "2026-03-30T00:00+02:00", timedelta(hours=23)),
        (CPH, "2026-10-25T00:00+02:00", "2026-10-26T00:00+01:00", timedelta(hours=25)),
        (CPH, "2026-10-25T02:30+01:00", "2026-10-26T00:00+01:00", timedelta(hours=21, minutes=30)),
        (
            "America/New_York",
            "2026-03-08T00:00-05:00",
            "2026-03-09T00:00-04:00",
            timedelta(hours=23),
        ),
        (
            "America/New_York",
            "2026-11-01T00:00-04:00",
            "2026-11-02T00:00-05:00",
            timedelta(hours=25),
        ),
        (
            "America/New_York",
            "2026-11-01T23:59-05:00",
            "2026-11-02T00:00-05:00",
            timedelta(minutes=1),
        ),
        (
            "America/New_York",
            "2026-11-02T00:01-05:00",
            "2026-11-03T00:00-05:00",
            timedelta(hours=23, minutes=59),
        ),
        ("UTC", "2026-03-29T00:00+00:00", "2026-03-30T00:00+00:00", timedelta(hours=24)),
        ("UTC", "2026-10-25T23:59+00:00", "2026-10-26T00:00+00:00", timedelta(minutes=1)),
        ("UTC", "2026-10-25T23:00-02:00", "2026-10-27T00:00+00:00", timedelta(hours=23)),
        # clocks jump from 00:00 to 01:00: the day ends at the jump
        (
            "America/Santiago",
            "2026-09-05T12:00-04:00",
            "2026-09-06T01:00-03:00",
            timedelta(hours=12),
        ),
        # 00:00 happens twice: the day ends at the first midnight
        ("America/Havana", "2026-10-31T12:00-04:00", "2026-11-01T00:00-04:00", timedelta(hours=12)),
    ],
    ids=[
        "cph-morning",
        "cph-minute-before-midnight",
        "cph-minute-after-midnight",
        "cph-given-in-utc-is-next-local-day",
        "cph-spring-forward-day-23h",
        "cph-fall-back-day-25h",
        "cph-after-fall-back",
        "ny-spring-forward-day-23h",
        "ny-fall-back-day-25h",
        "ny-minute-before-midnight",
        "ny-minute-after-midnight",
        "utc-24h",
        "utc-minute-before-midnight",
        "utc-given-with-offset",
        "santiago-midnight-does-not-exist",
        "havana-midnight-twice",
    ],
)
def test_a_version_locks_at_the_end_of_its_local_creation_day(tz, created, locks, editable_for):
    lock = lock_instant(at(created), tz)
    assert lock == at(locks).astimezone(UTC)
    assert lock.astimezone(ZoneInfo(tz)).isoformat(timespec="minutes") == locks
    assert lock - at(created) == editable_for


def test_locked_from_the_lock_instant_on():
    v = version(created_at="2026-06-15T23:59+02:00")
    assert not is_locked(v, at("2026-06-15T23:59:59+02:00"), CPH)
    assert is_locked(v, at("2026-06-16T00:00+02:00"), CPH)
    assert is_locked(v, at("2026-06-15T22:00+00:00"), CPH)  # the same instant in UTC


@pytest.mark.parametrize("tz", ["Europe/Kopenhagen", "", "../etc/passwd"])
def test_an_unknown_timezone_is_refused_with_a_code(tz):
    with pytest.raises(InvalidInput) as e:
        lock_instant(at("2026-01-01T09:00"), tz)
    assert e.value.code == "bad_timezone"


def test_naive_times_are_refused():
    from datetime import datetime

    with pytest.raises(InvalidInput) as e:
        lock_instant(datetime(2026, 1, 1, 9), CPH)
    assert e.value.code == "naive_datetime"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("2026-01-01", "2026-03-31"), ("2026-04-01", "2026-06-30"), False),
        (("2026-01-01", "2026-04-01"), ("2026-04-01", "2026-06-30"), True),
        (("2026-01-01", "2026-12-31"), ("2026-06-01", "2026-06-01"), True),
        (("2026-05-01", "2026-05-31"), ("2026-01-01", "2026-04-30"), False),
    ],
    ids=["touching", "one-shared-day", "inside", "before"],
)
def test_overlap_is_inclusive_and_touching_is_fine(a, b, expected):
    assert overlaps(d(a[0]), d(a[1]), d(b[0]), d(b[1])) is expected
    assert overlaps(d(b[0]), d(b[1]), d(a[0]), d(a[1])) is expected


# --- saving ---------------------------------------------------------------------------

# B1: master created 2026-01-10 09:00 UTC (10:00 in Copenhagen), version 1, ROAD cost 1000
SAME_DAY = at("2026-01-10T15:00+00:00")
NEXT_DAY = at("2026-01-11T08:00+00:00")
MASTER = history(version())
ROAD = line("ROAD", cost="1000.00")
MAINT = line("MAINT", cost="50.00")


def corrected(created_at="2026-01-12T09:00+00:00"):
    """B1 with a correction 1 (version 2) that adds MAINT."""
    return history(
        version(),
        version(seq=1, lines=[ROAD, MAINT], created_at=created_at, revision=2),
    )


SAVE_CASES = [
    # (id, draft, history, others, now, action, code)
    ("new-budget", draft(), None, [], SAME_DAY, Action.CREATE, ""),
    (
        "new-touching-another",
        draft(),
        None,
        [Span("B7", "P1", d("2027-01-01"), d("2027-12-31"))],
        SAME_DAY,
        Action.CREATE,
        "",
    ),
    (
        "new-overlapping-another",
        draft(),
        None,
        [Span("B7", "P1", d("2026-12-31"), d("2027-12-31"))],
        SAME_DAY,
        Action.REFUSE,
        "overlap",
    ),
    (
        "new-overlapping-another-object",
        draft(),
        None,
        [Span("B7", "P2", d("2026-06-01"), d("2027-12-31"))],
        SAME_DAY,
        Action.CREATE,
        "",
    ),
    (
        "end-before-start",
        draft(end="2025-12-31"),
        None,
        [],
        SAME_DAY,
        Action.REFUSE,
        "end_before_start",
    ),
    (
        "duplicate-line",
        draft(lines=[ROAD, ROAD]),
        None,
        [],
        SAME_DAY,
        Action.REFUSE,
        "duplicate_activity",
    ),
    ("no-version", draft("B1"), MASTER, [], SAME_DAY, Action.REFUSE, "version_required"),
    (
        "stale",
        draft("B1", based_on=0, lines=[MAINT]),
        MASTER,
        [],
        SAME_DAY,
        Action.REFUSE,
        "stale_version",
    ),
    ("unchanged-same-day", draft("B1", based_on=1), MASTER, [], SAME_DAY, Action.UNCHANGED, ""),
    ("unchanged-locked", draft("B1", based_on=1), MASTER, [], NEXT_DAY, Action.UNCHANGED, ""),
    (
        "unchanged-in-other-line-order",
        draft("B1", based_on=2, lines=[MAINT, ROAD]),
        corrected(),
        [],
        at("2026-02-01T00:00+00:00"),
        Action.UNCHANGED,
        "",
    ),
    (
        "same-day-new-numbers",
        draft("B1", based_on=1, lines=[MAINT]),
        MASTER,
        [],
        SAME_DAY,
        Action.EDIT_IN_PLACE,
        "",
    ),
    (
        "same-day-new-dates",
        draft("B1", based_on=1, end="2026-06-30"),
        MASTER,
        [Span("B7", "P1", d("2026-07-01"), d("2026-12-31"))],
        SAME_DAY,
        Action.EDIT_IN_PLACE,
        "",
    ),
    (
        "same-day-new-dates-overlap",
        draft("B1", based_on=1, end="2027-01-31"),
        MASTER,
        [
            Span("B7", "P1", d("2027-01-01"), d("2027-12-31")),
            Span("B1", "P1", d("2026-01-01"), d("2026-12-31")),
        ],
        SAME_DAY,
        Action.REFUSE,
        "overlap",
    ),
    (
        "same-day-new-object",
        draft("B1", based_on=1, object="P2"),
        MASTER,
        [],
        SAME_DAY,
        Action.EDIT_IN_PLACE,
        "",
    ),
    (
        "locked-new-numbers",
        draft("B1", based_on=1, lines=[line("ROAD", cost="900.00")]),
        MASTER,
        [],
        NEXT_DAY,
        Action.NEW_CORRECTION,
        "",
    ),
    (
        "locked-line-added",
        draft("B1", based_on=1, lines=[ROAD, MAINT]),
        MASTER,
        [],
        NEXT_DAY,
        Action.NEW_CORRECTION,
        "",
    ),
    (
        "locked-line-set-to-zero",
        draft("B1", based_on=1, lines=[line("ROAD")]),
        MASTER,
        [],
        NEXT_DAY,
        Action.NEW_CORRECTION,
        "",
    ),
    (
        "locked-note-changed",
        draft("B1", based_on=1, lines=[line("ROAD", cost="1000.00", note="x")]),
        MASTER,
        [],
        NEXT_DAY,
        Action.NEW_CORRECTION,
        "",
    ),
    (
        "locked-line-dropped",
        draft("B1", based_on=1, lines=[MAINT]),
        MASTER,
        [],
        NEXT_DAY,
        Action.REFUSE,
        "line_removed",
    ),
    (
        "locked-dates-changed",
        draft("B1", based_on=1, end="2026-06-30"),
        MASTER,
        [],
        NEXT_DAY,
        Action.REFUSE,
        "dates_locked",
    ),
    (
        "locked-object-changed",
        draft("B1", based_on=1, object="P2"),
        MASTER,
        [],
        NEXT_DAY,
        Action.REFUSE,
        "object_locked",
    ),
    (
        "correction-same-day",
        draft("B1", based_on=2, lines=[ROAD, line("MAINT", cost="75.00")]),
        corrected(),
        [],
        at("2026-01-12T18:00+00:00"),
        Action.EDIT_IN_PLACE,
        "",
    ),
    (
        "correction-same-day-drops-its-own-new-line",
        draft("B1", based_on=2, lines=[line("ROAD", cost="5.00")]),
        corrected(),
        [],
        at("2026-01-12T18:00+00:00"),
        Action.EDIT_IN_PLACE,
        "",
    ),
    (
        "correction-same-day-drops-a-locked-line",
        draft("B1", based_on=2, lines=[MAINT]),
        corrected(),
        [],
        at("2026-01-12T18:00+00:00"),
        Action.REFUSE,
        "line_removed",
    ),
    (
        "correction-same-day-dates",
        draft("B1", based_on=2, lines=[ROAD, MAINT], start="2026-02-01"),
        corrected(),
        [],
        at("2026-01-12T18:00+00:00"),
        Action.REFUSE,
        "dates_locked",
    ),
    (
        "correction-locked",
        draft("B1", based_on=2, lines=[ROAD, line("MAINT", cost="75.00")]),
        corrected(),
        [],
        at("2026-01-13T00:00+01:00"),
        Action.NEW_CORRECTION,
        "",
    ),
    (
        "correction-locked-drops-its-line",
        draft("B1", based_on=2, lines=[ROAD]),
        corrected(),
        [],
        at("2026-01-13T00:00+01:00"),
        Action.REFUSE,
        "line_removed",
    ),
    (
        "other-budget",
        draft("B2", based_on=1),
        MASTER,
        [],
        SAME_DAY,
        Action.REFUSE,
        "budget_mismatch",
    ),
]


@pytest.mark.parametrize(
    ("draft_", "history_", "others", "now", "action", "code"),
    [case[1:] for case in SAVE_CASES],
    ids=[case[0] for case in SAVE_CASES],
)
def test_each_save_case_gets_its_action_and_code(draft_, history_, others, now, action, code):
    decision = decide_save(draft_, history_, others, now, CPH)
    assert (decision.action, decision.code) == (action, code)
    assert decision.ok is (action is not Action.REFUSE)
    assert bool(decision.message) is (action is Action.REFUSE)


@pytest.mark.parametrize(
    ("draft_", "history_", "others", "now", "words"),
    [
        (
            draft(),
            None,
            [Span("B7", "P1", d("2026-12-31"), d("2027-12-31"))],
            SAME_DAY,
            ["B7", "2026-12-31 to 2027-12-31", "P1", "2026-01-01 to 2026-12-31"],
        ),
        (
            draft("B1", based_on=1, end="2026-06-30"),
            MASTER,
            [],
            NEXT_DAY,
            ["B1", "locked", "2026-01-01 to 2026-12-31", "2026-01-11 00:00", "2026-06-30"],
        ),
        (
            draft("B1", based_on=1, lines=[MAINT]),
            MASTER,
            [],
            NEXT_DAY,
            ["B1", "ROAD", "set it to 0 instead"],
        ),
        (
            draft("B1", based_on=0),
            MASTER,
            [],
            NEXT_DAY,
            ["B1", "version 0", "current version is 1"],
        ),
        (draft("B1", object="P9", based_on=1), MASTER, [], NEXT_DAY, ["B1", "P1", "P9"]),
        (
            draft(start="2026-05-01", end="2026-04-30"),
            None,
            [],
            NEXT_DAY,
            ["Period end 2026-04-30", "Period start 2026-05-01"],
        ),
    ],
    ids=["overlap", "dates-locked", "line-removed", "stale", "object-locked", "end-before-start"],
)
def test_refusals_say_what_an_accountant_needs(draft_, history_, others, now, words):
    message = decide_save(draft_, history_, others, now, CPH).message
    for word in words:
        assert word in message


# --- deleting -------------------------------------------------------------------------

DELETE_CASES = [
    ("master-same-day", MASTER, 1, SAME_DAY, Action.DELETE_BUDGET, ""),
    ("master-locked", MASTER, 1, NEXT_DAY, Action.REFUSE, "locked"),
    (
        "correction-same-day",
        corrected(),
        2,
        at("2026-01-12T23:00+01:00"),
        Action.DELETE_CORRECTION,
        "",
    ),
    ("correction-locked", corrected(), 2, at("2026-01-13T00:00+01:00"), Action.REFUSE, "locked"),
    ("without-version", MASTER, None, SAME_DAY, Action.REFUSE, "version_required"),
    ("stale", corrected(), 1, at("2026-01-12T12:00+01:00"), Action.REFUSE, "stale_version"),
]


@pytest.mark.parametrize(
    ("history_", "based_on", "now", "action", "code"),
    [case[1:] for case in DELETE_CASES],
    ids=[case[0] for case in DELETE_CASES],
)
def test_what_a_delete_does(history_, based_on, now, action, code):
    decision = decide_delete(history_, based_on, now, CPH)
    assert (decision.action, decision.code) == (action, code)


def test_deleting_a_locked_master_says_nothing_locked_is_deleted():
    message = decide_delete(MASTER, 1, NEXT_DAY, CPH).message
    assert "B1" in message and "locked" in message and "correction" in message


# --- applying -------------------------------------------------------------------------


def test_create_makes_a_master_at_version_1():
    h = apply_save(draft(), None, Decision(Action.CREATE), SAME_DAY, budget_id="B9", user="ann")
    (master,) = h.versions
    assert (master.budget_id, master.seq, master.kind, master.revision) == ("B9", 0, "master", 1)
    assert (master.created_at, master.created_by) == (SAME_DAY, "ann")


def test_edit_in_place_keeps_the_creation_time_and_raises_the_version():
    edited = draft("B1", based_on=1, lines=[MAINT], end="2026-06-30")
    h = apply_save(edited, MASTER, Decision(Action.EDIT_IN_PLACE), SAME_DAY, budget_id="B1")
    (master,) = h.versions
    assert master.created_at == MASTER.master.created_at
    assert (master.revision, master.lines, master.end) == (2, (MAINT,), d("2026-06-30"))


def test_a_correction_is_a_new_version_and_the_master_stays():
    edited = draft("B1", based_on=1, lines=[line("ROAD", cost="900.00")])
    h = apply_save(edited, MASTER, Decision(Action.NEW_CORRECTION), NEXT_DAY, budget_id="B1")
    assert h.master == MASTER.master
    c = h.current
    assert (c.seq, c.kind, c.revision, c.created_at) == (1, VersionKind.CORRECTION, 2, NEXT_DAY)
    assert (c.start, c.end, c.object) == (MASTER.master.start, MASTER.master.end, "P1")


def test_deleting_a_correction_makes_the_previous_version_current_and_never_reuses_its_token():
    h = corrected()
    now = at("2026-01-12T12:00+00:00")
    after = apply_delete(h, decide_delete(h, 2, now, CPH))
    assert after.versions == h.versions[:1]
    assert after.revision == 1
    # the next correction does not get the deleted correction's token 2 again
    again = draft("B1", based_on=1, lines=[line("ROAD", cost="1.00")])
    decision = decide_save(again, after, [], now, CPH)
    assert decision.action is Action.NEW_CORRECTION
    assert apply_save(again, after, decision, now, budget_id="B1").revision == 3


def test_deleting_the_master_on_its_day_deletes_the_budget():
    assert apply_delete(MASTER, decide_delete(MASTER, 1, SAME_DAY, CPH)) is None


def test_applying_a_refusal_raises_it():
    with pytest.raises(StaleVersion):
        apply_save(
            draft("B1", based_on=0),
            MASTER,
            Decision(Action.REFUSE, "stale_version", "x"),
            NEXT_DAY,
            budget_id="B1",
        )
    with pytest.raises(RuleViolation) as e:
        apply_delete(MASTER, decide_delete(MASTER, 1, NEXT_DAY, CPH))
    assert e.value.code == "locked"


def test_unchanged_returns_the_history_as_it_is():
    h = apply_save(
        draft("B1", based_on=1), MASTER, Decision(Action.UNCHANGED), NEXT_DAY, budget_id="B1"
    )
    assert h is MASTER


# --- invariants -----------------------------------------------------------------------

amounts = st.sampled_from(["0", "10.00", "25.50", "1000.00"])
lines_ = st.lists(
    st.builds(lambda a, c: line(a, cost=c), st.sampled_from(["ROAD", "MAINT", "SIGN"]), amounts),
    min_size=1,
    max_size=3,
    unique_by=lambda ln: ln.activity,
)
step = st.one_of(
    st.tuples(
        st.just("save"), lines_, st.sampled_from([None, "2026-06-30", "2026-12-31"]), st.booleans()
    ),
    st.tuples(st.just("delete"), st.booleans()),
)


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(step, st.integers(0, 40)), max_size=12))
def test_no_sequence_of_decisions_changes_or_deletes_a_locked_version(steps):
    """Saves and deletes at random hours, some stale: whatever is decided and applied,
    a version locked at that moment is never changed or removed, tokens only grow, and
    a stale token is always refused."""
    tz = CPH
    now = at("2026-01-10T06:00+00:00")
    h = None
    issued = 0
    for (kind, *args), hours in steps:
        now += timedelta(hours=hours)
        locked_before = [v for v in h.versions if is_locked(v, now, tz)] if h else []
        if kind == "save":
            lines, end, stale = args
            if h is None:
                dr = draft(lines=lines)
            else:
                token = h.revision - 1 if stale else h.revision
                dr = draft("B1", lines=lines, end=end or "2026-12-31", based_on=token)
            decision = decide_save(dr, h, [], now, tz)
            if h is not None and dr.based_on != h.revision:
                assert decision.code == "stale_version"
            if not decision.ok:
                continue
            before = h
            h = apply_save(dr, h, decision, now, budget_id="B1")
            if before is not None:  # a save never touches any version but the newest
                assert h.versions[: len(before.versions) - 1] == before.versions[:-1]
        else:
            if h is None:
                continue
            (stale,) = args
            decision = decide_delete(h, h.revision - 1 if stale else h.revision, now, tz)
            if not decision.ok:
                continue
            h = apply_delete(h, decision)
        if h is None:
            assert not locked_before
            issued = 0
            continue
        assert h.versions[: len(locked_before)] == tuple(locked_before)
        for before, after in zip(locked_before, h.versions, strict=False):
            assert before == after and before.revision == after.revision
        assert [v.seq for v in h.versions] == list(range(len(h.versions)))
        assert len({(v.start, v.end, v.object) for v in h.versions}) == 1
        if decision.action in (Action.CREATE, Action.EDIT_IN_PLACE, Action.NEW_CORRECTION):
            assert h.revision > issued
            issued = h.revision
        issued = max(issued, h.issued)


@given(
    ahead=st.integers(min_value=1, max_value=5),
    start=st.sampled_from(["2026-01-01", "2026-02-01"]),
)
def test_any_token_but_the_current_is_stale(ahead, start):
    h = history(version(revision=7))
    for token in (7 - ahead, 7 + ahead):
        dr = replace(draft("B1", start=start), based_on=token)
        assert decide_save(dr, h, [], NEXT_DAY, CPH).code == "stale_version"
        assert decide_delete(h, token, NEXT_DAY, CPH).code == "stale_version"


def test_the_worked_example_of_decide_save():
    """Copenhagen: a master saved on 10 January, edited that afternoon, corrected the next day."""
    tz = CPH
    morning, afternoon, next_day = (
        at("2026-01-10T09:00+01:00"),
        at("2026-01-10T15:00+01:00"),
        at("2026-01-11T09:00+01:00"),
    )
    new = draft(lines=[ROAD])
    h = apply_save(new, None, decide_save(new, None, [], morning, tz), morning, budget_id="B1")
    assert h.revision == 1

    edit = draft("B1", based_on=1, lines=[line("ROAD", cost="1200.00")])
    decision = decide_save(edit, h, [], afternoon, tz)
    assert decision.action is Action.EDIT_IN_PLACE
    h = apply_save(edit, h, decision, afternoon, budget_id="B1")
    assert (len(h.versions), h.revision, h.current.created_at) == (1, 2, morning)

    fix = draft("B1", based_on=2, lines=[line("ROAD", cost="1100.00"), MAINT])
    decision = decide_save(fix, h, [], next_day, tz)
    assert decision.action is Action.NEW_CORRECTION
    h = apply_save(fix, h, decision, next_day, budget_id="B1")
    assert [(v.seq, v.revision) for v in h.versions] == [(0, 2), (1, 3)]
    assert h.master.lines == (line("ROAD", cost="1200.00"),)  # the original stays

    assert decide_save(replace(fix, based_on=1), h, [], next_day, tz).code == "stale_version"
    moved = replace(fix, based_on=3, end=d("2026-06-30"))
    assert decide_save(moved, h, [], next_day, tz).code == "dates_locked"
