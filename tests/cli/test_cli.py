"""The command line without a service: help on every command and the exit statuses."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from pixie_xl.demo.run import free_port


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.fixture
def runner(monkeypatch, tmp_path):
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(tmp_path / "no-token"))
    monkeypatch.delenv("PIXIE_SERVER", raising=False)
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    return CliRunner()


def test_the_spec_commands_are_all_there():
    names = {" ".join(c) for c in all_commands(cli)}
    assert {
        "demo",
        "serve",
        "token",
        "token create",
        "ingest",
        "workbook",
        "workbook new",
        "import",
        "validate",
        "save",
        "refresh",
    } <= names


@pytest.mark.parametrize("command", [" ".join(c) for c in all_commands(cli)])
def test_every_command_has_help(runner, command):
    result = runner.invoke(cli, [*command.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(result.output.split("\n\n")[1].strip()) > 10  # a real description


def test_top_level_help_explains_exit_statuses(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0 and "2 usage error" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["validate"],
        ["validate", "no-such-book.xlsm"],
        ["import", "x.csv"],
        ["refresh", "book.xlsm", "--from", "31.12.2026"],
    ],
)
def test_usage_errors_exit_2(runner, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "book.xlsm").write_bytes(b"")
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output


def test_an_unreachable_server_exits_3(runner, tmp_path):
    data = tmp_path / "objects.csv"
    data.write_text("id,name,kind,parent,currency\nP1,Road,project,,EUR\n")
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(cli, ["ingest", str(data), "--server", url])
    assert result.exit_code == 3, result.output
    assert "does not answer" in result.output


def test_a_file_that_is_not_a_workbook_is_a_usage_error(runner, tmp_path):
    book = tmp_path / "notes.xlsm"
    book.write_text("not a zip")
    result = runner.invoke(cli, ["validate", str(book)])
    assert result.exit_code == 2
    assert "not a readable Excel workbook" in result.output


def test_offline_without_any_refresh_exits_3(runner, tmp_path, monkeypatch):
    from pixie_xl.excel.builder import build_workbook

    monkeypatch.setattr("pixie_xl.client.RETRIES", 0)
    book = tmp_path / "Budget.xlsm"
    build_workbook(book, server_url=f"http://127.0.0.1:{free_port()}")
    result = runner.invoke(cli, ["validate", str(book)])
    assert result.exit_code == 3, result.output
    assert "refresh once" in result.output
