"""Reference baselines of a built task, and the medal thresholds they give (see ``_medals``).

Each baseline is fitted on ``public/train.csv``, predicts ``public/test.csv`` and is graded
like any submission. Preprocessing is deliberately plain and fixed, so the references do not
move when the agent's own preprocessing changes: numeric columns imputed with the median,
other columns filled with a "missing" level and ordinal-encoded (unseen levels -> -1).
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def run_baselines(
    task_dir: str | os.PathLike[str], *, seed: int = 0, n_jobs: int = 1, write: bool = True
) -> Leaderboard:
    """Score the reference baselines on a built task and derive its medal thresholds.

    Baselines: ``constant`` (the positive-class share, majority class, median for mae or mean),
    a default scikit-learn ``random_forest`` and a default ``hist_gradient_boosting``, each
    fitted on public/train.csv and graded on the private answers.

    Args:
        task_dir: A built task folder (``OUT/<task>``, or its public/private subfolder).
        seed: Random seed of the models.
        n_jobs: Threads for each model (RandomForest jobs, HistGradientBoosting's OpenMP).
        write: Write the result to ``private/leaderboard.json``.

    Returns:
        The leaderboard: every baseline's score and the bronze/silver/gold thresholds.

    Raises:
        DataError: ``task_dir`` is not a built task folder.
    """
    folder = resolve_task_dir(task_dir)
    info = load_task_info(folder)
    train, test = _read_public(folder, "train.csv"), _read_public(folder, "test.csv")
    answers = read_csv_text(folder / "private" / "answers.csv")
    scores = []
    for name in BASELINES:
        started = time.perf_counter()
        predicted = _predict(name, info, train, test, seed, n_jobs)
        submission = test[[info.id_column]].assign(**{info.target: predicted})
        frame = read_csv_text(io.StringIO(to_csv_bytes(submission).decode()))
        try:
            value = check_and_score(info, answers, frame)
        except InvalidSubmission as exc:  # our own predictions: a bug, not a bad submission
            raise RuntimeError(f"Baseline {name} on {info.name} is invalid: {exc}") from exc
        elapsed = round(time.perf_counter() - started, 3)
        scores.append(BaselineScore(name=name, score=value, fit_time_s=elapsed))
    board = Leaderboard(
        task=info.name, metric=info.metric, greater_is_better=info.greater_is_better,
        baselines=tuple(scores), thresholds=medal_thresholds(info.metric, scores), rule=RULE,
        seed=seed, fingerprint=info.fingerprint,
    )  # fmt: skip
    if write:
        path = folder / "private" / "leaderboard.json"
        path.write_text(json.dumps(board.model_dump(), indent=2) + "\n")
    return board
