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

__all__ = [
    "METRICS_FOR_TASK",
    "PlanDraft",
    "check_draft",
    "describe_columns",
    "draft_plan",
    "infer_task_type",
]
