"""Score reading on the in-process llama.cpp model, sharing the chat model's ``Llama``.

The prefix is evaluated once into KV sequence 0; the continuations are then evaluated together,
each in its own sequence that shares the prefix's cells (:mod:`tunesmith.llm._llamacpp_batch`),
and removed again. The KV cells of a few recent prefixes are saved (``llama_state_seq_get_data``,
about 12 KB per token for the embedded 0.5B model) so a history that grew by a line costs only
the new tokens. ``Llama.n_tokens`` and ``Llama.input_ids`` always describe the KV cache (after
scoring: exactly the prefix), so the chat model's own prefix matching stays correct. With
``cache_dir``, the saved states are also written to disk (:mod:`tunesmith.llm._scoring_disk`),
so a new process with the same model file (a resumed run) evaluates only what its prompts add.
"""

from __future__ import annotations

import ctypes
import logging
import os
import time
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.core.errors import ConfigurationError, LLMConnectionError
from tunesmith.llm._deadline import check_deadline, run_in_chunks
from tunesmith.llm._llamacpp_batch import plan_groups, read_group, write_group
from tunesmith.llm._scoring import (
    DigitTokens,
    ScoringUsage,
    check_continuations,
    digit_tokens,
)
from tunesmith.llm._scoring_cache import PrefixStates, common_prefix
from tunesmith.llm._scoring_disk import DiskPrefixStates, model_identity

if TYPE_CHECKING:
    from tunesmith.llm._llamacpp import LlamaCppChat


logger = logging.getLogger(__name__)

# One vocabulary scan (~0.25 s for 151k tokens) per Llama, however many readers share it.
_DIGITS: weakref.WeakKeyDictionary[Any, DigitTokens] = weakref.WeakKeyDictionary()


