"""tunesmith: an LLM-agent AutoML assistant."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunesmith.agent import Assistant, Run

__all__ = ["Assistant", "Run", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy, so that `import tunesmith` stays cheap (no langchain, sklearn or optuna).
    if name in ("Assistant", "Run"):
        from tunesmith import agent

        return getattr(agent, name)
    raise AttributeError(f"module 'tunesmith' has no attribute {name!r}")
