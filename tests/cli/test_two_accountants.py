"""Two accountants, one set of budgets (issue 8): the whole story through the CLI.

A real service process on its own SQLite file, its clock pinned with ``PIXIE_CLOCK_AT``
(restarted on the next day to show the lock), and two real ``.xlsm`` workbooks, each
accountant with a cache of their own as on two machines. A saves; B starts from
``workbook new`` and refreshes; B edits and saves; A's stale save is refused at its cell;
A refreshes (the unsaved edit kept, shown as a conflict) and saves again; A deletes a
same-day budget with the Delete column; on the next day a locked budget cannot be deleted,
and an edit becomes a correction.
"""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from click.testing import CliRunner

from pixie_xl import client as wire
from pixie_xl.cli.main import cli
from pixie_xl.core.errors import PixieError
from pixie_xl.demo import dataset
from pixie_xl.demo.run import free_port, service
from pixie_xl.sheets.filebook import FileBook

DAY1 = "2026-11-02T09:00:00+01:00"
DAY2 = "2026-11-03T10:00:00+01:00"


@pytest.fixture
def story(tmp_path, monkeypatch):
    """Start the service (``story.start(clock)``), run the CLI as A or B."""
    folder = tmp_path / "service"
    folder.mkdir()
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(folder / "token"))
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    monkeypatch.delenv("PIXIE_SERVER", raising=False)
    files = dataset.write(dataset.generate(), tmp_path / "data")
    port = free_port()

    class Story:
        url = f"http://127.0.0.1:{port}"
        stack = contextlib.ExitStack()

        def start(self, clock: str) -> None:
            self.stack.close()
            self.stack = contextlib.ExitStack()
            self.stack.enter_context(service(folder, clock, port))

        def run(self, who: str, *args, code: int = 0):
            monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / f"cache-{who}"))
            from pixie_xl.excel import cache

            cache.forget_lookups()
            result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
            assert result.exit_code == code, result.output
            return result.output

    s = Story()
    try:  # the service stops even when the set-up below or the test fails
        s.start(DAY1)
        client = wire.Client(s.url)
        client.put_settings({"timezone": "Europe/Amsterdam", "currency": "EUR"})
        for name in ("objects", "activities"):
            client.ingest(files[name])
        s.client = client
        yield s
    finally:
        s.stack.close()


def rows(path):
    """The Budgets table as dicts by header."""
    t = FileBook.open(path).read_table("Budgets", "Budgets")
    return [dict(zip(t.header, r, strict=True)) for r in t.rows]


def type_rows(path, first_row: int, values: list[list]) -> None:
    """What an accountant types: values in the cells, row after row (the table grows)."""
    book = FileBook.open(path)
    ws = book.wb["Budgets"]
    for r, vals in enumerate(values, start=first_row):
        for c, v in enumerate(vals, start=1):
            ws.cell(r, c).value = v
    book.save()


def set_cell(path, cell: str, value) -> None:
    book = FileBook.open(path)
    book.wb["Budgets"][cell].value = value
    book.save()


def line(obj, activity, income, cost, start=date(2026, 1, 1), end=date(2026, 12, 31)):
    return [None, None, obj, start, end, activity, income, cost, "days", None]


