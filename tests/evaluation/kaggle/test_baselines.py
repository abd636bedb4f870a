from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.kaggle import (
    BaselineScore,
    BuiltTask,
    Leaderboard,
    MedalThresholds,
    build_task,
    grade,
    medal_for,
    medal_thresholds,
    run_baselines,
)

TINY_FLAML_S = 3.0  # the suite's budget is 120 s; a few seconds give FLAML a trial or two


def test_a_flaml_budget_must_be_positive(tmp_path: Path) -> None:
    built = build_task("penguins", tmp_path, seed=0)
    with pytest.raises(ConfigurationError, match="flaml_budget_s must be positive"):
        run_baselines(built.path, flaml_budget_s=0.0)


def _scores(**values: float) -> list[BaselineScore]:
    return [BaselineScore(name=k, score=v, fit_time_s=0.0) for k, v in values.items()]


def test_thresholds_for_a_score_to_maximise() -> None:
    t = medal_thresholds(
        "roc_auc", _scores(constant=0.5, random_forest=0.8, hist_gradient_boosting=0.9)
    )
    assert (t.bronze, t.silver) == (0.8, 0.9)
    assert t.gold == pytest.approx(0.91)


def test_thresholds_for_an_error_to_minimise() -> None:
    t = medal_thresholds(
        "rmse", _scores(constant=20.0, random_forest=10.0, hist_gradient_boosting=8.0)
    )
    assert (t.bronze, t.silver) == (10.0, 8.0)
    assert t.gold == pytest.approx(7.2)


def test_gold_asks_for_a_tenth_of_the_gain_over_the_constant_where_that_is_smaller() -> None:
    t = medal_thresholds(
        "log_loss", _scores(constant=0.62, random_forest=0.60, hist_gradient_boosting=0.61)
    )
    assert (t.bronze, t.silver) == (0.60, 0.60)
    assert t.gold == pytest.approx(0.598)


def test_gold_is_silver_where_no_baseline_beats_the_constant() -> None:
    t = medal_thresholds(
        "r2", _scores(constant=0.0, random_forest=-0.1, hist_gradient_boosting=-0.2)
    )
    assert t.bronze == t.silver == t.gold == 0.0


def test_bronze_is_never_worse_than_the_constant() -> None:
    t = medal_thresholds(
        "mae", _scores(constant=5.0, random_forest=6.0, hist_gradient_boosting=4.0)
    )
    assert (t.bronze, t.silver) == (5.0, 4.0)


@pytest.mark.parametrize(
    ("score", "medal"),
    [
        (0.95, "gold"),
        (0.91, "gold"),
        (0.9, "silver"),
        (0.85, "bronze"),
        (0.8, "bronze"),
        (0.7, "none"),
    ],
)
def test_medals_are_reached_at_ties(score: float, medal: str) -> None:
    thresholds = MedalThresholds(bronze=0.8, silver=0.9, gold=0.91)
    assert medal_for(score, "accuracy", thresholds) == medal


def test_medals_for_a_loss() -> None:
    thresholds = MedalThresholds(bronze=0.3, silver=0.2, gold=0.18)
    assert medal_for(0.1, "log_loss", thresholds) == "gold"
    assert medal_for(0.25, "log_loss", thresholds) == "bronze"
    assert medal_for(0.31, "log_loss", thresholds) == "none"


def test_baselines_on_penguins_set_the_medals(tmp_path: Path) -> None:
    built = build_task("penguins", tmp_path, seed=0)
    board = run_baselines(built.path, seed=0, flaml_budget_s=TINY_FLAML_S)
    assert [b.name for b in board.baselines] == [
        "constant",
        "random_forest",
        "hist_gradient_boosting",
        "flaml",
    ]
    flaml = board.baselines[-1]
    assert board.flaml_budget_s == TINY_FLAML_S
    assert flaml.score > 0.9
    assert flaml.details["best_estimator"]
    assert flaml.details["n_trials"] >= 1
    assert (Path(built.path) / "private" / "flaml_baseline" / "submission.csv").is_file()
    assert board.thresholds.silver == max(b.score for b in board.baselines)
    answers = pd.read_csv(Path(built.path) / "private" / "answers.csv")
    train = pd.read_csv(Path(built.path) / "public" / "train.csv")
    majority = train["species"].value_counts().idxmax()
    assert board.score_of("constant") == pytest.approx((answers["species"] == majority).mean())
    assert board.score_of("random_forest") > 0.9  # type: ignore[operator]
    assert board.thresholds.bronze <= board.thresholds.silver <= board.thresholds.gold <= 1.0
    stored = json.loads((Path(built.path) / "private" / "leaderboard.json").read_text())
    assert Leaderboard.model_validate(stored) == board

    perfect = tmp_path / "perfect.csv"
    answers.to_csv(perfect, index=False)
    result = grade(built.path, perfect)
    assert (result.medal, result.thresholds) == ("gold", board.thresholds)
    constant = grade(built.path, Path(built.path) / "public" / "sample_submission.csv")
    assert constant.medal == "none"


def test_baselines_are_deterministic(tmp_path: Path) -> None:
    built = build_task("breast_cancer", tmp_path, seed=0)
    first = run_baselines(built.path, seed=0, write=False, flaml_budget_s=None)
    second = run_baselines(built.path, seed=0, write=False, flaml_budget_s=None)
    assert [b.score for b in first.baselines] == [b.score for b in second.baselines]
    assert "flaml" not in [b.name for b in first.baselines]
    assert first.flaml_budget_s is None
    assert not (Path(built.path) / "private" / "leaderboard.json").exists()


def test_probability_baselines_beat_the_prior(suite: dict[str, BuiltTask], tmp_path: Path) -> None:
    built = build_task(
        "unemployment_benefits", tmp_path, seed=0, baselines=True, flaml_budget_s=None
    )
    board = built.leaderboard
    assert board is not None
    assert not board.greater_is_better
    constant = board.score_of("constant")
    assert constant is not None
    assert board.score_of("hist_gradient_boosting") < constant  # type: ignore[operator]
    again = build_task(
        "unemployment_benefits", tmp_path, seed=0, baselines=True, flaml_budget_s=None
    )
    assert again.leaderboard == board
