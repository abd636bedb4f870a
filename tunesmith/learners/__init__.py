"""Catalogue of trainable model families: name, task types, search space, build, fidelity.

Example:
    >>> from tunesmith.learners import build_pipeline, get_learner
    >>> learner = get_learner("random_forest")
    >>> pipe = build_pipeline(learner, {"n_estimators": 50}, "binary", X_train, seed=0)
    >>> pipe.fit(X_train, y_train).predict(X_test)
"""

from __future__ import annotations

from tunesmith.learners._boosting import LabelEncodedClassifier
from tunesmith.learners._catalogue import (
    TASK_TYPES,
    Fidelity,
    Learner,
    TaskType,
    get_learner,
    list_learners,
)
from tunesmith.learners._evaluate import (
    Evaluation,
    TrainingJob,
    evaluate,
    keep_best_models,
    resolve_learner,
)
from tunesmith.learners._metrics import (
    METRICS,
    MetricName,
    check_metric,
    greater_is_better,
    metric_direction,
    score,
)
from tunesmith.learners._preprocess import build_pipeline, build_preprocessor
from tunesmith.learners._tables import load_table, write_table
from tunesmith.learners._torch_mlp import TorchMLPClassifier, TorchMLPRegressor

__all__ = [
    "METRICS",
    "TASK_TYPES",
    "Evaluation",
    "Fidelity",
    "LabelEncodedClassifier",
    "Learner",
    "MetricName",
    "TaskType",
    "TorchMLPClassifier",
    "TorchMLPRegressor",
    "TrainingJob",
    "build_pipeline",
    "build_preprocessor",
    "check_metric",
    "evaluate",
    "get_learner",
    "greater_is_better",
    "keep_best_models",
    "list_learners",
    "load_table",
    "metric_direction",
    "resolve_learner",
    "score",
    "write_table",
]
