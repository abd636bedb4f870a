"""Score reading through an OpenAI-compatible server's ``/v1/completions`` top logprobs.

One request of ``max_tokens=2`` per continuation (all of them in one request where the server
takes a list of prompts, as vLLM does): the first position's top logprobs give the first digit;
the second position, conditioned on the greedy first token, gives the second digit when that
token is the likeliest digit, else a second request with that digit appended reads it. With
prefix caching (vLLM ``--enable-prefix-caching``) the shared prefix is computed once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunesmith.core.errors import LLMConnectionError, LLMDeadlineError
from tunesmith.llm._deadline import check_deadline, time_left
from tunesmith.llm._openai import api_key
from tunesmith.llm._scoring import N_DIGITS, ScoringUsage, check_continuations, code_distribution


class OpenAIScoreReader:
    """Reads code distributions from a model on an OpenAI-compatible server.

    Args:
        base_url: The server's API root, e.g. ``http://127.0.0.1:8000/v1``.
        model: The served model name.
        api_key: Sent as a bearer token (local servers accept any).
        top_logprobs: Alternatives per position the server is asked for (vLLM allows 20 by
            default). A digit outside them gets an upper-bound estimate of its probability.
        timeout: Seconds per request.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str = "not-needed",
        top_logprobs: int = 20,
        timeout: float = 300.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.top_logprobs = top_logprobs
        self.timeout = timeout
        self.usage = ScoringUsage()
        self.batches_: bool | None = None  # whether the server takes a list of prompts

    @classmethod
    def from_chat_model(cls, chat: Any) -> OpenAIScoreReader:
        """The reader for the server and model behind a langchain ``ChatOpenAI``."""
        secret: Any = getattr(chat, "openai_api_key", None)
        key = str(secret.get_secret_value()) if hasattr(secret, "get_secret_value") else api_key()
        base_url = getattr(chat, "openai_api_base", None) or "https://api.openai.com/v1"
        return cls(base_url, str(chat.model_name), api_key=key)

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        """See :class:`tunesmith.llm.ScoreReader`."""
        prompts = [prefix + text for text in check_continuations(continuations)]
        check_deadline("before its request")
        start = time.perf_counter()
        try:
            return self._score(prompts)
        finally:
            self.usage.seconds += time.perf_counter() - start

    def _score(self, prompts: list[str]) -> np.ndarray:
        import httpx

        left = time_left()  # under a deadline, a request waits no longer than the time left
        timeout = self.timeout if left is None else max(min(self.timeout, left), 0.01)
        with httpx.Client(timeout=timeout) as client:
            choices = self._complete(client, prompts, max_tokens=2)
            p1s = [_digit_probabilities(_top(choice, 0, self.url)) for choice in choices]
            d_stars = [int(np.argmax(p1)) for p1 in p1s]
            p2s: dict[int, np.ndarray] = {}
            for i, (choice, d_star) in enumerate(zip(choices, d_stars, strict=True)):
                # The second position was read after the greedy first token: usable when that
                # token is exactly the likeliest digit.
                if _generated(choice, 0) == str(d_star) and _has_position(choice, 1):
                    p2s[i] = _digit_probabilities(_top(choice, 1, self.url))
            again = [i for i in range(len(prompts)) if i not in p2s]
            if again:
                check_deadline("before reading the second digits")
                extra = [prompts[i] + str(d_stars[i]) for i in again]
                replies = self._complete(client, extra, max_tokens=1)
                for i, choice in zip(again, replies, strict=True):
                    p2s[i] = _digit_probabilities(_top(choice, 0, self.url))
        rows = [code_distribution(p1s[i], d_stars[i], p2s[i]) for i in range(len(prompts))]
        return np.array(rows).reshape(len(prompts), -1)

    @property
    def url(self) -> str:
        """The completions endpoint."""
        return f"{self.base_url}/completions"

    def _complete(self, client: Any, prompts: list[str], max_tokens: int) -> list[dict[str, Any]]:
        if len(prompts) > 1 and self.batches_ is not False:
            choices = self._post(client, prompts, max_tokens, strict=False)
            self.batches_ = choices is not None
            if choices is not None:
                return choices
        replies = [self._post(client, [prompt], max_tokens, strict=True) for prompt in prompts]
        return [reply[0] for reply in replies if reply is not None]

    def _post(
        self, client: Any, prompts: list[str], max_tokens: int, *, strict: bool
    ) -> list[dict[str, Any]] | None:
        import httpx

        body = {
            "model": self.model,
            "prompt": prompts if len(prompts) > 1 else prompts[0],
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "logprobs": self.top_logprobs,
        }
        headers = {"Authorization": f"Bearer {self.api_key}"}
        self.usage.requests += 1
        try:
            response = client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            left = time_left()
            if isinstance(exc, httpx.TimeoutException) and left is not None and left < 1.0:
                raise LLMDeadlineError(
                    f"The LLM step reached its deadline waiting for {self.url} and stopped."
                ) from None
            raise LLMConnectionError(
                f"Cannot reach the OpenAI-compatible server at {self.url} to read score "
                f"logprobs ({exc.__class__.__name__}: {exc}). Check that it is running."
            ) from None
        choices = _choices(response)
        if choices is None or len(choices) != len(prompts):
            if not strict:
                return None  # e.g. llama_cpp.server takes one prompt per request
            raise LLMConnectionError(
                f"POST {self.url} answered HTTP {response.status_code} without one completion "
                f"per prompt: {response.text[:300]!r}. The LLM surrogate needs the completions "
                f"endpoint with logprobs (vLLM, llama_cpp.server); chat-only servers lack it."
            )
        self._count(response.json().get("usage") or {})
        return choices

    def _count(self, usage: dict[str, Any]) -> None:
        details = usage.get("prompt_tokens_details") or {}
        cached = int(details.get("cached_tokens") or 0)
        self.usage.prompt_tokens += int(usage.get("prompt_tokens") or 0) - cached
        self.usage.cached_tokens += cached
        self.usage.completion_tokens += int(usage.get("completion_tokens") or 0)


