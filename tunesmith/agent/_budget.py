"""The run loop's budget: trial counts, the stopping rules, the deadline and a trial's limit."""

from __future__ import annotations

import dataclasses
import math
import time

from tunesmith.agent._config import RunConfig, StopReason
from tunesmith.agent._store import INTERRUPTED
from tunesmith.core import TrialResult


@dataclasses.dataclass
class Progress:
    """Counts for the stopping rules; trials are added in the order they finished."""

    n_counted: int = 0
    best_loss: float = math.inf
    best_number: int | None = None
    since_best: int = 0

    def add(self, result: TrialResult) -> bool:
        """Count a finished trial; return whether it is a new best."""
        if result.state == "failed" and (result.error or "").startswith(INTERRUPTED):
            return False
        self.n_counted += 1
        if result.state == "complete" and result.value is not None:
            if result.value < self.best_loss:
                self.best_loss, self.best_number, self.since_best = result.value, result.number, 0
                return True
        self.since_best += 1
        return False


def stop_reason(
    config: RunConfig, progress: Progress, deadline: float | None, *, stopped: bool
) -> StopReason | None:
    """Why the search should stop asking for trials now, or None to go on."""
    if stopped:
        return "user"
    if trials_left(config, progress) <= 0:
        return "max_trials"
    if deadline is not None and time.monotonic() >= deadline:
        return "time_budget"
    if config.plateau_trials is not None and progress.since_best >= config.plateau_trials:
        return "plateau"
    return None


def trials_left(config: RunConfig, progress: Progress) -> float:
    if config.max_trials is None:
        return math.inf
    return config.max_trials - progress.n_counted


def search_deadline(config: RunConfig, started: float | None) -> float | None:
    """When the search stops asking for trials.

    The budget counts from ``started`` (e.g. before planning), but the search itself always
    gets at least a tenth of it (and 5 s, or the whole budget if that is shorter): a slow plan
    must not leave no time to train, and a search never gets more than the budget.
    """
    if config.time_budget_s is None:
        return None
    now = time.monotonic()
    budget = config.time_budget_s
    floor = now + min(budget, max(5.0, 0.1 * budget))
    start = now if started is None else started
    return max(start + budget, floor)


def trial_limit(config: RunConfig, deadline: float | None) -> float | None:
    """A trial may run to the deadline plus a grace period, and no longer than its timeout."""
    limits = [] if config.trial_timeout_s is None else [config.trial_timeout_s]
    if deadline is not None and config.time_budget_s is not None:
        grace = max(5.0, 0.1 * config.time_budget_s)
        limits.append(max(deadline - time.monotonic(), 0.0) + grace)
    return min(limits) if limits else None
