"""The Bayesmark problems: catalogue, spaces as in the research note, deterministic objectives."""

from __future__ import annotations

import math

import pytest

from tunesmith.core import BoolParam, FloatParam, IntParam
from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.bayesmark import (
    MODELS,
    BayesmarkProblem,
    get_problem,
    list_problems,
    load_split,
)

ALL = list_problems()


def test_catalogue_has_90_problems_with_bayesmark_names() -> None:
    assert len(ALL) == 90  # 9 models x (4 x 2 classification + diabetes x 2); boston is gone
    assert len(set(ALL)) == 90
    assert "RF-breast-acc" in ALL
    assert "MLP-sgd-digits-nll" in ALL
    assert "lasso-diabetes-mae" in ALL
    assert not any("boston" in name for name in ALL)
    assert not any(name.endswith(("diabetes-acc", "iris-mse")) for name in ALL)


def test_llambo25_is_five_models_on_five_data_sets() -> None:
    names = list_problems("llambo25")
    assert len(names) == 25
    problems = [get_problem(n) for n in names]
    assert {p.model for p in problems} == {"RF", "SVM", "DT", "MLP-sgd", "ada"}
    assert {p.dataset for p in problems} == {"breast", "digits", "iris", "wine", "diabetes"}
    assert {p.metric for p in problems if p.dataset == "diabetes"} == {"mse"}
    assert {p.metric for p in problems if p.dataset != "diabetes"} == {"acc"}


def test_unknown_names_say_what_exists() -> None:
    with pytest.raises(ConfigurationError, match="Did you mean 'RF-breast-acc'"):
        get_problem("RF-braest-acc")
    with pytest.raises(ConfigurationError, match="llambo25"):
        list_problems("llambo26")


def test_split_is_80_20_with_seed_0() -> None:
    breast = load_split("breast")
    assert breast.X_train.shape == (455, 30)  # Bayesmark's pickled breast split: 455 rows
    assert breast.X_test.shape == (114, 30)
    assert load_split("diabetes").classification is False
    assert load_split("breast") is breast  # loaded once per process


def _bounds(space: object) -> dict[str, tuple[object, ...]]:
    out: dict[str, tuple[object, ...]] = {}
    for p in space.params:  # type: ignore[attr-defined]
        if isinstance(p, FloatParam | IntParam):
            out[p.name] = (type(p).__name__, p.low, p.high, p.log)
        else:
            out[p.name] = (type(p).__name__,)
    return out


def test_tree_spaces_match_the_research_note() -> None:
    expected = {
        "max_depth": ("IntParam", 1, 15, False),
        "min_samples_split": ("FloatParam", 0.01, 0.99, False),
        "min_samples_leaf": ("FloatParam", 0.01, 0.49, False),
        "min_weight_fraction_leaf": ("FloatParam", 0.01, 0.49, False),
        "max_features": ("FloatParam", 0.01, 0.99, False),
        "min_impurity_decrease": ("FloatParam", 0.0, 0.5, False),
    }
    assert _bounds(get_problem("RF-breast-acc").space) == expected
    assert _bounds(get_problem("DT-diabetes-mse").space) == expected
    rf = get_problem("RF-wine-acc").estimator(get_problem("RF-wine-acc").default_config)
    assert rf.n_estimators == 10


def test_svm_ada_knn_spaces_match_the_research_note() -> None:
    assert _bounds(get_problem("SVM-iris-acc").space) == {
        "C": ("FloatParam", 1.0, 1e3, True),
        "gamma": ("FloatParam", 1e-4, 1e-3, True),
        "tol": ("FloatParam", 1e-5, 1e-1, True),
    }
    assert _bounds(get_problem("ada-wine-acc").space) == {
        "n_estimators": ("IntParam", 10, 100, False),
        "learning_rate": ("FloatParam", 1e-4, 1e1, True),
    }
    assert _bounds(get_problem("kNN-diabetes-mae").space) == {
        "n_neighbors": ("IntParam", 1, 25, False),
        "p": ("IntParam", 1, 4, False),
    }
    svc = get_problem("SVM-iris-nll").estimator(get_problem("SVM-iris-nll").default_config)
    assert (svc.kernel, svc.probability) == ("rbf", True)


def test_mlp_sgd_space_and_fixed_arguments() -> None:
    problem = get_problem("MLP-sgd-diabetes-mse")
    assert _bounds(problem.space) == {
        "hidden_layer_sizes": ("IntParam", 50, 200, False),
        "alpha": ("FloatParam", 1e-5, 1e1, True),
        "batch_size": ("IntParam", 10, 250, False),
        "learning_rate_init": ("FloatParam", 1e-5, 1e-1, True),
        "power_t": ("FloatParam", 0.1, 0.9, False),
        "tol": ("FloatParam", 1e-5, 1e-1, True),
        "momentum": ("FloatParam", 0.001, 0.999, False),
        "validation_fraction": ("FloatParam", 0.1, 0.9, False),
    }
    model = problem.estimator(problem.default_config)
    assert (model.solver, model.learning_rate, model.nesterovs_momentum) == (
        "sgd", "invscaling", True,
    )  # fmt: skip
    assert model.early_stopping
    assert model.activation == "tanh"
    assert get_problem("MLP-sgd-iris-acc").estimator(problem.default_config).activation == "relu"


def test_linear_models_differ_between_classification_and_regression() -> None:
    assert _bounds(get_problem("lasso-breast-acc").space) == {
        "C": ("FloatParam", 1e-2, 1e2, True),
        "intercept_scaling": ("FloatParam", 1e-2, 1e2, True),
    }
    lasso = get_problem("lasso-diabetes-mse").space
    assert lasso.names == ["alpha", "fit_intercept", "max_iter", "tol", "positive"]  # no normalize
    assert isinstance(lasso["positive"], BoolParam)
    assert _bounds(lasso)["max_iter"] == ("IntParam", 10, 5000, True)
    ridge = get_problem("linear-diabetes-mae").space
    assert ridge.names == ["alpha", "fit_intercept", "max_iter", "tol"]
    assert _bounds(ridge)["tol"] == ("FloatParam", 1e-4, 1e-1, True)


@pytest.mark.parametrize("name", ALL)
def test_every_problem_builds_its_default_and_a_sample(name: str) -> None:
    problem = get_problem(name)
    problem.space.validate(problem.default_config)
    for config in [problem.default_config, *problem.space.sample(2, seed=0)]:
        assert problem.estimator(config) is not None


def _evaluate_twice(problem: BayesmarkProblem) -> None:
    (config,) = problem.space.sample(1, seed=3)
    first, second = problem.evaluate(config), problem.evaluate(config)
    assert math.isfinite(first)
    assert first == second
    assert problem.generalization(config) == problem.generalization(config)
    if problem.metric == "acc":
        assert -1.0 <= first <= 0.0  # the loss is minus the accuracy
    else:
        assert first >= 0.0


@pytest.mark.parametrize("model", list(MODELS))
def test_objective_is_deterministic_for_each_model(model: str) -> None:
    _evaluate_twice(get_problem(f"{model}-iris-nll"))
    _evaluate_twice(get_problem(f"{model}-diabetes-mae"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_every_problem_evaluates_deterministically(name: str) -> None:
    _evaluate_twice(get_problem(name))
