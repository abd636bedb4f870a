"""Scoring metrics for the training workload: name, direction, and how to compute them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from tunesmith.core.errors import ConfigurationError

if TYPE_CHECKING:
    from tunesmith.learners._catalogue import TaskType

MetricName = Literal["roc_auc", "accuracy", "f1", "log_loss", "rmse", "mae", "r2"]
# name -> (greater is better, task types it applies to)
_METRICS: dict[str, tuple[bool, frozenset[str]]] = {
    "roc_auc": (True, frozenset({"binary", "multiclass"})),
    "accuracy": (True, frozenset({"binary", "multiclass"})),
    "f1": (True, frozenset({"binary", "multiclass"})),
    "log_loss": (False, frozenset({"binary", "multiclass"})),
    "rmse": (False, frozenset({"regression"})),
    "mae": (False, frozenset({"regression"})),
    "r2": (True, frozenset({"regression"})),
}
METRICS: tuple[str, ...] = tuple(_METRICS)


def check_metric(metric: str, task_type: str) -> None:
    """Raise ConfigurationError unless ``metric`` is known and fits ``task_type``."""
    if metric not in _METRICS:
        raise ConfigurationError(
            f"Unknown metric '{metric}'. Expected one of: {', '.join(METRICS)}."
        )
    if task_type not in _METRICS[metric][1]:
        fits = [m for m, (_, tasks) in _METRICS.items() if task_type in tasks]
        raise ConfigurationError(
            f"Metric '{metric}' does not apply to task type '{task_type}'. "
            f"Metrics for {task_type}: {', '.join(fits)}."
        )


def greater_is_better(metric: str) -> bool:
    """Whether a larger value of ``metric`` is better (roc_auc, accuracy, f1, r2)."""
    if metric not in _METRICS:
        raise ConfigurationError(
            f"Unknown metric '{metric}'. Expected one of: {', '.join(METRICS)}."
        )
    return _METRICS[metric][0]


def metric_direction(metric: str) -> Literal["maximize", "minimize"]:
    """``"maximize"`` or ``"minimize"``: the Optuna direction of the metric's natural value."""
    return "maximize" if greater_is_better(metric) else "minimize"


def to_loss(metric: str, value: float) -> float:
    """The value to minimise: ``-value`` for greater-is-better metrics, else ``value``."""
    return -value if greater_is_better(metric) else value


def _scores(model: Any, X: Any) -> tuple[np.ndarray, np.ndarray]:
    classes = np.asarray(model.classes_)
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X), dtype=np.float64), classes
    raise ConfigurationError(
        f"{type(model).__name__} has no predict_proba, which roc_auc and log_loss need. "
        "Fix: use accuracy or f1, or a learner with probabilities."
    )


def score(metric: str, task_type: TaskType, model: Any, X: Any, y: Any) -> float:
    """Score a fitted model on (X, y) with ``metric`` in its natural units.

    roc_auc: binary uses the probability of ``classes_[1]``; multiclass is one-vs-rest, macro.
    f1: binary with ``classes_[1]`` as the positive class; multiclass is macro-averaged.
    """
    from sklearn import metrics as skm

    y = np.asarray(y)
    if metric in ("roc_auc", "log_loss"):
        proba, classes = _scores(model, X)
        if metric == "log_loss":
            return float(skm.log_loss(y, proba, labels=classes))
        if task_type == "binary":
            return float(skm.roc_auc_score(y == classes[1], proba[:, 1]))
        return float(skm.roc_auc_score(y, proba, multi_class="ovr", labels=classes))
    pred = np.asarray(model.predict(X))
    if metric == "accuracy":
        return float(skm.accuracy_score(y, pred))
    if metric == "f1":
        if task_type == "binary":
            return float(skm.f1_score(y, pred, pos_label=np.asarray(model.classes_)[1]))
        return float(skm.f1_score(y, pred, average="macro"))
    if metric == "rmse":
        return float(np.sqrt(skm.mean_squared_error(y, pred)))
    if metric == "mae":
        return float(skm.mean_absolute_error(y, pred))
    return float(skm.r2_score(y, pred))
