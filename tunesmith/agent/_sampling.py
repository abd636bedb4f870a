"""What the run loop hands the hybrid sampler: the LLM, and a context for each learner.

The hybrid is the agent's default optimiser. It uses the LLM only where its backend can read
score probabilities (``tunesmith.llm.score_reader``); with any other chat model it is the
fallback TPE. The LLM may take at most ``LLM_SHARE`` of the search's wall time, so on fast
trials the search is not held up by the LLM, and a step with a say is kept under
``LLM_STEP_SECONDS`` by doing less work on a slow machine (``HybridSampler(step_seconds=...)``).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from langchain_core.language_models import BaseChatModel

    from tunesmith.agent._draft import PlanDraft

logger = logging.getLogger(__name__)
LLM_SHARE = 0.5
LLM_STEP_SECONDS = 5.0
_TASKS = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "regression": "regression",
}


def sampler_options(
    optimizer: str,
    llm: BaseChatModel | None,
    plan: PlanDraft,
    data: pd.DataFrame | None,
    prefix_cache: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Keyword options for ``make_optimizer(optimizer, ...)`` (none unless an LLM sampler);
    ``prefix_cache``: where an in-process score reader (llama.cpp, transformers) keeps its
    prompts' states for a resumed run."""
    if optimizer not in ("hybrid", "llm") or llm is None:
        return {}
    from tunesmith.llm import score_reader

    try:
        score_reader(llm)
    except Exception as exc:  # a backend without logprobs: the sampler falls back
        logger.info("The LLM sampler is off: %s", exc)
        return {}
    return {
        "llm": llm,
        "context": contexts(plan, data),
        "n_warmup": 3,
        "max_llm_share": LLM_SHARE,
        "step_seconds": LLM_STEP_SECONDS,
        "prefix_cache": prefix_cache,
    }


def contexts(plan: PlanDraft, data: pd.DataFrame | None) -> dict[str, Any]:
    """One :class:`SurrogateContext` per learner that can do the plan's task."""
    from tunesmith.learners import list_learners
    from tunesmith.tools._llm_surrogate import SurrogateContext

    rows = features = classes = None
    if data is not None:
        rows, features = len(data), data.shape[1] - 1
        if plan.task_type != "regression":
            classes = int(data[plan.target].nunique())
    return {
        x.name: SurrogateContext(
            learner=f"{x.name.replace('_', ' ')} ({x.description})",
            task=_TASKS.get(plan.task_type, plan.task_type),
            metric=f"cross-validated {plan.metric.replace('_', ' ')}",
            n_rows=rows,
            n_features=features,
            n_classes=classes,
        )
        for x in list_learners(plan.task_type)
    }
