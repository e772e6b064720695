"""``pixie-xl settings set on_over=stop`` end to end: the CLI sends it to a service that
knows it (issue 13), the service keeps it, a bad value is the service's message."""

from __future__ import annotations

from tests.cli.test_settings import own_service, run  # noqa: F401 (fixtures)


def test_on_over_is_set_and_shown(run):  # noqa: F811
    assert "on_over = warn" in run("show").output
    result = run("set", "on_over=stop")
    assert result.exit_code == 0, result.output
    assert "on_over = stop" in result.output
    assert "on_over = stop" in run("show").output
    bad = run("set", "on_over=halt")
    assert bad.exit_code == 1, bad.output
    assert "request!on_over" in bad.output and "warn or stop" in bad.output
    assert run("set", "on_over=warn").exit_code == 0
