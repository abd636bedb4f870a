"""Bayesmark's nine scikit-learn models: fixed arguments, search spaces and builders.

The spaces are those of ``bayesmark/sklearn_funcs.py`` (research/llambo-and-bayesmark.md,
section 5.2); see the package docstring for what changed in the port to modern scikit-learn.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

from tunesmith.core import BoolParam, FloatParam, IntParam, SearchSpace

ModelName = Literal["DT", "MLP-adam", "MLP-sgd", "RF", "SVM", "ada", "kNN", "lasso", "linear"]
MODELS_ORDER: tuple[ModelName, ...] = (
    "DT", "MLP-adam", "MLP-sgd", "RF", "SVM", "ada", "kNN", "lasso", "linear",
)  # fmt: skip
# Every estimator that has randomness gets this seed, so one configuration has one loss.
MODEL_SEED = 0
Builder = Callable[[dict[str, Any], bool], Any]


@dataclasses.dataclass(frozen=True, eq=False)
class BayesmarkModel:
    """One Bayesmark model: its space and defaults for classification and for regression.

    Attributes:
        name: Bayesmark's name (``RF``, ``MLP-sgd``, ...).
        clf_space: The space tuned on classification data sets.
        reg_space: The space tuned on regression data sets.
        clf_default: scikit-learn's defaults, moved into ``clf_space`` where they lie outside it.
        reg_default: The same for ``reg_space``.
        build: ``build(config, classification)`` returns an unfitted estimator.
    """

    name: ModelName
    clf_space: SearchSpace
    reg_space: SearchSpace
    clf_default: Mapping[str, Any]
    reg_default: Mapping[str, Any]
    build: Builder = dataclasses.field(repr=False)

    def space(self, classification: bool) -> SearchSpace:
        """The space for a classification (True) or regression (False) data set."""
        return self.clf_space if classification else self.reg_space

    def default(self, classification: bool) -> dict[str, Any]:
        """The default configuration for a classification or regression data set."""
        return dict(self.clf_default if classification else self.reg_default)


def _space(*params: FloatParam | IntParam | BoolParam) -> SearchSpace:
    return SearchSpace(params=params)


def _f(name: str, low: float, high: float, log: bool = False) -> FloatParam:
    return FloatParam(name=name, low=low, high=high, log=log)


def _i(name: str, low: int, high: int, log: bool = False) -> IntParam:
    return IntParam(name=name, low=low, high=high, log=log)


# --- builders ----------------------------------------------------------------------------


def _knn(c: dict[str, Any], clf: bool) -> Any:
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    return (KNeighborsClassifier if clf else KNeighborsRegressor)(**c)


def _svm(c: dict[str, Any], clf: bool) -> Any:
    from sklearn.svm import SVC, SVR

    if clf:
        return SVC(kernel="rbf", probability=True, random_state=MODEL_SEED, **c)
    return SVR(kernel="rbf", **c)


def _dt(c: dict[str, Any], clf: bool) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    cls = DecisionTreeClassifier if clf else DecisionTreeRegressor
    return cls(max_leaf_nodes=None, random_state=MODEL_SEED, **c)


def _rf(c: dict[str, Any], clf: bool) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestClassifier if clf else RandomForestRegressor
    return cls(n_estimators=10, max_leaf_nodes=None, random_state=MODEL_SEED, n_jobs=1, **c)


def _mlp(solver: str) -> Builder:
    def build(c: dict[str, Any], clf: bool) -> Any:
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        params = {**c, "hidden_layer_sizes": (c["hidden_layer_sizes"],)}
        if solver == "sgd":
            params.update(learning_rate="invscaling", nesterovs_momentum=True)
            if not clf:
                params["activation"] = "tanh"
        cls = MLPClassifier if clf else MLPRegressor
        return cls(solver=solver, early_stopping=True, random_state=MODEL_SEED, **params)

    return build


def _ada(c: dict[str, Any], clf: bool) -> Any:
    from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor

    return (AdaBoostClassifier if clf else AdaBoostRegressor)(random_state=MODEL_SEED, **c)


def _linear(l1: bool) -> Builder:
    def build(c: dict[str, Any], clf: bool) -> Any:
        from sklearn.linear_model import Lasso, LogisticRegression, Ridge
        from sklearn.multiclass import OneVsRestClassifier

        if not clf:
            return Lasso(random_state=MODEL_SEED, **c) if l1 else Ridge(solver="auto", **c)
        # l1_ratio 1/0 is penalty='l1'/'l2' (`penalty` is deprecated since scikit-learn 1.8);
        # liblinear no longer does multiclass itself, so one-vs-rest is explicit (as 'ovr').
        logistic = LogisticRegression(
            solver="liblinear", l1_ratio=1.0 if l1 else 0.0, fit_intercept=True,
            random_state=MODEL_SEED, **c,
        )  # fmt: skip
        return OneVsRestClassifier(logistic)

    return build


# --- spaces ------------------------------------------------------------------------------

_TREE = _space(
    _i("max_depth", 1, 15),
    _f("min_samples_split", 0.01, 0.99),
    _f("min_samples_leaf", 0.01, 0.49),
    _f("min_weight_fraction_leaf", 0.01, 0.49),
    _f("max_features", 0.01, 0.99),
    _f("min_impurity_decrease", 0.0, 0.5),
)
_TREE_DEFAULT = {
    "max_depth": 15, "min_samples_split": 0.01, "min_samples_leaf": 0.01,
    "min_weight_fraction_leaf": 0.01, "max_features": 0.99, "min_impurity_decrease": 0.0,
}  # fmt: skip
_MLP_COMMON = (
    _i("hidden_layer_sizes", 50, 200),
    _f("alpha", 1e-5, 1e1, log=True),
    _i("batch_size", 10, 250),
    _f("learning_rate_init", 1e-5, 1e-1, log=True),
)
_ADAM = _space(
    *_MLP_COMMON,
    _f("tol", 1e-5, 1e-1, log=True),
    _f("validation_fraction", 0.1, 0.9),
    _f("beta_1", 0.5, 0.99),
    _f("beta_2", 0.9, 1 - 1e-6),
    _f("epsilon", 1e-9, 1e-6, log=True),
)
_SGD = _space(
    *_MLP_COMMON,
    _f("power_t", 0.1, 0.9),
    _f("tol", 1e-5, 1e-1, log=True),
    _f("momentum", 0.001, 0.999),
    _f("validation_fraction", 0.1, 0.9),
)
_MLP_DEFAULT = {
    "hidden_layer_sizes": 100, "alpha": 1e-4, "batch_size": 200, "learning_rate_init": 1e-3,
    "tol": 1e-4, "validation_fraction": 0.1,
}  # fmt: skip
_LOGISTIC = _space(_f("C", 1e-2, 1e2, log=True), _f("intercept_scaling", 1e-2, 1e2, log=True))
_LOGISTIC_DEFAULT = {"C": 1.0, "intercept_scaling": 1.0}
_LASSO = _space(
    _f("alpha", 1e-2, 1e2, log=True),
    BoolParam(name="fit_intercept"),
    _i("max_iter", 10, 5000, log=True),
    _f("tol", 1e-5, 1e-1, log=True),
    BoolParam(name="positive"),
)
_RIDGE = _space(
    _f("alpha", 1e-2, 1e2, log=True),
    BoolParam(name="fit_intercept"),
    _i("max_iter", 10, 5000, log=True),
    _f("tol", 1e-4, 1e-1, log=True),
)
_LINEAR_DEFAULT = {"alpha": 1.0, "fit_intercept": True, "max_iter": 1000, "tol": 1e-4}


def _same(
    name: ModelName, space: SearchSpace, default: Mapping[str, Any], build: Builder
) -> BayesmarkModel:
    return BayesmarkModel(
        name, space, space, MappingProxyType(dict(default)), MappingProxyType(dict(default)),
        build,
    )  # fmt: skip


def _models() -> dict[str, BayesmarkModel]:
    adam_default = {**_MLP_DEFAULT, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}
    sgd_default = {**_MLP_DEFAULT, "power_t": 0.5, "momentum": 0.9}
    svm = _space(
        _f("C", 1.0, 1e3, log=True), _f("gamma", 1e-4, 1e-3, log=True),
        _f("tol", 1e-5, 1e-1, log=True),
    )  # fmt: skip
    models = [
        _same("DT", _TREE, _TREE_DEFAULT, _dt),
        _same("MLP-adam", _ADAM, adam_default, _mlp("adam")),
        _same("MLP-sgd", _SGD, sgd_default, _mlp("sgd")),
        _same("RF", _TREE, _TREE_DEFAULT, _rf),
        # gamma's default 'scale' depends on the data; 1e-3 is the space's nearest end.
        _same("SVM", svm, {"C": 1.0, "gamma": 1e-3, "tol": 1e-3}, _svm),
        _same("ada", _space(_i("n_estimators", 10, 100), _f("learning_rate", 1e-4, 1e1, log=True)),
              {"n_estimators": 50, "learning_rate": 1.0}, _ada),
        _same("kNN", _space(_i("n_neighbors", 1, 25), _i("p", 1, 4)),
              {"n_neighbors": 5, "p": 2}, _knn),
        BayesmarkModel("lasso", _LOGISTIC, _LASSO, MappingProxyType(_LOGISTIC_DEFAULT),
                       MappingProxyType({**_LINEAR_DEFAULT, "positive": False}), _linear(True)),
        BayesmarkModel("linear", _LOGISTIC, _RIDGE, MappingProxyType(_LOGISTIC_DEFAULT),
                       MappingProxyType(_LINEAR_DEFAULT), _linear(False)),
    ]  # fmt: skip
    return {m.name: m for m in models}


MODELS: Mapping[str, BayesmarkModel] = MappingProxyType(_models())
