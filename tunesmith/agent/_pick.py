"""Which learner the next trial trains.

The study's space holds every learner that can do the task, so the plan's learners can change
while a run goes on (a follow-up adds or drops one) without a new study. The run loop fixes
each trial's learner before the optimiser proposes the rest: first every planned learner once,
at its default configuration (a strong, cheap baseline, as FLAML starts from low-cost
defaults), then a learner drawn with weight 1/2^rank by its best score so far, so the best
family gets most trials and the others keep some. The draw is seeded per trial number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunesmith.core import SearchSpace, SearchSpaceError, TrialResult


def default_params(space: SearchSpace, learner: str) -> dict[str, Any]:
    """``learner``'s default configuration in the joint space's names, or just the learner."""
    from tunesmith.learners import get_learner

    params: dict[str, Any] = {"learner": learner}
    for key, value in get_learner(learner).default_config.items():
        name = f"{learner}.{key}"
        if name in space.names:
            params[name] = value
    params = {k: v for k, v in params.items() if space.is_active(k, params)}
    try:
        space.validate(params)
    except SearchSpaceError:
        return {"learner": learner}
    return params


def next_learner(
    active: Sequence[str],
    trials: Sequence[TrialResult],
    running: Sequence[str],
    *,
    seed: int,
    number: int,
) -> tuple[str, bool]:
    """The learner of trial ``number``, and whether it is that learner's first trial.

    Args:
        active: The plan's learners now, in plan order.
        trials: Finished trials.
        running: Learners of the trials running now.
        seed: The run's seed.
        number: The trial number about to be asked.
    """
    tried = {t.params.get("learner") for t in trials} | set(running)
    for name in active:
        if name not in tried:
            return name, True
    best: dict[str, float] = {}
    for t in trials:
        learner = str(t.params.get("learner"))
        if t.state == "complete" and t.value is not None and learner in active:
            best[learner] = min(best.get(learner, math.inf), t.value)
    order = sorted(active, key=lambda n: (best.get(n, math.inf), list(active).index(n)))
    weights = 0.5 ** np.arange(len(order))
    rng = np.random.default_rng([seed, number])
    return order[int(rng.choice(len(order), p=weights / weights.sum()))], False
