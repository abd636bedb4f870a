"""The shared vocabulary: records and errors used by every tunesmith package."""

from __future__ import annotations

from tunesmith.core._event import EVENT_KINDS, Event, EventKind
from tunesmith.core._space import (
    BoolParam,
    CategoricalParam,
    Condition,
    FloatParam,
    IntParam,
    Param,
    SearchSpace,
)
from tunesmith.core._trial import TrialResult, TrialSpec, TrialState
from tunesmith.core.errors import (
    ClarificationNeeded,
    ConfigurationError,
    DataError,
    LLMConnectionError,
    LLMDeadlineError,
    LLMSpecError,
    MissingExtraError,
    ModelFileError,
    ModelIntegrityError,
    OptimizerError,
    PlanError,
    SearchSpaceError,
    StructuredOutputError,
    TrialPruned,
    TunesmithError,
    close_matches,
)

__all__ = [
    "EVENT_KINDS",
    "BoolParam",
    "CategoricalParam",
    "ClarificationNeeded",
    "Condition",
    "ConfigurationError",
    "DataError",
    "Event",
    "EventKind",
    "FloatParam",
    "IntParam",
    "LLMConnectionError",
    "LLMDeadlineError",
    "LLMSpecError",
    "MissingExtraError",
    "ModelFileError",
    "ModelIntegrityError",
    "OptimizerError",
    "Param",
    "PlanError",
    "SearchSpace",
    "SearchSpaceError",
    "StructuredOutputError",
    "TrialPruned",
    "TrialResult",
    "TrialSpec",
    "TrialState",
    "TunesmithError",
    "close_matches",
]
