"""The ``flaml`` peer's child process: FLAML AutoML on one task, as its user would set it up.

``python -m tunesmith.evaluation.kaggle._peer_flaml OUT/agent_task.json``. FLAML gets the
task's metric (mapped to its name), the task type, the seed and the budget left since the
parent launched this process; everything else is FLAML's default (its estimator list, its
choice of CV or holdout, its retraining of the best model on all rows after the search).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from tunesmith.evaluation.kaggle._agents import AgentTask
from tunesmith.evaluation.kaggle._peer_io import (
    child_main,
    load_tables,
    predict,
    seconds_left,
    write_submission,
)

MIN_BUDGET_S = 1.0


def flaml_metric(metric: str, task_type: str) -> str:
    """FLAML's name for ``metric`` (``f1`` on several classes is its ``macro_f1``)."""
    if metric == "f1" and task_type == "multiclass":
        return "macro_f1"
    return metric


def solve(task: AgentTask, spec: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Fit FLAML on train.csv within the budget left; write the submission."""
    from flaml import AutoML

    X, y, X_test = load_tables(task)
    budget = max(seconds_left(spec), MIN_BUDGET_S)
    automl = AutoML()
    started = time.perf_counter()
    automl.fit(
        X_train=X, y_train=y, time_budget=budget,
        task="regression" if task.task_type == "regression" else "classification",
        metric=flaml_metric(task.metric, task.task_type), seed=int(spec["seed"]),
        n_jobs=int(spec.get("n_jobs") or os.cpu_count() or 1), verbose=0,
    )  # fmt: skip
    fit_s = time.perf_counter() - started
    write_submission(task, out_dir, X_test.index, predict(task, automl, X_test))
    config = automl.best_config or {}
    return {
        "time_budget_s": round(budget, 2), "fit_s": round(fit_s, 2),
        "best_estimator": automl.best_estimator, "best_config": config,
        "best_loss": automl.best_loss, "n_trials": len(automl.config_history or {}),
    }  # fmt: skip


if __name__ == "__main__":
    child_main(solve)
