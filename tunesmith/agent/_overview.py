"""A run at a glance, read from its event log: state, trials, best score, time, LLM use.

Readers (the report, ``tunesmith runs``) use events only, so listing many runs opens no study.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from tunesmith.agent._config import RunSummary
from tunesmith.agent._events import Event
from tunesmith.agent._store import RunStore


class RunOverview(BaseModel):
    """One run, summarised from ``plan.json`` and ``events.jsonl``.

    Attributes:
        out_dir: The run directory.
        target: The plan's target column. task_type, metric: the plan's.
        state: ``finished (REASON)``, ``stopped: REASON`` (the search stopped but the session
            did not finish, e.g. an error while refitting) or ``running or killed``.
        stop_reason: Why the last search stopped, if it did.
        sessions: How many times the run was started (the first time plus resumes).
        n_complete: Complete trials. n_failed: Failed or pruned ones (as events report them).
        best_trial: Number of the best trial; best_value its score in the plan's metric;
            best_learner its learner.
        started_at: When the run was first started (seconds since the epoch).
        wall_time_s: Seconds spent over all sessions (a session still running or killed counts
            up to its last event).
        llm_calls: LLM requests recorded in the events; llm_tokens their prompt plus
            completion tokens (both 0 when the events carry none).
    """

    model_config = ConfigDict(frozen=True)

    out_dir: str
    target: str
    task_type: str
    metric: str
    state: str
    stop_reason: str | None
    sessions: int
    n_complete: int
    n_failed: int
    best_trial: int | None
    best_value: float | None
    best_learner: str | None
    started_at: float | None
    wall_time_s: float
    llm_calls: int
    llm_tokens: int


def read_overview(
    out_dir: str | os.PathLike[str], *, pending: RunSummary | None = None
) -> RunOverview:
    """Summarise the run in ``out_dir``.

    Args:
        out_dir: The run directory.
        pending: The summary of a session that is finishing now but has not yet written its
            ``finished`` event (the run loop passes it while it writes the report).

    Raises:
        DataError: The directory holds no run.
    """
    store = RunStore(out_dir)
    plan, _ = store.read_plan()
    events = store.events()
    if pending is not None:
        seq = events[-1].seq + 1 if events else 0
        payload = pending.model_dump(mode="json")
        events = [*events, Event(kind="finished", seq=seq, time=time.time(), payload=payload)]
    best = next((e for e in reversed(events) if e.kind == "new_best"), None)
    reason, state = _state(events)
    calls, tokens = _llm_usage(events)
    return RunOverview(
        out_dir=str(store.path),
        target=plan.target,
        task_type=plan.task_type,
        metric=plan.metric,
        state=state,
        stop_reason=reason,
        sessions=sum(e.kind == "plan_ready" for e in events),
        n_complete=sum(e.kind == "trial_finished" for e in events),
        n_failed=sum(e.kind == "trial_failed" for e in events),
        best_trial=None if best is None else best.payload.get("number"),
        best_value=None if best is None else best.payload.get("value"),
        best_learner=None if best is None else best.payload.get("learner"),
        started_at=events[0].time if events else _mtime(store),
        wall_time_s=sum(_session_time(s) for s in _sessions(events)),
        llm_calls=calls,
        llm_tokens=tokens,
    )


def _state(events: list[Event]) -> tuple[str | None, str]:
    """The last stop reason and the state of the last session."""
    last = _sessions(events)[-1] if events else []
    stopped = next((e for e in reversed(events) if e.kind == "stopped"), None)
    reason = None if stopped is None else stopped.payload.get("reason")
    kinds = [e.kind for e in last]
    if "finished" in kinds:
        finished = last[len(kinds) - 1 - kinds[::-1].index("finished")]
        reason = finished.payload.get("stop_reason") or reason
        return reason, f"finished ({reason})"
    if "stopped" in kinds:
        return reason, f"stopped: {reason}"
    return reason, "running or killed"


def _sessions(events: list[Event]) -> list[list[Event]]:
    """The events split at each ``plan_ready`` (one list per start or resume)."""
    sessions: list[list[Event]] = []
    for event in events:
        if event.kind == "plan_ready" or not sessions:
            sessions.append([])
        sessions[-1].append(event)
    return sessions


def _session_time(session: list[Event]) -> float:
    finished = [e for e in session if e.kind == "finished"]
    if finished and isinstance(finished[-1].payload.get("wall_time_s"), int | float):
        return float(finished[-1].payload["wall_time_s"])
    return session[-1].time - session[0].time


def _llm_usage(events: list[Event]) -> tuple[int, int]:
    """LLM calls and tokens from any payload that records them.

    A payload may hold ``llm_calls`` (a list of ``LLMCall`` dumps, or a count) and/or
    ``prompt_tokens``/``completion_tokens`` (one call's or a total).
    """
    calls = tokens = 0
    for event in events:
        payload = event.payload
        recorded = payload.get("llm_calls")
        if isinstance(recorded, list):
            calls += len(recorded)
            tokens += sum(_tokens(c) for c in recorded if isinstance(c, dict))
        elif isinstance(recorded, int):
            calls += recorded
        tokens += _tokens(payload)
    return calls, tokens


def _tokens(record: dict[str, Any]) -> int:
    total = 0
    for key in ("prompt_tokens", "completion_tokens"):
        value = record.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            total += value
    return total


def _mtime(store: RunStore) -> float | None:
    try:
        return store.plan_path.stat().st_mtime
    except OSError:
        return None
