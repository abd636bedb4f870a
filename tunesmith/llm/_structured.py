"""``structured()``: get a validated pydantic object from any chat model, with repair."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from typing import Any, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, ValidationError

from tunesmith.core.errors import (
    ConfigurationError,
    LLMDeadlineError,
    StructuredOutputError,
    validation_issues,
)
from tunesmith.llm._deadline import check_deadline, time_left
from tunesmith.prompts import render

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

# OpenAI-compatible servers differ: vLLM and OpenAI take {"type": "json_schema"}, llama.cpp's
# Python server takes {"type": "json_object", "schema": ...}. Remember what each server took.
_server_modes: dict[str, str] = {}
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


class LLMCall(BaseModel):
    """One request to a chat model: what it cost and whether its reply was usable."""

    model_config = ConfigDict(frozen=True)

    backend: str
    purpose: str
    attempt: int
    latency_s: float
    prompt_tokens: int
    completion_tokens: int
    constrained: bool
    ok: bool
    error: str | None = None


def _constraint(model: BaseChatModel, schema_name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments that make ``model`` decode only JSON matching ``schema``."""
    from tunesmith.llm._llamacpp import LlamaCppChat

    if isinstance(model, LlamaCppChat):
        return {"response_format": {"type": "json_object", "schema": schema}}
    if type(model).__name__ == "ChatOpenAI":
        if _server_modes.get(_server_key(model)) == "json_object":
            return {"response_format": {"type": "json_object", "schema": schema}}
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": False},
            }
        }
    return {}


def _server_key(model: BaseChatModel) -> str:
    return f"{getattr(model, 'openai_api_base', '')}#{getattr(model, 'model_name', '')}"


def _invoke(model: BaseChatModel, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Any:
    """Invoke under the deadline, if one is set (:func:`tunesmith.llm.deadline`)."""
    check_deadline("before its chat request")
    left = time_left()
    if left is None:
        return _invoke_json(model, messages, kwargs)
    if type(model).__name__ == "ChatOpenAI":
        # The request waits no longer than the time left (the client's one retry on a timeout
        # can double that); the in-process models check the deadline at each token themselves.
        kwargs = {**kwargs, "timeout": max(left, 0.05)}
    try:
        return _invoke_json(model, messages, kwargs)
    except LLMDeadlineError:
        raise
    except Exception as exc:
        after = time_left()
        if after is not None and after <= 0:
            raise LLMDeadlineError(
                f"The LLM step reached its deadline waiting for its chat reply and stopped "
                f"({type(exc).__name__})."
            ) from exc
        raise


def _invoke_json(model: BaseChatModel, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Any:
    """Invoke, falling back once to llama.cpp-style JSON mode if a server rejects json_schema."""
    try:
        return model.invoke(messages, **kwargs)
    except Exception as exc:
        fmt = kwargs.get("response_format", {})
        # Servers reject an unknown response_format with 400, 422 or (llama.cpp) 500.
        if fmt.get("type") != "json_schema" or "response_format" not in str(exc):
            raise
        logger.info("Server rejected json_schema response_format (%s); using json_object", exc)
        _server_modes[_server_key(model)] = "json_object"
        schema = fmt["json_schema"]["schema"]
        return model.invoke(
            messages, **{**kwargs, "response_format": {"type": "json_object", "schema": schema}}
        )


def parse_reply(text: str, schema: type[T]) -> T:
    """Parse a reply into ``schema``: the JSON object in the text, fenced or bare.

    Raises:
        ValueError: With a message fit to send back to the model.
    """
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0:
        raise ValueError("the reply contains no JSON object")
    candidate = body[start : end + 1] if end > start else body[start:]
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON ({exc.msg} at char {exc.pos})") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{loc or '(root)'}': {msg}" for loc, msg, _ in validation_issues(exc)
        )
        raise ValueError(f"the JSON does not fit the schema: {problems}") from None


def _with_schema_prompt(messages: Sequence[BaseMessage], schema_json: str) -> list[BaseMessage]:
    instruction = render("structured_system", schema_json=schema_json)
    out = list(messages)
    if out and isinstance(out[0], SystemMessage):
        out[0] = SystemMessage(content=f"{out[0].content}\n\n{instruction}")
    else:
        out.insert(0, SystemMessage(content=instruction))
    return out


def _usage(reply: Any) -> tuple[int, int]:
    usage = getattr(reply, "usage_metadata", None) or {}
    return int(usage.get("input_tokens", 0)), int(usage.get("output_tokens", 0))


def structured(
    model: BaseChatModel,
    schema: type[T],
    messages: Sequence[BaseMessage] | str,
    *,
    max_attempts: int = 3,
    purpose: str = "structured",
    calls: list[LLMCall] | None = None,
    max_tokens: int | None = None,
) -> T:
    """Ask ``model`` for an instance of the pydantic ``schema``.

    Uses constrained decoding where the backend has it (a JSON-schema grammar on llama.cpp,
    ``response_format`` on OpenAI-compatible servers); otherwise the schema goes in the prompt
    and the reply is parsed. An invalid reply is sent back with its error for another attempt.

    Args:
        model: Any langchain chat model.
        schema: The pydantic model class to produce.
        messages: The conversation, or a single user message as a string.
        max_attempts: Replies to try in total (the first plus repairs), at least 1.
        purpose: A label stored with each call record.
        calls: If given, one :class:`LLMCall` per request is appended (latency, tokens).
        max_tokens: Completion length limit per request (None: the model's own).

    Returns:
        A validated instance of ``schema``.

    Raises:
        StructuredOutputError: No valid reply after ``max_attempts``; carries every raw reply.
        LLMDeadlineError: A deadline set with :func:`tunesmith.llm.deadline` passed before or
            during a request.
    """
    if max_attempts < 1:
        raise ConfigurationError(f"max_attempts must be at least 1, got {max_attempts}.")
    if isinstance(messages, str):
        messages = [HumanMessage(content=messages)]
    schema_dict = schema.model_json_schema()
    schema_json = json.dumps(schema_dict, separators=(",", ":"))
    conversation = _with_schema_prompt(messages, schema_json)
    kwargs = _constraint(model, schema.__name__, schema_dict)
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    replies: list[str] = []
    errors: list[str] = []
    for attempt in range(1, max_attempts + 1):
        started = time.perf_counter()
        reply = _invoke(model, conversation, kwargs)
        latency = time.perf_counter() - started
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        replies.append(text)
        prompt_tokens, completion_tokens = _usage(reply)
        try:
            result = parse_reply(text, schema)
            error = None
        except ValueError as exc:
            error = str(exc)
            errors.append(error)
        record = LLMCall(
            backend=model._llm_type,
            purpose=purpose,
            attempt=attempt,
            latency_s=latency,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            constrained="response_format" in kwargs,
            ok=error is None,
            error=error,
        )
        logger.debug("LLM call %s", record)
        if calls is not None:
            calls.append(record)
        if error is None:
            return result
        conversation = [
            *conversation,
            AIMessage(content=text),
            HumanMessage(
                content=render(
                    "repair", schema_name=schema.__name__, error=error, schema_json=schema_json
                )
            ),
        ]
    raise StructuredOutputError(schema.__name__, replies, errors)
