"""The training workload: CV/holdout scores for every metric on real small data sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets

from tunesmith.core import TrialResult, TrialSpec
from tunesmith.core.errors import ConfigurationError, DataError, TrialPruned
from tunesmith.learners import (
    TrainingJob,
    evaluate,
    keep_best_models,
    load_table,
    metric_direction,
    write_table,
)
from tunesmith.learners._evaluate import _splits


def _data(name: str) -> tuple[pd.DataFrame, pd.Series]:
    loader = {
        "binary": datasets.load_breast_cancer,
        "multiclass": datasets.load_iris,
        "regression": datasets.load_diabetes,
    }[name]
    bunch = loader(as_frame=True)
    return bunch.data, bunch.target


CASES = [
    ("binary", "roc_auc", 0.95, 1.0),
    ("binary", "accuracy", 0.9, 1.0),
    ("binary", "f1", 0.9, 1.0),
    ("binary", "log_loss", 0.0, 0.3),
    ("multiclass", "roc_auc", 0.95, 1.0),
    ("multiclass", "accuracy", 0.85, 1.0),
    ("multiclass", "f1", 0.85, 1.0),
    ("multiclass", "log_loss", 0.0, 0.5),
    ("regression", "rmse", 40.0, 70.0),
    ("regression", "mae", 30.0, 60.0),
    ("regression", "r2", 0.3, 0.7),
]


@pytest.mark.parametrize(("task", "metric", "low", "high"), CASES)
def test_every_metric_scores_a_real_learner(task: str, metric: str, low: float, high: float):
    X, y = _data(task)
    learner = "ridge" if task == "regression" else "logistic_regression"
    ev = evaluate(learner, {}, X, y, task_type=task, metric=metric, cv_folds=3, seed=0)  # type: ignore[arg-type]
    assert low <= ev.value <= high
    assert len(ev.fold_values) == 3
    assert ev.std == pytest.approx(float(np.std(ev.fold_values)))
    assert ev.greater_is_better == (metric_direction(metric) == "maximize")
    assert ev.loss == (-ev.value if ev.greater_is_better else ev.value)
    assert ev.fit_time_s > 0
    assert ev.peak_memory_mb is not None
    assert ev.peak_memory_mb > 0


def test_binary_roc_auc_matches_sklearn_on_a_holdout() -> None:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from tunesmith.learners import build_pipeline, get_learner

    X, y = _data("binary")
    ev = evaluate(
        "logistic_regression",
        {},
        X,
        y,
        task_type="binary",
        metric="roc_auc",
        holdout_fraction=0.25,
        seed=3,
    )
    tr, va = train_test_split(np.arange(len(y)), test_size=0.25, random_state=3, stratify=y)
    pipe = build_pipeline(get_learner("logistic_regression"), {}, "binary", X.iloc[tr], seed=3)
    pipe.fit(X.iloc[tr], y.iloc[tr])
    expected = roc_auc_score(y.iloc[va], pipe.predict_proba(X.iloc[va])[:, 1])
    assert ev.value == pytest.approx(expected)
    assert ev.std == 0.0


def test_classification_folds_are_stratified_and_regression_folds_cover_all_rows() -> None:
    y = np.array([0] * 90 + [1] * 10)
    for _, valid in _splits("binary", y, 5, None, seed=0):
        assert np.sum(y[valid] == 1) == 2  # 10 positives over 5 folds, exactly 2 per fold
    folds = _splits("regression", np.arange(100.0), 4, None, seed=0)
    assert sorted(np.concatenate([v for _, v in folds]).tolist()) == list(range(100))


def test_split_seed_changes_the_folds() -> None:
    y = np.arange(50.0)
    a = _splits("regression", y, 5, None, seed=0)[0][1]
    b = _splits("regression", y, 5, None, seed=1)[0][1]
    assert not np.array_equal(a, b)
    assert np.array_equal(a, _splits("regression", y, 5, None, seed=0)[0][1])


def test_report_can_prune_after_the_first_fold() -> None:
    X, y = _data("multiclass")
    calls: list[tuple[int, float]] = []

    def report(step: int, value: float) -> bool:
        calls.append((step, value))
        return True

    with pytest.raises(TrialPruned):
        evaluate("knn", {}, X, y, task_type="multiclass", metric="accuracy", report=report)
    assert [step for step, _ in calls] == [0]
    assert calls[0][1] < 0  # the loss of accuracy is -accuracy


def test_cash_config_and_fidelity_are_resolved() -> None:
    X, y = _data("multiclass")
    config = {"learner": "random_forest", "random_forest.max_depth": 3}
    ev = evaluate(None, config, X, y, task_type="multiclass", metric="accuracy", fidelity=10)
    assert ev.value > 0.85
    with pytest.raises(ConfigurationError, match="no parameter 'C'"):
        evaluate("random_forest", {"C": 1.0}, X, y, task_type="multiclass", metric="accuracy")


def test_metric_must_fit_the_task_and_classes_must_fill_the_folds() -> None:
    X, y = _data("regression")
    with pytest.raises(ConfigurationError, match="does not apply"):
        evaluate("ridge", {}, X, y, task_type="regression", metric="roc_auc")  # type: ignore[arg-type]
    Xc, yc = _data("binary")
    tiny = yc.copy()
    tiny.iloc[:] = 0
    tiny.iloc[:2] = 1
    with pytest.raises(DataError, match="rarest class has 2"):
        evaluate("knn", {}, Xc, tiny, task_type="binary", metric="accuracy", cv_folds=5)


def test_training_job_saves_models_and_only_the_best_are_kept(tmp_path: Path) -> None:
    X, y = _data("regression")
    path = write_table(X.assign(target=y), tmp_path / "diabetes.pkl")
    assert load_table(path) is load_table(path)  # cached per process
    job = TrainingJob(
        data_path=path,
        target="target",
        task_type="regression",
        metric="rmse",
        learner="ridge",
        cv_folds=3,
        model_dir=tmp_path / "models",
    )
    results = [
        job(TrialSpec(number=i, params={"alpha": a})) for i, a in enumerate([0.01, 100.0, 1.0])
    ]
    assert all(r.state == "complete" and Path(str(r.model_path)).is_file() for r in results)
    assert all(r.value == r.metrics["rmse"] for r in results)  # rmse: loss is the value itself
    best = min(results, key=lambda r: float(r.value or 0))
    deleted = keep_best_models([*results, TrialResult.failed(results[0].model_copy(), "x")], 1)
    assert len(deleted) == 2
    assert [Path(str(r.model_path)).exists() for r in results] == [r is best for r in results]


def test_training_job_rejects_a_missing_file_and_column(tmp_path: Path) -> None:
    job = TrainingJob(
        data_path=tmp_path / "none.pkl",
        target="y",
        task_type="binary",
        metric="accuracy",
        learner="knn",
    )
    with pytest.raises(DataError, match="does not exist"):
        job(TrialSpec(number=0, params={}))
    with pytest.raises(ValueError, match="does not apply"):
        TrainingJob(data_path=tmp_path, target="y", task_type="regression", metric="f1")
