"""Chat requests under a deadline (``tunesmith.llm.deadline``) stop at it.

The search's LLM proposals are chat requests; near the end of a time budget they must not run
past it. The embedded model is real here; the scripted model stands in where only the
sequence of calls matters.
"""

from __future__ import annotations

import re
import time

import pytest
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel

from tunesmith.core import FloatParam, IntParam, SearchSpace
from tunesmith.core.errors import LLMDeadlineError
from tunesmith.llm import deadline, structured
from tunesmith.llm.testing import ScriptedChatModel
from tunesmith.tools._llm_pool import SamplerStats
from tunesmith.tools._llm_propose import WarmStarts
from tunesmith.tools._llm_surrogate import SurrogateContext
from tunesmith.tools._llm_text import Observation

LONG = "Write every number from 1 to 300 in words, separated by commas."


class Count(BaseModel):
    n: int


@pytest.mark.llm
@pytest.mark.slow
def test_embedded_chat_stops_at_the_deadline_and_answers_afterwards(
    embedded_chat: BaseChatModel,
) -> None:
    embedded_chat.invoke("Say hi.", max_tokens=4)  # loaded outside the deadline
    with deadline(time.monotonic() + 0.8), pytest.raises(LLMDeadlineError) as cut:
        embedded_chat.invoke(LONG, max_tokens=400)
    steps = int(re.search(r"after (\d+) generation steps", str(cut.value)).group(1))  # type: ignore[union-attr]
    assert 0 < steps < 400  # stopped mid-reply, not at its length limit
    assert "eval" not in vars(embedded_chat.client)  # Llama.eval is the class's own again
    reply = embedded_chat.invoke("Say hi.", max_tokens=8)
    assert reply.content
    with deadline(time.monotonic() + 600):  # a far deadline changes nothing
        assert structured(embedded_chat, Count, "Give n = 3.").n == 3


def test_structured_makes_no_request_past_the_deadline() -> None:
    model = ScriptedChatModel(replies=['{"n": 1}'])
    with deadline(time.monotonic() - 1.0), pytest.raises(LLMDeadlineError, match="before"):
        structured(model, Count, "n?")
    assert model.received == []
    assert structured(model, Count, "n?").n == 1  # no deadline: asked


def test_structured_does_not_repair_past_the_deadline() -> None:
    class SlowScripted(ScriptedChatModel):
        def _generate(self, *args: object, **kwargs: object) -> object:
            time.sleep(0.3)
            return super()._generate(*args, **kwargs)  # type: ignore[arg-type]

    model = SlowScripted(replies=['{"n": "many"}', '{"n": 2}'])
    with deadline(time.monotonic() + 0.15), pytest.raises(LLMDeadlineError):
        structured(model, Count, "n?", max_attempts=2)
    assert len(model.received) == 1  # the repair was not sent


def test_a_warm_start_cut_at_the_deadline_still_begins_with_the_default() -> None:
    space = SearchSpace(
        params=[
            FloatParam(name="lr", low=1e-4, high=1.0, log=True),
            IntParam(name="depth", low=1, high=9),
        ]
    )
    default = {"lr": 0.1, "depth": 3}
    proposal = '{"configs": [{"lr": 0.01, "depth": 5}]}'
    model = ScriptedChatModel(replies=[proposal])
    starts, stats = WarmStarts(k=2), SamplerStats()
    context = SurrogateContext(
        learner="gradient boosting", task="binary classification", metric="accuracy"
    )
    ask = {"direction": "maximize", "default": default, "stats": stats}
    with deadline(time.monotonic() - 1.0):
        first = starts.next_config(model, (), space, context, [], **ask)  # type: ignore[arg-type]
    assert first == default
    assert stats.cuts == 1
    assert not starts.asked(())  # the LLM is asked again when there is time
    tried = [Observation(number=0, params=default, value=0.9)]
    second = starts.next_config(model, (), space, context, tried, **ask)  # type: ignore[arg-type]
    assert second == {"lr": 0.01, "depth": 5}
    assert len(model.received) == 1
    with deadline(time.monotonic() - 1.0), pytest.raises(LLMDeadlineError):  # nothing to give
        WarmStarts(k=2).next_config(model, (), space, context, tried, **ask)  # type: ignore[arg-type]
