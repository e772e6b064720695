"""The budget store's own guards: whatever a caller believes, a locked or stale version row
is never updated or deleted (defence in depth behind the core's decisions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pixie_server import budget_store, db
from pixie_server.models import ActivityRow, ObjectRow

from pixie_xl.core import rules
from pixie_xl.core.errors import RuleViolation, StaleVersion
from pixie_xl.core.records import BudgetHistory
from tests.builders import at, line, version

ZONES = [
    "Europe/Copenhagen",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "UTC",
]


@settings(max_examples=300, deadline=None)
@given(
    created=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    later=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    zone=st.sampled_from(ZONES),
)
def test_the_sql_guard_agrees_with_the_rules_lock(created, later, zone):
    now = created + later
    v = version(created_at=created.isoformat())
    editable = created >= budget_store.day_start(now, zone)
    assert editable == (not rules.is_locked(v, now, zone))


@pytest.fixture
def saved(app, clock):
    """A budget saved by the store at 09:00 UTC on 10 March 2026 (the company is in UTC)."""
    clock.set(at("2026-03-10T09:00:00+00:00"))
    with app.app_context(), db.transaction(app) as s:
        s.add_all(
            [
                ObjectRow(id="P1", name="Road 7", kind="project", currency="EUR"),
                ActivityRow(code="ROAD", name="Road work", active=True),
            ]
        )
    master = version("B1", created_at="2026-03-10T09:00:00+00:00", revision=1)
    history = BudgetHistory((master,), issued=1)
    with app.app_context(), db.transaction(app) as s:
        budget_store.persist(s, None, history, clock(), "UTC")
    return history


def load(app):
    with app.app_context():
        return budget_store.load_history(db.session(), "B1", {"P1": "EUR"})


def test_the_store_reads_back_what_it_wrote(app, saved):
    assert load(app) == saved


def test_a_locked_master_is_never_edited_in_place(app, clock, saved):
    clock.set(at("2026-03-11T00:00:00+00:00"))  # midnight: locked
    edited = replace(saved.master, lines=(line("ROAD", cost="1.00"),), revision=2)
    after = BudgetHistory((edited,), issued=2)
    with pytest.raises(RuleViolation) as err, app.app_context(), db.transaction(app) as s:
        budget_store.persist(s, saved, after, clock(), "UTC")
    assert err.value.code == "locked"
    assert load(app) == saved


def test_a_locked_master_is_never_deleted(app, clock, saved):
    clock.set(at("2026-03-12T10:00:00+00:00"))
    with pytest.raises(RuleViolation), app.app_context(), db.transaction(app) as s:
        budget_store.persist(s, saved, None, clock(), "UTC")
    assert load(app) == saved


def test_an_edit_from_a_token_the_row_no_longer_has_is_stale(app, clock, saved):
    edited = replace(saved.master, lines=(line("ROAD", cost="2.00"),), revision=2)
    with app.app_context(), db.transaction(app) as s:
        budget_store.persist(s, saved, BudgetHistory((edited,), issued=2), clock(), "UTC")
    again = replace(saved.master, lines=(line("ROAD", cost="3.00"),), revision=3)
    with pytest.raises(StaleVersion), app.app_context(), db.transaction(app) as s:
        budget_store.persist(s, saved, BudgetHistory((again,), issued=3), clock(), "UTC")
    assert load(app).current.lines == (line("ROAD", cost="2.00"),)
