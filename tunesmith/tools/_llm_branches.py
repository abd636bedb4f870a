"""The branches of a conditional space, as the LLM samplers see them.

A trial's fixed parameters (Optuna's ``fixed_params``, set by the executor's branch choice)
select one branch: the key of its parent values and the flat sub-space of the parameters left
to sample. Each branch has its own history, context and default configuration, so the LLM
sees one learner at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from optuna.trial import TrialState

from tunesmith.core import SearchSpace
from tunesmith.tools._llm_surrogate import SurrogateContext
from tunesmith.tools._llm_text import Observation

if TYPE_CHECKING:
    from optuna.study import Study

_DEFAULT_CONTEXT = SurrogateContext(learner="model", task="an optimisation", metric="the score")


def branch(space: SearchSpace, fixed: Mapping[str, Any]) -> tuple[Any, SearchSpace] | None:
    """The branch key and the flat sub-space left to sample, or None if it is not flat (a
    parent of a condition is still to be sampled)."""
    parents = _parents(space)
    active = [p for p in space.params if space.is_active(p.name, fixed)]
    if any(p.name in parents and p.name not in fixed for p in active):
        return None
    free = [p for p in active if p.name not in fixed and p.name not in parents]
    pairs = tuple(sorted((k, str(v)) for k, v in fixed.items() if k in parents))
    return (pairs[0][1] if len(pairs) == 1 else pairs), SearchSpace(params=tuple(free))


def history(
    space: SearchSpace, study: Study, sub: SearchSpace, fixed: Mapping[str, Any]
) -> list[Observation]:
    """The study's complete trials with a finite value in the branch of ``fixed``, as
    observations of ``sub``'s parameters."""
    parents = _parents(space)
    out = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        if all(t.params.get(k) == v for k, v in fixed.items() if k in parents) and all(
            n in t.params for n in sub.names
        ):
            value = t.value if t.value is not None and np.isfinite(t.value) else None
            if value is not None:
                out.append(Observation(t.number, {n: t.params[n] for n in sub.names}, value))
    return out


def context_for(
    context: SurrogateContext | Mapping[Any, SurrogateContext] | None, key: Any
) -> SurrogateContext:
    """The branch's context: the one given, the branch's own, or a generic one."""
    if isinstance(context, SurrogateContext):
        return context
    if isinstance(context, Mapping) and key in context:
        return context[key]
    return _DEFAULT_CONTEXT


def default_for(
    defaults: Mapping[str, Any] | Mapping[Any, Mapping[str, Any]] | None,
    key: Any,
    sub: SearchSpace,
) -> Mapping[str, Any] | None:
    """The branch's default configuration, in ``sub``'s (prefixed) parameter names."""
    if not defaults:
        return None
    if key in defaults and isinstance(defaults[key], Mapping):
        return {f"{key}.{k}": v for k, v in defaults[key].items()}
    return {k: v for k, v in defaults.items() if k in sub.names}


def _parents(space: SearchSpace) -> set[str]:
    return {c.parent for c in space.conditions.values()}
