"""The OpenAI-compatible backend against a real server on localhost.

llama-cpp-python's server speaks the same API as ``vllm serve``; the test starts it with the
embedded GGUF and stops it afterwards.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Literal

import httpx
import pandas as pd
import pytest
from pydantic import BaseModel, Field

from tunesmith.agent import draft_plan
from tunesmith.core.errors import LLMSpecError
from tunesmith.llm import LLMCall, ensure_embedded_model, load, structured

pytestmark = [pytest.mark.llm, pytest.mark.slow]

ALIAS = "tunesmith-embedded"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = ensure_embedded_model(echo=lambda _: None).path
    port = _free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
    ]  # fmt: skip
    log_path = tmp_path_factory.mktemp("server") / "llama_cpp_server.log"
    log = log_path.open("wb")  # a file, not a pipe: a full pipe would block the server
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                output = log_path.read_text(errors="replace")[-4000:]
                pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{output}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")[-4000:]
                pytest.fail(f"llama_cpp.server did not start within 180 s:\n{output}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


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
