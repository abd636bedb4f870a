"""Population Based Training with Ray Tune, and the torch MLP's resumable training it needs.

This module runs after test_ray.py on purpose (file order): Ray keeps some configuration per
process from the first ``ray.init`` (e.g. token auth), so a process that started a local
instance, as PBT does, cannot afterwards drive the loopback two-node cluster of test_ray.py.
"""

from __future__ import annotations

import pickle
import sys
from typing import Any

import numpy as np
import pytest

from tunesmith.core.errors import ConfigurationError, MissingExtraError
from tunesmith.executors._pbt import MUTABLE, PBTSummary, run_pbt
from tunesmith.learners import TorchMLPClassifier, get_learner

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def iris() -> tuple[Any, Any]:
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    return X, y


def test_continue_fit_resumes_exactly_after_a_pickle(iris: tuple[Any, Any]) -> None:
    X, y = iris
    features = np.asarray(X, dtype=np.float32)
    straight = TorchMLPClassifier(hidden_size=16, random_state=0).continue_fit(X, y, epochs=3)
    resumed = pickle.loads(pickle.dumps(straight))
    for model in (straight, resumed):
        model.set_params(learning_rate=0.02, dropout=0.3)
        model.continue_fit(X, y, epochs=3)
    np.testing.assert_array_equal(
        straight.predict_proba(features), resumed.predict_proba(features)
    )
    assert straight.epochs_trained_ == 6
    # The mutated values apply to the restored optimiser and network, not the saved ones.
    assert straight.optimizer_state_["param_groups"][0]["lr"] == 0.02
    assert {m.p for m in straight.module_.modules() if type(m).__name__ == "Dropout"} == {0.3}
    fresh = TorchMLPClassifier(hidden_size=16, random_state=0).continue_fit(X, y, epochs=3)
    fresh.continue_fit(X, y, epochs=3)  # same seed, old learning rate: a different model
    assert not np.array_equal(fresh.predict_proba(features), straight.predict_proba(features))


def test_pbt_checks_its_arguments_before_starting_ray(iris: tuple[Any, Any]) -> None:
    X, y = iris
    with pytest.raises(ConfigurationError, match="continues training from a checkpoint"):
        run_pbt(X, y, "multiclass", "accuracy", learner="random_forest")
    with pytest.raises(ConfigurationError, match="does not apply"):
        run_pbt(X, y, "multiclass", "rmse")
    with pytest.raises(ConfigurationError, match="perturbation_interval"):
        run_pbt(X, y, "multiclass", "accuracy", epochs=4, perturbation_interval=5)


@pytest.mark.slow
def test_pbt_reports_the_best_member_and_its_schedule(iris: tuple[Any, Any]) -> None:
    pytest.importorskip("ray")
    X, y = iris
    summary = run_pbt(
        X, y, "multiclass", "accuracy", population=4, epochs=9, perturbation_interval=3,
        params={"hidden_size": 32, "n_layers": 1}, seed=0, cpus_per_trial=0.5,
    )  # fmt: skip
    assert isinstance(summary, PBTSummary)
    assert summary.greater_is_better
    assert summary.best_value > 0.8  # iris, held-out quarter
    assert summary.best_value == max(summary.member_values)
    assert len(summary.member_values) == 4
    assert summary.n_exploits >= 1
    assert summary.best_params["hidden_size"] == 32  # fixed params stay fixed
    get_learner("torch_mlp").space.validate(summary.best_params)  # explored values in bounds
    epochs = [step.epoch for step in summary.schedule]
    assert epochs[0] == 0
    assert epochs == sorted(set(epochs))
    assert all(e % 3 == 0 and e < 9 for e in epochs)  # changes only at perturbation points
    last = summary.schedule[-1].params
    assert last == {k: summary.best_params[k] for k in MUTABLE["torch_mlp"]}


def test_without_ray_the_error_says_which_extra_to_install(
    iris: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    with pytest.raises(MissingExtraError, match=r"pip install 'tunesmith\[ray\]'"):
        run_pbt(*iris, "multiclass", "accuracy")
