"""Reference baselines of a built task, and the medal thresholds they give (see ``_medals``).

Each fixed baseline is fitted on ``public/train.csv``, predicts ``public/test.csv`` and is graded
like any submission. Preprocessing is deliberately plain and fixed, so the references do not
move when the agent's own preprocessing changes: numeric columns imputed with the median,
other columns filled with a "missing" level and ordinal-encoded (unseen levels -> -1). The
``flaml`` baseline is FLAML's own run, preprocessing included (``_baseline_flaml``), and the
optional ``autogluon`` one AutoGluon's (``_baseline_autogluon``).
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.kaggle._baseline_autogluon import autogluon_submission, require_autogluon
from tunesmith.evaluation.kaggle._baseline_flaml import FLAML_BUDGET_S, flaml_submission
from tunesmith.evaluation.kaggle._checks import InvalidSubmission, check_and_score, read_csv_text
from tunesmith.evaluation.kaggle._medals import RULE, BaselineScore, Leaderboard, medal_thresholds
from tunesmith.evaluation.kaggle._prepare import constant_prediction, to_csv_bytes
from tunesmith.evaluation.kaggle._task import TaskInfo, load_task_info, resolve_task_dir

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BASELINES = ("constant", "random_forest", "hist_gradient_boosting")


def _preprocessor(X: pd.DataFrame) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder

    numeric = [c for c in X.columns if X[c].dtype.kind in "biuf"]
    other = [c for c in X.columns if c not in numeric]
    categorical = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
    )
    return ColumnTransformer(
        [("numeric", SimpleImputer(strategy="median"), numeric), ("other", categorical, other)]
    )


def _model(name: str, info: TaskInfo, seed: int, n_jobs: int) -> Any:
    from sklearn import ensemble

    classify = info.task_type != "regression"
    if name == "random_forest":
        kind = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
        return kind(random_state=seed, n_jobs=n_jobs)
    kind = (
        ensemble.HistGradientBoostingClassifier
        if classify
        else ensemble.HistGradientBoostingRegressor
    )
    return kind(random_state=seed)


def _predict(
    name: str, info: TaskInfo, train: pd.DataFrame, test: pd.DataFrame, seed: int, n_jobs: int
) -> np.ndarray | list[Any]:
    import numpy as np
    from sklearn.pipeline import make_pipeline

    y = train[info.target]
    y = y.astype(float) if info.task_type == "regression" else y.astype(str)
    if name == "constant":
        return [constant_prediction(info, y)] * len(test)
    from threadpoolctl import threadpool_limits

    X = train.drop(columns=[info.id_column, info.target])
    # HistGradientBoosting takes every core through OpenMP; on a busy 2-core machine its
    # threads wait on each other and a one-second fit took minutes. Hold it to n_jobs.
    with threadpool_limits(limits=n_jobs, user_api="openmp"):
        model = make_pipeline(_preprocessor(X), _model(name, info, seed, n_jobs)).fit(X, y)
        X_test = test[X.columns]
        if info.prediction == "probability":
            column = list(model.classes_).index(info.positive_label)
            return np.asarray(model.predict_proba(X_test))[:, column]
        return np.asarray(model.predict(X_test))


def _read_public(task_dir: Path, name: str) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(task_dir / "public" / name)


def _graded(info: TaskInfo, answers: pd.DataFrame, name: str, frame: pd.DataFrame) -> float:
    try:
        return check_and_score(info, answers, frame)
    except InvalidSubmission as exc:  # our own predictions: a bug, not a bad submission
        raise RuntimeError(f"Baseline {name} on {info.name} is invalid: {exc}") from exc


def _fixed_baselines(
    folder: Path, info: TaskInfo, answers: pd.DataFrame, seed: int, n_jobs: int
) -> list[BaselineScore]:
    train, test = _read_public(folder, "train.csv"), _read_public(folder, "test.csv")
    scores = []
    for name in BASELINES:
        started = time.perf_counter()
        predicted = _predict(name, info, train, test, seed, n_jobs)
        submission = test[[info.id_column]].assign(**{info.target: predicted})
        frame = read_csv_text(io.StringIO(to_csv_bytes(submission).decode()))
        value = _graded(info, answers, name, frame)
        elapsed = round(time.perf_counter() - started, 3)
        scores.append(BaselineScore(name=name, score=value, fit_time_s=elapsed))
    return scores


_SEARCHERS = {"flaml": flaml_submission, "autogluon": autogluon_submission}


def _searching_baseline(
    name: str, folder: Path, info: TaskInfo, answers: pd.DataFrame, seed: int, budget_s: float
) -> BaselineScore:
    """A searching peer's run (``flaml`` or ``autogluon``) at ``budget_s``, graded."""
    started = time.perf_counter()
    frame, details = _SEARCHERS[name](folder, info, budget_s=budget_s, seed=seed)
    value = _graded(info, answers, name, frame)
    elapsed = round(time.perf_counter() - started, 3)
    return BaselineScore(name=name, score=value, fit_time_s=elapsed, details=details)


