"""A deadline for one step's LLM work, which the score readers check as they go.

A search with a time budget must not start a long LLM step just before it ends, nor let a
cold one (a first prompt no cache holds yet) run far past it. The hybrid sampler sets the
search's deadline around each step; the in-process readers check it between chunks of the
prompt they evaluate and between groups of candidates, and the OpenAI-compatible reader
shortens its request timeout to it. Past the deadline they raise
:class:`~tunesmith.core.LLMDeadlineError`, keeping what they evaluated.

Chat requests (the LLM's proposals) are cut too: the in-process chat models check the
deadline at each token they generate (:class:`TokenCheck`), and :func:`tunesmith.llm.structured`
checks it before each request and gives an OpenAI-compatible request the time left as its
timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from tunesmith.core.errors import LLMDeadlineError

_DEADLINE: ContextVar[float | None] = ContextVar("tunesmith_llm_deadline", default=None)
# Prompt tokens run between two deadline checks: about 1-2 s of a 0.5B model on 2 CPU cores.
CHUNK = 128


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


class TokenCheck:
    """Checks the deadline at each step of a chat model's generation, and raises
    :class:`LLMDeadlineError` once past it.

    llama.cpp calls it before each evaluation (the prompt's, then each new token's),
    transformers after each new token, as a stopping criterion that never stops on its own. The
    prompt is evaluated in one piece, so a cut comes at most one prompt evaluation late.
    """

    def __init__(self) -> None:
        self.steps = 0

    def __call__(self, *_: object, **__: object) -> bool:
        check_deadline(f"its chat reply after {self.steps} generation steps")
        self.steps += 1
        return False


def run_in_chunks(
    start: int,
    end: int,
    batch: int,
    run: Callable[[int, int], object],
    keep: Callable[[int], None],
) -> None:
    """``run(i, j)`` over the prompt tokens ``[start, end)``: in slices of ``batch``, or of at
    most :data:`CHUNK` under a deadline, checked before each. At the deadline ``keep(i)`` is
    told how far the run got (if it ran any slice), so the caller saves that part, and
    :class:`LLMDeadlineError` is raised."""
    step = batch if time_left() is None else min(batch, CHUNK)
    for first in range(start, end, step):
        try:
            check_deadline(f"after {first - start} of {end - start} prompt tokens")
        except LLMDeadlineError:
            if first > start:
                keep(first)
            raise
        run(first, min(first + step, end))
