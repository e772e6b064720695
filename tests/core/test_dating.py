"""Dating actual lines by the company's settings (SPEC §1 "Dating actuals")."""

from __future__ import annotations

import pandas as pd
import pytest

from pixie_xl.core.dating import actual_date, dated_actuals
from pixie_xl.core.records import ActualLine, Kind, Settings, Task
from tests.builders import at, d, money

CPH = "Europe/Copenhagen"
TASK = Task("T1", "P1", "ROAD", at("2026-03-31T23:30:00+00:00"))  # 1 April in Copenhagen


def cost_line(on: str) -> ActualLine:
    return ActualLine("L1", "T1", Kind.COST, d(on), money("10.00"))


def income_line(on: str) -> ActualLine:
    return ActualLine("L2", "T1", Kind.INCOME, d(on), money("10.00"))


@pytest.mark.parametrize(
    ("settings", "cost_on", "income_on"),
    [
        (Settings(timezone=CPH), "2026-05-10", "2026-06-01"),
        (Settings(timezone=CPH, cost_date="task_created"), "2026-04-01", "2026-06-01"),
        (Settings(timezone=CPH, income_date="task_created"), "2026-05-10", "2026-04-01"),
        (Settings(timezone="UTC", cost_date="task_created"), "2026-03-31", "2026-06-01"),
    ],
)
def test_each_kind_is_dated_by_its_own_setting(settings, cost_on, income_on):
    assert actual_date(cost_line("2026-05-10"), TASK, settings) == d(cost_on)
    assert actual_date(income_line("2026-06-01"), TASK, settings) == d(income_on)


def raw() -> pd.DataFrame:
    """Two lines on tasks created late on 31 March UTC, as the cache hands them over."""
    return pd.DataFrame(
        {
            "line_id": ["L1", "L2", "L3"],
            "object": ["P1", "P1", "P2"],
            "activity": ["ROAD", "ROAD", "MAINT"],
            "kind": ["cost", "income", "cost"],
            "date": ["2026-05-10", "2026-06-01", "2026-07-01"],
            "task_created": ["2026-03-31T23:30:00+00:00", "2026-03-31T23:30:00+00:00", None],
            "amount": [1000, 2000, 3000],
        }
    )


def dates(frame: pd.DataFrame) -> list[str]:
    return [str(x)[:10] for x in frame["date"]]


def test_by_their_own_dates():
    out = dated_actuals(raw(), Settings(timezone=CPH))
    assert list(out.columns) == ["object", "activity", "kind", "date", "amount"]
    assert dates(out) == ["2026-05-10", "2026-06-01", "2026-07-01"]
    assert out["amount"].tolist() == [1000, 2000, 3000]


def test_re_dating_by_task_creation_moves_the_lines_into_another_month():
    out = dated_actuals(raw(), Settings(timezone=CPH, cost_date="task_created"))
    # the creation instant is 1 April in Copenhagen; a line without a task date keeps its own
    assert dates(out) == ["2026-04-01", "2026-06-01", "2026-07-01"]
    out = dated_actuals(raw(), Settings(timezone=CPH, income_date="task_created"))
    assert dates(out) == ["2026-05-10", "2026-04-01", "2026-07-01"]


def test_datetime64_columns_are_taken_as_local_dates():
    frame = raw().assign(
        date=pd.to_datetime(raw()["date"]),
        task_created=pd.to_datetime(["2026-04-01", "2026-04-02", None]),
    )
    out = dated_actuals(frame, Settings(cost_date="task_created", income_date="task_created"))
    assert dates(out) == ["2026-04-01", "2026-04-02", "2026-07-01"]
    aware = raw().assign(task_created=pd.to_datetime(raw()["task_created"], utc=True))
    out = dated_actuals(aware, Settings(timezone=CPH, cost_date="task_created"))
    assert dates(out)[0] == "2026-04-01"
