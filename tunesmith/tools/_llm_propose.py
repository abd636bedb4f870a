"""The LLM proposes configurations: a zero-shot warm start, and target-conditioned candidates.

Replies are constrained to the space's schema where the backend has a grammar, then validated,
clipped into the bounds and de-duplicated at the precision the LLM reads (two configurations
that print the same are one). A reply that is still malformed after the bounded retries of
:func:`tunesmith.llm.structured` raises ``StructuredOutputError``, and the sampler falls back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, create_model

from tunesmith.core import BoolParam, CategoricalParam, FloatParam, SearchSpace
from tunesmith.core.errors import SearchSpaceError
from tunesmith.prompts import render
from tunesmith.tools._llm_text import (
    Direction,
    Observation,
    ScoreCodes,
    describe_param,
    format_config,
    select_history,
    short_name,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from tunesmith.llm import LLMCall
    from tunesmith.tools._llm_surrogate import SurrogateContext

logger = logging.getLogger(__name__)


def proposal_schema(space: SearchSpace, k: int) -> type[BaseModel]:
    """A pydantic model of ``{"configs": [k configurations]}`` for a flat space."""
    fields: dict[str, Any] = {}
    for p in space.params:
        if isinstance(p, BoolParam):
            fields[short_name(p.name)] = (bool, ...)
        elif isinstance(p, CategoricalParam):
            fields[short_name(p.name)] = (Literal[tuple(p.choices)], ...)
        else:
            # Bounds go to the grammar only: an out-of-range value is clipped, not refused.
            kind = float if isinstance(p, FloatParam) else int
            bounds: dict[str, Any] = {"minimum": p.low, "maximum": p.high}
            fields[short_name(p.name)] = (kind, Field(json_schema_extra=bounds))
    config = create_model("Config", **fields)
    return create_model(
        "Proposals",
        configs=(list[config], Field(min_length=1, json_schema_extra={"maxItems": k})),  # type: ignore[valid-type]
    )


def usable(
    space: SearchSpace,
    raw: Sequence[Mapping[str, Any]],
    seen: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Valid, clipped configurations of ``raw`` that print unlike each other and ``seen``."""
    names = {short_name(p.name): p.name for p in space.params}
    printed = {format_config(space, c) for c in seen}
    out: list[dict[str, Any]] = []
    for item in raw:
        try:
            config = space.clip({names.get(k, k): v for k, v in item.items()})
        except SearchSpaceError:
            continue
        text = format_config(space, config)
        if text not in printed:
            printed.add(text)
            out.append(config)
    return out


def _ask(
    model: BaseChatModel, space: SearchSpace, prompt: str, k: int, calls: list[LLMCall] | None
) -> list[dict[str, Any]]:
    from tunesmith.llm import structured

    schema = proposal_schema(space, k)
    # About 12 tokens per value (digits are single tokens) bounds the JSON of k configurations.
    limit = k * (12 * len(space.params) + 8) + 16
    reply = structured(
        model, schema, prompt, max_attempts=2, purpose="propose", calls=calls, max_tokens=limit
    )
    return [c.model_dump() for c in reply.configs][:k]  # type: ignore[attr-defined]


def warm_start(
    model: BaseChatModel,
    space: SearchSpace,
    context: SurrogateContext,
    k: int,
    *,
    direction: Direction = "minimize",
    default: Mapping[str, Any] | None = None,
    calls: list[LLMCall] | None = None,
) -> list[dict[str, Any]]:
    """Up to ``k`` zero-shot configurations; ``default`` (if given) comes first."""
    first = usable(space, [default]) if default is not None else []
    if k <= len(first):
        return first[:k]
    prompt = render(
        "propose_configs",
        context=context.describe(direction),
        params=[describe_param(p) for p in space.params],
        metric=context.metric,
        examples=[],
        k=k - len(first),
        target=None,
        default=format_config(space, first[0]) if first else "",
    )
    return (first + usable(space, _ask(model, space, prompt, k - len(first), calls), first))[:k]


def candidates(
    model: BaseChatModel,
    space: SearchSpace,
    context: SurrogateContext,
    history: Sequence[Observation],
    k: int,
    *,
    direction: Direction = "minimize",
    alpha: float = 0.1,
    history_cap: int = 20,
    calls: list[LLMCall] | None = None,
) -> list[dict[str, Any]]:
    """Up to ``k`` new configurations the LLM expects to reach a quality past the best seen.

    The target is LLAMBO's ``best + alpha * (best - worst)``, on the quality-code scale (90 is
    the best seen, 10 the worst), capped at 99.
    """
    shown = select_history(history, direction, history_cap)
    codes = ScoreCodes([o.value for o in shown], direction)
    ranked = sorted(shown, key=lambda o: -codes.code(o.value))
    prompt = render(
        "propose_configs",
        context=context.describe(direction),
        params=[describe_param(p) for p in space.params],
        metric=context.metric,
        examples=[
            f"q: {codes.text(o.value)}, x: {format_config(space, o.params)}" for o in ranked
        ],
        k=k,
        target=min(99, round(90 + alpha * 80)),
        default="",
    )
    seen = [o.params for o in history]
    return usable(space, _ask(model, space, prompt, k, calls), seen)
