"""The hf: backend for real: the embedded GGUF converted into a transformers checkpoint.

tunesmith never downloads from a hub, so the test builds its own local checkpoint from the
embedded weights (transformers dequantises GGUF files) and caches it next to them.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from tunesmith.core.errors import LLMDeadlineError
from tunesmith.llm import LLMCall, deadline, load, structured

pytestmark = [pytest.mark.llm, pytest.mark.slow]


class Forecast(BaseModel):
    city: str
    condition: Literal["sunny", "cloudy", "rain", "snow"]
    high_celsius: int = Field(ge=-60, le=60)


PROMPT = (
    "Tomorrow in Oslo: heavy snow all day, the high will be minus 4 degrees Celsius. "
    "Give the forecast."
)


def test_structured_output_without_constrained_decoding(hf_checkpoint: Path) -> None:
    model = load(f"hf:{hf_checkpoint}", device="cpu", max_tokens=64)
    calls: list[LLMCall] = []
    forecast = structured(model, Forecast, PROMPT, calls=calls)
    assert forecast.condition == "snow"
    assert not calls[-1].constrained
    assert calls[-1].prompt_tokens > 0
    assert calls[-1].completion_tokens > 0


@pytest.mark.gpu
def test_generation_on_the_gpu(hf_checkpoint: Path) -> None:
    model = load(f"hf:{hf_checkpoint}", device="cuda", max_tokens=64)
    forecast = structured(model, Forecast, PROMPT)
    assert forecast.condition == "snow"
    reply = model.invoke("Say hello.", max_tokens=8)
    assert str(reply.response_metadata["device"]).startswith("cuda")


def test_generation_stops_at_the_deadline(hf_checkpoint: Path) -> None:
    model = load(f"hf:{hf_checkpoint}", device="cpu", max_tokens=300)
    model.invoke("Say hi.", max_tokens=2)  # loaded outside the deadline
    with deadline(time.monotonic() + 1.0), pytest.raises(LLMDeadlineError) as cut:
        model.invoke("Write every number from 1 to 300 in words, separated by commas.")
    steps = int(re.search(r"after (\d+) generation steps", str(cut.value)).group(1))  # type: ignore[union-attr]
    assert 0 < steps < 300  # stopped mid-reply, not at its length limit
    assert model.invoke("Say hi.", max_tokens=4).content  # and answers afterwards
