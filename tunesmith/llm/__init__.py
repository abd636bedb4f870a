"""LLM backends behind langchain-core chat models, and structured output with repair.

``load(spec)`` accepts ``embedded`` (default), ``gguf:PATH``, ``openai:URL#MODEL`` and
``hf:PATH``; ``structured(model, Schema, messages)`` returns a validated pydantic object.
"""

from __future__ import annotations

from tunesmith.llm._embedded import EmbeddedModel, cache_dir, ensure_embedded_model
from tunesmith.llm._load import load
from tunesmith.llm._spec import ENV_VAR, LLMSpec, parse_spec
from tunesmith.llm._structured import LLMCall, parse_reply, structured

__all__ = [
    "ENV_VAR",
    "EmbeddedModel",
    "LLMCall",
    "LLMSpec",
    "cache_dir",
    "ensure_embedded_model",
    "load",
    "parse_reply",
    "parse_spec",
    "structured",
]
