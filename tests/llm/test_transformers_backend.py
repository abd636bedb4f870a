"""The hf: backend for real: the embedded GGUF converted into a transformers checkpoint.

tunesmith never downloads from a hub, so the test builds its own local checkpoint from the
embedded weights (transformers dequantises GGUF files) and caches it next to them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from tunesmith.llm import LLMCall, cache_dir, ensure_embedded_model, load, structured

pytestmark = [pytest.mark.llm, pytest.mark.slow]


class Forecast(BaseModel):
    city: str
    condition: Literal["sunny", "cloudy", "rain", "snow"]
    high_celsius: int = Field(ge=-60, le=60)


PROMPT = (
    "Tomorrow in Oslo: heavy snow all day, the high will be minus 4 degrees Celsius. "
    "Give the forecast."
)


@pytest.fixture(scope="module")
def hf_checkpoint() -> Path:
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("gguf")
    target = cache_dir() / "hf" / "qwen2.5-coder-0.5b-instruct-from-gguf"
    if not (target / "config.json").is_file():
        gguf = ensure_embedded_model(echo=lambda _: None).path
        tokenizer = transformers.AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = transformers.AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        # The weights are dequantised already; drop the GGUF marker so they save as plain
        # safetensors.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        partial = target.with_name(target.name + ".partial")
        for stale in (partial, target):  # left by an interrupted run
            shutil.rmtree(stale, ignore_errors=True)
        tokenizer.save_pretrained(partial)
        model.save_pretrained(partial)
        partial.rename(target)
    return target


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
