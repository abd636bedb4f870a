"""LLAMBO's sampling-based scheme, re-implemented as the cost comparator of the LLM surrogate.

One BO iteration as LLAMBO's code runs it (research/llambo-and-bayesmark.md, sections 1.4-1.8):

* candidate sampler: ``n_templates`` prompts, each holding the whole history in its own shuffled
  order and asking for a configuration that reaches a target score; ``n_candidates /
  n_templates`` sampled completions per prompt (temperature 0.8);
* discriminative surrogate: for every candidate and every template, ``n_gens`` sampled
  completions (temperature 0.7, 8 tokens) of a prompt ending in the candidate; the mean and
  standard deviation of the parsed numbers feed expected improvement.

Completions are requested one at a time (llama.cpp has no ``n``); each request is counted as it
would be sent to a server: its full prompt plus its completion.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tunesmith.core import SearchSpace
from tunesmith.tools._llm_text import Observation, format_config

_NUMBER = re.compile(r"## (-?[\d.]+) ##")


@dataclass
class Cost:
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    count_only: bool = False
    tokenize: Any = None


def _history_lines(
    space: SearchSpace, history: Sequence[Observation], order: Sequence[int]
) -> str:
    return "".join(
        f"Hyperparameter configuration: {format_config(space, history[i].params)}\n"
        f"Performance: ## {history[i].value:.6f} ##\n"
        for i in order
    )


def _complete(model: Any, prompt: str, temperature: float, max_tokens: int, cost: Cost) -> str:
    if cost.count_only:  # tokens of the prompt as sent, the completion at its length limit
        cost.requests += 1
        cost.prompt_tokens += len(cost.tokenize(prompt))
        cost.completion_tokens += max_tokens
        return ""
    started = time.perf_counter()
    reply = model.invoke(
        prompt, temperature=temperature, max_tokens=max_tokens, seed=cost.requests
    )
    cost.seconds += time.perf_counter() - started
    usage = reply.usage_metadata or {}
    cost.requests += 1
    cost.prompt_tokens += int(usage.get("input_tokens", 0))
    cost.completion_tokens += int(usage.get("output_tokens", 0))
    return str(reply.content)


def iteration(
    model: Any,
    space: SearchSpace,
    history: Sequence[Observation],
    candidates: Sequence[Mapping[str, Any]],
    *,
    task: str,
    n_templates: int = 2,
    n_candidates: int = 10,
    n_gens: int = 10,
    seed: int = 0,
    tokenize: Any = None,
) -> tuple[Cost, np.ndarray, np.ndarray]:
    """One iteration's LLM work; returns its cost and the surrogate's mean and std per candidate.

    The sampler's proposals are requested and paid for, but scored are ``candidates`` (the same
    pool the compared method scores), so both methods do the same surrogate work. With
    ``tokenize`` (text -> token ids) nothing is run: each request's prompt is counted as sent
    and its completion at the length limit.
    """
    cost = Cost(count_only=tokenize is not None, tokenize=tokenize)
    orders = [
        np.random.default_rng([seed, t]).permutation(len(history)) for t in range(n_templates)
    ]
    best = min(o.value for o in history)
    spread = max(o.value for o in history) - best
    for order in orders:  # candidate sampler
        prompt = (
            f"The following are examples of the performance of {task} and the hyperparameter "
            f"configurations that produced them.\n{_history_lines(space, history, order)}"
            f"Recommend a configuration that reaches the performance {best - 0.1 * spread:.6f}, "
            "in the format ## configuration ##.\nPerformance: ## "
            f"{best - 0.1 * spread:.6f} ##\nHyperparameter configuration:"
        )
        for _ in range(n_candidates // n_templates):
            _complete(model, prompt, 0.8, 60, cost)
    samples = np.full((len(candidates), n_templates * n_gens), np.nan)
    for c, candidate in enumerate(candidates):  # discriminative surrogate
        for t, order in enumerate(orders):
            prompt = (
                f"The following are hyperparameter configurations of {task} and the performance "
                "they reached. Answer only with the predicted performance, in the format "
                f"## performance ##.\n{_history_lines(space, history, order)}"
                f"Hyperparameter configuration: {format_config(space, candidate)}\nPerformance:"
            )
            for g in range(n_gens):
                match = _NUMBER.search(_complete(model, prompt, 0.7, 8, cost))
                if match:
                    samples[c, t * n_gens + g] = float(match.group(1))
    return cost, np.nanmean(samples, axis=1), np.nanstd(samples, axis=1)
