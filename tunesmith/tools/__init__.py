"""Optimisers and data profiling, usable from Python with no LLM, and as tools for the agent."""

from __future__ import annotations

from tunesmith.tools._optimize import StudySummary, optimize, summarize
from tunesmith.tools._profile import ColumnProfile, DataProfile, MetaFeatures, profile
from tunesmith.tools._samplers import OPTIMIZERS, OptimizerInfo, grid_values
from tunesmith.tools._study import Optimizer, make_optimizer, open_storage, to_result

__all__ = [
    "OPTIMIZERS",
    "ColumnProfile",
    "DataProfile",
    "MetaFeatures",
    "Optimizer",
    "OptimizerInfo",
    "StudySummary",
    "grid_values",
    "make_optimizer",
    "open_storage",
    "optimize",
    "profile",
    "summarize",
    "to_result",
]
