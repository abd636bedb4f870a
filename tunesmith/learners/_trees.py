"""scikit-learn's tree learners: CART, random forest, extra trees, AdaBoost, HistGradientBoosting.

The decision tree and the forests use Bayesmark's DT/RF space (its ``logit`` warps made linear,
see ``_sklearn``); the forests and HistGradientBoosting have a fidelity (trees or iterations).
"""

from __future__ import annotations

from typing import Any

from tunesmith.core import FloatParam, IntParam, SearchSpace
from tunesmith.learners._catalogue import TASK_TYPES, Fidelity, Learner, TaskType

_ALL: frozenset[TaskType] = frozenset(TASK_TYPES)


def is_classification(task_type: TaskType) -> bool:
    """Whether the task is binary or multiclass classification."""
    return task_type != "regression"


# Bayesmark's DT/RF space: fractions of samples/features (its `logit` warps made linear).
_TREE_DEFAULTS: dict[str, Any] = {
    "max_depth": 15,
    "min_samples_split": 0.01,
    "min_samples_leaf": 0.01,
    "min_weight_fraction_leaf": 0.01,
    "max_features": 0.5,
    "min_impurity_decrease": 0.0,
}


def _tree_space() -> SearchSpace:
    return SearchSpace(
        params=(
            IntParam(name="max_depth", low=1, high=15),
            FloatParam(name="min_samples_split", low=0.01, high=0.99),
            FloatParam(name="min_samples_leaf", low=0.01, high=0.49),
            FloatParam(name="min_weight_fraction_leaf", low=0.01, high=0.49),
            FloatParam(name="max_features", low=0.01, high=0.99),
            FloatParam(name="min_impurity_decrease", low=0.0, high=0.5),
        )
    )


def _tree(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    cls = DecisionTreeClassifier if is_classification(task) else DecisionTreeRegressor
    return cls(max_leaf_nodes=None, random_state=seed, **c)


def _forest(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    cls = RandomForestClassifier if is_classification(task) else RandomForestRegressor
    return cls(max_leaf_nodes=None, random_state=seed, n_jobs=n_jobs, **c)


def _extra(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    cls = ExtraTreesClassifier if is_classification(task) else ExtraTreesRegressor
    return cls(max_leaf_nodes=None, random_state=seed, n_jobs=n_jobs, **c)


def _ada(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor

    cls = AdaBoostClassifier if is_classification(task) else AdaBoostRegressor
    return cls(random_state=seed, **c)


def _hgb(c: dict[str, Any], task: TaskType, seed: int | None, n_jobs: int, gpu: bool) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = (
        HistGradientBoostingClassifier
        if is_classification(task)
        else (HistGradientBoostingRegressor)
    )
    # No early stopping: max_iter is the fidelity and must mean what it says.
    return cls(early_stopping=False, random_state=seed, **c)


def tree_learners() -> list[Learner]:
    """The tree learners: decision tree, random forest, extra trees, AdaBoost, HGB."""
    common: dict[str, Any] = {
        "task_types": _ALL,
        "uses_gpu": False,
        "encoding": "ordinal",
        "needs_scaling": False,
        "handles_missing": False,
    }
    forest_fidelity = Fidelity(name="n_estimators", low=10, high=500, default=100)
    return [
        Learner(
            name="decision_tree",
            default_config=_TREE_DEFAULTS,
            space=_tree_space(),
            fidelity=None,
            description="A single CART decision tree; interpretable, high variance.",
            factory=_tree,
            **common,
        ),
        Learner(
            name="random_forest",
            default_config=_TREE_DEFAULTS,
            space=_tree_space(),
            # Bayesmark fixes n_estimators=10; pass {"n_estimators": 10} to reproduce it.
            fidelity=forest_fidelity,
            description="Random forest (bagged CART trees); robust default for tabular data.",
            factory=_forest,
            **common,
        ),
        Learner(
            name="extra_trees",
            default_config=_TREE_DEFAULTS,
            space=_tree_space(),  # Bayesmark has no ExtraTrees; RF's space is the nearest.
            fidelity=forest_fidelity,
            description="Extremely randomised trees; like a random forest, faster, smoother.",
            factory=_extra,
            **common,
        ),
        Learner(
            name="adaboost",
            default_config={"n_estimators": 50, "learning_rate": 1.0},
            space=SearchSpace(
                params=(
                    IntParam(name="n_estimators", low=10, high=100),
                    FloatParam(name="learning_rate", low=1e-4, high=1e1, log=True),
                )
            ),
            fidelity=None,  # n_estimators is tuned, as in Bayesmark's `ada` space.
            description="AdaBoost over shallow trees (Bayesmark's `ada`).",
            factory=_ada,
            **common,
        ),
        Learner(
            name="hist_gradient_boosting",
            default_config={
                "learning_rate": 0.1,
                "max_leaf_nodes": 31,
                "min_samples_leaf": 20,
                "l2_regularization": 1e-6,
                "max_features": 1.0,
            },
            space=SearchSpace(
                params=(
                    FloatParam(name="learning_rate", low=1e-3, high=1.0, log=True),
                    IntParam(name="max_leaf_nodes", low=4, high=256, log=True),
                    IntParam(name="min_samples_leaf", low=2, high=200, log=True),
                    FloatParam(name="l2_regularization", low=1e-6, high=10.0, log=True),
                    FloatParam(name="max_features", low=0.1, high=1.0),
                )
            ),
            fidelity=Fidelity(name="max_iter", low=10, high=1000, default=100),
            description="scikit-learn's histogram gradient boosting (LightGBM-like), no deps.",
            factory=_hgb,
            **{**common, "handles_missing": True},
        ),
    ]
