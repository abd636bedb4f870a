"""Claiming a local model for a block of calls, without waiting for another user of it.

An in-process model (llama.cpp, transformers) serves one request at a time behind its lock.
Where several users share it (two tabs of the UI: one plans while the other searches), a
search must not stall on the other's request: it claims the model and, if that fails, goes on
without the LLM for that step. A model without a lock (an OpenAI-compatible server, a test
double) is always free: its server queues the requests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def claim(model: Any, timeout: float = 0.0) -> Iterator[bool]:
    """Hold ``model``'s lock for the block if it is free within ``timeout`` seconds.

    Yields True while held (the model's own calls in the block re-enter the lock, which is
    re-entrant), False if another thread holds it; the block decides what to do then.
    """
    lock = getattr(model, "_lock", None)
    if lock is None:
        yield True
        return
    held = lock.acquire(timeout=timeout) if timeout > 0 else lock.acquire(blocking=False)
    try:
        yield held
    finally:
        if held:
            lock.release()
