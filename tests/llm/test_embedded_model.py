"""The embedded model, for real: realistic requests on small real tables give grounded plans."""

from __future__ import annotations

import pandas as pd
import pytest
from langchain_core.language_models import BaseChatModel

from tunesmith.agent import METRICS_FOR_TASK, PlanDraft, draft_plan, infer_task_type
from tunesmith.llm import LLMCall

pytestmark = [pytest.mark.llm, pytest.mark.slow]

REQUESTS = [
    (
        "penguins",
        "Which species is each penguin? Build a classifier for the species column from the "
        "body measurements, island and sex, and optimise accuracy.",
        "species",
    ),
    (
        "diabetes",
        "Predict disease progression one year after baseline (the progression column) from "
        "age, sex, bmi and the blood measurements. Minimise the mean absolute error.",
        "progression",
    ),
    (
        "breast",
        "Tell malignant from benign tumours: the label is the diagnosis column. I care about "
        "ROC AUC.",
        "diagnosis",
    ),
]


@pytest.mark.parametrize(("table", "request_text", "expected_target"), REQUESTS)
def test_embedded_model_drafts_a_grounded_plan(
    embedded_chat: BaseChatModel,
    real_tables: dict[str, pd.DataFrame],
    table: str,
    request_text: str,
    expected_target: str,
) -> None:
    data = real_tables[table]
    calls: list[LLMCall] = []
    draft = draft_plan(embedded_chat, request_text, data, calls=calls)

    assert isinstance(draft, PlanDraft)
    assert draft.target in data.columns
    assert draft.target == expected_target
    task = infer_task_type(data[draft.target])
    assert draft.metric in METRICS_FOR_TASK[task]
    assert 1 <= len(draft.learners) <= 4
    assert calls
    assert calls[-1].ok
    assert all(c.constrained for c in calls)
    assert calls[-1].prompt_tokens > 100
    assert calls[-1].completion_tokens > 10


def test_embedded_model_makes_a_full_plan_that_follows_the_request(
    embedded_chat: BaseChatModel, real_tables: dict[str, pd.DataFrame]
) -> None:
    from tunesmith.agent import Plan, make_plan

    request = "Predict the progression column; minimise the mean absolute error; two minutes."
    plan = make_plan(embedded_chat, request, real_tables["diabetes"])
    assert isinstance(plan, Plan)
    assert (plan.target, plan.task_type, plan.metric) == ("progression", "regression", "mae")
    assert plan.time_budget_s == 120.0
    assert plan.validation.scheme == "cv"
    assert not plan.validation.stratified
    assert set(plan.learner_reasons) == set(plan.learners)
    assert set(plan.search_space) == set(plan.learners)


def test_embedded_model_maps_a_vague_follow_up_to_a_valid_intent(
    embedded_chat: BaseChatModel,
) -> None:
    from tunesmith.agent import parse_intent
    from tunesmith.agent._intents import INTENT_KINDS, interpret

    message = "Could you bring Microsoft's leaf-wise gradient boosting library into the mix?"
    assert parse_intent(message) is None  # the rules cannot read it; the LLM must
    intent = interpret(embedded_chat, message)
    assert intent.kind in INTENT_KINDS
