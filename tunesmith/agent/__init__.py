"""The agent: from a request and a table to a plan, a search, a model and a submission."""

from __future__ import annotations

from tunesmith.agent._assistant import Assistant, Run, read_table
from tunesmith.agent._config import RunConfig, RunSummary
from tunesmith.agent._draft import (
    METRICS_FOR_TASK,
    PlanDraft,
    check_draft,
    describe_columns,
    draft_plan,
    infer_task_type,
)
from tunesmith.agent._events import EventLog, read_events
from tunesmith.agent._loop import RunLoop
from tunesmith.agent._overview import RunOverview, read_overview
from tunesmith.agent._report import write_report
from tunesmith.agent._store import RunStore
from tunesmith.agent._tools import agent_registry, run_population_based_training
from tunesmith.core import EVENT_KINDS, Event

__all__ = [
    "EVENT_KINDS",
    "METRICS_FOR_TASK",
    "Assistant",
    "Event",
    "EventLog",
    "PlanDraft",
    "Run",
    "RunConfig",
    "RunLoop",
    "RunOverview",
    "RunStore",
    "RunSummary",
    "agent_registry",
    "check_draft",
    "describe_columns",
    "draft_plan",
    "infer_task_type",
    "read_events",
    "read_overview",
    "read_table",
    "run_population_based_training",
    "write_report",
]
