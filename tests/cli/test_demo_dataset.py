"""The demo dataset: deterministic, well-formed, and its budget file has the five mistakes."""

from __future__ import annotations

import csv
import doctest

import pytest

import pixie_xl.client
import pixie_xl.demo.dataset
import pixie_xl.excel.cache
import pixie_xl.excel.udfs
from pixie_xl.demo import dataset


@pytest.mark.parametrize(
    "module", [pixie_xl.client, pixie_xl.excel.cache, pixie_xl.excel.udfs, pixie_xl.demo.dataset]
)
def test_doctests_of_the_workbook_side(module):
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0


def test_the_same_seed_gives_the_same_data():
    assert dataset.generate() == dataset.generate()
    assert dataset.generate(1).lines != dataset.generate(2).lines


def test_actuals_stay_in_2026_up_to_october_with_exact_cents():
    ds = dataset.generate()
    dates = {row[6] for row in ds.lines}
    assert min(dates) >= "2026-01-01" and max(dates) <= "2026-10-31"
    assert all(row[7].count(".") == 1 and len(row[7].split(".")[1]) == 2 for row in ds.lines)


def test_orders_come_in_every_status():
    statuses = {row[7] for row in dataset.generate().orders}
    assert statuses == {"draft", "approved", "received", "invoiced", "cancelled"}


def test_the_bad_budget_file_holds_the_five_mistakes():
    ds = dataset.generate()
    bad = ds.bad_budgets
    assert any(r[7] == "12,5O" for r in bad)  # a text amount
    assert any(r[5] == "MAINTENANCE" for r in bad)  # an unknown activity
    assert any(r[4] < r[3] for r in bad)  # end before start
    keys = [(r[2], r[3], r[4], r[5]) for r in bad]
    assert len(keys) != len(set(keys))  # a duplicate activity line
    p100 = {(r[3], r[4]) for r in bad if r[2] == "P-100"}
    assert len(p100) == 2  # an overlapping second budget for P-100
    good = ds.good_budgets
    assert all(r[4] > r[3] for r in good) and len({tuple(r) for r in good}) == len(good)


def test_files_are_written_with_the_ingest_headers(tmp_path):
    files = dataset.write(dataset.generate(), tmp_path)
    with files["actuals"].open() as fh:
        header = next(csv.reader(fh))
    assert header == [
        "line_id",
        "task_id",
        "object",
        "activity",
        "task_created",
        "kind",
        "date",
        "amount",
        "reference",
    ]
    with files["budgets"].open() as fh:
        assert next(csv.reader(fh))[0] == "Budget ID"
