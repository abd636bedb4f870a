"""The AutoGluon reference baseline: run from its own environment, joined to a stored leaderboard.

The real runs need ``./scripts/setup_autogluon.sh`` (part of ``./scripts/test``'s set-up) and
``TUNESMITH_AUTOGLUON_PYTHON``; they skip, saying why, where that environment is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tunesmith.cli import app
from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.kaggle import (
    build_task,
    medal_thresholds,
    run_baselines,
    set_autogluon_baseline,
)
from tunesmith.evaluation.kaggle._agent_peers import AUTOGLUON_PYTHON_ENV, AutoGluonAgent

AUTOGLUON_WHY = AutoGluonAgent().unavailable()
needs_autogluon = pytest.mark.skipif(AUTOGLUON_WHY is not None, reason=str(AUTOGLUON_WHY))
BUDGET_S = 20.0  # AutoGluon's medium_quality presets fit about ten models of penguins in that


def test_without_its_environment_nothing_runs_and_the_error_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(AUTOGLUON_PYTHON_ENV, str(tmp_path / "no-such-python"))
    built = build_task("penguins", tmp_path, seed=0)
    with pytest.raises(ConfigurationError, match=r"setup_autogluon\.sh") as caught:
        run_baselines(built.path, flaml_budget_s=3.0, autogluon_budget_s=BUDGET_S)
    assert "no-such-python" in str(caught.value)
    private = Path(built.path) / "private"
    assert not (private / "flaml_baseline").exists()  # refused before FLAML's two minutes
    assert not (private / "leaderboard.json").exists()


def test_an_autogluon_budget_must_be_positive(tmp_path: Path) -> None:
    built = build_task("penguins", tmp_path, seed=0)
    with pytest.raises(ConfigurationError, match="autogluon_budget_s must be positive"):
        run_baselines(built.path, flaml_budget_s=None, autogluon_budget_s=0.0)


def test_the_cli_refuses_the_baseline_without_its_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(AUTOGLUON_PYTHON_ENV, "")
    out = tmp_path / "suite"
    args = ["bench", "tasks", "--out", str(out), "--tasks", "penguins", "--flaml-budget", "0",
            "--autogluon-budget", "30"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "setup_autogluon.sh" in result.output
    assert not (out / "penguins" / "private" / "leaderboard.json").exists()


@needs_autogluon
def test_autogluon_joins_a_stored_leaderboard_and_leaves_the_others_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_task("penguins", tmp_path, seed=0, baselines=True, flaml_budget_s=None)
    assert first.leaderboard is not None
    assert first.leaderboard.autogluon_budget_s is None

    def no_rerun(*args: object, **kwargs: object) -> None:
        raise AssertionError("the stored baselines were run again")

    monkeypatch.setattr("tunesmith.evaluation.kaggle._build.run_baselines", no_rerun)
    joined = build_task("penguins", tmp_path, seed=0, baselines=True, flaml_budget_s=None,
                        autogluon_budget_s=BUDGET_S).leaderboard  # fmt: skip
    assert joined is not None
    assert [b.name for b in joined.baselines] == [
        "constant", "random_forest", "hist_gradient_boosting", "autogluon",
    ]  # fmt: skip
    assert joined.baselines[:3] == first.leaderboard.baselines
    autogluon = joined.baselines[-1]
    assert 0.9 < autogluon.score <= 1.0  # accuracy on 69 penguins; the constant gets 0.43
    assert autogluon.details["presets"] == "medium_quality"
    assert autogluon.details["n_models"] >= 1
    assert autogluon.details["best_model"]
    assert autogluon.fit_time_s < BUDGET_S + 60
    assert joined.autogluon_budget_s == BUDGET_S
    assert joined.thresholds == medal_thresholds("accuracy", joined.baselines)
    private = Path(first.path) / "private"
    assert (private / "autogluon_baseline" / "submission.csv").is_file()

    board = private / "leaderboard.json"
    written = board.stat().st_mtime_ns
    kept = build_task("penguins", tmp_path, seed=0, baselines=True, flaml_budget_s=None,
                      autogluon_budget_s=BUDGET_S)  # fmt: skip
    assert kept.leaderboard == joined  # not run again
    assert board.stat().st_mtime_ns == written

    dropped = set_autogluon_baseline(first.path, joined, None)
    assert dropped.baselines == first.leaderboard.baselines
    assert dropped.thresholds == first.leaderboard.thresholds
    assert dropped.autogluon_budget_s is None
