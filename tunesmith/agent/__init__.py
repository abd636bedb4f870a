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
from tunesmith.agent._intents import (
    AddLearner,
    CompareLearners,
    DropLearner,
    ExplainTrial,
    ExtendBudget,
    Intent,
    Stop,
    answer,
    interpret,
    parse_intent,
)
from tunesmith.agent._live import LiveRun
from tunesmith.agent._loop import RunLoop
from tunesmith.agent._overview import RunOverview, read_overview
from tunesmith.agent._plan import (
    DEFAULT_TIME_BUDGET_S,
    Plan,
    Validation,
    check_request,
    complete_plan,
    make_plan,
)
from tunesmith.agent._report import write_report
from tunesmith.agent._store import RunStore
from tunesmith.agent._tools import agent_registry, run_population_based_training
from tunesmith.agent._views import (
    TRIAL_COLUMNS,
    RunView,
    edit_plan,
    importance_view,
    resume_live,
    run_view,
)
from tunesmith.core import EVENT_KINDS, Event

__all__ = [
    "DEFAULT_TIME_BUDGET_S",
    "EVENT_KINDS",
    "METRICS_FOR_TASK",
    "TRIAL_COLUMNS",
    "AddLearner",
    "Assistant",
    "CompareLearners",
    "DropLearner",
    "Event",
    "EventLog",
    "ExplainTrial",
    "ExtendBudget",
    "Intent",
    "LiveRun",
    "Plan",
    "PlanDraft",
    "Run",
    "RunConfig",
    "RunLoop",
    "RunOverview",
    "RunStore",
    "RunSummary",
    "RunView",
    "Stop",
    "Validation",
    "agent_registry",
    "answer",
    "check_draft",
    "check_request",
    "complete_plan",
    "describe_columns",
    "draft_plan",
    "edit_plan",
    "importance_view",
    "infer_task_type",
    "interpret",
    "make_plan",
    "parse_intent",
    "read_events",
    "read_overview",
    "read_table",
    "resume_live",
    "run_population_based_training",
    "run_view",
    "write_report",
]
