"""The agent's views for the UI (``run_view``, ``importance_view``, ``edit_plan``) on a run
directory written by the run store and the event log, and how the UI renders them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tunesmith.agent import (
    EventLog,
    PlanDraft,
    RunConfig,
    RunStore,
    complete_plan,
    edit_plan,
    importance_view,
    run_view,
)
from tunesmith.core import ConfigurationError
from tunesmith.ui import _render as r


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    return pd.DataFrame({"x": x, "z": rng.normal(size=60), "y": 3 * x + rng.normal(size=60)})


@pytest.fixture
def plan(table: pd.DataFrame) -> object:
    draft = PlanDraft(target="y", task_type="regression", metric="rmse", learners=["ridge"],
                      reason="A line.")  # fmt: skip
    return complete_plan(draft, table, "Predict `y`; RMSE.")


@pytest.fixture
def run_dir(tmp_path: Path, plan: object) -> Path:
    """A run in the middle of its search: 2 complete trials, 1 failed, 1 running."""
    store = RunStore(tmp_path / "run")
    store.write_plan(plan, RunConfig())  # type: ignore[arg-type]
    log = EventLog(store.events_path)
    log.emit("plan_ready")
    log.emit("phase", phase="search")
    log.emit("trial_started", number=0, params={"learner": "ridge", "ridge.alpha": 1.0})
    log.emit("trial_finished", number=0, learner="ridge", value=50.0, loss=50.0, duration_s=0.3)
    log.emit("new_best", number=0, learner="ridge", value=50.0, loss=50.0)
    log.emit("trial_started", number=1, params={"learner": "random_forest"})
    log.emit("trial_failed", number=1, learner="random_forest", state="failed",
             failure="timeout", error="slow", duration_s=2.0)  # fmt: skip
    log.emit("trial_started", number=2, params={"learner": "ridge", "ridge.alpha": 0.01})
    log.emit("trial_finished", number=2, learner="ridge", value=40.0, loss=40.0, duration_s=0.2)
    log.emit("new_best", number=2, learner="ridge", value=40.0, loss=40.0)
    log.emit("trial_started", number=3, params={"learner": "ridge", "ridge.alpha": 3.0})
    return store.path


def test_run_view_has_one_row_per_started_trial_and_the_best_so_far(run_dir: Path) -> None:
    view = run_view(run_dir)
    assert view.trials["trial"].tolist() == [0, 1, 2, 3]
    assert view.trials["state"].tolist() == ["complete", "failed", "complete", "running"]
    assert view.trials["score"].tolist()[::2] == [50.0, 40.0]
    assert view.trials["params"].tolist()[0] == "alpha=1"
    assert view.trials["params"].tolist()[1] == "defaults"
    assert view.best_curve[["trial", "best"]].values.tolist() == [[0, 50.0], [2, 40.0]]
    assert (view.best_trial, view.best_learner, view.best_value) == (2, "ridge", 40.0)
    assert (view.state, view.phase, view.outputs) == ("running", "search", {})
    assert not view.maximize


def test_the_best_curve_is_numeric_even_before_a_trial_completes(
    tmp_path: Path, plan: object
) -> None:
    store = RunStore(tmp_path / "run")
    store.write_plan(plan, RunConfig())  # type: ignore[arg-type]
    EventLog(store.events_path).emit("trial_started", number=0, params={"learner": "ridge"})
    curve = run_view(store.path).best_curve
    assert curve.empty
    assert [str(t) for t in curve.dtypes] == ["int64", "float64", "float64"]


def test_the_learner_table_compares_learners_best_first(run_dir: Path) -> None:
    learners = run_view(run_dir).learners
    assert learners["learner"].tolist() == ["ridge", "random_forest"]
    assert learners[["complete", "failed"]].values.tolist() == [[2, 0], [0, 1]]
    assert learners.loc[0, "best"] == 40.0
    assert learners.loc[0, "median"] == 45.0
    assert pd.isna(learners.loc[1, "best"])


def test_rendered_status_and_tables_name_the_metric(run_dir: Path) -> None:
    view = run_view(run_dir)
    status = r.status_text(view)
    assert "running (search)" in status
    assert "2 complete, 1 failed, 1 running" in status
    assert "best rmse **40** (trial 2, ridge)" in status
    assert "rmse" in r.trial_rows(view).columns
    assert r.trial_rows(view)["trial"].tolist() == [3, 2, 1, 0]  # newest first
    assert "best rmse" in r.learner_rows(view).columns


def test_importance_waits_for_enough_trials(run_dir: Path) -> None:
    table, note = importance_view(run_dir)
    assert table.empty
    assert "needs 8 complete trials" in note


def test_edit_plan_takes_the_users_learners_and_budget(plan: object) -> None:
    edited = edit_plan(plan, learners=["ridge", "knn"], time_budget_s=30)  # type: ignore[arg-type]
    assert edited.learners == ["ridge", "knn"]
    assert set(edited.search_space) == {"ridge", "knn"}
    assert edited.time_budget_s == 30
    assert edited.decided_by["learners"] == edited.decided_by["time_budget_s"] == "user"


@pytest.mark.parametrize(
    ("learners", "words"),
    [(["logistic_regression"], "logistic_regression cannot do it"), ([], "got none"),
     (["ridge", "lasso", "knn", "svm", "random_forest"], "one to four")],
)  # fmt: skip
def test_edit_plan_refuses_learners_that_do_not_fit(
    plan: object, learners: list[str], words: str
) -> None:
    with pytest.raises(ConfigurationError, match=words):
        edit_plan(plan, learners=learners)  # type: ignore[arg-type]


def test_edit_plan_refuses_a_zero_budget(plan: object) -> None:
    with pytest.raises(ConfigurationError, match="time_budget_s"):
        edit_plan(plan, time_budget_s=0.0)  # type: ignore[arg-type]