class LlamaCppScoreReader:
    """Reads code distributions from a :class:`LlamaCppChat`'s model.

    Args:
        chat: The chat model whose ``Llama`` (and lock) the reader shares.
        max_prefixes: Saved prefix states kept in memory.
        cache_dir: If set, the saved states are also kept on disk there (in a folder per
            model file), ``2 * max_prefixes`` of them, for the next process to start from.
    """

    def __init__(
        self,
        chat: LlamaCppChat,
        *,
        max_prefixes: int = 4,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.chat = chat
        self.max_prefixes = max_prefixes
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.usage = ScoringUsage()
        self._states: PrefixStates[bytes] = PrefixStates(max_prefixes)
        self._disk: DiskPrefixStates | None = None

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        """See :class:`tunesmith.llm.ScoreReader`."""
        items = check_continuations(continuations)
        start = time.perf_counter()
        with self.chat._lock:
            llama = self.chat.client
            digits = _digit_tokens(llama)
            prefix_ids = llama.tokenize(prefix.encode(), add_bos=True, special=False)
            tails = [llama.tokenize(text.encode(), add_bos=False, special=False) for text in items]
            _check_fits(llama, len(prefix_ids) + max(len(tail) for tail in tails) + 1)
            try:
                self._load_prefix(llama, prefix_ids)
                rows = self._read_all(llama, len(prefix_ids), tails, digits)
            except BaseException:
                # The KV cache is in doubt; the next eval clears it (saved states stay good).
                llama.n_tokens = 0
                raise
            finally:
                self.usage.seconds += time.perf_counter() - start
        self.usage.prompt_tokens += sum(len(tail) for tail in tails)
        self.usage.cached_tokens += len(prefix_ids) * len(tails)
        self.usage.completion_tokens += 2 * len(tails)
        return np.array(rows).reshape(len(items), -1)

    def generate(
        self,
        prefix: str,
        continuation: str,
        *,
        max_tokens: int = 64,
        stop: Sequence[str] = ("\n",),
        temperature: float = 0.8,
        seed: int | None = None,
    ) -> str:
        """Sample text after ``prefix + continuation``, reusing the prefix's saved KV state.

        Raw text, no chat template, like :meth:`score_codes` (so a prompt the reader scores
        and one it writes from share their cached prefix).

        Args:
            prefix: Shared text; its KV state is saved and reused as for scoring.
            continuation: Non-empty text the sampled text follows.
            max_tokens: Most tokens sampled.
            stop: The text ends before the first of these (which is not returned).
            temperature: Softmax temperature; 0 is greedy.
            seed: Seed of the sampling (``numpy.random.default_rng``).

        Returns:
            The sampled text, cut before a stop string or end-of-text.
        """
        return self.generate_many(
            prefix, continuation, [seed], max_tokens=max_tokens, stop=stop,
            temperature=temperature,
        )[0]  # fmt: skip

    def generate_many(
        self,
        prefix: str,
        continuation: str,
        seeds: Sequence[int | None],
        *,
        max_tokens: int = 64,
        stop: Sequence[str] = ("\n",),
        temperature: float = 0.8,
    ) -> list[str]:
        """One text per seed after ``prefix + continuation``, sampled side by side.

        Like :meth:`generate`, but the texts are written in parallel KV sequences that share
        the prefix, one decode per step for all of them, so ``n`` texts take about as long
        as one.
        """
        from llama_cpp import _internals

        check_continuations([continuation])
        start = time.perf_counter()
        texts: list[str] = []
        with self.chat._lock:
            llama = self.chat.client
            prefix_ids = llama.tokenize(prefix.encode(), add_bos=True, special=False)
            tail = llama.tokenize(continuation.encode(), add_bos=False, special=False)
            width = _n_seq_max(llama) - 1  # rows written at once, beside the prefix
            rows = min(width, len(seeds))
            _check_fits(llama, len(prefix_ids) + rows * (len(tail) + max_tokens))
            batch = _internals.LlamaBatch(n_tokens=llama.n_batch, embd=0, n_seq_max=1)
            try:
                self._load_prefix(llama, prefix_ids)
                for first in range(0, len(seeds), width):
                    check_deadline("before writing its rows")
                    group = seeds[first : first + width]
                    rngs = [np.random.default_rng(seed) for seed in group]
                    written = write_group(
                        llama, batch, len(prefix_ids), tail, rngs, max_tokens=max_tokens,
                        stop=stop, temperature=temperature, usage=self.usage,
                    )  # fmt: skip
                    texts += [text for text, _ in written]
                    self.usage.completion_tokens += sum(n for _, n in written)
                    self.usage.prompt_tokens += len(tail) * len(group)
                    self.usage.cached_tokens += len(prefix_ids) * len(group)
            except BaseException:
                llama.n_tokens = 0
                raise
            finally:
                batch.close()
                self.usage.seconds += time.perf_counter() - start
            llama._requires_eval = True  # the last logits are a written row's
        return texts

    def _read_all(
        self, llama: Any, n_prefix: int, tails: list[list[int]], digits: DigitTokens
    ) -> list[np.ndarray]:
        from llama_cpp import _internals

        groups = plan_groups(
            [len(tail) for tail in tails],
            n_prefix,
            n_seq_max=_n_seq_max(llama),
            n_ctx=llama.n_ctx(),
        )
        batch = _internals.LlamaBatch(n_tokens=llama.n_batch, embd=0, n_seq_max=1)
        try:
            rows = []
            for group in groups:
                check_deadline("before scoring its candidates")
                chosen = [tails[i] for i in group]
                rows += read_group(llama, batch, n_prefix, chosen, digits, self.usage)
        finally:
            batch.close()
        # The last logits are a candidate's, not the prefix's last token's.
        llama._requires_eval = True
        return rows

    def _load_prefix(self, llama: Any, ids: list[int]) -> None:
        """Leave exactly ``ids`` in the KV cache, evaluating as few tokens as possible."""
        live = common_prefix(llama.input_ids[: llama.n_tokens], ids)
        entry, saved = self._states.best(ids)
        if entry is not None and saved > live:
            _restore(llama, entry.tokens, entry.state)
            self._states.touch(entry)
            reused = saved
        else:
            reused = live
        if reused < len(ids):
            reused = self._from_disk(llama, ids, reused)
        llama.n_tokens = reused
        self._eval_prefix(llama, ids, reused)
        llama._ctx.kv_cache_seq_rm(-1, len(ids), -1)
        self.usage.prompt_tokens += len(ids) - reused
        # Per continuation the whole prefix counts as cached; the part evaluated here is not.
        self.usage.cached_tokens -= len(ids) - reused
        if not self._states.holds(ids):  # from memory, or just read from disk
            self._keep(ids, _save(llama))

    def _keep(self, ids: list[int], state: bytes) -> None:
        self._states.put(ids, state)
        disk = self._disk_states()
        if disk is not None:
            disk.put(ids, state)

    def _from_disk(self, llama: Any, ids: list[int], reused: int) -> int:
        """Restore the state on disk that shares more than ``reused`` leading tokens with
        ``ids``, if there is one; the tokens in the KV cache after it."""
        disk = self._disk_states()
        if disk is None:
            return reused
        tokens, shared = disk.best(ids)
        if tokens is None or shared <= reused:
            return reused
        state = disk.read(tokens)
        if state is None:
            return reused
        try:
            _restore(llama, tokens, state)
        except LLMConnectionError as exc:  # written by another build, or damaged
            logger.warning("Dropped a saved prefix state that did not load: %s", exc)
            disk.remove(tokens)
            llama.n_tokens = 0
            return 0
        self._states.put(tokens, state)
        return shared

    def _eval_prefix(self, llama: Any, ids: list[int], reused: int) -> None:
        """Evaluate ``ids[reused:]`` (under a deadline in chunks, saving the part evaluated
        when it cuts them, so the next prompt that starts with it resumes there)."""

        def run(first: int, last: int) -> None:
            llama.eval(ids[first:last])
            self.usage.requests += 1

        def keep(done: int) -> None:
            llama._ctx.kv_cache_seq_rm(-1, done, -1)
            self._keep(ids[:done], _save(llama))
            self.usage.prompt_tokens += done - reused

        run_in_chunks(reused, len(ids), llama.n_batch, run, keep)

    def _disk_states(self) -> DiskPrefixStates | None:
        if self.cache_dir is None:
            return None
        if self._disk is None:
            import llama_cpp

            folder = model_identity(self.chat.model_path, llama_cpp.__version__)
            self._disk = DiskPrefixStates(self.cache_dir / folder, 2 * self.max_prefixes)
        return self._disk


def _check_fits(llama: Any, needed: int) -> None:
    if needed > llama.n_ctx():
        raise ConfigurationError(
            f"A scoring prompt needs {needed} tokens but the llama.cpp context holds "
            f"{llama.n_ctx()}. Shorten the history (fewer observations in the prefix) or load "
            f"the model with a larger n_ctx."
        )


def _digit_tokens(llama: Any) -> DigitTokens:
    if llama not in _DIGITS:
        model = llama._model
        pieces = (
            (token, model.token_to_piece(token).rstrip(b"\0")) for token in range(llama.n_vocab())
        )
        _DIGITS[llama] = digit_tokens(pieces, "llama.cpp")
    return _DIGITS[llama]


def _n_seq_max(llama: Any) -> int:
    import llama_cpp

    return int(llama_cpp.llama_n_seq_max(llama._ctx.ctx))


def _save(llama: Any) -> bytes:
    import llama_cpp

    size = llama_cpp.llama_state_seq_get_size(llama._ctx.ctx, 0)
    buffer = (ctypes.c_uint8 * size)()
    written = llama_cpp.llama_state_seq_get_data(llama._ctx.ctx, buffer, size, 0)
    return ctypes.string_at(buffer, written)


def _restore(llama: Any, tokens: list[int], state: bytes) -> None:
    import llama_cpp

    llama.n_tokens = 0
    llama._ctx.kv_cache_seq_rm(-1, 0, -1)
    buffer = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
    if llama_cpp.llama_state_seq_set_data(llama._ctx.ctx, buffer, len(state), 0) == 0:
        raise LLMConnectionError(
            "llama.cpp could not restore a saved prefix state (llama_state_seq_set_data "
            "returned 0); the context may be too small for it. Load the model with a larger "
            "n_ctx."
        )
    llama.input_ids[: len(tokens)] = tokens
    llama.n_tokens = len(tokens)
    llama._requires_eval = True
