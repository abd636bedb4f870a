"""A langchain chat model over llama-cpp-python, run in this process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from tunesmith.core._cpus import threads_for
from tunesmith.core.errors import ConfigurationError, MissingExtraError
from tunesmith.llm._deadline import TokenCheck, time_left
from tunesmith.llm._messages import to_role_dicts

logger = logging.getLogger(__name__)


class LlamaCppChat(BaseChatModel):
    """Chat with a local GGUF file through llama-cpp-python.

    Supports constrained decoding: pass ``response_format={"type": "json_object",
    "schema": {...}}`` to ``invoke`` and llama.cpp builds a grammar from the JSON schema.

    Attributes:
        model_path: The GGUF file.
        n_ctx: Context window in tokens.
        n_threads: CPU threads for generation and prompt batches; ``None``: every core, or
            half of them while the load average exceeds the cores.
        n_gpu_layers: Layers offloaded to a GPU (0 on CPU-only builds).
        n_seq_max: Sequences the KV cache holds at once, in one buffer of ``n_ctx`` cells that
            any one of them can fill; the score reader evaluates up to ``n_seq_max - 1``
            candidates in one decode. At least 2.
        temperature: Sampling temperature; 0 is greedy.
        max_tokens: Completion length limit.
        seed: Sampling seed.
    """

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    n_gpu_layers: int = 0
    n_seq_max: int = 16
    temperature: float = 0.0
    max_tokens: int = 768
    seed: int = 0
    _llama: Any = PrivateAttr(default=None)
    # Re-entrant: `tunesmith.llm.claim` holds it across a block of this model's calls.
    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "n_ctx": self.n_ctx}

    @property
    def client(self) -> Any:
        """The underlying ``llama_cpp.Llama``, loaded on first use."""
        if self._llama is None:
            if self.n_seq_max < 2:
                raise ConfigurationError(
                    f"LlamaCppChat needs n_seq_max >= 2 (the score reader evaluates candidates "
                    f"in sequences beside the prefix's), got {self.n_seq_max}. Use the "
                    f"default, 16."
                )
            try:
                import llama_cpp
            except ImportError:
                raise MissingExtraError(
                    "The gguf/embedded backend", "local", "llama-cpp-python"
                ) from None
            _warn_if_amx(llama_cpp)
            threads = self.n_threads or threads_for()
            self._llama = llama_cpp.Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=threads,
                # Llama's default for prompts is every core; on a busy machine that stalls the
                # batched score reading as it does generation (see tunesmith.core._cpus).
                n_threads_batch=threads,
                n_gpu_layers=self.n_gpu_layers,
                seed=self.seed,
                verbose=False,
            )
            _hold_sequences(self._llama, self.n_seq_max)
        return self._llama

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        request: dict[str, Any] = {
            "messages": to_role_dicts(messages),
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "seed": kwargs.get("seed", self.seed),
            "stop": _stops(stop),
        }
        if kwargs.get("response_format") is not None:
            request["response_format"] = kwargs["response_format"]
        with self._lock, _cut_at_deadline(self.client):
            reply = self.client.create_chat_completion(**request)
        choice = reply["choices"][0]
        usage = reply.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata={
                "input_tokens": int(usage.get("prompt_tokens", 0)),
                "output_tokens": int(usage.get("completion_tokens", 0)),
                "total_tokens": int(usage.get("total_tokens", 0)),
            },
            response_metadata={
                "finish_reason": choice.get("finish_reason"),
                "model_name": self.model_path,
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


@contextmanager
def _cut_at_deadline(llama: Any) -> Iterator[None]:
    """Under a deadline (:func:`tunesmith.llm.deadline`), check it before each of ``llama``'s
    evaluations in the block: the prompt's, then each new token's; past it, the generation
    stops with :class:`~tunesmith.core.LLMDeadlineError`.

    ``create_chat_completion`` takes no stopping criterion, and a ``logits_processor`` runs
    inside a C callback, which cannot raise; so ``Llama.eval`` itself is checked, for this
    block only (the score reader evaluates through it too, with its own checks).
    """
    if time_left() is None:
        yield
        return
    check, plain = TokenCheck(), llama.eval

    def checked(tokens: Sequence[int]) -> None:
        check()
        plain(tokens)

    llama.eval = checked
    try:
        yield
    finally:
        del llama.eval  # the class's method again


def _hold_sequences(llama: Any, n_seq_max: int) -> None:
    """Replace ``llama``'s context by one whose unified KV cache holds ``n_seq_max`` sequences.

    ``Llama`` has no setting for it (only its embedding mode raises it), so the context it made
    is closed and made again (about 0.05 s) with the same parameters plus these two. Unified: a
    copied prefix shares its cells instead of copying them, and one sequence (a chat) can still
    use all of ``n_ctx``; split per sequence, each would get ``n_ctx / n_seq_max``.
    """
    from llama_cpp import _internals

    params = llama.context_params
    params.n_seq_max = n_seq_max
    params.kv_unified = True
    llama._ctx.close()
    # The model closes the new context before freeing itself, as it did the old one.
    llama._ctx = _internals.LlamaContext(model=llama._model, params=params, verbose=False)


def _warn_if_amx(llama_cpp: Any) -> None:
    info = llama_cpp.llama_print_system_info().decode(errors="replace")
    if "AMX_INT8 = 1" in info:
        logger.warning(
            "llama-cpp-python was built with AMX kernels, which crash (segfault) on prompts of "
            "more than one token on some machines. If it crashes, rebuild it for AVX2: "
            "CMAKE_ARGS='-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON' "
            "pip install --force-reinstall --no-cache-dir --no-deps llama-cpp-python==0.3.36"
        )


def _stops(stop: Sequence[str] | None) -> list[str]:
    return list(stop) if stop else []
