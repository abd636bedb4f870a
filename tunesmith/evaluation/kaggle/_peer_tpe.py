"""The ``optuna-tpe`` peer's child process: plain TPE over tunesmith's learner catalogue.

``python -m tunesmith.evaluation.kaggle._peer_tpe OUT/agent_task.json``. No LLM: Optuna's
TPE sampler (``tunesmith.tools.make_optimizer("tpe")``, its default start of random trials)
searches the joint space of every catalogued learner that can do the task, each trial
cross-validated in a worker process exactly as a tunesmith trial is (``TrainingJob``: the same
pipelines, metric code and 5-fold CV that tunesmith plans for tables under 20,000 rows). The
search stops at the budget left since launch; the best configuration is refitted on all rows.
Until one trial has completed, a trial may run one more budget past the deadline (as in
tunesmith's run loop), so a short budget still ends with a model.
"""

from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.evaluation.kaggle._agents import AgentTask
from tunesmith.evaluation.kaggle._peer_io import (
    child_main,
    load_tables,
    predict,
    seconds_left,
    write_submission,
)

if TYPE_CHECKING:
    import pandas as pd

    from tunesmith.core import TrialResult
    from tunesmith.learners import TaskType, TrainingJob

CV_FOLDS = 5


def catalogue(task_type: TaskType) -> list[str]:
    """The catalogued learners for ``task_type`` whose libraries are installed."""
    from tunesmith.learners import list_learners

    names = [x.name for x in list_learners(task_type)]
    if importlib.util.find_spec("torch") is None:
        names = [n for n in names if n != "torch_mlp"]
    return names


def _job(task: AgentTask, X: pd.DataFrame, y: pd.Series, out_dir: Path, seed: int) -> TrainingJob:
    from tunesmith.learners import TrainingJob, write_table

    folds = CV_FOLDS
    if task.task_type != "regression":
        folds = max(2, min(CV_FOLDS, int(y.value_counts().min())))
    path = write_table(X.assign(**{task.target: y}), out_dir / "train.pkl")
    return TrainingJob(
        data_path=path, target=task.target, task_type=task.task_type,
        metric=task.metric, cv_folds=folds, seed=seed,
    )  # fmt: skip


def search(job: TrainingJob, learners: list[str], seed: int, budget_s: float) -> list[TrialResult]:
    """TPE trials, one at a time in a worker process, until ``budget_s`` seconds have passed."""
    from tunesmith.executors import LocalExecutor
    from tunesmith.tools import cash_space, make_optimizer

    opt = make_optimizer("tpe", cash_space(learners, job.task_type), seed=seed)
    deadline = time.monotonic() + budget_s
    results: list[TrialResult] = []
    with LocalExecutor(n_workers=1) as executor:
        while time.monotonic() < deadline:
            spec = opt.ask()
            done = any(r.state == "complete" for r in results)
            limit = max(deadline - time.monotonic(), 1.0) + (0.0 if done else max(budget_s, 60))
            result = executor.submit(spec, job.model_copy(update={"time_limit_s": limit})).result()
            opt.tell(result)
            results.append(result)
    return results


def solve(task: AgentTask, spec: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Search, refit the best configuration on all rows, write the submission."""
    from tunesmith.learners import build_pipeline, resolve_learner

    seed = int(spec["seed"])
    X, y, X_test = load_tables(task)
    learners = catalogue(task.task_type)
    results = search(_job(task, X, y, out_dir, seed), learners, seed, seconds_left(spec))
    complete = [r for r in results if r.state == "complete" and r.value is not None]
    if not complete:
        errors = {str(r.error).splitlines()[0] for r in results if r.error}
        raise RuntimeError(f"No trial completed in {len(results)}: {sorted(errors)[:3]}")
    best = min(complete, key=lambda r: math.inf if r.value is None else r.value)
    learner, own = resolve_learner(None, best.params)
    model = build_pipeline(learner, own, task.task_type, X, seed=seed)
    model.fit(X, y.to_numpy())
    write_submission(task, out_dir, X_test.index, predict(task, model, X_test))
    return {
        "learners": learners, "n_trials": len(results), "n_complete": len(complete),
        "best_trial": best.number, "best_learner": learner.name,
        "best_cv": best.metrics.get(task.metric), "best_params": best.params,
    }  # fmt: skip


if __name__ == "__main__":
    child_main(solve)