def _choices(response: Any) -> list[dict[str, Any]] | None:
    if response.status_code != 200:
        return None
    try:
        choices = list(response.json()["choices"])
    except (ValueError, KeyError, TypeError):
        return None
    return sorted(choices, key=lambda choice: int(choice.get("index", 0)))


def _has_position(choice: dict[str, Any], position: int) -> bool:
    logprobs = choice.get("logprobs") or {}
    return len(logprobs.get("top_logprobs") or []) > position


def _generated(choice: dict[str, Any], position: int) -> str:
    tokens = (choice.get("logprobs") or {}).get("tokens") or []
    return str(tokens[position]) if len(tokens) > position else ""


def _top(choice: dict[str, Any], position: int, url: str) -> dict[str, float]:
    """The top alternatives ``{text: logprob}`` of the generated token at ``position``."""
    logprobs = choice.get("logprobs") or {}
    tops = logprobs.get("top_logprobs") or []
    if len(tops) <= position or not isinstance(tops[position], dict):
        raise LLMConnectionError(
            f"POST {url} returned no top logprobs for generated token {position + 1}; got "
            f"{str(logprobs)[:200]!r}. Serve the model with logprobs enabled (vLLM does; "
            f"llama_cpp.server needs logits_all, its default)."
        )
    return {str(text): float(lp) for text, lp in tops[position].items()}


def _digit_probabilities(top: dict[str, float]) -> np.ndarray:
    """Digit probabilities from a position's top alternatives, renormalised over digits.

    A digit outside the list has at most the smallest listed probability and at most its share
    of the unlisted mass; it gets that upper bound rather than zero.
    """
    probs = np.zeros(N_DIGITS)
    listed = [math.exp(lp) for lp in top.values()]
    for text, lp in top.items():
        if text[:1].isascii() and text[:1].isdigit():
            probs[int(text[0])] += math.exp(lp)
    missing = probs == 0
    if missing.any() and listed:
        unlisted = max(0.0, 1.0 - sum(listed))
        probs[missing] = min(unlisted / int(missing.sum()), min(listed))
    if probs.sum() <= 0:
        return np.full(N_DIGITS, 1.0 / N_DIGITS)
    return probs / probs.sum()
