"""``pixie-xl allocate`` against a live service on a real .xlsm (issue 13, item 4).

Every method adds one Budgets row per child of the parent (``days``: per child and month),
the parts adding up exactly to the amount, the extra cents going by largest remainder; the
rows are saved only by ``pixie-xl save``. Bad arguments are one message and exit status 2.
Each test uses a year of its own, so the budgets saved by one never overlap another's.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pixie_xl.cli.main import cli
from pixie_xl.core.money import Money
from pixie_xl.excel import control
from pixie_xl.sheets.filebook import FileBook

CHILDREN = ["P-100", "P-200", "P-300"]  # the demo's DEPT-ROADS


def run(*args, code: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output


def rows(path) -> list[dict]:
    t = FileBook.open(path).read_table("Budgets", "Budgets")
    return [dict(zip(t.header, r, strict=True)) for r in t.rows if any(v for v in r)]


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def allocate(workbook, *extra, code: int = 0, year: int = 2030, amount: str = "100.00"):
    return run(
        "allocate", workbook, "--parent", "DEPT-ROADS", "--activity", "ROAD",
        "--cost", amount, "--from", f"{year}-01-01", "--to", f"{year}-12-31", *extra, code=code,
    )  # fmt: skip


def test_even_gives_the_extra_penny_to_the_first_child_and_saves(workbook, clean):
    out = allocate(workbook, year=2030)
    assert "3 row(s) added to the Budgets table; not saved yet" in out
    got = rows(workbook)
    assert [r["Object"] for r in got] == CHILDREN
    assert [cents(r["Cost budget"]) for r in got] == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert {r["Income budget"] for r in got} == {0}
    assert {r["Activity"] for r in got} == {"ROAD"}
    assert all(r["Budget ID"] is None for r in got)  # nothing saved yet
    assert "saved 3 budget(s)" in run("save", workbook)
    assert all(r["Budget ID"] for r in rows(workbook))


def test_percent_splits_by_the_given_shares_exactly(workbook):
    allocate(workbook, "--by", "percent:P-100=50,P-200=25,P-300=25", year=2031, amount="0.05")
    # 2.5, 1.25, 1.25 cents: the one cent left goes to the largest remainder (P-100)
    assert [cents(r["Cost budget"]) for r in rows(workbook)] == [
        Decimal("0.03"),
        Decimal("0.01"),
        Decimal("0.01"),
    ]


def test_days_gives_a_row_per_child_and_month_by_the_months_days(workbook, clean):
    run(
        "allocate", workbook, "--parent", "DEPT-ROADS", "--activity", "ROAD", "--cost", "100.00",
        "--from", "2032-01-01", "--to", "2032-02-29", "--by", "days",
    )  # fmt: skip
    got = rows(workbook)
    # January 31 days, February 29 (a leap year): 51.67 and 48.33, each over three children
    assert [(r["Object"], r["Period start"].date(), cents(r["Cost budget"])) for r in got] == [
        ("P-100", date(2032, 1, 1), Decimal("17.23")),
        ("P-100", date(2032, 2, 1), Decimal("16.11")),
        ("P-200", date(2032, 1, 1), Decimal("17.22")),
        ("P-200", date(2032, 2, 1), Decimal("16.11")),
        ("P-300", date(2032, 1, 1), Decimal("17.22")),
        ("P-300", date(2032, 2, 1), Decimal("16.11")),
    ]
    assert sum(cents(r["Cost budget"]) for r in got) == Decimal("100.00")
    assert got[1]["Period end"].date() == date(2032, 2, 29)
    assert "saved 6 budget(s)" in run("save", workbook)


def test_actuals_weights_by_each_childs_actuals_of_that_year(workbook, client):
    actual = {
        r["object"]: Decimal(r["actual"])
        for r in client.variance(date(2026, 1, 1), date(2026, 12, 31))
        if r["object"] in CHILDREN and r["activity"] == "ROAD" and r["kind"] == "cost"
    }
    assert any(actual.values())
    allocate(workbook, "--by", "actuals:2026", year=2033, amount="1000.01")
    got = {r["Object"]: cents(r["Cost budget"]) for r in rows(workbook)}
    assert sum(got.values()) == Decimal("1000.01")
    whole = sum(actual.get(c, Decimal(0)) for c in CHILDREN)
    for c in CHILDREN:  # each part within a cent of its exact share
        exact = Decimal("1000.01") * actual.get(c, Decimal(0)) / whole
        assert abs(got[c] - exact) < Decimal("0.01"), (c, got[c], exact)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--parent", "NOPE"], 'no object has the id "NOPE"'),
        (["--parent", "P-100"], "P-100 has no child objects to allocate to"),
        (["--by", "percent:P-100=50,P-200=30,P-300=10"], "add up to 90, not 100"),
        (["--by", "percent:P-100=100"], "missing P-200, P-300"),
        (["--by", "percent:P-999=100"], '"P-999" is not a child of the parent'),
        (["--by", "actuals:2019"], "no ROAD cost actuals in 2019"),
        (["--by", "fair"], '--by "fair": use even, days, percent:A=40,B=60 or actuals:YEAR'),
        (["--cost", "12,50"], 'the amount "12,50" is not a number'),
        (["--cost", "0"], "must be more than zero"),
        (["--income", "5"], "exactly one of --cost X or --income X"),
        (["--to", "2029-12-31"], "ends (2029-12-31) before it starts (2034-01-01)"),
    ],
)
def test_bad_arguments_are_one_message_and_status_2(workbook, args, message):
    base = {"--parent": "DEPT-ROADS", "--cost": "100.00", "--to": "2034-12-31"}
    given_ = dict(zip(args[::2], args[1::2], strict=True))
    flags = [x for k, v in {**base, **given_}.items() for x in (k, v)]
    out = run("allocate", workbook, "--activity", "ROAD", "--from", "2034-01-01", *flags, code=2)
    assert message in out
    assert "Traceback" not in out
    assert rows(workbook) == []  # the table is as it was


amounts = st.integers(min_value=1, max_value=10**11)


@settings(max_examples=200, deadline=None)
@given(
    minor=amounts,
    n=st.integers(1, 7),
    cuts=st.lists(st.integers(0, 10000), min_size=6, max_size=6),
    months=st.integers(1, 30),
)
def test_the_parts_always_add_up_exactly(minor, n, cuts, months):
    kids = [f"C{i}" for i in range(n)]
    amount = Money(minor, "EUR")
    # percentages in hundredths that add up to exactly 100
    edges = sorted({0, 10000, *cuts[: n - 1]})
    shares = [b - a for a, b in itertools.pairwise(edges)]
    shares += [0] * (n - len(shares))
    by_percent = ",".join(f"{k}={Decimal(s) / 100}" for k, s in zip(kids, shares, strict=True))
    end = date(2026 + (months - 1) // 12, (months - 1) % 12 + 1, 28)
    for by in ("even", "days", f"percent:{by_percent}"):
        a = control.Allocation("PARENT", "ROAD", "cost", str(amount), date(2026, 1, 1), end, by)
        parts = control._split(None, None, a, amount, kids)
        assert sum(m.minor for *_rest, m in parts) == minor, by
        assert all(m.minor >= 0 for *_rest, m in parts)


def test_offline_the_children_and_actuals_come_from_the_last_refresh(workbook, monkeypatch):
    from pixie_xl.demo.run import free_port

    allocate(workbook, "--by", "actuals:2026", year=2035, amount="1000.01")
    online = [(r["Object"], r["Cost budget"]) for r in rows(workbook)]  # only these yet
    run("refresh", workbook)  # the cache of this machine
    monkeypatch.setenv("PIXIE_SERVER", f"http://127.0.0.1:{free_port()}")  # now down
    monkeypatch.setattr("pixie_xl.client.RETRIES", 0)
    allocate(workbook, "--by", "actuals:2026", year=2036, amount="1000.01")
    offline = [
        (r["Object"], r["Cost budget"]) for r in rows(workbook) if r["Period start"].year == 2036
    ]
    assert offline == online and len(online) == 3


def test_income_goes_to_the_income_column(workbook):
    run(
        "allocate", workbook, "--parent", "DEPT-ROADS", "--activity", "ROAD", "--income",
        "10.00", "--from", "2037-01-01", "--to", "2037-12-31",
    )  # fmt: skip
    got = rows(workbook)
    assert [cents(r["Income budget"]) for r in got] == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]
    assert {r["Cost budget"] for r in got} == {0}
    assert "no problems in 3 rows" in run("validate", workbook)
