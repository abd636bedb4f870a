"""A Bayesmark problem ``(model, data set, metric)``: its space, CV objective, holdout score."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import warnings
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from tunesmith.core import SearchSpace
from tunesmith.core.errors import ConfigurationError, close_matches
from tunesmith.evaluation.bayesmark._data import DATASETS, is_classification, load_split
from tunesmith.evaluation.bayesmark._models import MODELS, MODELS_ORDER, BayesmarkModel

MetricName = Literal["acc", "nll", "mse", "mae"]
# Bayesmark's metric names and the scikit-learn scorers they stand for (higher is better).
SCORERS: Mapping[str, str] = {
    "acc": "accuracy",
    "nll": "neg_log_loss",
    "mse": "neg_mean_squared_error",
    "mae": "neg_mean_absolute_error",
}
CLF_METRICS: tuple[MetricName, ...] = ("acc", "nll")
REG_METRICS: tuple[MetricName, ...] = ("mse", "mae")
CV_FOLDS = 5
# LLAMBO's 25 problems (research note, section 2.1): five models on the five data sets,
# accuracy on the classification sets and MSE on diabetes.
LLAMBO_MODELS = ("RF", "SVM", "DT", "MLP-sgd", "ada")


@dataclasses.dataclass(frozen=True)
class BayesmarkProblem:
    """One problem: tune ``model`` on ``dataset`` for ``metric``; every value is a loss.

    The objective (:meth:`evaluate`) is what an optimiser minimises: minus the mean 5-fold
    ``cross_val_score`` on the 80% training split (so ``-accuracy`` for ``acc``, the log loss
    for ``nll``). :meth:`generalization` refits on the whole training split and returns the
    same loss on the 20% holdout. Both are deterministic for a given configuration.

    Attributes:
        model: Bayesmark's model name (``RF``, ``SVM``, ...).
        dataset: The data set (``breast``, ``digits``, ``iris``, ``wine``, ``diabetes``).
        metric: ``acc`` or ``nll`` (classification), ``mse`` or ``mae`` (regression).
    """

    model: str
    dataset: str
    metric: MetricName

    @property
    def name(self) -> str:
        """The problem's name, e.g. ``RF-breast-acc``."""
        return f"{self.model}-{self.dataset}-{self.metric}"

    @property
    def classification(self) -> bool:
        """Whether the data set is a classification one."""
        return is_classification(self.dataset)

    @property
    def spec(self) -> BayesmarkModel:
        """The model's record (space, defaults, builder)."""
        return MODELS[self.model]

    @property
    def space(self) -> SearchSpace:
        """The search space the optimiser sees."""
        return self.spec.space(self.classification)

    @property
    def default_config(self) -> dict[str, Any]:
        """scikit-learn's defaults inside the space (for a default-configuration control)."""
        return self.spec.default(self.classification)

    def estimator(self, config: Mapping[str, Any]) -> Any:
        """The unfitted estimator for ``config`` (validated against the space)."""
        self.space.validate(config)
        return self.spec.build(dict(config), self.classification)

    def evaluate(self, config: Mapping[str, Any]) -> float:
        """The objective: minus the mean 5-fold CV score on the training split."""
        from sklearn.model_selection import cross_val_score

        split = load_split(self.dataset)
        model = self.estimator(config)
        with _quiet():
            scores = cross_val_score(
                model, split.X_train, split.y_train, scoring=SCORERS[self.metric],
                cv=CV_FOLDS, error_score="raise",
            )  # fmt: skip
        return _loss(float(-scores.mean()))

    def generalization(self, config: Mapping[str, Any]) -> float:
        """The loss on the 20% holdout after fitting on the whole training split."""
        from sklearn.metrics import get_scorer

        split = load_split(self.dataset)
        model = self.estimator(config)
        with _quiet():
            model.fit(split.X_train, split.y_train)
            score = get_scorer(SCORERS[self.metric])(model, split.X_test, split.y_test)
        return _loss(float(-score))


def _loss(value: float) -> float:
    # -0.0 and 0.0 must not differ between runs that print them.
    return value + 0.0 if math.isfinite(value) else math.nan


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Bayesmark suppresses the estimators' warnings (convergence, deprecations)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@functools.cache
def _all_problems() -> dict[str, BayesmarkProblem]:
    out: dict[str, BayesmarkProblem] = {}
    for model in MODELS_ORDER:
        for dataset in DATASETS:
            metrics = CLF_METRICS if is_classification(dataset) else REG_METRICS
            for metric in metrics:
                problem = BayesmarkProblem(model, dataset, metric)
                out[problem.name] = problem
    return out


def list_problems(suite: str = "all") -> list[str]:
    """Names of the problems of ``suite``.

    Args:
        suite: ``"all"`` (90: 9 models x (4 classification sets x 2 metrics + diabetes x 2)) or
            ``"llambo25"`` (LLAMBO's 25: RF, SVM, DT, MLP-sgd, ada on every data set, accuracy
            or MSE).

    Returns:
        Problem names such as ``RF-breast-acc``, models in Bayesmark's order.
    """
    problems = _all_problems()
    if suite == "all":
        return list(problems)
    if suite == "llambo25":
        return [
            p.name for p in problems.values()
            if p.model in LLAMBO_MODELS and p.metric in ("acc", "mse")
        ]  # fmt: skip
    raise ConfigurationError(
        f"Unknown problem suite '{suite}'. Expected 'all' or 'llambo25', or a comma-separated "
        "list of problem names such as RF-breast-acc."
    )


def get_problem(name: str) -> BayesmarkProblem:
    """The problem called ``name`` (``MODEL-DATASET-METRIC``, e.g. ``MLP-sgd-digits-nll``)."""
    problems = _all_problems()
    if name in problems:
        return problems[name]
    hint = close_matches(name, list(problems))
    raise ConfigurationError(
        f"Unknown Bayesmark problem '{name}'. Expected MODEL-DATASET-METRIC with MODEL in "
        f"{list(MODELS_ORDER)}, DATASET in {list(DATASETS)}, METRIC acc/nll (classification) "
        "or mse/mae (diabetes)" + (f". Did you mean {hint[0]!r}?" if hint else ".")
    )
