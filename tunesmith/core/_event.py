"""Run events: the frozen records a run emits and its readers (UI, CLI, benchmarks) consume."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EventKind = Literal[
    "plan_ready",
    "phase",
    "trial_started",
    "trial_finished",
    "trial_failed",
    "new_best",
    "intent",
    "stopped",
    "finished",
]
EVENT_KINDS: tuple[str, ...] = EventKind.__args__  # type: ignore[attr-defined]


class Event(BaseModel):
    """One thing that happened during a run.

    Attributes:
        kind: What happened (see :data:`EventKind`).
        seq: The event's position in its run's log: 0, 1, 2, ... across resumed sessions.
        time: Wall-clock time (seconds since the epoch) when it was emitted.
        payload: JSON-able details, e.g. ``{"number": 3, "value": 0.97}`` for a trial.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EventKind
    seq: int = Field(ge=0)
    time: float
    payload: dict[str, Any] = Field(default_factory=dict)
