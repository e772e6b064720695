"""What changed since the last refresh (issue 13, item 3), through the CLI on a real .xlsm:
the Alerts table's Was and Changed columns and Refresh's line "1 line went over budget",
over two refreshes with an ingest of actuals between them (a service of the test's own, so
that the ingest changes no other test's figures).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pixie_xl import client as wire
from pixie_xl.cli.main import cli
from pixie_xl.demo import dataset
from pixie_xl.demo.run import service
from pixie_xl.excel.builder import build_workbook
from pixie_xl.sheets.filebook import FileBook

CLOCK = "2026-11-02T09:00:00+01:00"
ACTUAL_HEADER = "line_id,task_id,object,activity,task_created,kind,date,amount,reference\n"


def actual(n: int, obj: str, activity: str, amount: str) -> str:
    return (
        f"L-H-{n},T-H-{n},{obj},{activity},2026-10-01T09:00:00+01:00,cost,2026-10-15,{amount},x\n"
    )


@pytest.fixture
def own(tmp_path, monkeypatch):
    """(workbook, client) of a service holding the demo's objects and activities only."""
    folder = tmp_path / "service"
    folder.mkdir()
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(folder / "token"))
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    files = dataset.write(dataset.generate(), tmp_path / "data")
    with service(folder, CLOCK) as url:
        monkeypatch.setenv("PIXIE_SERVER", url)
        client = wire.Client(url)
        client.put_settings({"timezone": "Europe/Amsterdam", "currency": "EUR"})
        for name in ("objects", "activities"):
            client.ingest(files[name])
        yield build_workbook(tmp_path / "Alerts.xlsm", server_url=url), client


def run(*args, code: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


def alerts(path) -> list[dict]:
    t = FileBook.open(path).read_table("Alerts", "Alerts")
    return [dict(zip(t.header, r, strict=True)) for r in t.rows if any(r)]


def test_alerts_mark_what_changed_between_two_refreshes(own, tmp_path):
    workbook, _client = own
    # P-400 SURVEY: a budget of 1000.00 and 100.00 spent (OK); P-100 ROAD: spent, no budget
    first_actuals = tmp_path / "actuals1.csv"
    first_actuals.write_text(
        ACTUAL_HEADER + actual(1, "P-400", "SURVEY", "100.00") + actual(2, "P-100", "ROAD", "5.00")
    )
    run("ingest", first_actuals)
    run(
        "allocate", workbook, "--parent", "C-PORT", "--activity", "SURVEY", "--cost", "1000.00",
        "--from", "2026-01-01", "--to", "2026-12-31",
    )  # fmt: skip
    run("save", workbook)
    first = run("refresh", workbook)
    assert "since the last refresh" not in first  # nothing to compare with yet
    before = alerts(workbook)
    assert [(a["Object"], a["Status"]) for a in before] == [("P-100", "UNBUDGETED")]
    assert {a["Was"] for a in before} == {None}  # no previous refresh: no marks

    more = tmp_path / "actuals2.csv"
    more.write_text(ACTUAL_HEADER + actual(3, "P-400", "SURVEY", "1500.00"))
    run("ingest", more)

    second = run("refresh", workbook)
    assert "since the last refresh: 1 line went over budget" in second
    got = {a["Object"]: (a["Status"], a["Was"], a["Changed"]) for a in alerts(workbook)}
    assert got == {"P-400": ("OVER", "OK", "worse"), "P-100": ("UNBUDGETED", "UNBUDGETED", None)}
    assert [a["Object"] for a in alerts(workbook)] == ["P-400", "P-100"]  # worst first
    status = FileBook.open(workbook).get_value("Pixie", "B8")
    assert status.endswith("; 1 line went over budget")

    third = run("refresh", workbook)  # nothing changed since
    assert "since the last refresh" not in third
    got = {a["Object"]: (a["Was"], a["Changed"]) for a in alerts(workbook)}
    assert got == {"P-400": ("OVER", None), "P-100": ("UNBUDGETED", None)}

    credit = tmp_path / "actuals3.csv"  # the 1500.00 booked back: P-400 is OK again
    credit.write_text(ACTUAL_HEADER + actual(4, "P-400", "SURVEY", "-1500.00"))
    run("ingest", credit)
    fourth = run("refresh", workbook)
    assert "since the last refresh: 1 line came back to OK" in fourth
    assert [a["Object"] for a in alerts(workbook)] == ["P-100"]  # an OK row leaves Alerts
