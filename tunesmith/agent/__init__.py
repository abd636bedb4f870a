"""The agent: planning a run from a request (the full run loop arrives with the agent issue)."""

from __future__ import annotations

from tunesmith.agent._draft import (
    METRICS_FOR_TASK,
    PlanDraft,
    check_draft,
    describe_columns,
    draft_plan,
    infer_task_type,
)
from tunesmith.agent._tools import agent_registry, run_population_based_training

__all__ = [
    "METRICS_FOR_TASK",
    "PlanDraft",
    "agent_registry",
    "check_draft",
    "describe_columns",
    "draft_plan",
    "infer_task_type",
    "run_population_based_training",
]
