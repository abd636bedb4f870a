"""Contract tests run for every learner: build, fit and predict on raw rows of real data."""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, r2_score

from tunesmith.learners import build_pipeline, get_learner, list_learners

# Small budgets keep the whole matrix fast on two cores.
CHEAP_FIDELITY = {"n_estimators": 10, "max_iter": 30, "epochs": 5}
CASES = [(lrn.name, task) for lrn in list_learners() for task in sorted(lrn.task_types)]


def _cheap(name: str) -> dict[str, Any]:
    learner = get_learner(name)
    if learner.fidelity is None:
        return {}
    return {learner.fidelity.name: CHEAP_FIDELITY[learner.fidelity.name]}


def _fit(name: str, params: dict[str, Any], task: Any, seed: int | None = 0) -> Any:
    pipe = build_pipeline(get_learner(name), params, task.task_type, task.X_train, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings at tiny budgets are expected
        return pipe.fit(task.X_train, task.y_train)


def _check_predictions(pipe: Any, task: Any) -> np.ndarray:
    pred = np.asarray(pipe.predict(task.X_test))
    assert pred.shape == (len(task.X_test),)
    if task.task_type == "regression":
        assert np.isfinite(pred.astype(float)).all()
    else:
        assert set(pred) <= set(task.y_train)
        proba = pipe.predict_proba(task.X_test)
        assert proba.shape == (len(task.X_test), task.y_train.nunique())
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    return pred


@pytest.mark.parametrize(("name", "task_type"), CASES)
def test_default_config_fits_and_predicts_raw_rows(
    name: str, task_type: str, penguin_tasks: dict[str, Any]
) -> None:
    task = penguin_tasks[task_type]
    assert task.X_test["island"].isin(["Atlantis"]).any()  # unseen category
    assert task.X_test.isna().any().any()  # missing values
    pipe = _fit(name, _cheap(name), task)
    pred = _check_predictions(pipe, task)
    # Defaults must learn something: beat predicting the training majority / mean.
    train_pred = pipe.predict(task.X_train)
    if task_type == "regression":
        assert r2_score(task.y_train, train_pred) > 0.1, name
    else:
        majority = task.y_train.value_counts(normalize=True).iloc[0]
        assert accuracy_score(task.y_train, train_pred) > majority, name
    assert len(pred) == len(task.y_test)


@pytest.mark.parametrize("name", [lrn.name for lrn in list_learners()])
def test_sampled_configs_build_and_fit(name: str, penguin_tasks: dict[str, Any]) -> None:
    learner = get_learner(name)
    task = penguin_tasks[sorted(learner.task_types)[0]]
    for config in learner.space.sample(2, seed=7):
        pipe = _fit(name, {**config, **_cheap(name)}, task)
        _check_predictions(pipe, task)


@pytest.mark.parametrize("name", ["random_forest", "xgboost", "torch_mlp", "mlp"])
def test_same_seed_same_predictions(name: str, penguin_tasks: dict[str, Any]) -> None:
    task = penguin_tasks["multiclass"]
    first = _fit(name, _cheap(name), task, seed=3).predict_proba(task.X_test)
    second = _fit(name, _cheap(name), task, seed=3).predict_proba(task.X_test)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", ["lightgbm", "torch_mlp", "logistic_regression"])
def test_fitted_pipeline_pickles(name: str, penguin_tasks: dict[str, Any]) -> None:
    task = penguin_tasks["binary"]
    pipe = _fit(name, _cheap(name), task)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict(task.X_test), pipe.predict(task.X_test))


def test_torch_mlp_leaves_global_torch_rng_alone(penguin_tasks: dict[str, Any]) -> None:
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _fit("torch_mlp", _cheap("torch_mlp"), penguin_tasks["regression"], seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_pipeline_accepts_numpy_arrays() -> None:
    from sklearn.datasets import load_diabetes, load_iris

    X, y = load_iris(return_X_y=True)
    pipe = build_pipeline(get_learner("knn"), None, "multiclass", X, seed=0).fit(X, y)
    assert accuracy_score(y, pipe.predict(X)) > 0.9
    X, y = load_diabetes(return_X_y=True)
    pipe = build_pipeline(get_learner("ridge"), {"alpha": 0.1}, "regression", X, seed=0)
    assert r2_score(y, pipe.fit(X, y).predict(X)) > 0.3


def test_pipeline_encodes_datetime_and_boolean_columns() -> None:
    import pandas as pd
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:200, :5].copy()
    X["seen"] = pd.date_range("2020-01-01", periods=200, freq="D")
    X["flag"] = X.iloc[:, 0] > X.iloc[:, 0].median()
    y = data.target.iloc[:200]
    pipe = build_pipeline(get_learner("lightgbm"), {"n_estimators": 20}, "binary", X, seed=0)
    pipe.fit(X, y)
    width = pipe.named_steps["preprocess"].transform(X.head()).shape[1]
    assert width == X.shape[1]  # ordinal encoding: one column per input column
    assert accuracy_score(y, pipe.predict(X)) > 0.9


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["torch_mlp", "xgboost"])
def test_gpu_learners_train_on_cuda(name: str, penguin_tasks: dict[str, Any]) -> None:
    task = penguin_tasks["multiclass"]
    learner = get_learner(name)
    pipe = build_pipeline(learner, _cheap(name), "multiclass", task.X_train, seed=0, use_gpu=True)
    pipe.fit(task.X_train, task.y_train)
    _check_predictions(pipe, task)
