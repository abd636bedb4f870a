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
from tunesmith.core.errors import LLMDeadlineError, SearchSpaceError
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
    from tunesmith.tools._llm_pool import SamplerStats
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


class WarmStarts:
    """Each branch's warm-start configurations, asked of the LLM once per branch: the default
    first, then the LLM's zero-shot proposals, each tried once.

    Args:
        k: Warm-start trials per branch (the sampler's ``n_warmup``).
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self._configs: dict[Any, list[dict[str, Any]]] = {}

    def asked(self, key: Any) -> bool:
        """Whether branch ``key``'s proposals are in hand (then the next one costs nothing)."""
        return key in self._configs

    def next_config(
        self,
        model: BaseChatModel,
        key: Any,
        space: SearchSpace,
        context: SurrogateContext,
        history: Sequence[Observation],
        *,
        direction: Direction,
        default: Mapping[str, Any] | None,
        stats: SamplerStats,
    ) -> dict[str, Any] | None:
        """The first warm-start configuration not yet in ``history``; None once all were tried
        (the fallback sampler fills the branch's other warm-up trials)."""
        tried = {format_config(space, o.params) for o in history}
        if key not in self._configs:
            try:
                # A chat request under the configuration's JSON schema: with no examples in
                # the prompt, the 0.5B model does not keep to the bare row format.
                self._configs[key] = warm_start(
                    model, space, context, self.k,
                    direction=direction, default=default, calls=stats.calls,
                )  # fmt: skip
            except LLMDeadlineError as exc:
                # The default needs no LLM: it still goes first; the LLM is asked again on a
                # later trial if there is time.
                first = usable(space, [default]) if default is not None else []
                if not first or format_config(space, first[0]) in tried:
                    raise
                stats.cuts += 1
                logger.info("%s The warm start begins with the default configuration.", exc)
                return first[0]
            stats.succeeded()
            self._count(key, space, default, stats)
        for config in self._configs[key]:
            if format_config(space, config) not in tried:
                return config
        return None

    def _count(
        self, key: Any, space: SearchSpace, default: Mapping[str, Any] | None, stats: SamplerStats
    ) -> None:
        """Count (and say) how many of the LLM's proposals were usable."""
        first = len(usable(space, [default])) if default is not None else 0
        asked = self.k - first  # k >= 1 here, and first <= 1
        got = len(self._configs[key]) - first
        stats.warm_asked += asked
        stats.warm_usable += got
        if got < asked:
            logger.info(
                "LLM warm start%s: %d of %d proposed configurations usable (the others were "
                "invalid, or repeated %s); the fallback sampler fills the other warm-up trials",
                f" for {key}" if key else "", got, asked,
                "the default or each other" if first else "each other",
            )  # fmt: skip


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
