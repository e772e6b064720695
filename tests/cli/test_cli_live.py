"""The commands against a live service: what a person sees and the exit statuses."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from pixie_xl.demo import dataset


@pytest.fixture
def run(env):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


def budget_file(tmp_path, rows, name="budgets.csv"):
    path = tmp_path / name
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(dataset.BUDGET_HEADER)
        w.writerows(rows)
    return path


def test_workbook_new_builds_an_xlsm(run, tmp_path, env):
    path = tmp_path / "sub" / "New.xlsm"
    result = run("workbook", "new", path, "--server", env)
    assert result.exit_code == 0, result.output
    assert path.exists() and str(path) in result.output


def test_validate_prints_each_error_with_its_cell_and_exits_1(run, workbook, tmp_path, client):
    from pixie_xl.sheets.filebook import FileBook
    from pixie_xl.sheets.tables import write_budgets

    book = FileBook.open(workbook)
    write_budgets(book, dataset.generate().bad_budgets)
    book.save()
    result = run("validate", workbook)
    assert result.exit_code == 1
    assert 'Budgets!H2: Cost budget "12,5O" is not a number' in result.output
    assert 'Budgets!F5: Activity "MAINTENANCE" is not known' in result.output


@pytest.mark.usefixtures("clean")
def test_import_save_refresh_exit_0(run, workbook, tmp_path, client):
    good = [r for r in dataset.generate().good_budgets if r[2] == "P-400"]
    bad = [list(r) for r in good]
    bad[0][7] = "12,5O"
    result = run("import", budget_file(tmp_path, bad, "bad.csv"), "--into", workbook)
    assert result.exit_code == 1
    assert 'bad.csv!H2: Cost budget "12,5O" is not a number' in result.output

    result = run("import", budget_file(tmp_path, good), "--into", workbook)
    assert result.exit_code == 0, result.output
    result = run("save", workbook)
    assert result.exit_code == 0, result.output
    assert "saved 1 budget(s)" in result.output
    result = run("refresh", workbook, "--from", "2026-01-01", "--to", "2026-06-30")
    assert result.exit_code == 0, result.output
    assert "period 2026-01-01..2026-06-30" in result.output


def test_a_refused_token_exits_3(run, workbook, monkeypatch):
    monkeypatch.setenv("PIXIE_TOKEN", "not-a-token")
    result = run("refresh", workbook)
    assert result.exit_code == 3
    assert "HTTP 401" in result.output


def test_ingest_is_idempotent(run, tmp_path):
    files = dataset.write(dataset.generate(), tmp_path / "data")
    result = run("ingest", files["objects"], files["activities"])
    assert result.exit_code == 0, result.output
    assert "objects: 6 rows" in result.output and "0 written" in result.output
