"""The catalogue: names, task types, spaces, defaults, fidelity and error messages."""

from __future__ import annotations

import pickle

import pytest
from sklearn.base import is_classifier, is_regressor

from tunesmith.core import SearchSpace
from tunesmith.core.errors import ConfigurationError
from tunesmith.learners import TASK_TYPES, get_learner, list_learners

# The planner's prompt names these; renaming one breaks plans.
PROMPT_NAMES = {
    "logistic_regression",
    "ridge",
    "lasso",
    "knn",
    "svm",
    "decision_tree",
    "random_forest",
    "extra_trees",
    "hist_gradient_boosting",
    "lightgbm",
    "xgboost",
    "mlp",
    "torch_mlp",
}


def test_catalogue_has_the_names_the_prompt_uses() -> None:
    assert PROMPT_NAMES <= {lrn.name for lrn in list_learners()}


def test_every_task_type_has_several_learners() -> None:
    for task_type in TASK_TYPES:
        names = {lrn.name for lrn in list_learners(task_type)}
        assert len(names) >= 10, task_type
    assert "ridge" not in {lrn.name for lrn in list_learners("binary")}
    assert "logistic_regression" not in {lrn.name for lrn in list_learners("regression")}


@pytest.mark.parametrize("learner", list_learners(), ids=lambda lrn: lrn.name)
def test_record_is_consistent(learner) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(learner.space, SearchSpace)
    learner.space.validate(dict(learner.default_config))
    assert set(learner.task_types) <= set(TASK_TYPES)
    if learner.fidelity is not None:
        fid = learner.fidelity
        assert fid.low <= fid.default <= fid.high
        assert fid.name not in learner.space.names
    with pytest.raises(TypeError):
        learner.default_config["x"] = 1  # type: ignore[index]


@pytest.mark.parametrize("learner", list_learners(), ids=lambda lrn: lrn.name)
def test_build_returns_estimator_of_the_right_kind(learner) -> None:  # type: ignore[no-untyped-def]
    for task_type in learner.task_types:
        est = learner.build(None, task_type, seed=0)
        assert hasattr(est, "fit")
        if task_type == "regression":
            assert is_regressor(est)
        else:
            assert is_classifier(est)


def test_build_merges_params_over_defaults_and_sets_fidelity() -> None:
    rf = get_learner("random_forest")
    est = rf.build({"max_depth": 3, "n_estimators": 12}, "binary", seed=5)
    params = est.get_params()
    assert (params["max_depth"], params["n_estimators"], params["random_state"]) == (3, 12, 5)
    assert params["max_features"] == rf.default_config["max_features"]
    assert rf.config({})["n_estimators"] == rf.fidelity.default  # type: ignore[union-attr]


def test_bayesmark_space_is_kept() -> None:
    svm = get_learner("svm").space
    assert (svm["C"].low, svm["C"].high, svm["C"].log) == (1.0, 1e3, True)  # type: ignore[union-attr]
    knn = get_learner("knn").space
    assert (knn["n_neighbors"].low, knn["n_neighbors"].high) == (1, 25)  # type: ignore[union-attr]
    assert get_learner("decision_tree").space.names == [
        "max_depth",
        "min_samples_split",
        "min_samples_leaf",
        "min_weight_fraction_leaf",
        "max_features",
        "min_impurity_decrease",
    ]


def test_unknown_learner_suggests_close_name() -> None:
    with pytest.raises(ConfigurationError, match="Did you mean 'random_forest'"):
        get_learner("random_forrest")


def test_unknown_parameter_suggests_close_name() -> None:
    with pytest.raises(ConfigurationError, match="Did you mean 'n_neighbors'"):
        get_learner("knn").build({"n_neighbours": 3}, "binary", seed=0)


def test_out_of_range_value_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="max_depth"):
        get_learner("decision_tree").build({"max_depth": 99}, "binary", seed=0)


def test_bad_fidelity_is_rejected() -> None:
    with pytest.raises(ConfigurationError, match="n_estimators"):
        get_learner("lightgbm").build({"n_estimators": 0}, "binary", seed=0)


def test_unsupported_task_type_names_the_fix() -> None:
    with pytest.raises(ConfigurationError, match="list_learners"):
        get_learner("ridge").build(None, "binary", seed=0)
    with pytest.raises(ConfigurationError, match="Unknown task type"):
        list_learners("clustering")  # type: ignore[arg-type]


def test_gpu_flag_only_reaches_gpu_learners() -> None:
    xgb = get_learner("xgboost").build(None, "regression", seed=0, use_gpu=True)
    assert xgb.get_params()["device"] == "cuda"
    torch_mlp = get_learner("torch_mlp").build(None, "regression", seed=0, use_gpu=True)
    assert torch_mlp.get_params()["device"] == "auto"
    assert get_learner("torch_mlp").build(None, "regression", seed=0).get_params()["device"] == (
        "cpu"
    )
    assert not get_learner("lightgbm").uses_gpu


def test_learner_pickles_for_worker_processes() -> None:
    learner = get_learner("svm")
    copy = pickle.loads(pickle.dumps(learner))
    assert copy.name == "svm"
    assert dict(copy.default_config) == dict(learner.default_config)
    assert copy.build({"C": 10.0}, "binary", seed=0).get_params()["C"] == 10.0
    assert {learner: 1}[learner] == 1  # hashable, so usable as a key
