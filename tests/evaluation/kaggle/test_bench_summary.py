"""Normalised scores, agent summaries and wins of ``bench kaggle``, on hand-made rows."""

from __future__ import annotations

from typing import Any

import pytest

from tunesmith.evaluation.kaggle import CellRow, normalised_score
from tunesmith.evaluation.kaggle._bench_report import markdown
from tunesmith.evaluation.kaggle._bench_summary import summarize_agent, versus


def _row(agent: str, task: str, score: float | None, **fields: Any) -> CellRow:
    rmse = task == "diamonds"
    base = {"task": task, "agent": agent, "seed": 0, "budget_s": 10.0,
            "metric": "rmse" if rmse else "accuracy", "greater_is_better": not rmse,
            "valid": score is not None, "score": score}  # fmt: skip
    return CellRow.model_validate(base | fields)


def test_normalised_score_handles_the_metric_direction() -> None:
    assert normalised_score(0.9, 0.5, 0.9) == pytest.approx(1.0)  # accuracy: best baseline
    assert normalised_score(0.5, 0.5, 0.9) == pytest.approx(0.0)  # the constant
    assert normalised_score(700.0, 4000.0, 660.0) == pytest.approx(3300 / 3340)  # rmse
    assert normalised_score(5000.0, 4000.0, 660.0) < 0  # worse than the constant
    assert normalised_score(0.5, 0.5, 0.5) is None


def test_summary_counts_invalid_cells_as_zero_and_no_medal() -> None:
    rows = [
        _row("a", "penguins", 1.0, medal="gold", normalised=1.2, wall_s=10.0,
             prompt_tokens=100, completion_tokens=20, settings={"llm": "embedded"}),
        _row("a", "diamonds", None, error="missing ids", wall_s=30.0,
             settings={"llm": "embedded"}),
    ]  # fmt: skip
    summary = summarize_agent("a", rows)
    assert (summary.cells, summary.valid, summary.any_medal_rate) == (2, 1, 0.5)
    assert summary.medals == {"gold": 1, "silver": 0, "bronze": 0}
    assert summary.mean_normalised == pytest.approx(0.6)
    assert summary.mean_wall_s == pytest.approx(20.0)
    assert (summary.tokens, summary.uses_llm) == (120, True)


def test_wins_follow_the_metric_direction_and_validity() -> None:
    rows = [
        _row("a", "penguins", 0.9), _row("b", "penguins", 0.8),  # a wins (higher)
        _row("a", "diamonds", 800.0), _row("b", "diamonds", 700.0),  # a loses (rmse)
        _row("a", "digits", None), _row("b", "digits", None),  # both invalid: tie
        _row("a", "diabetes", 0.3), _row("b", "diabetes", None),  # valid beats invalid
        _row("a", "iris", 0.5), _row("b", "iris", 0.5),  # equal: tie
        _row("a", "only_a", 0.5),  # not run by b: not counted
    ]  # fmt: skip
    result = versus("a", "b", rows)
    assert (result.wins, result.ties, result.losses) == (2, 2, 1)
    flipped = versus("b", "a", rows)
    assert (flipped.wins, flipped.ties, flipped.losses) == (1, 2, 2)


def test_markdown_marks_unavailable_agents_and_skips_their_wins() -> None:
    rows = [
        _row("a", "penguins", 0.9, medal="silver"),
        _row("ag", "penguins", None, status="unavailable", error="not installed: no venv"),
    ]
    text = markdown(rows, ["a", "ag"])
    assert "0.9000 silver" in text
    assert "not installed" in text
    assert "## Wins" not in text
