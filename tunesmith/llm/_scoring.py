"""Read the probability of a two-digit score code from a language model's next-token logits.

The LLM surrogate writes each observed score as a code ``"00"`` .. ``"99"`` and asks the model,
after a shared history prefix and a candidate's line, which code comes next. A reader evaluates
the candidate's line once, reads the distribution over the first digit, feeds the most likely
first digit and reads the second: about one forward pass per candidate over a KV-cached prefix.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from tunesmith.core.errors import ConfigurationError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

N_CODES = 100
"""A score is written as a two-digit code ``"00"`` .. ``"99"``."""

N_DIGITS = 10


@dataclass
class ScoringUsage:
    """What a reader has cost so far (it only grows).

    Attributes:
        requests: Backend calls: HTTP requests, or forward (``eval``) calls in process.
        prompt_tokens: Prompt tokens the model had to process (cache hits excluded).
        cached_tokens: Prompt tokens served from a KV or prefix cache.
        completion_tokens: Tokens generated; each code read counts its two digits.
        seconds: Wall time spent in ``score_codes``.
    """

    requests: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


class ScoreReader(Protocol):
    """Reads code distributions from one model; ``usage`` accumulates its cost."""

    usage: ScoringUsage

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        """Probabilities of the two-digit code written right after each prompt.

        Args:
            prefix: Raw text (no chat template) shared by every prompt; ends with a newline.
            continuations: Each ends just before the digits, e.g. ``"x: depth=5\\ny: "``.

        Returns:
            Shape ``(len(continuations), 100)``; row ``i`` is the distribution of the code
            after ``prefix + continuations[i]`` and sums to 1.
        """
        ...


def code_distribution(p1: np.ndarray, d_star: int, p2: np.ndarray) -> np.ndarray:
    """Mix first- and second-digit distributions into a distribution over the 100 codes.

    Only the second digit after the likeliest first digit ``d_star`` is read, so code
    ``10 * d_star + j`` gets ``p1[d_star] * p2[j]`` and every other first digit ``d`` spreads
    ``p1[d]`` evenly over its ten codes.

    Args:
        p1: Probabilities of the first digit, shape ``(10,)``, summing to 1.
        d_star: The first digit that was fed to read ``p2``.
        p2: Probabilities of the second digit after ``d_star``, shape ``(10,)``, summing to 1.

    Returns:
        Shape ``(100,)``, summing to 1.
    """
    p1 = np.asarray(p1, dtype=float)
    p2 = np.asarray(p2, dtype=float)
    if p1.shape != (N_DIGITS,) or p2.shape != (N_DIGITS,) or not 0 <= d_star < N_DIGITS:
        raise ConfigurationError(
            f"code_distribution needs two digit distributions of shape (10,) and a first digit "
            f"0-9; got shapes {p1.shape} and {p2.shape} and d_star={d_star}."
        )
    codes = np.repeat(p1 / N_DIGITS, N_DIGITS)
    codes[d_star * N_DIGITS : (d_star + 1) * N_DIGITS] = p1[d_star] * p2
    return codes


@dataclass(frozen=True)
class DigitTokens:
    """A tokenizer's digit tokens.

    Attributes:
        starts: For each digit ``d``, the ids of every token whose text starts with ``d``.
        exact: For each digit ``d``, the id of the token that is exactly ``d``.
    """

    starts: tuple[np.ndarray, ...]
    exact: tuple[int, ...]


def digit_tokens(pieces: Iterable[tuple[int, bytes]], backend: str) -> DigitTokens:
    """Find the digit tokens among ``(token id, token text)`` pairs of a vocabulary.

    Raises:
        ConfigurationError: Some digit has no token of its own, so it cannot be fed back.
    """
    starts: list[list[int]] = [[] for _ in range(N_DIGITS)]
    exact: dict[int, int] = {}
    for token, text in pieces:
        first = text[:1]
        if first.isdigit():
            digit = int(first)
            starts[digit].append(token)
            if len(text) == 1:
                exact.setdefault(digit, token)
    missing = [d for d in range(N_DIGITS) if d not in exact]
    if missing:
        raise ConfigurationError(
            f"The {backend} model's tokenizer has no single-character token for digit(s) "
            f"{missing}, which reading a two-digit score needs. Use a model whose tokenizer "
            f"has the ten digit tokens (Qwen, Llama, Mistral and most others do)."
        )
    return DigitTokens(
        starts=tuple(np.array(ids, dtype=np.int64) for ids in starts),
        exact=tuple(exact[d] for d in range(N_DIGITS)),
    )


def digit_distribution(logits: np.ndarray, digits: DigitTokens) -> np.ndarray:
    """Probabilities of the ten digits from one position's logits, renormalised over digits.

    Multi-digit tokens count for their first digit.

    Args:
        logits: The next-token logits over the whole vocabulary.
        digits: The tokenizer's digit tokens.

    Returns:
        Shape ``(10,)``, summing to 1.
    """
    logits = np.asarray(logits, dtype=np.float64)
    masses = np.array([np.logaddexp.reduce(logits[ids]) for ids in digits.starts])
    masses = np.exp(masses - masses.max())
    return masses / masses.sum()


def check_continuations(continuations: Sequence[str]) -> list[str]:
    """Return the continuations as a list; each must be a non-empty string."""
    if isinstance(continuations, str):
        raise ConfigurationError(
            "score_codes takes a sequence of continuations, got one string. Wrap it in a list."
        )
    items = list(continuations)
    empty = [i for i, text in enumerate(items) if not text]
    if empty:
        raise ConfigurationError(
            f"Continuation(s) {empty} are empty; each must hold the candidate's line and the "
            f"text before its score, e.g. 'x: depth=5\\ny: '."
        )
    return items


def score_reader(
    model: BaseChatModel,
    *,
    max_prefixes: int = 4,
    cache_dir: str | os.PathLike[str] | None = None,
) -> ScoreReader:
    """The score reader for a chat model from :func:`tunesmith.llm.load`.

    Cheap: nothing is loaded or requested until the first ``score_codes`` call.

    Args:
        model: A ``LlamaCppChat`` (``embedded``, ``gguf:``), an OpenAI-compatible chat model
            (``openai:URL#MODEL``) or a ``TransformersChat`` (``hf:``).
        max_prefixes: In-process backends keep the KV cache of this many recent prefixes;
            a new prefix reuses the one it shares the most leading tokens with.
        cache_dir: In-process backends (llama.cpp, transformers) also keep the saved prefix
            states on disk there, so a new process with the same model (a resumed run)
            evaluates only what its prompts add. An OpenAI-compatible server keeps its own
            prefix cache, and its reader ignores this.

    Returns:
        A reader whose ``score_codes`` returns code distributions.

    Raises:
        ConfigurationError: The model's backend cannot give next-token probabilities.
    """
    if max_prefixes < 1:
        raise ConfigurationError(f"max_prefixes must be at least 1, got {max_prefixes}.")
    from tunesmith.llm._llamacpp import LlamaCppChat
    from tunesmith.llm._transformers import TransformersChat

    if isinstance(model, LlamaCppChat):
        from tunesmith.llm._scoring_llamacpp import LlamaCppScoreReader

        return LlamaCppScoreReader(model, max_prefixes=max_prefixes, cache_dir=cache_dir)
    if isinstance(model, TransformersChat):
        from tunesmith.llm._scoring_hf import TransformersScoreReader

        return TransformersScoreReader(model, max_prefixes=max_prefixes, cache_dir=cache_dir)
    if type(model).__module__.startswith("langchain_openai"):
        from tunesmith.llm._scoring_openai import OpenAIScoreReader

        return OpenAIScoreReader.from_chat_model(model)
    raise ConfigurationError(
        f"The {type(model).__name__} chat model ({getattr(model, '_llm_type', '?')}) cannot "
        f"give next-token probabilities, which the LLM surrogate reads. Use the embedded model, "
        f"gguf:PATH, hf:PATH, or openai:URL#MODEL on a server with /v1/completions logprobs "
        f"(vLLM, llama_cpp.server)."
    )
