"""The service's variance rows carry the to-date figures too (issue 11 item 4, additive)."""

from __future__ import annotations

from tests.builders import at
from tests.server.test_reports import JAN, reports  # noqa: F401 (the fixture)


def test_variance_rows_carry_budget_to_date_and_the_phased_forecasts(reports):  # noqa: F811
    reports.clock.set(at("2026-01-16T09:00:00+00:00"))  # 16 of January's 31 days
    body = reports.call("GET", f"/api/v1/variance?{JAN}", token=reports.viewer)
    row = next(r for r in body["rows"] if (r["object"], r["activity"]) == ("P2", "ROAD"))
    assert row["current"] == "1000.00" and row["actual"] == "900.00"
    assert row["budget_to_date"] == "516.13"  # 1000 × 16 / 31
    assert row["variance_to_date"] == "-383.87"  # cost: 516.13 − 900
    assert row["estimate_at_completion"] == "1383.87"  # 900 + 483.87 still to come
    assert row["forecast_by_phasing"] == "1743.75"  # 900 / 516.13 × 1000 = 1743.7467…
    assert row["forecast"] == "1743.75"  # the run-rate beside it: 900 / 16 × 31
