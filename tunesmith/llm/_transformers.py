"""A langchain chat model over a local transformers checkpoint (CPU or GPU)."""

from __future__ import annotations

import threading
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from tunesmith.core.errors import MissingExtraError
from tunesmith.llm._deadline import TokenCheck, time_left
from tunesmith.llm._messages import apply_stop, to_role_dicts


class TransformersChat(BaseChatModel):
    """Chat with a transformers causal LM loaded from a local directory.

    No constrained decoding: :func:`tunesmith.llm.structured` parses and repairs instead.

    Attributes:
        model_path: Directory with ``config.json``, weights and tokenizer files.
        device: ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda[:N]"``.
        temperature: Sampling temperature; 0 is greedy.
        max_tokens: Completion length limit.
        seed: Sampling seed (used when temperature > 0).
    """

    model_path: str
    device: str = "auto"
    temperature: float = 0.0
    max_tokens: int = 768
    seed: int = 0
    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)
    # Re-entrant: `tunesmith.llm.claim` holds it across a block of this model's calls.
    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)

    @property
    def _llm_type(self) -> str:
        return "transformers"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "device": self.device}

    def _load(self) -> tuple[Any, Any]:
        if self._model is None:
            try:
                import torch
                import transformers
            except ImportError as exc:
                raise MissingExtraError(
                    "The hf: backend", "torch", exc.name or "transformers"
                ) from None
            device = self.device
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(
                self.model_path, local_files_only=True
            )
            model = transformers.AutoModelForCausalLM.from_pretrained(
                self.model_path, local_files_only=True, dtype=dtype
            )
            self._model = model.to(device).eval()  # type: ignore[arg-type]
        return self._model, self._tokenizer

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        import torch

        with self._lock:
            model, tokenizer = self._load()
            inputs = tokenizer.apply_chat_template(
                to_role_dicts(messages),
                add_generation_prompt=True,
                return_tensors="pt",
                return_dict=True,
            ).to(model.device)
            temperature = float(kwargs.get("temperature", self.temperature))
            options: dict[str, Any] = {
                "max_new_tokens": int(kwargs.get("max_tokens", self.max_tokens)),
                "do_sample": temperature > 0,
                "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id,
            }
            if temperature > 0:
                options["temperature"] = temperature
                torch.manual_seed(int(kwargs.get("seed", self.seed)))
            if time_left() is not None:  # under a deadline: checked after each new token
                options["stopping_criteria"] = _deadline_criteria()
            with torch.no_grad():
                output = model.generate(**inputs, **options)
        n_prompt = int(inputs["input_ids"].shape[1])
        new_tokens = output[0][n_prompt:]
        text = apply_stop(tokenizer.decode(new_tokens, skip_special_tokens=True), stop)
        message = AIMessage(
            content=text,
            usage_metadata={
                "input_tokens": n_prompt,
                "output_tokens": int(new_tokens.shape[0]),
                "total_tokens": n_prompt + int(new_tokens.shape[0]),
            },
            response_metadata={"model_name": self.model_path, "device": str(model.device)},
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def _deadline_criteria() -> Any:
    """A stopping criterion that never stops on its own but raises
    :class:`~tunesmith.core.LLMDeadlineError` once past the deadline (:class:`TokenCheck`)."""
    import transformers

    class PastDeadline(transformers.StoppingCriteria):
        def __init__(self) -> None:
            self.check = TokenCheck()

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
            return self.check()

    return transformers.StoppingCriteriaList([PastDeadline()])
