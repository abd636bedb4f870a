from __future__ import annotations

from typing import Literal

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from tunesmith.core.errors import ConfigurationError, StructuredOutputError
from tunesmith.llm import LLMCall, parse_reply, structured
from tunesmith.llm.testing import ScriptedChatModel


class Choice(BaseModel):
    target: str
    metric: Literal["accuracy", "rmse"]
    n_trials: int = Field(ge=1, le=100)


VALID = '{"target": "species", "metric": "accuracy", "n_trials": 20}'


def test_valid_first_reply_is_returned_and_recorded() -> None:
    model = ScriptedChatModel(replies=[VALID])
    calls: list[LLMCall] = []
    result = structured(model, Choice, "predict species", calls=calls)
    assert result == Choice(target="species", metric="accuracy", n_trials=20)
    assert [c.ok for c in calls] == [True]
    assert calls[0].prompt_tokens > 0
    assert calls[0].completion_tokens > 0
    assert calls[0].latency_s >= 0


def test_repair_loop_sends_each_error_back_until_valid() -> None:
    replies = [
        '{"target": "species", "metric": ',  # malformed JSON
        '{"target": "species", "metric": "auc", "n_trials": 0}',  # fails validation
        f"Sure! Here it is:\n```json\n{VALID}\n```",  # valid, fenced
    ]
    model = ScriptedChatModel(replies=replies)
    calls: list[LLMCall] = []
    result = structured(model, Choice, "predict species", max_attempts=3, calls=calls)

    assert result.metric == "accuracy"
    assert [c.ok for c in calls] == [False, False, True]
    assert "not valid JSON" in (calls[0].error or "")
    assert "metric" in (calls[1].error or "")
    assert "n_trials" in (calls[1].error or "")
    # The second request carries the first reply and its error; the third the second's.
    second, third = model.received[1], model.received[2]
    assert second[-2].content == replies[0]
    assert "not valid JSON" in str(second[-1].content)
    assert third[-2].content == replies[1]
    assert "field 'metric'" in str(third[-1].content)


def test_typed_error_after_max_attempts_carries_raw_replies() -> None:
    replies = ["no json here", '{"target": 3}', '{"target": "a", "metric": "rmse"}']
    model = ScriptedChatModel(replies=replies)
    with pytest.raises(StructuredOutputError, match="no valid Choice in 3 attempt") as info:
        structured(model, Choice, "x", max_attempts=3)
    assert info.value.replies == replies
    assert len(info.value.errors) == 3
    assert "no JSON object" in info.value.errors[0]


def test_schema_goes_into_the_system_message() -> None:
    model = ScriptedChatModel(replies=[VALID])
    structured(model, Choice, [SystemMessage(content="You plan."), HumanMessage(content="go")])
    system = model.received[0][0]
    assert isinstance(system, SystemMessage)
    assert str(system.content).startswith("You plan.")
    assert '"n_trials"' in str(system.content)
    # A model without constrained decoding gets no response_format argument.
    assert "response_format" not in model.call_kwargs[0]


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ConfigurationError, match="at least 1"):
        structured(ScriptedChatModel(replies=[]), Choice, "x", max_attempts=0)


def test_parse_reply_takes_the_outermost_object() -> None:
    text = 'The plan: {"target": "y", "metric": "rmse", "n_trials": 5} -- done'
    assert parse_reply(text, Choice).target == "y"
