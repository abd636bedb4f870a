"""Score reading on a transformers model with a KV cache (``DynamicCache``) per prefix.

The prefix is run once; each continuation and its digit run on the prefix's cache, which is
cropped back afterwards. A few recent prefixes keep their caches; a new prefix extends (or crops
a copy of) the one it shares the most leading tokens with. With ``cache_dir``, the caches are
also written to disk (:mod:`tunesmith.llm._scoring_disk`, one folder per checkpoint, torch and
transformers version, device and dtype), so a resumed run evaluates only what its prompts add.
"""

from __future__ import annotations

import copy
import inspect
import io
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.core.errors import LLMDeadlineError
from tunesmith.llm._deadline import check_deadline, run_in_chunks
from tunesmith.llm._scoring import (
    DigitTokens,
    ScoringUsage,
    check_continuations,
    code_distribution,
    digit_distribution,
    digit_tokens,
)
from tunesmith.llm._scoring_cache import PrefixStates
from tunesmith.llm._scoring_disk import DiskPrefixStates, model_identity

if TYPE_CHECKING:
    from tunesmith.llm._transformers import TransformersChat

logger = logging.getLogger(__name__)


class TransformersScoreReader:
    """Reads code distributions from a :class:`TransformersChat`'s model.

    Args:
        chat: The chat model whose weights, tokenizer and lock the reader shares.
        max_prefixes: Prefix caches kept (fp32 on CPU: about 25 KB per token for a 0.5B
            Qwen model).
        cache_dir: If set, the caches are also kept on disk there (in a folder per
            checkpoint), ``2 * max_prefixes`` of them, for the next process to start from.
    """

    def __init__(
        self,
        chat: TransformersChat,
        *,
        max_prefixes: int = 4,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.chat = chat
        self.max_prefixes = max_prefixes
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self._disk: DiskPrefixStates | None = None
        self.usage = ScoringUsage()
        self._states: PrefixStates[Any] = PrefixStates(max_prefixes)
        self._digits: DigitTokens | None = None
        self._cache_arg: str | None = None

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        """See :class:`tunesmith.llm.ScoreReader`."""
        import torch

        items = check_continuations(continuations)
        start = time.perf_counter()
        with self.chat._lock, torch.inference_mode():
            model, tokenizer = self.chat._load()
            digits = self._digit_tokens(tokenizer)
            ids = list(tokenizer.encode(prefix, add_special_tokens=True))
            tails = [list(tokenizer.encode(text, add_special_tokens=False)) for text in items]
            try:
                cache = self._prefix_cache(model, ids)
                check_deadline("before scoring its candidates")
                rows = [self._read(model, cache, tail, digits) for tail in tails]
            except LLMDeadlineError:
                raise  # cut between whole forward passes: the saved caches are good
            except BaseException:
                self._states = PrefixStates(self.max_prefixes)  # caches in doubt
                raise
            finally:
                self.usage.seconds += time.perf_counter() - start
        self.usage.prompt_tokens += sum(len(tail) for tail in tails)
        self.usage.cached_tokens += len(ids) * len(tails)
        self.usage.completion_tokens += 2 * len(tails)
        return np.array(rows).reshape(len(items), -1)

    def _read(self, model: Any, cache: Any, tail: list[int], digits: DigitTokens) -> Any:
        p1 = digit_distribution(self._forward(model, tail, cache), digits)
        d_star = int(np.argmax(p1))
        p2 = digit_distribution(self._forward(model, [digits.exact[d_star]], cache), digits)
        cache.crop(-(len(tail) + 1))  # back to the prefix alone
        return code_distribution(p1, d_star, p2)

    def _prefix_cache(self, model: Any, ids: list[int]) -> Any:
        """A cache holding exactly ``ids``, reusing a saved one where they share tokens."""
        entry, shared = self._states.best(ids)
        if shared < len(ids) and self._from_disk(model, ids, shared):
            entry, shared = self._states.best(ids)  # what it read is in memory now
        if entry is not None and shared == len(entry.tokens) == len(ids):
            self._states.touch(entry)
            return entry.state
        if entry is None:
            from transformers import DynamicCache

            cache = DynamicCache(config=model.config)
        elif shared == len(entry.tokens):
            cache = entry.state  # grows in place; put() below drops the shorter entry
        else:
            cache = copy.deepcopy(entry.state)
            cache.crop(shared - len(entry.tokens))
        self._forward_prefix(model, ids, shared, cache)
        self.usage.prompt_tokens += len(ids) - shared
        self.usage.cached_tokens -= len(ids) - shared  # counted as cached per continuation
        self._keep(ids, cache)
        return cache

    def _keep(self, ids: list[int], cache: Any) -> None:
        self._states.put(ids, cache)
        disk = self._disk_states()
        if disk is not None:
            disk.put(ids, _to_bytes(cache))

    def _from_disk(self, model: Any, ids: list[int], shared: int) -> bool:
        """Whether a cache on disk sharing more than ``shared`` leading tokens with ``ids``
        was read into memory."""
        disk = self._disk_states()
        if disk is None:
            return False
        tokens, n = disk.best(ids)
        data = None if tokens is None or n <= shared else disk.read(tokens)
        if tokens is None or data is None:
            return False
        try:
            cache = _from_bytes(data, model, len(tokens))
        except Exception as exc:  # written by another version, or damaged past its checksum
            logger.warning("Dropped a saved prefix cache that did not load: %s", exc)
            disk.remove(tokens)
            return False
        self._states.put(tokens, cache)
        return True

    def _disk_states(self) -> DiskPrefixStates | None:
        if self.cache_dir is None:
            return None
        if self._disk is None:
            model = self.chat._load()[0]
            path = Path(self.chat.model_path)
            folder = model_identity(path / "config.json", *_versions(model, path))
            self._disk = DiskPrefixStates(self.cache_dir / folder, 2 * self.max_prefixes)
        return self._disk

    def _forward_prefix(self, model: Any, ids: list[int], shared: int, cache: Any) -> None:
        """Run ``ids[shared:]`` into ``cache`` (under a deadline in chunks, saving the part
        run when it cuts them)."""

        def keep(done: int) -> None:
            self._keep(ids[:done], cache)
            self.usage.prompt_tokens += done - shared

        def run(first: int, last: int) -> None:
            self._forward(model, ids[first:last], cache)

        run_in_chunks(shared, len(ids), max(len(ids), 1), run, keep)

    def _forward(self, model: Any, ids: list[int], cache: Any) -> np.ndarray:
        """Run ``ids`` on top of ``cache`` (which grows) and return the last logits."""
        import torch

        if self._cache_arg is None:
            # transformers 5.x renamed past_key_values to cache (the old name is deprecated).
            names = inspect.signature(model.forward).parameters
            self._cache_arg = "cache" if "cache" in names else "past_key_values"
        inputs = torch.tensor([ids], dtype=torch.long, device=model.device)
        options = {self._cache_arg: cache, "use_cache": True, "logits_to_keep": 1}
        output = model(input_ids=inputs, **options)
        self.usage.requests += 1
        return np.asarray(output.logits[0, -1].float().cpu().numpy())

    def _digit_tokens(self, tokenizer: Any) -> DigitTokens:
        if self._digits is None:
            # A token whose vocabulary entry starts with an ASCII digit is a candidate (byte-level
            # BPE and SentencePiece spell digits as themselves); decoding confirms the text.
            candidates = sorted(
                token
                for text, token in tokenizer.get_vocab().items()
                if text[:1].isascii() and text[:1].isdigit()
            )
            pieces = ((token, str(tokenizer.decode([token])).encode()) for token in candidates)
            self._digits = digit_tokens(pieces, "transformers")
        return self._digits


def _versions(model: Any, folder: Path) -> list[object]:
    """What a saved cache is valid for besides the checkpoint's config: its weight files,
    the libraries that computed it, and the device and dtype it was computed on."""
    import torch
    import transformers

    weights = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                     for p in folder.glob("*.safetensors"))  # fmt: skip
    return [torch.__version__, transformers.__version__, model.device, model.dtype, weights]


def _to_bytes(cache: Any) -> bytes:
    import torch

    layers = [(keys.cpu(), values.cpu()) for keys, values, *_ in cache]
    buffer = io.BytesIO()
    torch.save(layers, buffer)
    return buffer.getvalue()


def _from_bytes(data: bytes, model: Any, n_tokens: int) -> Any:
    """The ``DynamicCache`` that :func:`_to_bytes` wrote, on the model's device."""
    import torch
    from transformers import DynamicCache

    layers = torch.load(io.BytesIO(data), map_location=model.device, weights_only=True)
    cache = DynamicCache(ddp_cache_data=layers, config=model.config)
    if cache.get_seq_length() != n_tokens:
        raise ValueError(f"it holds {cache.get_seq_length()} tokens, not {n_tokens}")
    return cache
