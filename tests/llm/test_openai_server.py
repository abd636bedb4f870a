"""The OpenAI-compatible backend against a real server on localhost.

llama-cpp-python's server speaks the same API as ``vllm serve``; the test starts it with the
embedded GGUF and stops it afterwards.
"""

from __future__ import annotations

import time
from typing import Literal

import pandas as pd
import pytest
from pydantic import BaseModel, Field

from tests.llm.conftest import SERVED_ALIAS
from tunesmith.agent import draft_plan
from tunesmith.core.errors import LLMDeadlineError, LLMSpecError
from tunesmith.llm import LLMCall, deadline, load, structured

pytestmark = [pytest.mark.llm, pytest.mark.slow]

ALIAS = SERVED_ALIAS  # the server_url fixture (tests/llm/conftest.py) serves this name


class Forecast(BaseModel):
    city: str
    condition: Literal["sunny", "cloudy", "rain", "snow"]
    high_celsius: int = Field(ge=-60, le=60)


def test_single_served_model_is_chosen_automatically(server_url: str) -> None:
    model = load(f"openai:{server_url}")
    assert getattr(model, "model_name", None) == ALIAS


def test_unknown_model_name_lists_the_served_ones(server_url: str) -> None:
    with pytest.raises(LLMSpecError, match=f"does not serve 'gpt-9'. Served: {ALIAS}"):
        load(f"openai:{server_url}#gpt-9")


def test_plain_chat_reports_token_usage(server_url: str) -> None:
    model = load(f"openai:{server_url}#{ALIAS}", max_tokens=16)
    reply = model.invoke("Say hello in one word.")
    assert isinstance(reply.content, str)
    assert reply.content.strip()
    usage = reply.usage_metadata or {}
    assert usage.get("input_tokens", 0) > 0
    assert usage.get("output_tokens", 0) > 0


def test_structured_output_through_the_server(server_url: str) -> None:
    model = load(f"openai:{server_url}#{ALIAS}")
    calls: list[LLMCall] = []
    forecast = structured(
        model,
        Forecast,
        "Tomorrow in Oslo: heavy snow all day, the high will be minus 4 degrees Celsius. "
        "Give the forecast.",
        calls=calls,
    )
    assert isinstance(forecast, Forecast)
    assert forecast.condition == "snow"
    assert calls[-1].ok
    assert calls[-1].constrained
    assert calls[-1].prompt_tokens > 0
    assert calls[-1].completion_tokens > 0


def test_planning_through_the_server(
    server_url: str, real_tables: dict[str, pd.DataFrame]
) -> None:
    model = load(f"openai:{server_url}#{ALIAS}")
    data = real_tables["penguins"]
    draft = draft_plan(
        model, "Predict the species column of these penguins; optimise accuracy.", data
    )
    assert draft.target == "species"


def test_a_chat_request_waits_no_longer_than_the_deadline(server_url: str) -> None:
    model = load(f"openai:{server_url}#{ALIAS}", max_tokens=400)
    started = time.monotonic()
    with deadline(started + 0.1), pytest.raises(LLMDeadlineError, match="waiting"):
        structured(model, Forecast, "Describe the weather of every European capital.")
    # The request's timeout was the time left (the client retries a timeout once), not the
    # model's 300 s; generous, as a loaded machine answers late.
    assert time.monotonic() - started < 30
    oslo = "Tomorrow in Oslo: heavy snow all day, the high minus 4 degrees Celsius. Forecast?"
    assert structured(model, Forecast, oslo).condition == "snow"  # no deadline: answered
