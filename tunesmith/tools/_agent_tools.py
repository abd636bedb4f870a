"""The tools the agent's LLM may call. Each is a plain, typed, documented function.

Arguments and results are JSON-able so that the registry can expose them to an LLM unchanged;
Python callers use them like any function and get exceptions.
"""

from __future__ import annotations

from typing import Any, Literal

from tunesmith.core import SearchSpace
from tunesmith.core.errors import ConfigurationError, DataError

TaskTypeName = Literal["binary", "multiclass", "regression"]
DEFAULT_STUDY = "tunesmith"


def profile_table(path: str, target: str | None = None) -> dict[str, Any]:
    """Profile a data file: rows, columns, types, missing values, target candidates.

    Args:
        path: Path of a CSV, TSV or Parquet file.
        target: The column to predict, if known; otherwise candidates are suggested.

    Returns:
        A summary with the profile as text and its key figures.
    """
    from tunesmith.tools._profile import profile

    found = profile(path, target=target)
    return {
        "summary": found.to_text(),
        "n_rows": found.n_rows,
        "n_columns": found.n_columns,
        "target": found.target,
        "task_type": found.task_type,
        "target_candidates": [c.name for c in found.target_candidates],
    }


def list_learners(task_type: TaskTypeName | None = None) -> list[dict[str, Any]]:
    """List the model families tunesmith can train, with their tunable parameters.

    Args:
        task_type: Only learners for this task type; all learners if omitted.

    Returns:
        One entry per learner: name, description, task types, parameter names, GPU use.
    """
    from tunesmith.learners import list_learners as catalogue

    return [
        {
            "name": learner.name,
            "description": learner.description,
            "task_types": sorted(learner.task_types),
            "parameters": learner.space.names,
            "uses_gpu": learner.uses_gpu,
        }
        for learner in catalogue(task_type)
    ]


def cash_space(learners: list[str], task_type: TaskTypeName) -> SearchSpace:
    """The joint space over ``learners`` (a ``learner`` choice with each one's parameters)."""
    from tunesmith.learners import get_learner

    if not learners:
        raise ConfigurationError("Name at least one learner; call list_learners to see them.")
    branches = {}
    for name in dict.fromkeys(learners):
        learner = get_learner(name)
        if task_type not in learner.task_types:
            raise ConfigurationError(
                f"Learner '{name}' cannot do a {task_type} task; it does "
                f"{', '.join(sorted(learner.task_types))}. Call list_learners('{task_type}')."
            )
        branches[name] = learner.space
    return SearchSpace.conditional("learner", branches)


def propose_search_space(learners: list[str], task_type: TaskTypeName) -> dict[str, Any]:
    """Propose the joint search space over some learners (the CASH problem).

    Args:
        learners: Learner names from list_learners.
        task_type: binary, multiclass or regression.

    Returns:
        The parameters (name, kind, range or choices) and the space's JSON schema.
    """
    space = cash_space(learners, task_type)
    parameters = []
    for param in space.params:
        entry = param.model_dump(exclude={"description"})
        condition = space.conditions.get(param.name)
        if condition is not None:
            entry["active_when"] = {condition.parent: condition.value}
        parameters.append(entry)
    return {"parameters": parameters, "json_schema": space.json_schema()}


def _load_study(storage: str, study_name: str) -> Any:
    import optuna

    from tunesmith.tools._study import open_storage

    opened = open_storage(storage)
    assert opened is not None  # a str argument always opens a storage
    try:
        return optuna.load_study(study_name=study_name, storage=opened)
    except KeyError:
        raise DataError(
            f"No study named '{study_name}' in {storage}. Run a search first, or check the path."
        ) from None


def read_leaderboard(
    storage: str, top: int = 10, study_name: str = DEFAULT_STUDY
) -> dict[str, Any]:
    """Read the best finished trials of a search, best first.

    Args:
        storage: The search's storage: a SQLite file path, a journal file or a database URL.
        top: How many trials to return (1 to 100).
        study_name: The study's name in that storage.

    Returns:
        The direction, counts of finished and failed trials, and the top trials.
    """
    from optuna.trial import TrialState

    if not 1 <= top <= 100:
        raise ConfigurationError(f"top must be between 1 and 100, got {top}.")
    study = _load_study(storage, study_name)
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    maximize = study.direction.name == "MAXIMIZE"
    ranked = sorted(complete, key=lambda t: t.value, reverse=maximize)
    failed = sum(t.state == TrialState.FAIL for t in study.get_trials(deepcopy=False))
    return {
        "direction": "maximize" if maximize else "minimize",
        "n_complete": len(complete),
        "n_failed": failed,
        "top": [_trial_row(t, rank) for rank, t in enumerate(ranked[:top], start=1)],
    }


