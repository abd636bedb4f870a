"""scikit-learn learners, with Bayesmark's search spaces where Bayesmark defines one.

Bayesmark (research/llambo-and-bayesmark.md, section 5.2) samples some parameters in a
``logit`` warp; our SearchSpace has no logit warp, so those are plain linear floats over the
same range. Parameters removed from modern scikit-learn (``normalize``) are dropped, and
``multi_class='ovr'`` becomes an explicit OneVsRestClassifier.
"""

from __future__ import annotations

from typing import Any

from tunesmith.core import BoolParam, FloatParam, IntParam, SearchSpace
from tunesmith.learners._catalogue import TASK_TYPES, Fidelity, Learner, TaskType
from tunesmith.learners._trees import is_classification, tree_learners

_CLASSIFICATION: frozenset[TaskType] = frozenset({"binary", "multiclass"})
_REGRESSION: frozenset[TaskType] = frozenset({"regression"})
_ALL: frozenset[TaskType] = frozenset(TASK_TYPES)


def _standardised_target(regressor: Any) -> Any:
    """Fit ``regressor`` on a standardised target (SVR's epsilon, MLP's init assume unit scale)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.preprocessing import StandardScaler

    return TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())


# --- linear models ---------------------------------------------------------------------------


def _logistic(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    # scikit-learn 1.8 deprecated `penalty`; l1_ratio 0/1 means the same (l2/l1) there.
    major, minor = (int(x) for x in sklearn.__version__.split(".")[:2])
    l1 = c["penalty"] == "l1"
    penalty: dict[str, Any] = (
        {"l1_ratio": 1.0 if l1 else 0.0} if (major, minor) >= (1, 8) else {"penalty": c["penalty"]}
    )
    model = LogisticRegression(
        C=c["C"],
        intercept_scaling=c["intercept_scaling"],
        fit_intercept=True,
        solver="liblinear",
        random_state=seed,
        **penalty,
    )
    # Bayesmark's multi_class='ovr' (liblinear only does one-vs-rest).
    return OneVsRestClassifier(model, n_jobs=n_jobs) if task == "multiclass" else model


def _ridge(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.linear_model import Ridge

    return Ridge(solver="auto", random_state=seed, **c)


def _lasso(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.linear_model import Lasso

    return Lasso(random_state=seed, **c)


def _linear_learners() -> list[Learner]:
    from tunesmith.core import CategoricalParam

    # Bayesmark's `linear` and `lasso` classifiers are one learner with a penalty choice.
    logistic = Learner(
        name="logistic_regression",
        task_types=_CLASSIFICATION,
        default_config={"C": 1.0, "intercept_scaling": 1.0, "penalty": "l2"},
        space=SearchSpace(
            params=(
                FloatParam(name="C", low=1e-2, high=1e2, log=True),
                FloatParam(name="intercept_scaling", low=1e-2, high=1e2, log=True),
                CategoricalParam(name="penalty", choices=("l2", "l1")),
            )
        ),
        fidelity=None,
        uses_gpu=False,
        encoding="onehot",
        needs_scaling=True,
        handles_missing=False,
        description="Logistic regression (liblinear, L1 or L2); fast, strong on wide data.",
        factory=_logistic,
    )
    ridge = Learner(
        name="ridge",
        task_types=_REGRESSION,
        default_config={"alpha": 1.0, "fit_intercept": True, "max_iter": 1000, "tol": 1e-4},
        space=SearchSpace(
            params=(
                FloatParam(name="alpha", low=1e-2, high=1e2, log=True),
                BoolParam(name="fit_intercept"),
                IntParam(name="max_iter", low=10, high=5000, log=True),
                FloatParam(name="tol", low=1e-4, high=1e-1, log=True),
            )
        ),
        fidelity=None,
        uses_gpu=False,
        encoding="onehot",
        needs_scaling=True,
        handles_missing=False,
        description="Ridge regression (L2-penalised least squares); a fast linear baseline.",
        factory=_ridge,
    )
    lasso = Learner(
        name="lasso",
        task_types=_REGRESSION,
        default_config={
            "alpha": 1.0,
            "fit_intercept": True,
            "max_iter": 1000,
            "tol": 1e-4,
            "positive": False,
        },
        space=SearchSpace(
            params=(
                FloatParam(name="alpha", low=1e-2, high=1e2, log=True),
                BoolParam(name="fit_intercept"),
                IntParam(name="max_iter", low=10, high=5000, log=True),
                FloatParam(name="tol", low=1e-5, high=1e-1, log=True),
                BoolParam(name="positive"),
            )
        ),
        fidelity=None,
        uses_gpu=False,
        encoding="onehot",
        needs_scaling=True,
        handles_missing=False,
        description="Lasso regression (L1-penalised least squares); selects features.",
        factory=_lasso,
    )
    return [logistic, ridge, lasso]


# --- neighbours, kernels ---------------------------------------------------------------------


def _knn(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    cls = KNeighborsClassifier if is_classification(task) else KNeighborsRegressor
    return cls(n_jobs=n_jobs, **c)


def _svm(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.svm import SVC, SVR

    if is_classification(task):
        return SVC(kernel="rbf", probability=True, random_state=seed, **c)
    return _standardised_target(SVR(kernel="rbf", **c))


def _kernel_learners() -> list[Learner]:
    knn = Learner(
        name="knn",
        task_types=_ALL,
        default_config={"n_neighbors": 5, "p": 2},
        space=SearchSpace(
            params=(
                IntParam(name="n_neighbors", low=1, high=25),
                IntParam(name="p", low=1, high=4),
            )
        ),
        fidelity=None,
        uses_gpu=False,
        encoding="onehot",
        needs_scaling=True,
        handles_missing=False,
        description="k-nearest neighbours (Minkowski distance); no training, slow to predict.",
        factory=_knn,
    )
    svm = Learner(
        name="svm",
        task_types=_ALL,
        default_config={"C": 1.0, "gamma": 1e-3, "tol": 1e-3},
        space=SearchSpace(
            params=(
                FloatParam(name="C", low=1.0, high=1e3, log=True),
                FloatParam(name="gamma", low=1e-4, high=1e-3, log=True),
                FloatParam(name="tol", low=1e-5, high=1e-1, log=True),
            )
        ),
        fidelity=None,
        uses_gpu=False,
        encoding="onehot",
        needs_scaling=True,
        handles_missing=False,
        description="RBF-kernel support vector machine; strong on small data, O(n^2) memory.",
        factory=_svm,
    )
    return [knn, svm]


# --- neural network --------------------------------------------------------------------------


def _mlp(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    params = {**c, "hidden_layer_sizes": (c["hidden_layer_sizes"],)}
    if is_classification(task):
        return MLPClassifier(solver="adam", early_stopping=True, random_state=seed, **params)
    model = MLPRegressor(solver="adam", early_stopping=True, random_state=seed, **params)
    return _standardised_target(model)


def _mlp_learner() -> Learner:
    # Bayesmark's MLP-adam space (all nine parameters; LLAMBO used six of them).
    return Learner(
        name="mlp",
        task_types=_ALL,
        default_config={
            "hidden_layer_sizes": 100,
            "alpha": 1e-4,
            "batch_size": 200,
            "learning_rate_init": 1e-3,
            "tol": 1e-4,
            "validation_fraction": 0.1,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "epsilon": 1e-8,
        },
        space=SearchSpace(
            params=(
                IntParam(name="hidden_layer_sizes", low=50, high=200),
                FloatParam(name="alpha", low=1e-5, high=1e1, log=True),
                IntParam(name="batch_size", low=10, high=250),
                FloatParam(name="learning_rate_init", low=1e-5, high=1e-1, log=True),
                FloatParam(name="tol", low=1e-5, high=1e-1, log=True),
                FloatParam(name="validation_fraction", low=0.1, high=0.9),
                FloatParam(name="beta_1", low=0.5, high=0.99),
                FloatParam(name="beta_2", low=0.9, high=1 - 1e-6),
                FloatParam(name="epsilon", low=1e-9, high=1e-6, log=True),
            )
        ),
        fidelity=Fidelity(name="max_iter", low=10, high=500, default=200),
        uses_gpu=False,
        encoding="onehot",
        needs_scaling=True,
        handles_missing=False,
        description="scikit-learn MLP (one hidden layer, Adam, early stopping); CPU only.",
        factory=_mlp,
    )


def sklearn_learners() -> list[Learner]:
    """Return the scikit-learn learners in catalogue order."""
    return [
        *_linear_learners(),
        *_kernel_learners(),
        *tree_learners(),
        _mlp_learner(),
    ]
