from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn.datasets import load_iris

from tunesmith.agent import PlanDraft, check_draft, draft_plan, infer_task_type
from tunesmith.core.errors import DataError, PlanError
from tunesmith.llm.testing import ScriptedChatModel


@pytest.fixture
def iris() -> pd.DataFrame:
    frame = load_iris(as_frame=True).frame
    frame["species"] = load_iris().target_names[frame.pop("target")]
    return frame


def _reply(**fields: object) -> str:
    base = {
        "target": "species",
        "task_type": "multiclass",
        "metric": "accuracy",
        "learners": ["random_forest", "logistic_regression"],
        "reason": "Small tabular data with three classes.",
    }
    return json.dumps({**base, **fields})


def _draft(**fields: object) -> PlanDraft:
    return PlanDraft.model_validate_json(_reply(**fields))


def test_draft_is_grounded_in_the_data(iris: pd.DataFrame) -> None:
    model = ScriptedChatModel(replies=[_reply()])
    draft = draft_plan(model, "Predict the species; optimise accuracy.", iris)
    assert isinstance(draft, PlanDraft)
    assert draft.target == "species"
    # Reasons come from the catalogue and the table, not from the LLM.
    assert draft.learner_reasons["random_forest"].startswith("Random forest (bagged CART")
    assert set(draft.learner_reasons) == {"random_forest", "logistic_regression"}
    prompt = str(model.received[0][-1].content)
    assert "species | text | 3 |" in prompt
    assert "Predict the species" in prompt


def test_target_outside_the_columns_is_repaired_by_the_schema(iris: pd.DataFrame) -> None:
    model = ScriptedChatModel(replies=[_reply(target="Species "), _reply()])
    draft = draft_plan(model, "Predict the species.", iris)
    assert draft.target == "species"
    assert "field 'target'" in str(model.received[1][-1].content)


def test_task_type_comes_from_the_data(iris: pd.DataFrame) -> None:
    model = ScriptedChatModel(replies=[_reply(task_type="binary")])
    draft = draft_plan(model, "Predict the species.", iris)
    assert draft.task_type == "multiclass"


def test_metric_that_does_not_fit_the_task_is_refused(iris: pd.DataFrame) -> None:
    model = ScriptedChatModel(replies=[_reply(metric="rmse")])
    with pytest.raises(PlanError, match=r"'rmse' does not fit target 'species'.*multiclass"):
        draft_plan(model, "Predict the species.", iris)


def test_check_draft_suggests_close_column_names(iris: pd.DataFrame) -> None:
    draft = _draft(target="specie")
    with pytest.raises(PlanError, match="Did you mean 'species'"):
        check_draft(draft, iris)


def test_check_draft_refuses_a_task_type_the_values_contradict(iris: pd.DataFrame) -> None:
    draft = _draft(task_type="regression", metric="rmse")
    with pytest.raises(PlanError, match="'regression' does not fit target 'species'"):
        check_draft(draft, iris)


def test_empty_table_is_a_data_error() -> None:
    with pytest.raises(DataError, match="0 rows"):
        draft_plan(ScriptedChatModel(replies=[]), "x", pd.DataFrame({"a": [], "b": []}))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 1, 1, 0], "binary"),
        (["yes", "no", None, "yes"], "binary"),
        (["a", "b", "c", "a"], "multiclass"),
        ([1, 2, 3, 1, 2, 3], "multiclass"),
        ([0.5, 1.25, 3.0, 2.2], "regression"),
        (list(range(200)), "regression"),
    ],
)
def test_infer_task_type(values: list[object], expected: str) -> None:
    assert infer_task_type(pd.Series(values)) == expected


def test_learners_that_cannot_do_the_task_are_dropped() -> None:
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame
    reply = _reply(
        target="target", task_type="regression", metric="mae",
        learners=["logistic_regression", "ridge"],
    )  # fmt: skip
    draft = draft_plan(ScriptedChatModel(replies=[reply]), "Predict target; MAE.", frame)
    assert draft.learners == ["ridge"]

    only_unfit = _reply(
        target="target", task_type="regression", metric="mae", learners=["logistic_regression"]
    )
    draft = draft_plan(ScriptedChatModel(replies=[only_unfit]), "Predict target.", frame)
    assert draft.learners == ["hist_gradient_boosting", "random_forest", "ridge"]


def test_unknown_learner_names_are_refused_by_the_schema(iris: pd.DataFrame) -> None:
    model = ScriptedChatModel(replies=[_reply(learners=["catboost"]), _reply()])
    draft = draft_plan(model, "Predict the species.", iris)
    assert draft.learners == ["random_forest", "logistic_regression"]
    assert "field 'learners.0'" in str(model.received[1][-1].content)


def test_learner_reasons_say_how_each_learner_meets_the_table(iris: pd.DataFrame) -> None:
    from tunesmith.agent._draft import learner_reasons

    frame = iris.copy()
    frame.loc[:5, "sepal width (cm)"] = None
    frame["colour"] = "blue"
    reasons = learner_reasons(["hist_gradient_boosting", "svm"], frame, "species")
    assert "takes the missing values as they are" in reasons["hist_gradient_boosting"]
    assert "missing values are imputed for it" in reasons["svm"]
    assert "1 text column(s) onehot-encoded" in reasons["svm"]
