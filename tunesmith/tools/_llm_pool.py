"""The hybrid sampler's parts: the candidate pool, its counters, and the LLM's time share."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.core import SearchSpace
from tunesmith.tools._llm_propose import usable
from tunesmith.tools._llm_text import Observation

if TYPE_CHECKING:
    from optuna.samplers import BaseSampler
    from optuna.study import Study
    from optuna.trial import FrozenTrial

    from tunesmith.llm import LLMCall, ScoringUsage
    from tunesmith.tools._llm_surrogate import LLMSurrogate
    from tunesmith.tools._mixture import Mixture

logger = logging.getLogger(__name__)
_USAGE_FIELDS = ("requests", "prompt_tokens", "cached_tokens", "completion_tokens", "seconds")


def usage_snapshot(usage: Any = None) -> ScoringUsage:
    """A copy of a reader's ``usage`` (any object with :class:`ScoringUsage`'s fields), or a
    zero one."""
    from tunesmith.llm import ScoringUsage  # tunesmith.llm imports langchain: only on use

    if usage is None:
        return ScoringUsage()
    return ScoringUsage(**{name: getattr(usage, name) for name in _USAGE_FIELDS})


@dataclass
class SamplerStats:
    """What the LLM sampler spent and how often it failed (all JSON-friendly numbers)."""

    calls: list[LLMCall] = field(default_factory=list)
    failures: int = 0
    consecutive_failures: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    scoring: ScoringUsage = field(default_factory=usage_snapshot)  # what scoring cost in all
    warm_asked: int = 0  # warm-start configurations asked of the LLM (the default not counted)
    warm_usable: int = 0  # of those, valid and unlike the default and each other
    cuts: int = 0  # LLM steps stopped at the search's deadline

    def failed(self, exc: Exception) -> None:
        self.failures += 1
        self.consecutive_failures += 1

    def succeeded(self) -> None:
        self.consecutive_failures = 0

    def disabled(self, max_failures: int) -> bool:
        return self.consecutive_failures >= max_failures

    def scored(self, after: ScoringUsage, before: ScoringUsage) -> None:
        """Add what a reader spent between two snapshots of its ``usage``."""
        for name in _USAGE_FIELDS:
            spent = getattr(after, name) - getattr(before, name)
            setattr(self.scoring, name, getattr(self.scoring, name) + spent)

    def counts(self) -> dict[str, Any]:
        """Totals so far: LLM requests and tokens (proposals + scoring), failures, seconds."""
        u = self.scoring
        return {
            "llm_requests": len(self.calls) + u.requests,
            "prompt_tokens": sum(c.prompt_tokens for c in self.calls) + u.prompt_tokens,
            "cached_tokens": u.cached_tokens,
            "completion_tokens": sum(c.completion_tokens for c in self.calls)
            + u.completion_tokens,
            "llm_seconds": round(sum(c.latency_s for c in self.calls) + u.seconds, 3),
            "llm_failures": self.failures + sum(not c.ok for c in self.calls),
            "warm_start_asked": self.warm_asked,
            "warm_start_usable": self.warm_usable,
            "llm_deadline_cuts": self.cuts,
        }


@dataclass
class TimeShare:
    """The LLM's share of a search's wall time, counted from the first step asked about, and
    the search's deadline.

    A step is expected to cost what the last one did, so the share and the deadline are
    checked before a step is taken and one slow step cannot overrun the share by much.
    """

    share: float | None
    started: float | None = None
    step_seconds: float = 0.0  # what the last LLM step took
    deadline: float | None = None  # when the search stops asking for trials (monotonic)

    def allows_step(self, spent: float) -> bool:
        """Whether one more step keeps the LLM's ``spent`` seconds within the share."""
        now = time.monotonic()
        if self.started is None:
            self.started = now
        if self.share is None:
            return True
        elapsed = now - self.started + self.step_seconds
        return spent + self.step_seconds <= self.share * max(elapsed, 1e-9)

    def too_late(self) -> bool:
        """Whether the time to the deadline is shorter than the next step is expected to take
        (what the last one took: a first step is tried, and cut at the deadline)."""
        if self.deadline is None:
            return False
        left = self.deadline - time.monotonic()
        return left <= 0 or left < self.step_seconds

    def took(self, seconds: float) -> None:
        """Record a step's LLM seconds (a step that used no LLM time changes nothing)."""
        if seconds > 0:
            self.step_seconds = seconds


def pool_candidates(
    study: Study,
    trial: FrozenTrial,
    sub: SearchSpace,
    history: Sequence[Observation],
    llm_part: Sequence[Mapping[str, Any]],
    n: int,
    rng: np.random.Generator,
) -> list[dict[str, Any]]:
    """``llm_part`` first, then TPE draws (about 70%) and uniform draws, de-duplicated."""
    rest = max(n - len(llm_part), 1)
    drawn: list[Mapping[str, Any]] = list(llm_part)
    drawn += _tpe_draws(study, trial, sub, math.ceil(0.7 * rest), rng)
    pool = usable(sub, drawn, [o.params for o in history])
    for _ in range(5):  # top up with uniform draws past any duplicates
        if len(pool) >= n:
            break
        extra = sub.sample(n - len(pool), seed=int(rng.integers(2**31)))
        pool += usable(sub, extra, [*(o.params for o in history), *pool])
    return pool[:n]


def gp_choice(
    chooser: BaseSampler,
    mixture: Mixture,
    study: Study,
    trial: FrozenTrial,
    sub: SearchSpace,
    history: list[Observation],
    surrogate: LLMSurrogate,
    rng: np.random.Generator,
    *,
    seed: int | None,
) -> dict[str, Any] | None:
    """While the LLM has no say: Optuna's GP sampler's configuration (its own acquisition
    optimiser), which the LLM scores beside three pool draws, for evidence only; None if the
    GP did not give every parameter of ``sub`` (the pool and the mixture choose then)."""
    space = chooser.infer_relative_search_space(study, trial)
    drawn = chooser.sample_relative(study, trial, space) if space else {}
    if not set(sub.names) <= set(drawn):
        return None
    config = {n: drawn[n] for n in sub.names}
    others = pool_candidates(study, trial, sub, history, [], 3, rng)
    mixture.witness(trial.number, surrogate, sub, history, [config, *others], seed)
    return dict(drawn)


def screen_draws(
    sub: SearchSpace, taken: Sequence[Mapping[str, Any]], n: int, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """``n`` uniform draws (fewer after de-duplication against ``taken``) for the GP alone."""
    if n <= 0:
        return []
    return usable(sub, sub.sample(n, seed=int(rng.integers(2**31))), list(taken))


def _tpe_draws(
    study: Study, trial: FrozenTrial, sub: SearchSpace, k: int, rng: np.random.Generator
) -> list[dict[str, Any]]:
    from optuna.samplers import TPESampler

    out = []
    distributions = sub.distributions()
    for _ in range(k):
        tpe = TPESampler(
            seed=int(rng.integers(2**31)),
            multivariate=True,
            n_startup_trials=0,
        )
        try:
            draw = tpe.sample_relative(study, trial, distributions)
        except Exception as exc:  # TPE refuses some histories; uniform draws take over
            logger.debug("TPE draw failed: %s", exc)
            break
        if set(draw) == set(sub.names):
            out.append(draw)
    return out