def test_two_accountants_share_budgets_and_nothing_is_lost(story, tmp_path):
    a, b = tmp_path / "A.xlsm", tmp_path / "B.xlsm"
    url = story.url

    # A builds a workbook, types a budget of three lines and saves it
    story.run("A", "workbook", "new", a, "--server", url)
    type_rows(a, 2, [line("P-100", "ROAD", 240000, 180000), line("P-100", "DESIGN", None, 30000),
                     line("P-100", "SURVEY", None, 12000)])  # fmt: skip
    out = story.run("A", "save", a)
    assert "saved 1 budget(s)" in out
    (budget,) = story.client.budgets()
    bid = str(budget["id"])
    assert [r["Budget ID"] for r in rows(a)] == [bid] * 3
    assert {r["Status"] for r in rows(a)} == {"master, editable until 2026-11-02 24:00"}

    # B starts from a new workbook and refreshes: A's budget is there, with ID and status
    story.run("B", "workbook", "new", b, "--server", url)
    story.run("B", "refresh", b)
    seen = rows(b)
    assert [(r["Budget ID"], r["Version"], r["Activity"]) for r in seen] == [
        (bid, 1, "ROAD"), (bid, 1, "DESIGN"), (bid, 1, "SURVEY")]  # fmt: skip
    assert seen[0]["Cost budget"] == 180000
    assert seen[0]["Status"] == "master, editable until 2026-11-02 24:00"

    # B edits ROAD the same day: an edit in place, version 2
    set_cell(b, "H2", 190000)
    out = story.run("B", "save", b)
    assert "saved 1 budget(s)" in out
    assert story.client.budget(bid)["version"] == 2

    # A, still at version 1, changes ROAD too: refused as stale, at the Version cell
    set_cell(a, "H2", 200000)
    out = story.run("A", "save", a, code=1)
    assert (
        f"Budgets!B2: Budget {bid} has changed since version 1: the current version is 2. "
        "Refresh: your rows are kept and the service's figures are named beside them; then "
        "Save again"
    ) in out
    assert story.client.budget(bid)["version"] == 2

    # A refreshes: the unsaved edit is kept, shown as a conflict with both figures
    out = story.run("A", "refresh", a)
    assert "[warning] Budgets!H2: Budget" in out
    assert "Cost budget here 200,000.00, on the service 190,000.00" in out
    mine = rows(a)
    assert mine[0]["Cost budget"] == 200000
    assert mine[0]["Status"].startswith("conflict")
    assert [r["Version"] for r in mine] == [2, 2, 2]

    # ... and saves again: the accountant decided to keep their figure
    story.run("A", "save", a)
    now = story.client.budget(bid)
    assert now["version"] == 3
    assert {ln["activity"]: ln["cost"] for ln in now["lines"]}["ROAD"] == "200000.00"

    # A types a second budget under the table (it joins it), saves, then deletes it
    type_rows(a, 5, [line("P-200", "MAINT", None, 5000)])
    out = story.run("A", "save", a)
    assert "saved 1 budget(s)" in out
    other = [r for r in rows(a) if r["Object"] == "P-200"]
    assert other and other[0]["Budget ID"]
    set_cell(a, "L5", "x")
    out = story.run("A", "save", a)
    assert [r["Object"] for r in rows(a)] == ["P-100"] * 3
    assert [str(x["id"]) for x in story.client.budgets()] == [bid]

    # the next day: B refreshes and sees A's figures (its own rows were unchanged)
    story.start(DAY2)
    out = story.run("B", "refresh", b)
    assert "conflict" not in out
    seen = rows(b)
    assert seen[0]["Cost budget"] == 200000 and seen[0]["Version"] == 3
    assert seen[0]["Status"] == "master, locked"

    # a locked budget cannot be deleted: refused at its Delete cell, nothing changes
    set_cell(b, "L3", "delete")
    out = story.run("B", "save", b, code=1)
    assert "Budgets!L3: Budget" in out and "locked" in out
    assert story.client.budget(bid)["version"] == 3

    # B clears the mark and edits: a correction, the master stays as it was
    set_cell(b, "L3", None)
    set_cell(b, "H4", 15000)
    out = story.run("B", "save", b)
    assert "correction 1" in out
    assert {r["Status"] for r in rows(b)} == {"correction 1, editable until 2026-11-03 24:00"}
    versions = story.client.versions(bid)
    assert [v["kind"] for v in versions] == ["master", "correction"]
    story.run("B", "refresh", b)
    assert rows(b)[0]["Status"] == "correction 1, editable until 2026-11-03 24:00"

    # the History view: master and correction side by side, on a sheet and on the terminal
    out = story.run("B", "history", b, "--budget", bid)
    assert "master (version 3) cost" in out and "correction 1 (version 4) cost" in out
    survey = next(ln for ln in out.splitlines() if ln.startswith("SURVEY"))
    assert survey.split()[1:] == ["0.00", "12,000.00", "0.00", "15,000.00"]
    ws = FileBook.open(b).wb["History"]
    assert ws["A1"].value == f"Budget {bid}" and ws["A4"].value == "Activity"

    # the correction is still editable today: Delete takes it away (R7), the master is
    # current again and its figures come back into the rows
    set_cell(b, "L2", "x")
    story.run("B", "save", b)
    assert [v["kind"] for v in story.client.versions(bid)] == ["master"]
    back = rows(b)
    assert [(r["Activity"], r["Cost budget"]) for r in back][2] == ("SURVEY", 12000)
    assert {(r["Version"], r["Status"], r["Delete"]) for r in back} == {(3, "master, locked", None)}


