"""LLM backends behind langchain-core chat models, and structured output with repair.

``load(spec)`` accepts ``embedded`` (default), ``gguf:PATH``, ``openai:URL#MODEL`` and
``hf:PATH``; ``structured(model, Schema, messages)`` returns a validated pydantic object;
``score_reader(model).score_codes(prefix, continuations)`` reads two-digit score
distributions from next-token probabilities (the LLM surrogate's primitive);
``with deadline(t): ...`` stops the readers' work at ``t`` (``LLMDeadlineError``).
"""

from __future__ import annotations

from tunesmith.llm._claim import claim
from tunesmith.llm._deadline import deadline, time_left
from tunesmith.llm._embedded import EmbeddedModel, cache_dir, ensure_embedded_model
from tunesmith.llm._load import load
from tunesmith.llm._scoring import (
    N_CODES,
    ScoreReader,
    ScoringUsage,
    code_distribution,
    score_reader,
)
from tunesmith.llm._spec import ENV_VAR, LLMSpec, parse_spec
from tunesmith.llm._structured import LLMCall, parse_reply, structured

__all__ = [
    "ENV_VAR",
    "N_CODES",
    "EmbeddedModel",
    "LLMCall",
    "LLMSpec",
    "ScoreReader",
    "ScoringUsage",
    "cache_dir",
    "claim",
    "code_distribution",
    "deadline",
    "ensure_embedded_model",
    "load",
    "parse_reply",
    "parse_spec",
    "score_reader",
    "structured",
    "time_left",
]
