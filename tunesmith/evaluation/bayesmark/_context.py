"""What the LLM methods are told about a Bayesmark problem (LLAMBO's "full context")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tunesmith.evaluation.bayesmark._data import load_split
from tunesmith.tools._llm_surrogate import SurrogateContext

if TYPE_CHECKING:
    from tunesmith.evaluation.bayesmark._problem import BayesmarkProblem

_LEARNERS = {
    "DT": "decision tree",
    "MLP-adam": "multi-layer perceptron trained with Adam",
    "MLP-sgd": "multi-layer perceptron trained with SGD",
    "RF": "random forest",
    "SVM": "support vector machine (RBF kernel)",
    "ada": "AdaBoost ensemble",
    "kNN": "k-nearest-neighbours model",
    "lasso": "lasso linear model",
    "linear": "linear model",
}
_METRICS = {
    "acc": "5-fold cross-validated accuracy",
    "nll": "5-fold cross-validated log loss",
    "mse": "5-fold cross-validated mean squared error",
    "mae": "5-fold cross-validated mean absolute error",
}


def problem_context(problem: BayesmarkProblem) -> SurrogateContext:
    """The model, task, metric and data shape of ``problem``, as the LLM reads them."""
    split = load_split(problem.dataset)
    kind = "classifier" if problem.classification else "regressor"
    classes = int(np.unique(split.y_train).size) if problem.classification else None
    return SurrogateContext(
        learner=f"{_LEARNERS[problem.model]} {kind} (scikit-learn)",
        task="tabular classification" if problem.classification else "tabular regression",
        metric=_METRICS[problem.metric],
        n_rows=int(split.X_train.shape[0]),
        n_features=int(split.X_train.shape[1]),
        n_classes=classes,
        notes="All features are numeric",
    )
