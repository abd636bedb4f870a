from __future__ import annotations

import pytest

from tunesmith.core.errors import LLMSpecError
from tunesmith.llm import ENV_VAR, parse_spec


def test_default_is_embedded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert parse_spec(None).kind == "embedded"


def test_environment_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "gguf:/models/x.gguf")
    spec = parse_spec(None)
    assert (spec.kind, spec.location) == ("gguf", "/models/x.gguf")


@pytest.mark.parametrize(
    ("text", "kind", "location", "model"),
    [
        ("embedded", "embedded", "", None),
        ("gguf:/m/q.gguf", "gguf", "/m/q.gguf", None),
        ("hf:/m/qwen", "hf", "/m/qwen", None),
        (
            "openai:http://localhost:8000/v1#Qwen/Qwen2.5-7B",
            "openai",
            "http://localhost:8000/v1",
            "Qwen/Qwen2.5-7B",
        ),
        ("openai:https://api.example.com/v1/", "openai", "https://api.example.com/v1", None),
    ],
)
def test_accepted_forms(text: str, kind: str, location: str, model: str | None) -> None:
    spec = parse_spec(text)
    assert (spec.kind, spec.location, spec.model) == (kind, location, model)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("llama", "no 'KIND:' prefix"),
        ("ollama:llama3", "unknown backend 'ollama'"),
        ("gguf:", "nothing follows 'gguf:'"),
        ("openai:localhost:8000#m", "must start with http"),
    ],
)
def test_bad_specs_explain_the_accepted_forms(text: str, match: str) -> None:
    with pytest.raises(LLMSpecError, match=match) as info:
        parse_spec(text)
    assert "openai:http://HOST:PORT/v1#MODEL" in str(info.value)
