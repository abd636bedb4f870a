from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from tunesmith.agent import DEFAULT_TIME_BUDGET_S, Plan, make_plan
from tunesmith.agent._plan import choose_validation
from tunesmith.core import ClarificationNeeded, ConfigurationError, PlanError
from tunesmith.llm.testing import ScriptedChatModel


@pytest.fixture
def iris() -> pd.DataFrame:
    frame = load_iris(as_frame=True).frame
    frame["species"] = load_iris().target_names[frame.pop("target")]
    return frame


def _reply(**fields: object) -> str:
    base: dict[str, object] = {
        "target": "species",
        "task_type": "multiclass",
        "metric": "accuracy",
        "learners": ["random_forest", "logistic_regression"],
        "reason": "Three classes.",
    }  # fmt: skip
    return json.dumps({**base, **fields})


def test_a_full_plan_says_what_decided_each_choice(iris: pd.DataFrame) -> None:
    model = ScriptedChatModel(replies=[_reply()])
    plan = make_plan(model, "Predict the species; optimise accuracy; ten minutes.", iris)
    assert isinstance(plan, Plan)
    assert plan.target == "species"
    assert plan.learner_reasons["logistic_regression"].startswith("Logistic regression")
    assert plan.time_budget_s == 600.0
    assert plan.validation.scheme == "cv"
    assert plan.validation.folds == 5
    assert plan.validation.stratified
    assert set(plan.search_space) == {"random_forest", "logistic_regression"}
    assert "C: a float in [0.01, 100.0] (log scale)" in plan.search_space["logistic_regression"]
    assert plan.decided_by["target"] == "request"
    assert plan.decided_by["metric"] == "request"
    assert plan.decided_by["time_budget_s"] == "request"
    assert plan.decided_by["optimizer"] == "default"
    assert plan.decided_by["validation"] == "data"
    assert "600 s" in plan.stopping
    config = plan.run_config(n_workers=2, seed=3)
    assert (config.time_budget_s, config.cv_folds, config.optimizer) == (600.0, 5, "hybrid")
    assert config.n_workers == 2


def test_what_the_request_states_is_pinned_in_the_grammar(iris: pd.DataFrame) -> None:
    # The request names the target and the metric; replies that differ are sent back.
    model = ScriptedChatModel(
        replies=[
            _reply(target="petal width (cm)"),
            _reply(metric="accuracy"),
            _reply(metric="log_loss"),
        ]
    )
    plan = make_plan(model, "Predict `species`; minimise the log loss.", iris)
    assert (plan.target, plan.metric) == ("species", "log_loss")
    assert len(model.received) == 3
    assert "target" in str(model.received[1][-1].content)
    assert "metric" in str(model.received[2][-1].content)


def test_arguments_win_over_the_request(iris: pd.DataFrame) -> None:
    plan = make_plan(
        ScriptedChatModel(replies=[_reply()]), "Predict species within ten minutes.", iris,
        time_budget_s=30, max_trials=7, optimizer="random", cv_folds=3,
    )  # fmt: skip
    assert (plan.time_budget_s, plan.max_trials, plan.optimizer) == (30, 7, "random")
    assert plan.validation.folds == 3
    assert plan.decided_by["time_budget_s"] == "user"
    assert plan.decided_by["validation"] == "user"


def test_the_default_budget_applies_when_nothing_says_otherwise(iris: pd.DataFrame) -> None:
    plan = make_plan(ScriptedChatModel(replies=[_reply()]), "Predict the species.", iris)
    assert plan.time_budget_s == DEFAULT_TIME_BUDGET_S
    assert plan.decided_by["time_budget_s"] == "default"


def test_no_target_in_the_request_asks_before_calling_the_llm(iris: pd.DataFrame) -> None:
    with pytest.raises(ClarificationNeeded) as caught:
        make_plan(ScriptedChatModel(replies=[]), "Build the best model you can.", iris)
    assert "Which column should I predict?" in caught.value.question
    assert caught.value.candidates[0] == "species"
    assert "name the column" in str(caught.value)