def _check_budget(name: str, budget_s: float | None) -> None:
    if budget_s is not None and not budget_s > 0:
        raise ConfigurationError(
            f"{name} must be positive seconds or None (no such baseline), got {budget_s}."
        )


def _board(info: TaskInfo, scores: list[BaselineScore], seed: int, flaml_budget_s: float | None,
           autogluon_budget_s: float | None) -> Leaderboard:  # fmt: skip
    return Leaderboard(
        task=info.name, metric=info.metric, greater_is_better=info.greater_is_better,
        baselines=tuple(scores), thresholds=medal_thresholds(info.metric, scores), rule=RULE,
        seed=seed, fingerprint=info.fingerprint, flaml_budget_s=flaml_budget_s,
        autogluon_budget_s=autogluon_budget_s,
    )  # fmt: skip


def _write_board(folder: Path, board: Leaderboard) -> None:
    path = folder / "private" / "leaderboard.json"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(board.model_dump(), indent=2) + "\n")
    os.replace(partial, path)


def set_autogluon_baseline(
    task_dir: str | os.PathLike[str], board: Leaderboard, budget_s: float | None,
    *, write: bool = True,
) -> Leaderboard:  # fmt: skip
    """``board`` with its AutoGluon baseline run at ``budget_s`` (None: removed), the
    thresholds derived again and the other baselines kept as they are.

    Raises:
        ConfigurationError: ``budget_s`` is not positive, or AutoGluon's environment is missing.
        RuntimeError: AutoGluon failed on the task.
    """
    _check_budget("autogluon_budget_s", budget_s)
    if budget_s is not None:
        require_autogluon()
    folder = resolve_task_dir(task_dir)
    info = load_task_info(folder)
    scores = [b for b in board.baselines if b.name != "autogluon"]
    if budget_s is not None:
        answers = read_csv_text(folder / "private" / "answers.csv")
        run = _searching_baseline("autogluon", folder, info, answers, board.seed, budget_s)
        scores.append(run)
    new = _board(info, scores, board.seed, board.flaml_budget_s, budget_s)
    if write:
        _write_board(folder, new)
    return new


def run_baselines(
    task_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    n_jobs: int = 1,
    flaml_budget_s: float | None = FLAML_BUDGET_S,
    autogluon_budget_s: float | None = None,
    write: bool = True,
) -> Leaderboard:
    """Score the reference baselines on a built task and derive its medal thresholds.

    Baselines: ``constant`` (the positive-class share, majority class, median for mae or mean),
    a default scikit-learn ``random_forest`` and a default ``hist_gradient_boosting``, each
    fitted on public/train.csv and graded on the private answers; and ``flaml``, the FLAML
    peer's run at ``flaml_budget_s`` (see ``_baseline_flaml``); and, if
    ``autogluon_budget_s`` is given, ``autogluon``, the AutoGluon peer's ``medium_quality`` run
    (see ``_baseline_autogluon``). The first three are deterministic for a seed; the searches
    depend on the machine's speed.

    Args:
        task_dir: A built task folder (``OUT/<task>``, or its public/private subfolder).
        seed: Random seed of the models (and of FLAML).
        n_jobs: Threads for each fixed model (RandomForest jobs, HistGradientBoosting's
            OpenMP); FLAML takes every core, as the ``flaml`` agent does.
        flaml_budget_s: FLAML's budget in seconds (default: the suite's benchmark budget,
            120); None leaves FLAML out.
        autogluon_budget_s: AutoGluon's budget in seconds; None (the default) leaves it out.
        write: Write the result to ``private/leaderboard.json``.

    Returns:
        The leaderboard: every baseline's score and the bronze/silver/gold thresholds.

    Raises:
        DataError: ``task_dir`` is not a built task folder.
        ConfigurationError: A budget is not positive, or AutoGluon is asked for and its
            environment is missing.
    """
    _check_budget("flaml_budget_s", flaml_budget_s)
    _check_budget("autogluon_budget_s", autogluon_budget_s)
    if autogluon_budget_s is not None:
        require_autogluon()
    folder = resolve_task_dir(task_dir)
    info = load_task_info(folder)
    answers = read_csv_text(folder / "private" / "answers.csv")
    scores = _fixed_baselines(folder, info, answers, seed, n_jobs)
    if flaml_budget_s is not None:
        scores.append(_searching_baseline("flaml", folder, info, answers, seed, flaml_budget_s))
    if autogluon_budget_s is not None:
        run = _searching_baseline("autogluon", folder, info, answers, seed, autogluon_budget_s)
        scores.append(run)
    board = _board(info, scores, seed, flaml_budget_s, autogluon_budget_s)
    if write:
        _write_board(folder, board)
    return board
