"""Messages a person reads (issue 8 item 8): plain words, no SPEC references, a clean
validate that says so, and the right article and plural."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from pixie_xl.demo import dataset
from tests.cli.test_cli import all_commands
from tests.cli.test_workbook_cycle import open_with


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_a_clean_validate_says_so_with_the_row_count(workbook):
    rows = dataset.generate().good_budgets
    open_with(workbook, rows)
    result = invoke("validate", workbook)
    assert result.exit_code == 0, result.output
    assert f"Budget.xlsm: no problems in {len(rows)} rows" in result.output


def test_an_empty_workbook_validates_clean_too(workbook):
    result = invoke("validate", workbook)
    assert result.exit_code == 0 and "no problems in 0 rows" in result.output


@pytest.mark.parametrize("command", [" ".join(c) for c in all_commands(cli)])
def test_no_help_text_sends_the_user_to_the_spec(command):
    result = invoke(*command.split(), "--help")
    assert "SPEC" not in result.output


@pytest.mark.parametrize(
    ("role", "article"), [("accountant", "an"), ("admin", "an"), ("viewer", "a")]
)
def test_token_create_uses_the_right_article(tmp_path, monkeypatch, role, article):
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(tmp_path / "token"))
    result = CliRunner().invoke(
        cli, ["token", "create", "--role", role, "--db", f"sqlite:///{tmp_path / 'p.db'}"]
    )
    assert result.exit_code == 0, result.output
    assert f"created {article} {role} token named {role} in sqlite:///" in result.stderr


def test_ingest_counts_are_words(env, tmp_path):
    files = dataset.write(dataset.generate(), tmp_path / "data")
    result = invoke("ingest", files["actuals"])
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert "_" not in line.partition(": ")[2], line
    assert "0 tasks changed" not in line and "0 lines resent" not in line


def test_the_drop_down_messages_have_real_plurals(workbook):
    with zipfile.ZipFile(workbook) as zf:
        sheets = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert b"activitys" not in sheets and b"phasings" in sheets and b"activities" in sheets