def explain_trial(storage: str, number: int, study_name: str = DEFAULT_STUDY) -> dict[str, Any]:
    """Explain one trial: its configuration, outcome, error if it failed, and its rank.

    Args:
        storage: The search's storage: a SQLite file path, a journal file or a database URL.
        number: The trial number, as shown in the leaderboard.
        study_name: The study's name in that storage.

    Returns:
        The trial's state, value, parameters, duration, error and rank among complete trials.
    """
    from optuna.trial import TrialState

    study = _load_study(storage, study_name)
    trials = study.get_trials(deepcopy=False)
    match = [t for t in trials if t.number == number]
    if not match:
        raise DataError(
            f"Trial {number} does not exist; the study has trials 0 to {len(trials) - 1}."
        )
    trial = match[0]
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    maximize = study.direction.name == "MAXIMIZE"
    rank = None
    if trial.state == TrialState.COMPLETE:
        ordered = sorted(complete, key=lambda t: t.value, reverse=maximize)
        rank = next(i for i, t in enumerate(ordered, start=1) if t.number == number)
    row = _trial_row(trial, rank)
    row.update(
        state=trial.state.name.lower(),
        error=trial.user_attrs.get("tunesmith:error"),
        n_complete=len(complete),
    )
    return row


def _trial_row(trial: Any, rank: int | None) -> dict[str, Any]:
    duration = trial.user_attrs.get("tunesmith:duration_s")
    if duration is None and trial.duration is not None:
        duration = trial.duration.total_seconds()
    return {
        "rank": rank,
        "number": trial.number,
        "value": trial.value,
        "learner": trial.params.get("learner"),
        "params": dict(trial.params),
        "duration_s": duration,
    }


MetricName = Literal["roc_auc", "accuracy", "f1", "log_loss", "rmse", "mae", "r2"]


def read_training_table(path: str, target: str) -> tuple[Any, Any]:
    """Read a table and split it into features and the target (rows without a target dropped).

    Raises:
        DataError: Unreadable or empty file, missing target column, fewer than 10 rows.
    """
    from tunesmith.core.errors import close_matches
    from tunesmith.tools._table import read_table

    data = read_table(path, "training data")
    if target not in data.columns:
        columns = [str(c) for c in data.columns]
        hint = close_matches(target, columns)
        fix = f" Did you mean '{hint[0]}'?" if hint else ""
        raise DataError(f"Column '{target}' is not in {path}. Columns: {', '.join(columns)}.{fix}")
    data = data[data[target].notna()]
    if len(data) < 10:
        raise DataError(f"{path} has {len(data)} rows with a '{target}' value; need at least 10.")
    return data.drop(columns=[target]), data[target]


def run_search(
    path: str,
    target: str,
    task_type: TaskTypeName,
    metric: MetricName,
    learners: list[str],
    n_trials: int = 20,
    optimizer: str = "tpe",
    storage: str | None = None,
    timeout_s: float | None = None,
    cv_folds: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Search learners and their hyper-parameters by cross-validation, in this process.

    Args:
        path: Training data: a CSV, TSV or Parquet file.
        target: The column to predict.
        task_type: binary, multiclass or regression.
        metric: The score to optimise (roc_auc, accuracy, f1, log_loss, rmse, mae, r2).
        learners: Learner names from list_learners.
        n_trials: How many configurations to evaluate (1 to 1000).
        optimizer: tpe, gp, random, sobol, cmaes, de, or another optimiser name.
        storage: Where the study is kept (SQLite file path); a new file if omitted.
        timeout_s: Stop starting new trials after this many seconds.
        cv_folds: Cross-validation folds (2 to 20).
        seed: Seed of the optimiser and the folds.

    Returns:
        The best score, learner and parameters, counts, and the storage to read the leaderboard.
    """
    import tempfile

    from tunesmith.learners import evaluate, metric_direction
    from tunesmith.tools._optimize import optimize

    if not 1 <= n_trials <= 1000:
        raise ConfigurationError(f"n_trials must be between 1 and 1000, got {n_trials}.")
    if not 2 <= cv_folds <= 20:
        raise ConfigurationError(f"cv_folds must be between 2 and 20, got {cv_folds}.")
    space = cash_space(learners, task_type)
    X, y = read_training_table(path, target)
    if storage is None:
        storage = tempfile.mkstemp(prefix="tunesmith-search-", suffix=".db")[1]

    def objective(config: dict[str, Any]) -> float:
        learner, params = space.split(config)
        result = evaluate(
            learner, params, X, y, task_type=task_type, metric=metric, cv_folds=cv_folds,
            seed=seed,
        )  # fmt: skip
        return float(result.value)

    summary = optimize(
        objective, space, optimizer, n_trials=n_trials, timeout=timeout_s, seed=seed,
        storage=storage, direction=metric_direction(metric),
    )  # fmt: skip
    best = summary.best_params
    return {
        "metric": metric,
        "best_value": summary.best_value,
        "best_learner": best.get("learner") if best else None,
        "best_params": best,
        "n_complete": sum(t.state == "complete" for t in summary.trials),
        "n_failed": summary.n_failed,
        "wall_time_s": round(summary.wall_time_s, 2),
        "storage": storage,
    }
