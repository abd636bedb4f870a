"""``load(spec)``: turn a backend specification into a langchain chat model."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from tunesmith.core.errors import MissingExtraError, ModelFileError
from tunesmith.llm._spec import LLMSpec, parse_spec

logger = logging.getLogger(__name__)


def _require(module: str, feature: str, extra: str, package: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(feature, extra, package) from None


def _gguf_file(location: str) -> Path:
    path = Path(location)
    if not path.is_file():
        raise ModelFileError(
            f"GGUF file {path} does not exist. Pass the path of a local .gguf file "
            f"(tunesmith never downloads models), or use --llm embedded."
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != b"GGUF":
        raise ModelFileError(f"{path} is not a GGUF file (it does not start with 'GGUF').")
    return path


def _hf_dir(location: str) -> Path:
    path = Path(location)
    if not (path / "config.json").is_file():
        raise ModelFileError(
            f"{path} is not a local transformers checkpoint (no config.json there). Pass a "
            f"directory made by save_pretrained() or `hf download`; tunesmith never downloads "
            f"from a hub at run time."
        )
    return path


def load(
    spec: str | LLMSpec | None = None,
    *,
    echo: Callable[[str], None] | None = None,
    **settings: Any,
) -> BaseChatModel:
    """Load a chat model from a backend specification.

    Args:
        spec: ``"embedded"``, ``"gguf:PATH"``, ``"openai:URL#MODEL"`` or ``"hf:PATH"``;
            ``None`` reads ``TUNESMITH_LLM`` and falls back to ``"embedded"``.
        echo: Receives progress lines (where the embedded weights came from).
        **settings: Passed to the chat model (e.g. ``temperature``, ``max_tokens``, ``n_ctx``).

    Returns:
        A langchain-core ``BaseChatModel``.

    Raises:
        LLMSpecError: The specification is malformed, or names a model the server lacks.
        ModelFileError: A local model file or directory is missing.
        LLMConnectionError: The server cannot be reached.
        MissingExtraError: The backend's optional dependencies are not installed.
    """
    parsed = spec if isinstance(spec, LLMSpec) else parse_spec(spec)
    if parsed.kind in ("embedded", "gguf"):
        feature = "The embedded model" if parsed.kind == "embedded" else "The gguf: backend"
        _require("llama_cpp", feature, "local", "llama-cpp-python")
        from tunesmith.llm._llamacpp import LlamaCppChat

        if parsed.kind == "embedded":
            from tunesmith.llm._embedded import ensure_embedded_model

            path = ensure_embedded_model(echo=echo).path
        else:
            path = _gguf_file(parsed.location)
        return LlamaCppChat(model_path=str(path), **settings)
    if parsed.kind == "hf":
        _require("torch", "The hf: backend", "torch", "torch")
        _require("transformers", "The hf: backend", "torch", "transformers")
        from tunesmith.llm._transformers import TransformersChat

        return TransformersChat(model_path=str(_hf_dir(parsed.location)), **settings)
    from tunesmith.llm._openai import make_openai_chat

    model: BaseChatModel = make_openai_chat(parsed.location, parsed.model, **settings)
    return model
