"""Convert langchain messages to the plain dicts that chat templates expect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage


def to_role_dicts(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """Return ``[{"role": ..., "content": ...}]`` for system, user and assistant messages."""
    out = []
    for message in messages:
        if isinstance(message, SystemMessage):
            role = "system"
        elif isinstance(message, HumanMessage):
            role = "user"
        elif isinstance(message, AIMessage):
            role = "assistant"
        else:
            role = "user"
        out.append({"role": role, "content": _text(message.content)})
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in content]
    return "".join(parts)


def apply_stop(text: str, stop: Sequence[str] | None) -> str:
    """Cut ``text`` at the first stop sequence."""
    for token in stop or ():
        cut = text.find(token)
        if cut >= 0:
            text = text[:cut]
    return text
