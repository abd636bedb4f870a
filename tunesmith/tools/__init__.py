"""Optimisers and data profiling, usable from Python with no LLM, and as tools for the agent.

``HybridSampler`` and ``LLMSampler`` (optimisers ``"hybrid"`` and ``"llm"``) are Optuna
samplers that use an LLM as a warm start, a candidate generator and a surrogate.
"""

from __future__ import annotations

from tunesmith.tools._agent_tools import (
    cash_space,
    explain_trial,
    list_learners,
    profile_table,
    propose_search_space,
    read_leaderboard,
    read_training_table,
    run_search,
)
from tunesmith.tools._llm_sampler import HybridSampler, LLMSampler
from tunesmith.tools._llm_surrogate import LLMSurrogate, Prediction, SurrogateContext
from tunesmith.tools._optimize import StudySummary, optimize, summarize
from tunesmith.tools._profile import ColumnProfile, DataProfile, MetaFeatures, profile
from tunesmith.tools._registry import ToolRegistry, ToolResult, default_registry, default_tools
from tunesmith.tools._samplers import OPTIMIZERS, OptimizerInfo, grid_values
from tunesmith.tools._study import Optimizer, make_optimizer, open_storage, to_result
from tunesmith.tools._table import read_table

__all__ = [
    "OPTIMIZERS",
    "ColumnProfile",
    "DataProfile",
    "HybridSampler",
    "LLMSampler",
    "LLMSurrogate",
    "MetaFeatures",
    "Optimizer",
    "OptimizerInfo",
    "Prediction",
    "StudySummary",
    "SurrogateContext",
    "ToolRegistry",
    "ToolResult",
    "cash_space",
    "default_registry",
    "default_tools",
    "explain_trial",
    "grid_values",
    "list_learners",
    "make_optimizer",
    "open_storage",
    "optimize",
    "profile",
    "profile_table",
    "propose_search_space",
    "read_leaderboard",
    "read_table",
    "read_training_table",
    "run_search",
    "summarize",
    "to_result",
]
