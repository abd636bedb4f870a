"""The search's deadline: the budget counts from before planning, within a floor."""

from __future__ import annotations

import time

import pytest

from tunesmith.agent._budget import search_deadline
from tunesmith.agent._config import RunConfig


def _left(budget: float | None, started: float | None) -> float | None:
    deadline = search_deadline(RunConfig(time_budget_s=budget, max_trials=10), started)
    return None if deadline is None else deadline - time.monotonic()


def test_no_budget_has_no_deadline() -> None:
    assert _left(None, None) is None


@pytest.mark.parametrize("budget", [1.0, 3.0, 60.0])
def test_a_search_without_planning_gets_its_budget_and_no_more(budget: float) -> None:
    left = _left(budget, None)
    assert left is not None
    assert budget - 0.5 < left <= budget  # a 3-s budget is not stretched to 5 s


def test_time_spent_planning_counts() -> None:
    left = _left(60.0, time.monotonic() - 20.0)
    assert left is not None
    assert 39.5 < left <= 40.0


@pytest.mark.parametrize(("budget", "floor"), [(60.0, 6.0), (20.0, 5.0), (3.0, 3.0)])
def test_a_slow_plan_leaves_the_search_a_tenth_and_5_s(budget: float, floor: float) -> None:
    left = _left(budget, time.monotonic() - 2 * budget)  # planning took twice the budget
    assert left is not None
    assert floor - 0.5 < left <= floor
