"""A deadline for one step's LLM work, which the score readers check as they go.

A search with a time budget must not start a long LLM step just before it ends, nor let a
cold one (a first prompt no cache holds yet) run far past it. The hybrid sampler sets the
search's deadline around each step; the in-process readers check it between chunks of the
prompt they evaluate and between groups of candidates, and the OpenAI-compatible reader
shortens its request timeout to it. Past the deadline they raise
:class:`~tunesmith.core.LLMDeadlineError`, keeping what they evaluated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tunesmith.core.errors import LLMDeadlineError

_DEADLINE: ContextVar[float | None] = ContextVar("tunesmith_llm_deadline", default=None)


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Give the LLM work in the block a deadline (``time.monotonic()`` seconds; None: none).

    A deadline already set outside the block still holds if it is earlier.
    """
    outer = _DEADLINE.get()
    if outer is not None and (at is None or outer < at):
        at = outer
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds to the current deadline (negative once past it), or None without one."""
    at = _DEADLINE.get()
    return None if at is None else at - time.monotonic()


def check_deadline(what: str) -> None:
    """Raise :class:`LLMDeadlineError` if the deadline has passed; ``what`` was cut."""
    left = time_left()
    if left is not None and left <= 0:
        raise LLMDeadlineError(
            f"The LLM step reached its deadline ({-left:.1f} s ago) and stopped {what}."
        )
