"""Totals per kind and net (issue 11 item 1), as the CLI and the demo print them."""

from __future__ import annotations

from pixie_xl.core.variance import kind_totals
from tests.excel.test_writers import sample_variance


def test_income_cost_and_net_never_their_sum():
    t = kind_totals(sample_variance())
    assert str(t["income"]["current"]) == "2000.00"  # P-2 ROAD income, by hand
    assert str(t["cost"]["current"]) == "1800.00"  # 1000 + 500 + 0 + 300
    assert str(t["net"]["current"]) == "200.00"  # not 3800.00
    assert str(t["cost"]["actual"]) == "1615.50"  # 850 + 620.40 + 45.10 + 100
    assert str(t["net"]["actual"]) == "-715.50"  # 900 − 1615.50
    # the net variance is net actual − net current: −715.50 − 200
    assert str(t["net"]["variance"]) == "-915.50"
    assert t["net"]["available"] is None and str(t["income"]["committed"]) == "0.00"
