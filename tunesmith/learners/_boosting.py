"""LightGBM and XGBoost learners (imported lazily, inside the factories).

Search spaces follow FLAML's defaults for these libraries (Bayesmark defines none).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import LabelEncoder

from tunesmith.core import FloatParam, IntParam, SearchSpace
from tunesmith.learners._catalogue import TASK_TYPES, Fidelity, Learner, TaskType


class LabelEncodedClassifier(ClassifierMixin, BaseEstimator):
    """Wrap a classifier that only accepts labels 0..k-1 (XGBoost) so any labels work.

    Args:
        estimator: The classifier to train on encoded labels.
    """

    def __init__(self, estimator: Any = None) -> None:
        self.estimator = estimator

    def fit(self, X: Any, y: Any, **fit_params: Any) -> LabelEncodedClassifier:
        """Encode ``y`` to 0..k-1 and fit a clone of ``estimator`` on it."""
        self.encoder_ = LabelEncoder().fit(y)
        self.classes_ = self.encoder_.classes_
        self.estimator_ = clone(self.estimator).fit(X, self.encoder_.transform(y), **fit_params)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict the original labels."""
        codes = np.asarray(self.estimator_.predict(X)).astype(int)
        return np.asarray(self.encoder_.inverse_transform(codes))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        return np.asarray(self.estimator_.predict_proba(X))


def _lightgbm(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    import lightgbm

    cls = lightgbm.LGBMRegressor if task == "regression" else lightgbm.LGBMClassifier
    # subsample only acts with subsample_freq > 0; verbose=-1 keeps worker logs clean.
    return cls(random_state=seed, n_jobs=n_jobs, subsample_freq=1, verbose=-1, **c)


def _xgboost(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    import xgboost

    common: dict[str, Any] = {
        "tree_method": "hist",
        "device": "cuda" if gpu else "cpu",
        "random_state": seed,
        "n_jobs": n_jobs,
        "verbosity": 0,
    }
    if task == "regression":
        return xgboost.XGBRegressor(**common, **c)
    return LabelEncodedClassifier(xgboost.XGBClassifier(**common, **c))


def boosting_learners() -> list[Learner]:
    """Return the LightGBM and XGBoost learners."""
    shared = [
        FloatParam(name="learning_rate", low=1e-3, high=1.0, log=True),
        FloatParam(name="subsample", low=0.5, high=1.0),
        FloatParam(name="colsample_bytree", low=0.3, high=1.0),
        FloatParam(name="reg_alpha", low=1 / 1024, high=1024.0, log=True),
        FloatParam(name="reg_lambda", low=1 / 1024, high=1024.0, log=True),
    ]
    shared_defaults = {
        "learning_rate": 0.1,
        "subsample": 1.0,
        "colsample_bytree": 1.0,
        "reg_alpha": 1 / 1024,
        "reg_lambda": 1.0,
    }
    fidelity = Fidelity(name="n_estimators", low=10, high=2000, default=100)
    lightgbm = Learner(
        name="lightgbm",
        task_types=frozenset(TASK_TYPES),
        default_config={**shared_defaults, "num_leaves": 31, "min_child_samples": 20},
        space=SearchSpace(
            params=(
                IntParam(name="num_leaves", low=4, high=1024, log=True),
                IntParam(name="min_child_samples", low=2, high=128, log=True),
                *shared,
            )
        ),
        fidelity=fidelity,
        uses_gpu=False,  # the PyPI wheel's GPU path needs OpenCL set-up; treat as CPU only
        encoding="ordinal",
        needs_scaling=False,
        handles_missing=True,
        description="LightGBM gradient boosting (leaf-wise trees); fast, strong on tabular data.",
        factory=_lightgbm,
    )
    xgb = Learner(
        name="xgboost",
        task_types=frozenset(TASK_TYPES),
        default_config={
            **shared_defaults,
            "learning_rate": 0.3,
            "max_depth": 6,
            "min_child_weight": 1.0,
        },
        space=SearchSpace(
            params=(
                IntParam(name="max_depth", low=1, high=12),
                FloatParam(name="min_child_weight", low=1e-3, high=128.0, log=True),
                *shared,
            )
        ),
        fidelity=fidelity,
        uses_gpu=True,
        encoding="ordinal",
        needs_scaling=False,
        handles_missing=True,
        description="XGBoost gradient boosting (hist trees); uses a CUDA GPU when asked.",
        factory=_xgboost,
    )
    return [lightgbm, xgb]
