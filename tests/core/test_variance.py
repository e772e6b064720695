"""The Variance table, its months, alerts, totals and roll-ups (SPEC §3), on small tables."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixie_xl.core.dating import dated_actuals
from pixie_xl.core.errors import InvalidInput, NotFound
from pixie_xl.core.money import Money
from pixie_xl.core.phasing import prorate
from pixie_xl.core.records import Kind, Profile, Settings, Status
from pixie_xl.core.tree import ObjectTree
from pixie_xl.core.variance import (
    Facts,
    alerts,
    figure,
    month_rows,
    totals,
    variance_rows,
)
from tests.builders import d, history, line, money, obj, version

YEAR = (d("2026-01-01"), d("2026-12-31"))
AFTER = d("2027-01-15")  # the report year has ended: forecast = actual
TREE = ObjectTree([obj("ROOT", kind="department"), obj("P1", "ROOT"), obj("P2", "ROOT"),
                   obj("P3", "P2", name="Snow clearing")])  # fmt: skip


def actuals(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """(object, activity, kind, date, amount) rows as a dated actuals frame."""
    return pd.DataFrame(
        {
            "object": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
            "date": pd.to_datetime([r[3] for r in rows]),
            "amount": pd.Series([money(r[4]).minor for r in rows], dtype="int64"),
        }
    )


def pos(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """(object, activity, ordered_on, committed amount) rows."""
    return pd.DataFrame(
        {
            "object": [r[0] for r in rows],
            "activity": [r[1] for r in rows],
            "date": pd.to_datetime([r[2] for r in rows]),
            "amount": pd.Series([money(r[3]).minor for r in rows], dtype="int64"),
        }
    )


def facts(budgets=(), acts=None, commits=None, cfg=None, profiles=None) -> Facts:
    return Facts(
        objects=TREE,
        settings=cfg or Settings(),
        profiles=profiles or {},
        budgets=list(budgets),
        actuals=acts if acts is not None else actuals(),
        commitments=commits if commits is not None else pos(),
    )


def table(rows) -> list[tuple]:
    """The rows as an accountant reads them."""

    def s(x):
        return None if x is None else str(x)

    return [
        (r.object, r.activity, r.kind.value, s(r.original), s(r.current), s(r.actual),
         s(r.committed), s(r.variance), s(r.variance_pct), s(r.used_pct), s(r.available),
         s(r.forecast), r.status.value)
        for r in rows
    ]  # fmt: skip


def budget(bid, obj_id, *lines, start="2026-01-01", end="2026-12-31"):
    return history(version(bid, object=obj_id, start=start, end=end, lines=list(lines)))


# One year, every status: budgets cover the whole report period, so they count in full.
BUDGETS = [
    budget("B1", "P1", line("ROAD", cost="1000.00"), line("MAINT", cost="1000.00")),
    budget("B2", "P2", line("ROAD", cost="1000.00", income="2000.00"),
           line("MAINT", income="1000.00")),
]  # fmt: skip
ACTUALS = actuals(
    ("P1", "ROAD", "cost", "2026-03-01", "500.00"),
    ("P1", "MAINT", "cost", "2026-04-01", "700.00"),
    ("P2", "ROAD", "cost", "2026-05-01", "900.00"),
    ("P2", "ROAD", "income", "2026-06-01", "1500.00"),
    ("P2", "MAINT", "income", "2026-06-01", "900.00"),
    ("P3", "SNOW", "cost", "2026-12-24", "50.00"),
    ("P1", "ROAD", "cost", "2025-12-31", "999.00"),  # outside the report period
)
POS = pos(
    ("P1", "ROAD", "2026-02-01", "200.00"),
    ("P1", "MAINT", "2026-02-01", "100.00"),
    ("P2", "ROAD", "2026-02-01", "200.00"),
    ("P2", "ROAD", "2027-01-02", "5000.00"),  # ordered after the period: not counted
)


def test_every_status_on_one_table():
    rows = variance_rows(facts(BUDGETS, ACTUALS, POS), *YEAR, today=AFTER)
    assert table(rows) == [
        # obj, act, kind, orig, current, actual, committed, variance, var%, used%, avail, fcst
        ("P1", "MAINT", "cost", "1000.00", "1000.00", "700.00", "100.00", "300.00", "0.3000",
         "0.8000", "200.00", "700.00", "WARN"),  # 700 + 100 reaches 80 %
        ("P1", "ROAD", "cost", "1000.00", "1000.00", "500.00", "200.00", "500.00", "0.5000",
         "0.7000", "300.00", "500.00", "OK"),
        ("P2", "MAINT", "income", "1000.00", "1000.00", "900.00", None, "-100.00", "-0.1000",
         "0.9000", None, "900.00", "OK"),  # 900 is not below 80 % of 1,000
        ("P2", "ROAD", "income", "2000.00", "2000.00", "1500.00", None, "-500.00", "-0.2500",
         "0.7500", None, "1500.00", "BEHIND"),  # 1,500 is below 80 % of 2,000
        ("P2", "ROAD", "cost", "1000.00", "1000.00", "900.00", "200.00", "100.00", "0.1000",
         "1.1000", "-100.00", "900.00", "OVER"),  # 900 + 200 exceeds 1,000
        ("P3", "SNOW", "cost", "0.00", "0.00", "50.00", "0.00", "-50.00", None, None,
         "-50.00", "50.00", "UNBUDGETED"),
    ]  # fmt: skip
    assert rows[-1].object_name == "Snow clearing"


def test_percentages_are_fractions_rounded_half_even_to_four_places():
    b = [budget("B1", "P1", line("ROAD", cost="3.00"))]
    rows = variance_rows(facts(b, actuals(("P1", "ROAD", "cost", "2026-01-01", "1.00"))), *YEAR,
                         today=AFTER)  # fmt: skip
    assert rows[0].used_pct == Decimal("0.3333") and rows[0].variance_pct == Decimal("0.6667")


def test_ratios_come_from_the_settings():
    strict = Settings(warn_ratio=Decimal("0.5"), over_ratio=Decimal("0.6"))
    rows = variance_rows(facts(BUDGETS, ACTUALS, POS, cfg=strict), *YEAR, today=AFTER)
    assert [(r.object, r.activity, r.kind.value, r.status.value) for r in rows][:2] == [
        ("P1", "MAINT", "cost", "OVER"),  # 800 > 600
        ("P1", "ROAD", "cost", "OVER"),  # 700 > 600
    ]


def test_alerts_are_the_rows_not_ok_worst_first():
    rows = variance_rows(facts(BUDGETS, ACTUALS, POS), *YEAR, today=AFTER)
    assert [(r.object, r.activity, r.status.value) for r in alerts(rows)] == [
        ("P2", "ROAD", "OVER"),
        ("P3", "SNOW", "UNBUDGETED"),
        ("P2", "ROAD", "BEHIND"),
        ("P1", "MAINT", "WARN"),
    ]


def test_alerts_of_one_status_put_the_largest_overrun_first():
    b = [budget("B1", "P1", line("ROAD", cost="100.00"), line("MAINT", cost="100.00"))]
    a = actuals(("P1", "ROAD", "cost", "2026-01-01", "110.00"),
                ("P1", "MAINT", "cost", "2026-01-01", "150.00"))  # fmt: skip
    rows = alerts(variance_rows(facts(b, a), *YEAR, today=AFTER))
    assert [(r.activity, str(r.available)) for r in rows] == [
        ("MAINT", "-50.00"),
        ("ROAD", "-10.00"),
    ]


def test_totals_are_the_sums_of_the_rows_blank_cells_counting_nothing():
    rows = variance_rows(facts(BUDGETS, ACTUALS, POS), *YEAR, today=AFTER)
    t = {k: str(v) for k, v in totals(rows).items()}
    assert t == {
        "original": "6000.00",
        "current": "6000.00",
        "actual": "4550.00",
        "committed": "500.00",
        "variance": "250.00",
        "available": "350.00",
        "forecast": "4550.00",
    }


def test_a_parent_filter_shows_the_subtree_each_row_with_its_own_figures():
    rows = variance_rows(facts(BUDGETS, ACTUALS, POS), *YEAR, today=AFTER, object_id="P2")
    assert [(r.object, r.activity, r.kind.value, str(r.actual)) for r in rows] == [
        ("P2", "MAINT", "income", "900.00"),
        ("P2", "ROAD", "income", "1500.00"),
        ("P2", "ROAD", "cost", "900.00"),
        ("P3", "SNOW", "cost", "50.00"),
    ]
    assert len(variance_rows(facts(BUDGETS, ACTUALS, POS), *YEAR, AFTER, "*")) == 6
    with pytest.raises(NotFound, match="NOPE"):
        variance_rows(facts(BUDGETS, ACTUALS, POS), *YEAR, today=AFTER, object_id="NOPE")


@pytest.mark.parametrize(
    ("object_id", "activity", "kind", "what", "expected"),
    [
        ("ROOT", "*", "cost", "actual", "2150.00"),  # everything below ROOT
        ("*", "*", "cost", "actual", "2150.00"),
        ("P2", "*", "cost", "actual", "950.00"),  # P2 and its child P3
        ("P2", "ROAD", "cost", "committed", "200.00"),
        ("P2", "ROAD", "income", "committed", "0.00"),
        ("ROOT", "ROAD", "income", "budget_current", "2000.00"),
        ("ROOT", "*", "cost", "budget_original", "3000.00"),
        ("P3", "*", "cost", "budget_current", "0.00"),
    ],
)
def test_figure_rolls_up_parents_and_wildcards(object_id, activity, kind, what, expected):
    f = facts(BUDGETS, ACTUALS, POS)
    assert str(figure(f, object_id, activity, *YEAR, kind, what)) == expected


def test_figure_refuses_an_unknown_figure_or_kind():
    with pytest.raises(InvalidInput, match="unknown figure"):
        figure(facts(BUDGETS), "*", "*", *YEAR, "cost", "profit")
    with pytest.raises(InvalidInput, match="unknown kind"):
        figure(facts(BUDGETS), "*", "*", *YEAR, "profit", "actual")


def test_a_correction_changes_current_and_keeps_original():
    corrected = history(
        version("B1", 0, object="P1", lines=[line("ROAD", cost="1000.00")]),
        version("B1", 1, object="P1", lines=[line("ROAD", cost="1200.00"),
                                             line("MAINT", cost="0.00")]),
    )  # fmt: skip
    rows = variance_rows(facts([corrected]), *YEAR, today=AFTER)
    assert [(r.activity, str(r.original), str(r.current), str(r.variance)) for r in rows] == [
        ("ROAD", "1000.00", "1200.00", "1200.00")
    ]
    f = facts([corrected])
    assert str(figure(f, "P1", "ROAD", *YEAR, "cost", "budget_original")) == "1000.00"
    assert str(figure(f, "P1", "ROAD", *YEAR, "cost", "budget_current")) == "1200.00"


def test_a_line_corrected_to_zero_still_shows_its_original():
    corrected = history(
        version("B1", 0, object="P1", lines=[line("ROAD", cost="1000.00")]),
        version("B1", 1, object="P1", lines=[line("ROAD", cost="0.00")]),
    )
    rows = variance_rows(facts([corrected]), *YEAR, today=AFTER)
    assert table(rows) == [
        ("P1", "ROAD", "cost", "1000.00", "0.00", "0.00", "0.00", "0.00", None, None, "0.00",
         "0.00", "OK")
    ]  # fmt: skip


def test_budgets_are_prorated_to_the_report_period():
    # 3,650.00 by days over 2026, report on January: 310.00; by months: 1/12 of 1,200.00
    b = [budget("B1", "P1", line("ROAD", cost="3650.00"),
                line("MAINT", cost="1200.00", phasing="months"))]  # fmt: skip
    rows = variance_rows(facts(b), d("2026-01-01"), d("2026-01-31"), today=AFTER)
    assert [(r.activity, str(r.current)) for r in rows] == [("MAINT", "100.00"), ("ROAD", "310.00")]


def test_forecast_runs_at_the_rate_so_far_while_the_period_runs():
    b = [budget("B1", "P2", line("ROAD", income="1000.00"))]
    a = actuals(("P2", "ROAD", "income", "2026-01-02", "100.00"))
    frm, to = d("2026-01-01"), d("2026-01-10")
    # 100.00 in the first 4 of 10 days: 250.00 by the end; the income budget for the
    # 10 days is 1,000 × 10/365 = 27.40, so the row is on track
    (row,) = variance_rows(facts(b, a), frm, to, today=d("2026-01-04"))
    assert (str(row.current), str(row.forecast), row.status) == ("27.40", "250.00", Status.OK)
    # 100.00 in 3 days is 333.333… for 10 days: rounded half-even to 333.33
    (row,) = variance_rows(facts(b, a), frm, to, today=d("2026-01-03"))
    assert str(row.forecast) == "333.33"


def test_forecast_before_the_period_starts_is_the_plan():
    b = [budget("B1", "P2", line("ROAD", income="3650.00"))]
    a = actuals(("P2", "ROAD", "income", "2026-03-01", "500.00"))  # invoiced in advance
    frm, to = d("2026-03-01"), d("2026-03-10")  # budget 100.00 for these 10 days
    (row,) = variance_rows(facts(b), frm, to, today=d("2026-02-01"))
    assert (str(row.forecast), row.status) == ("100.00", Status.OK)
    (row,) = variance_rows(facts(b, a), frm, to, today=d("2026-02-01"))
    assert (str(row.forecast), row.status) == ("500.00", Status.OK)


def test_re_dating_actuals_changes_the_figures():
    raw = pd.DataFrame(
        {
            "line_id": ["L1"],
            "object": ["P1"],
            "activity": ["ROAD"],
            "kind": ["cost"],
            "date": ["2026-01-05"],
            "task_created": ["2025-12-31T23:30:00+00:00"],  # 1 January 2026 in Copenhagen
            "amount": [10000],
        }
    )
    by_expense = Settings(timezone="UTC")
    by_task = Settings(timezone="UTC", cost_date="task_created")
    by_task_cph = Settings(timezone="Europe/Copenhagen", cost_date="task_created")
    for cfg, expected in [(by_expense, "100.00"), (by_task, "0.00"), (by_task_cph, "100.00")]:
        f = facts(acts=dated_actuals(raw, cfg), cfg=cfg)
        assert str(figure(f, "P1", "ROAD", *YEAR, "cost", "actual")) == expected


def test_a_budget_in_another_currency_is_refused():
    usd = history(version(lines=[line("ROAD")]))
    usd = history(
        version(lines=[usd.master.lines[0].__class__("ROAD", Money(0, "USD"), Money(5, "USD"))])
    )
    with pytest.raises(InvalidInput, match="USD"):
        variance_rows(facts([usd]), *YEAR, today=AFTER)


def test_a_report_ending_before_it_starts_is_refused():
    with pytest.raises(InvalidInput, match="before it starts"):
        variance_rows(facts(BUDGETS), d("2026-02-01"), d("2026-01-01"), today=AFTER)


def test_an_object_missing_from_the_tree_shows_its_id_as_its_name():
    a = actuals(("X9", "ROAD", "cost", "2026-01-01", "1.00"))
    (row,) = variance_rows(facts(acts=a), *YEAR, today=AFTER)
    assert (row.object, row.object_name, row.status) == ("X9", "X9", Status.UNBUDGETED)


def test_an_actual_line_of_unknown_kind_is_refused():
    a = actuals(("P1", "ROAD", "refund", "2026-01-01", "1.00"))
    with pytest.raises(InvalidInput, match='unknown kind "refund"'):
        variance_rows(facts(acts=a), *YEAR, today=AFTER)


def test_nothing_to_report_is_an_empty_table():
    assert variance_rows(facts(), *YEAR, today=AFTER) == []
    assert month_rows(facts(), *YEAR) == []


# --- by month ---------------------------------------------------------------------------------


def test_months_split_the_period_budget_exactly_and_show_the_actuals():
    # 7,900.00 by months from 15 January: January weighs 17/31, so 1,700 / 3,100 / 3,100
    b = [budget("B1", "P1", line("ROAD", cost="7900.00", phasing="months"),
                start="2026-01-15", end="2026-03-31")]  # fmt: skip
    a = actuals(("P1", "ROAD", "cost", "2026-02-10", "200.00"))
    rows = month_rows(facts(b, a), d("2026-01-01"), d("2026-03-31"))
    assert [(str(r.month), str(r.budget), str(r.actual), str(r.variance)) for r in rows] == [
        ("2026-01-01", "1700.00", "0.00", "1700.00"),
        ("2026-02-01", "3100.00", "200.00", "2900.00"),
        ("2026-03-01", "3100.00", "0.00", "3100.00"),
    ]


def test_months_of_a_profile_and_a_partial_report_month():
    season = {"Season": Profile("Season", tuple(Decimal(w) for w in (1,) * 11 + (3,)))}
    b = [budget("B1", "P1", line("ROAD", income="1400.00", phasing="Season"))]
    rows = month_rows(facts(b, profiles=season), d("2026-11-16"), d("2026-12-31"))
    # the year weighs 14: November 100.00 (half of it: 50.00), December 300.00
    assert [(str(r.month), r.kind.value, str(r.budget), str(r.variance)) for r in rows] == [
        ("2026-11-01", "income", "50.00", "-50.00"),
        ("2026-12-01", "income", "300.00", "-300.00"),
    ]


def test_months_add_up_to_the_period_budget_with_the_extra_penny():
    b = [budget("B1", "P1", line("ROAD", cost="1.00"), start="2026-01-01", end="2026-03-31")]
    rows = month_rows(facts(b), d("2026-01-01"), d("2026-03-31"))
    assert [r.budget.minor for r in rows] == [35, 31, 34]  # 34.4 / 31.1 / 34.4 of 90 days


# --- properties: the vectorised engine against a slow obvious reference -------------------

OBJECTS = ["ROOT", "P1", "P2", "P3"]
ACTS = ["ROAD", "MAINT"]
SEASON = {"Season": Profile("Season", tuple(Decimal(w) for w in (1, 2, 0, 1, 1, 1, 3, 1, 1,
                                                                 "0.5", 1, 1)))}  # fmt: skip
day = st.dates(min_value=date(2025, 11, 1), max_value=date(2027, 2, 28))


@st.composite
def scenarios(draw):
    budgets = []
    for i in range(draw(st.integers(0, 4))):
        start = draw(day)
        end = start + timedelta(days=draw(st.integers(0, 400)))
        lines = [
            line(a, income=str(draw(st.integers(0, 5000))), cost=str(draw(st.integers(0, 5000))),
                 phasing=draw(st.sampled_from(["days", "months", "Season"])))
            for a in draw(st.lists(st.sampled_from(ACTS), unique=True, max_size=2))
        ]  # fmt: skip
        versions = [version(f"B{i}", 0, object=draw(st.sampled_from(OBJECTS)),
                            start=str(start), end=str(end), lines=lines)]  # fmt: skip
        if lines and draw(st.booleans()):
            more = [line(ln.activity, cost=str(draw(st.integers(0, 5000))), phasing=ln.phasing)
                    for ln in lines]  # fmt: skip
            versions.append(version(f"B{i}", 1, object=versions[0].object, start=str(start),
                                    end=str(end), lines=more))  # fmt: skip
        budgets.append(history(*versions))
    acts = draw(st.lists(st.tuples(st.sampled_from(OBJECTS), st.sampled_from(ACTS),
                                   st.sampled_from(["income", "cost"]), day,
                                   st.integers(-100, 3000)), max_size=12))  # fmt: skip
    commits = draw(st.lists(st.tuples(st.sampled_from(OBJECTS), st.sampled_from(ACTS), day,
                                      st.integers(0, 3000)), max_size=4))  # fmt: skip
    frm = draw(day)
    to = frm + timedelta(days=draw(st.integers(0, 200)))
    today = draw(day)
    return budgets, acts, commits, frm, to, today


def reference_rows(budgets, acts, commits, frm, to, today, cfg):
    """The Variance table computed the obvious way: loops, Fractions, no numpy."""
    figures: dict[tuple, dict[str, int]] = {}

    def cell(o, a, k):
        return figures.setdefault((o, a, k), dict(original=0, current=0, actual=0, committed=0))

    for h in budgets:
        for which, v in (("original", h.master), ("current", h.current)):
            for ln in v.lines:
                for k in ("income", "cost"):
                    amt = getattr(ln, k).minor
                    part = prorate(amt, v.start, v.end, ln.phasing, frm, to, SEASON)
                    if amt:
                        cell(v.object, ln.activity, k)[which] += part
    for o, a, k, on, amt in acts:
        if frm <= on <= to:
            cell(o, a, k)["actual"] += amt * 100
    for o, a, on, amt in commits:
        if frm <= on <= to:
            cell(o, a, "cost")["committed"] += amt * 100
    out = []
    warn, over = Fraction(cfg.warn_ratio), Fraction(cfg.over_ratio)
    for (o, a, k), f in figures.items():
        if not any(f.values()):
            continue
        cur, act, com = f["current"], f["actual"], f["committed"]
        cost = k == "cost"
        if today > to:
            fc = act
        elif today < frm:
            fc = max(act, cur)
        else:
            fc = round(Fraction(act * ((to - frm).days + 1), (today - frm).days + 1))
        spent = act + com if cost else act
        if cur == 0:
            status = "UNBUDGETED" if act or com else "OK"
        elif cost:
            status = "OVER" if spent > cur * over else "WARN" if spent >= cur * warn else "OK"
        else:
            status = "BEHIND" if fc < cur * warn else "OK"

        def pct(n, cur=cur):
            return None if cur == 0 else Decimal(round(Fraction(n * 10000, cur))) / 10000

        out.append(((o, a, 0 if k == "income" else 1), (
            o, a, k, f["original"], cur, act, com if cost else None,
            cur - act if cost else act - cur, pct(cur - act if cost else act - cur), pct(spent),
            cur - act - com if cost else None, fc, status)))  # fmt: skip
    return [r for _, r in sorted(out)]


def minor_table(rows):
    def m(x):
        return None if x is None else x.minor

    return [
        (r.object, r.activity, r.kind.value, m(r.original), m(r.current), m(r.actual),
         m(r.committed), m(r.variance), r.variance_pct, r.used_pct, m(r.available),
         m(r.forecast), r.status.value)
        for r in rows
    ]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_vectorised_engine_agrees_with_the_reference(scenario):
    budgets, acts, commits, frm, to, today = scenario
    cfg = Settings()
    f = facts(
        budgets,
        actuals(*[(o, a, k, str(on), str(amt)) for o, a, k, on, amt in acts]),
        pos(*[(o, a, str(on), str(amt)) for o, a, on, amt in commits]),
        profiles=SEASON,
    )
    rows = variance_rows(f, frm, to, today)
    assert minor_table(rows) == reference_rows(budgets, acts, commits, frm, to, today, cfg)
    # totals are the sums of the rows, and agree with the roll-up figures
    t = totals(rows)
    assert t["actual"] == sum((r.actual for r in rows), Money.zero())
    for k in Kind:
        assert sum(r.actual.minor for r in rows if r.kind is k) == (
            figure(f, "*", "*", frm, to, k, "actual").minor
        )
        assert sum(r.current.minor for r in rows if r.kind is k) == (
            figure(f, "*", "*", frm, to, k, "budget_current").minor
        )
    # the month rows split each kind's current budget exactly
    months = month_rows(f, frm, to)
    for k in Kind:
        assert sum(r.budget.minor for r in months if r.kind is k) == sum(
            r.current.minor for r in rows if r.kind is k
        )
        assert sum(r.actual.minor for r in months if r.kind is k) == sum(
            r.actual.minor for r in rows if r.kind is k
        )


@given(
    cost=st.booleans(),
    current=st.integers(0, 10**9),
    actual=st.integers(0, 10**9),
    committed=st.integers(0, 10**9),
    forecast=st.integers(0, 10**9),
    warn=st.decimals("0.01", "1.00", places=2),
    over=st.decimals("0.50", "2.00", places=2),
)
def test_the_status_of_one_row_is_the_tables_status(
    cost, current, actual, committed, forecast, warn, over
):
    """PIXIE_STATUS (one row, status_of) and the Variance table (statuses) never disagree."""
    from pixie_xl.core.variance import status_of, statuses

    company = Settings(warn_ratio=warn, over_ratio=over)
    kind = "cost" if cost else "income"
    table = statuses(
        np.array([cost]),
        np.array([current]),
        np.array([actual]),
        np.array([committed if cost else 0]),
        np.array([forecast]),
        company,
    )
    assert status_of(kind, current, actual, committed if cost else 0, forecast, company) == table[0]