WINTER = [3, 3, 2, 1, 1, 0, 0, 0, 1, 1, 2, 3]


def type_profile(path, row: int, name, weights) -> None:
    book = FileBook.open(path)
    ws = book.wb["Profiles"]
    for c, v in enumerate([name, *weights], start=1):
        ws.cell(row, c).value = v
    book.save()


def test_a_profile_travels_with_save_and_comes_back_with_refresh(story, tmp_path):
    a, b = tmp_path / "A.xlsm", tmp_path / "B.xlsm"
    story.run("A", "workbook", "new", a, "--server", story.url)
    type_profile(a, 2, "Winter", WINTER)
    row = line("P-100", "ROAD", None, 1200)
    row[8] = "Winter"
    type_rows(a, 2, [row])
    out = story.run("A", "save", a)
    assert "saved 1 budget(s)" in out
    (winter,) = story.client.profiles()
    assert winter["name"] == "Winter" and [float(w) for w in winter["weights"]] == WINTER
    (budget,) = story.client.budgets()
    assert budget["lines"][0]["phasing"] == "Winter"

    # B refreshes into a new workbook: the profile is in its Profiles table
    story.run("B", "workbook", "new", b, "--server", story.url)
    story.run("B", "refresh", b)
    t = FileBook.open(b).read_table("Profiles", "Profiles")
    assert [(r[0], [float(w) for w in r[1:13]]) for r in t.rows] == [("Winter", WINTER)]
    assert rows(b)[0]["Phasing"] == "Winter"

    # a weight that is not a number is named at its cell, and nothing is saved
    type_profile(a, 3, "Summer", [0, "x", *[1] * 10])
    out = story.run("A", "validate", a, code=1)
    assert 'Profiles!C3: Feb weight "x" is not a number' in out


def test_profiles_and_budgets_of_a_batch_are_all_or_nothing(story):
    summer = {"name": "Summer", "weights": ["0"] * 5 + ["2"] * 3 + ["0"] * 4}
    line = {"activity": "ROAD", "income": "0", "cost": "1.00", "phasing": "Summer"}
    new = {"object": "P-300", "start": "2026-01-01", "end": "2026-12-31", "lines": [line]}
    saved = story.client.post("/api/v1/budgets/batch", {"profiles": [summer], "budgets": [new]})
    assert saved["budgets"][0]["lines"][0]["phasing"] == "Summer"
    # the same again overlaps (R1): refused, and the changed profile is not saved either
    autumn = {"name": "Summer", "weights": ["1"] * 12}
    with pytest.raises(PixieError) as refused:
        story.client.post("/api/v1/budgets/batch", {"profiles": [autumn], "budgets": [new]})
    assert "overlap" in str(refused.value.findings[0]).lower()
    (kept,) = story.client.profiles()
    assert kept["weights"] == summer["weights"]
