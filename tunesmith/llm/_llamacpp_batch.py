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
    out = []
    for start in range(0, len(entries), llama.n_batch):
        part = entries[start : start + llama.n_batch]
        _fill_and_decode(llama, batch, part, usage)
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


def write_group(
    llama: Any,
    batch: Any,
    n_prefix: int,
    tail: Sequence[int],
    rngs: Sequence[np.random.Generator],
    *,
    max_tokens: int,
    stop: Sequence[str],
    temperature: float,
    usage: ScoringUsage,
) -> list[tuple[str, int]]:
    """Sample ``len(rngs)`` texts after ``prefix + tail`` at once, one sequence each.

    Each step feeds every unfinished sequence its last sampled token in one decode, so writing
    ``n`` rows costs about as many decodes as writing one.

    Args:
        llama: The ``Llama``, whose sequence 0 holds exactly the prefix's ``n_prefix`` tokens.
        batch: A ``llama_cpp._internals.LlamaBatch`` of ``llama.n_batch`` tokens.
        n_prefix: Tokens of the prefix.
        tail: The continuation the texts follow.
        rngs: One generator per text (the text's sampling seed).
        max_tokens: Most tokens sampled per text.
        stop: A text ends before the first of these.
        temperature: Softmax temperature; 0 is greedy.
        usage: Its ``requests`` grows by one per ``llama_decode``.

    Returns:
        Per text, the text (cut before a stop string or end-of-text) and its sampled tokens.
    """
    import llama_cpp

    seqs = list(range(1, len(rngs) + 1))
    for seq in seqs:
        llama._ctx.kv_cache_seq_cp(0, seq, -1, -1)
    sampled: dict[int, list[int]] = {seq: [] for seq in seqs}
    texts: dict[int, str] = {}
    try:
        entries = [(token, n_prefix + j, seq, j == len(tail) - 1)
                   for seq in seqs for j, token in enumerate(tail)]  # fmt: skip
        logits = _decode_logits(llama, batch, entries, usage)
        live = list(seqs)
        while live:
            step = []
            for seq, row in zip(live, logits, strict=True):
                token = _pick(row, temperature, rngs[seq - 1])
                if llama_cpp.llama_vocab_is_eog(llama._model.vocab, token):
                    texts[seq] = _text(llama, sampled[seq])
                    continue
                sampled[seq].append(token)
                text = _text(llama, sampled[seq])
                cut = min((text.find(s) for s in stop if s and s in text), default=-1)
                if cut >= 0 or len(sampled[seq]) >= max_tokens:
                    texts[seq] = text[:cut] if cut >= 0 else text
                    continue
                step.append((token, n_prefix + len(tail) + len(sampled[seq]) - 1, seq, True))
            live = [seq for _, _, seq, _ in step]
            if step:
                logits = _decode_logits(llama, batch, step, usage)
    finally:
        for seq in seqs:
            llama._ctx.kv_cache_seq_rm(seq, -1, -1)
    return [(texts[seq], len(sampled[seq])) for seq in seqs]


def _decode_logits(
    llama: Any, batch: Any, entries: Sequence[Entry], usage: ScoringUsage
) -> list[np.ndarray]:
    """Decode ``entries`` (one batch); copies of the logits of those marked for reading."""
    if len(entries) > llama.n_batch:
        raise ConfigurationError(
            f"{len(entries)} tokens do not fit one llama.cpp batch of {llama.n_batch}; write "
            "fewer rows at once."
        )
    _fill_and_decode(llama, batch, entries, usage)
    return [_logits(llama, i).astype(np.float64) for i, (*_, read) in enumerate(entries) if read]


def _fill_and_decode(
    llama: Any, batch: Any, entries: Sequence[Entry], usage: ScoringUsage
) -> None:
    import llama_cpp

    raw = batch.batch
    raw.n_tokens = len(entries)
    for i, (token, pos, seq, logits) in enumerate(entries):
        raw.token[i], raw.pos[i], raw.logits[i] = token, pos, logits
        raw.seq_id[i][0], raw.n_seq_id[i] = seq, 1
    code = llama_cpp.llama_decode(llama._ctx.ctx, raw)
    usage.requests += 1
    if code != 0:
        raise LLMConnectionError(
            f"llama_decode returned {code} for a batch of {len(entries)} tokens (expected 0; "
            f"1 means no room in the KV cache). Load the model with a larger n_ctx, or score "
            f"or write fewer candidates at once."
        )


def _pick(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    if temperature <= 0:
        return int(np.argmax(logits))
    weights = np.exp((logits - logits.max()) / temperature)
    return int(rng.choice(len(weights), p=weights / weights.sum()))


def _text(llama: Any, tokens: list[int]) -> str:
    return str(llama.detokenize(tokens).decode("utf-8", errors="ignore"))
