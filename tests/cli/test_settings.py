"""``pixie-xl settings show|set`` against a service of its own (the settings change)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from pixie_xl.demo.run import service

from .conftest import CLOCK_AT


@pytest.fixture(scope="module")
def own_service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("settings")
    mp = pytest.MonkeyPatch()
    mp.setenv("PIXIE_TOKEN_FILE", str(folder / "token"))
    try:
        with service(folder, CLOCK_AT) as url:
            yield url
    finally:
        mp.undo()


@pytest.fixture
def run(own_service, monkeypatch, tmp_path):
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    monkeypatch.setenv("PIXIE_SERVER", own_service)
    runner = CliRunner()

    def invoke(*args):
        result = runner.invoke(cli, ["settings", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result

    return invoke


def test_show_prints_every_setting(run):
    result = run("show")
    assert result.exit_code == 0, result.output
    for name in ("timezone", "currency", "warn_ratio", "over_ratio", "cost_date"):
        assert f"{name} = " in result.output


def test_set_changes_the_timezone_and_currency(run):
    result = run("set", "timezone=Europe/Berlin", "currency=EUR", "warn_ratio=0.7")
    assert result.exit_code == 0, result.output
    assert "timezone = Europe/Berlin" in result.output
    assert "warn_ratio = 0.7" in run("show").output


def test_a_value_the_service_refuses_is_its_message_and_rc_1(run):
    result = run("set", "timezone=Mars/Olympus")
    assert result.exit_code == 1, result.output
    assert "request!timezone" in result.output and "IANA timezone" in result.output
    assert "Mars" not in run("show").output  # nothing changed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["colour=red"], '"colour" is not a setting: write one of timezone'),
        (["timezone"], '"timezone" is not NAME=VALUE'),
        (["currency=EUR", "currency=USD"], '"currency" is given twice'),
    ],
)
def test_a_bad_assignment_is_a_usage_error(run, args, message):
    result = run("set", *args)
    assert result.exit_code == 2 and message in result.output
