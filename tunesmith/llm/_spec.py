"""Parse LLM backend specs: ``embedded``, ``gguf:PATH``, ``openai:URL#MODEL``, ``hf:PATH``."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tunesmith.core.errors import LLMSpecError

ENV_VAR = "TUNESMITH_LLM"
DEFAULT_SPEC = "embedded"

BackendKind = Literal["embedded", "gguf", "openai", "hf"]

_FORMS = (
    "embedded                      the bundled Qwen2.5-Coder-0.5B-Instruct GGUF (default)\n"
    "gguf:/path/to/model.gguf      any local GGUF file, run in process by llama-cpp-python\n"
    "openai:http://HOST:PORT/v1#MODEL   an OpenAI-compatible server (vLLM, llama.cpp, Ollama)\n"
    "hf:/path/to/model_dir         a local transformers checkpoint (CPU or GPU)"
)


class LLMSpec(BaseModel):
    """A parsed backend specification.

    Attributes:
        kind: Which backend.
        location: File or directory path (gguf, hf) or base URL (openai); empty for embedded.
        model: Model name on an OpenAI-compatible server; ``None`` means "the only one served".
    """

    model_config = ConfigDict(frozen=True)

    kind: BackendKind
    location: str = ""
    model: str | None = None

    def __str__(self) -> str:
        if self.kind == "embedded":
            return "embedded"
        suffix = f"#{self.model}" if self.model else ""
        return f"{self.kind}:{self.location}{suffix}"


def _bad(spec: str, why: str) -> LLMSpecError:
    return LLMSpecError(f"Cannot use LLM spec {spec!r}: {why}. Accepted forms:\n{_FORMS}")


def parse_spec(spec: str | None = None) -> LLMSpec:
    """Parse a backend specification.

    Args:
        spec: The specification; ``None`` reads ``TUNESMITH_LLM`` and falls back to
            ``embedded``.

    Returns:
        The parsed :class:`LLMSpec`.

    Raises:
        LLMSpecError: The string matches none of the accepted forms.
    """
    if spec is None:
        spec = os.environ.get(ENV_VAR) or DEFAULT_SPEC
    text = spec.strip()
    if text == "embedded":
        return LLMSpec(kind="embedded")
    kind, sep, rest = text.partition(":")
    if not sep:
        raise _bad(spec, "it has no 'KIND:' prefix")
    if kind not in ("gguf", "openai", "hf"):
        raise _bad(spec, f"unknown backend {kind!r}")
    if not rest:
        raise _bad(spec, f"nothing follows '{kind}:'")
    if kind == "openai":
        url, _, model = rest.partition("#")
        if not url.startswith(("http://", "https://")):
            raise _bad(spec, f"the server address {url!r} must start with http:// or https://")
        return LLMSpec(kind="openai", location=url.rstrip("/"), model=model or None)
    return LLMSpec(kind=kind, location=os.path.expanduser(rest))  # type: ignore[arg-type]
