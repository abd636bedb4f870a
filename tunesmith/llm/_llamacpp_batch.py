"""Reading the score codes of many continuations of one prefix in shared llama.cpp decodes.

Sequence 0 of the KV cache holds the prefix. For a group of continuations the prefix is copied
to sequences ``1..m`` (the unified KV cache marks the prefix's cells as shared, it copies no
data), one batch holds every continuation's tokens, each under its own sequence and with logits
only on its last token, and one more batch feeds each sequence its likeliest first digit.
Sequences ``1..m`` are removed after each group, so the cache again holds exactly the prefix.
Two decodes per group instead of two per continuation: the 2-core CPU evaluates a batch of a
few hundred tokens several times faster than the same tokens a few at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tunesmith.core.errors import ConfigurationError, LLMConnectionError
from tunesmith.llm._scoring import DigitTokens, ScoringUsage, code_distribution, digit_distribution

# One batch entry: token, position, sequence, whether its logits are read.
Entry = tuple[int, int, int, bool]


def plan_groups(
    tail_lengths: Sequence[int], n_prefix: int, *, n_seq_max: int, n_ctx: int
) -> list[list[int]]:
    """Split continuations, in order, into groups that fit the KV cache beside the prefix.

    A group has at most ``n_seq_max - 1`` continuations (sequence 0 keeps the prefix), and the
    prefix plus the group's tokens and one first digit per continuation fit ``n_ctx`` cells
    (each prompt alone fits: the caller checks).

    Args:
        tail_lengths: Tokens of each continuation.
        n_prefix: Tokens of the prefix.
        n_seq_max: Sequences the llama.cpp context holds.
        n_ctx: Cells of its (unified) KV cache.

    Returns:
        Lists of continuation indices, covering ``range(len(tail_lengths))`` in order.

    Raises:
        ConfigurationError: The context holds a single sequence.
    """
    if n_seq_max < 2:
        raise ConfigurationError(
            f"Batched score reading needs a llama.cpp context of at least 2 sequences, got "
            f"n_seq_max={n_seq_max}. Load the model with LlamaCppChat(n_seq_max=16)."
        )
    groups: list[list[int]] = []
    used = n_prefix
    for i, length in enumerate(tail_lengths):
        if not groups or len(groups[-1]) == n_seq_max - 1 or used + length + 1 > n_ctx:
            groups.append([])
            used = n_prefix
        groups[-1].append(i)
        used += length + 1
    return groups


def read_group(
    llama: Any,
    batch: Any,
    n_prefix: int,
    tails: Sequence[Sequence[int]],
    digits: DigitTokens,
    usage: ScoringUsage,
) -> list[np.ndarray]:
    """The code distributions after ``prefix + tail`` for each tail, two batched decodes.

    Args:
        llama: The ``Llama``, whose sequence 0 holds exactly the prefix's ``n_prefix`` tokens.
        batch: A ``llama_cpp._internals.LlamaBatch`` of ``llama.n_batch`` tokens.
        n_prefix: Tokens of the prefix.
        tails: Each continuation's tokens; at most ``n_seq_max - 1`` of them.
        digits: The tokenizer's digit tokens.
        usage: Its ``requests`` grows by one per ``llama_decode``.

    Returns:
        One distribution of shape ``(100,)`` per tail; sequence 0 is left as it was.
    """
    seqs = range(1, len(tails) + 1)
    for seq in seqs:
        llama._ctx.kv_cache_seq_cp(0, seq, -1, -1)
    try:
        first = [
            (token, n_prefix + j, seq, j == len(tail) - 1)
            for seq, tail in zip(seqs, tails, strict=True)
            for j, token in enumerate(tail)
        ]
        p1s = decode(llama, batch, first, digits, usage)
        stars = [int(np.argmax(p1)) for p1 in p1s]
        second = [
            (digits.exact[star], n_prefix + len(tail), seq, True)
            for seq, tail, star in zip(seqs, tails, stars, strict=True)
        ]
        p2s = decode(llama, batch, second, digits, usage)
    finally:
        for seq in seqs:
            llama._ctx.kv_cache_seq_rm(seq, -1, -1)
    return [code_distribution(*row) for row in zip(p1s, stars, p2s, strict=True)]


def decode(
    llama: Any,
    batch: Any,
    entries: Sequence[Entry],
    digits: DigitTokens,
    usage: ScoringUsage,
) -> list[np.ndarray]:
    """Decode ``entries`` in slices of ``llama.n_batch``; the digit distribution of each output.

    Returns:
        For each entry whose logits are read, in order, its first-digit distribution.
    """
    import llama_cpp

    out = []
    for start in range(0, len(entries), llama.n_batch):
        part = entries[start : start + llama.n_batch]
        raw = batch.batch
        raw.n_tokens = len(part)
        for i, (token, pos, seq, logits) in enumerate(part):
            raw.token[i], raw.pos[i], raw.logits[i] = token, pos, logits
            raw.seq_id[i][0], raw.n_seq_id[i] = seq, 1
        code = llama_cpp.llama_decode(llama._ctx.ctx, raw)
        usage.requests += 1
        if code != 0:
            raise LLMConnectionError(
                f"llama_decode returned {code} for a batch of {len(part)} scoring tokens "
                f"(expected 0; 1 means no room in the KV cache). Load the model with a larger "
                f"n_ctx, or score fewer candidates at once."
            )
        out += [
            digit_distribution(_logits(llama, i), digits)
            for i, (*_, logits) in enumerate(part)
            if logits
        ]
    return out


def _logits(llama: Any, i: int) -> np.ndarray:
    import llama_cpp

    pointer = llama_cpp.llama_get_logits_ith(llama._ctx.ctx, i)
    return np.ctypeslib.as_array(pointer, shape=(llama.n_vocab(),))
