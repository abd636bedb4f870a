"""A scripted chat model for testing agent logic without a real LLM.

Only the LLM is faked: it replays fixed replies and records what it was sent, so tests can
check both what the code does with a reply and what it asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr


class ScriptedChatModel(BaseChatModel):
    """Replies with ``replies`` in order; records every conversation and keyword arguments.

    Raises:
        AssertionError: When asked more often than it has replies.
    """

    replies: Sequence[str]
    _received: list[list[BaseMessage]] = PrivateAttr(default_factory=list)
    _kwargs: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def received(self) -> list[list[BaseMessage]]:
        """Every conversation the model was sent, in order."""
        return self._received

    @property
    def call_kwargs(self) -> list[dict[str, Any]]:
        """The keyword arguments of every call, in order."""
        return self._kwargs

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        index = len(self._received)
        if index >= len(self.replies):
            raise AssertionError(
                f"ScriptedChatModel was called {index + 1} times but has {len(self.replies)} "
                f"replies."
            )
        self._received.append(list(messages))
        self._kwargs.append(dict(kwargs))
        text = self.replies[index]
        words = sum(len(m.content) for m in messages if isinstance(m.content, str)) // 4
        message = AIMessage(
            content=text,
            usage_metadata={
                "input_tokens": words,
                "output_tokens": len(text) // 4,
                "total_tokens": words + len(text) // 4,
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
