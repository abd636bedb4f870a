"""The OpenAI-compatible backend: vLLM, llama.cpp's server, Ollama, or OpenAI itself."""

from __future__ import annotations

import os
from typing import Any, Literal

from tunesmith.core.errors import LLMConnectionError, LLMSpecError

API_KEY_ENV_VARS = ("TUNESMITH_OPENAI_API_KEY", "OPENAI_API_KEY")

JsonMode = Literal["json_schema", "json_object"]


def api_key() -> str:
    """Return the API key from the environment, or a placeholder local servers accept."""
    for name in API_KEY_ENV_VARS:
        value = os.environ.get(name)
        if value:
            return value
    return "not-needed"


def served_models(base_url: str, timeout: float = 10.0) -> list[str]:
    """List the model names a server offers at ``GET {base_url}/models``.

    Raises:
        LLMConnectionError: The server is unreachable or does not answer like an
            OpenAI-compatible server.
    """
    import httpx

    url = f"{base_url}/models"
    headers = {"Authorization": f"Bearer {api_key()}"}
    try:
        response = httpx.get(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise LLMConnectionError(
            f"Cannot reach an OpenAI-compatible server at {base_url} ({exc.__class__.__name__}: "
            f"{exc}). Start one (e.g. `vllm serve MODEL --port 8000` or `python -m "
            f"llama_cpp.server --model FILE.gguf`) or fix the address; it usually ends in /v1."
        ) from None
    if response.status_code in (401, 403):
        raise LLMConnectionError(
            f"The server at {base_url} refused the API key (HTTP {response.status_code}). "
            f"Set {API_KEY_ENV_VARS[0]} or OPENAI_API_KEY."
        )
    if response.status_code != 200:
        raise LLMConnectionError(
            f"GET {url} answered HTTP {response.status_code}, not an OpenAI-compatible model "
            f"list. Check the address; it usually ends in /v1."
        )
    try:
        return [str(item["id"]) for item in response.json()["data"]]
    except (ValueError, KeyError, TypeError):
        raise LLMConnectionError(
            f"GET {url} did not return an OpenAI-style model list. Check the address."
        ) from None


def make_openai_chat(base_url: str, model: str | None, **settings: Any) -> Any:
    """Return a ``ChatOpenAI`` for ``model`` on the server at ``base_url``.

    The server is asked for its model list first, so a wrong address or model name fails
    here with a clear message rather than on the first request.
    """
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    available = served_models(base_url)
    if model is None:
        if len(available) != 1:
            raise LLMSpecError(
                f"The server at {base_url} serves {len(available)} models; name one with "
                f"openai:{base_url}#MODEL. Served: {', '.join(available) or 'none'}."
            )
        model = available[0]
    elif available and model not in available:
        raise LLMSpecError(
            f"The server at {base_url} does not serve {model!r}. Served: {', '.join(available)}."
        )
    options = {"temperature": 0.0, "max_retries": 1, "timeout": 300.0, **settings}
    return ChatOpenAI(base_url=base_url, model=model, api_key=SecretStr(api_key()), **options)