def test_an_llm_guess_the_request_does_not_support_becomes_a_question() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "colour": rng.choice(["red", "blue"], 60), "weight": rng.normal(size=60),
        "size": rng.normal(size=60), "kind": rng.choice(["a", "b", "c"], 60),
    })  # fmt: skip
    reply = _reply(target="kind")
    with pytest.raises(ClarificationNeeded) as caught:
        make_plan(ScriptedChatModel(replies=[reply]), "Use colour and weight, you decide.", frame)
    assert caught.value.candidates == ["colour", "weight", "kind"]


def test_a_conventional_target_name_is_evident() -> None:
    frame = load_iris(as_frame=True).frame  # its label column is called "target"
    reply = _reply(target="target", task_type="multiclass")
    plan = make_plan(ScriptedChatModel(replies=[reply]), "Best model, please.", frame)
    assert plan.target == "target"


def test_a_metric_that_does_not_fit_is_refused_with_the_fix(iris: pd.DataFrame) -> None:
    with pytest.raises(PlanError, match=r"'rmse' does not fit target 'species'.*accuracy"):
        make_plan(ScriptedChatModel(replies=[_reply(metric="rmse")]),
                  "Predict `species`, minimise RMSE.", iris)  # fmt: skip


def test_a_target_with_one_value_is_refused(iris: pd.DataFrame) -> None:
    frame = iris.assign(species="setosa")
    with pytest.raises(PlanError, match=r"1 distinct value.*'setosa'.*nothing to learn"):
        make_plan(ScriptedChatModel(replies=[_reply(task_type="binary")]),
                  "Predict `species`.", frame)  # fmt: skip


def test_bad_settings_fail_before_the_llm_is_asked(iris: pd.DataFrame) -> None:
    with pytest.raises(ConfigurationError, match=r"time_budget_s.*greater than 0"):
        make_plan(ScriptedChatModel(replies=[]), "Predict species.", iris, time_budget_s=0)
    with pytest.raises(ConfigurationError, match="Unknown plan setting"):
        make_plan(ScriptedChatModel(replies=[]), "Predict species.", iris, budget=3)


def test_validation_follows_the_request_then_the_data(iris: pd.DataFrame) -> None:
    assert choose_validation("3-fold CV please", iris, "species", "multiclass")[0].folds == 3
    holdout, source = choose_validation("use a holdout", iris, "species", "multiclass")
    assert (holdout.scheme, source) == ("holdout", "request")
    big = pd.DataFrame({"x": np.arange(25_000), "y": np.arange(25_000) % 2})
    assert choose_validation("", big, "y", "binary")[0].folds == 3
    rare = iris.iloc[[*range(100), 100, 101, 102]]  # three virginica rows
    assert choose_validation("", rare, "species", "multiclass")[0].folds == 3
    with pytest.raises(PlanError, match="only one row"):
        choose_validation("", iris.iloc[:101], "species", "multiclass")
    regression = choose_validation("", iris, "sepal length (cm)", "regression")[0]
    assert not regression.stratified


def test_row_ids_are_left_out_of_the_features(iris: pd.DataFrame) -> None:
    frame = iris.assign(id=np.arange(len(iris)) * 7, PassengerId=np.arange(len(iris)))
    frame["batch_id"] = 1  # named like an id, but not one per row
    plan = make_plan(ScriptedChatModel(replies=[_reply()]), "Predict `species`.", frame)
    assert plan.ignored_columns == ["id", "PassengerId"]


def test_a_tree_ensemble_is_added_when_the_llm_chose_none(iris: pd.DataFrame) -> None:
    reply = _reply(learners=["knn", "logistic_regression"])
    plan = make_plan(ScriptedChatModel(replies=[reply]), "Predict `species`.", iris)
    assert plan.learners == ["knn", "logistic_regression", "hist_gradient_boosting"]
    assert plan.learner_reasons["hist_gradient_boosting"].startswith("Added by tunesmith")
    assert plan.decided_by["learners"] == "llm, plus a default"
    assert "hist_gradient_boosting" in plan.search_space
    kept = make_plan(ScriptedChatModel(replies=[_reply()]), "Predict `species`.", iris)
    assert kept.learners == ["random_forest", "logistic_regression"]
    four = _reply(learners=["knn", "logistic_regression", "svm", "mlp"])
    full = make_plan(ScriptedChatModel(replies=[four]), "Predict `species`.", iris)
    assert full.learners == ["knn", "logistic_regression", "svm", "hist_gradient_boosting"]
    assert "mlp" not in full.learner_reasons
