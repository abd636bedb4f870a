"""The hybrid sampler's parts: the candidate pool, the surrogate mixture, and its counters."""

from __future__ import annotations

import collections
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.core import SearchSpace
from tunesmith.tools._gp_surrogate import GPSurrogate, flat_codes, gaussian_codes
from tunesmith.tools._llm_propose import usable
from tunesmith.tools._llm_surrogate import LLMSurrogate, Prediction
from tunesmith.tools._llm_text import Observation

if TYPE_CHECKING:
    from optuna.study import Study
    from optuna.trial import FrozenTrial

    from tunesmith.llm import LLMCall, ScoringUsage

logger = logging.getLogger(__name__)
_W_BOUNDS = (0.02, 0.98)
_MARGIN = 1.0  # nats over the window the LLM must gain on the reference before it has a say
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
        }


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


class Mixture:
    """Mix the LLM's and the GP's predictions, weighted by recent held-out log-likelihood.

    Each chosen candidate's predictions are kept until its trial completes; then the
    log-probability each surrogate gave to the observed score's code joins a window of
    ``window`` trials. Both are measured against a no-skill reference (the history's own codes,
    smoothed: the same distribution for every candidate), because a model can score a good
    log-likelihood without telling candidates apart: the embedded 0.5B model's did better
    than the GP's while ranking at chance, by echoing the scores it was shown. The LLM's
    weight is the posterior of a two-model average with equal priors over the window, kept
    inside [0.02, 0.98]; it is 0 until the LLM has beaten the reference by more than one nat
    over the window (a likelihood ratio of e). While it is 0 the GP chooses
    alone and the LLM predicts only the chosen candidate, to keep earning evidence at a tenth
    of the cost of scoring the pool.
    """

    def __init__(self, *, window: int = 5, llm_only: bool = False) -> None:
        self.llm_only = llm_only
        self._pending: dict[int, dict[str, Prediction]] = {}
        self._ll: dict[str, collections.deque[float]] = {
            s: collections.deque(maxlen=window) for s in ("llm", "gp", "flat")
        }

    def observe(self, history: Sequence[Observation]) -> None:
        for o in history:
            pending = self._pending.pop(o.number, None)
            if pending is None:
                continue
            for name, pred in pending.items():
                self._ll[name].append(pred.log_likelihood(0, o.value))

    def gains(self) -> dict[str, float]:
        """Each surrogate's summed log-likelihood over the reference's, in the window."""
        flat = sum(self._ll["flat"])
        return {s: sum(self._ll[s]) - flat for s in ("llm", "gp") if self._ll[s]}

    def llm_weight(self) -> float:
        if self.llm_only:
            return 1.0
        gains = self.gains()
        llm, gp = gains.get("llm", 0.0), gains.get("gp", 0.0)
        if llm <= _MARGIN:  # not yet clearly better than copying the history's scores
            return 0.0
        return float(np.clip(1.0 / (1.0 + math.exp(-np.clip(llm - gp, -50, 50))), *_W_BOUNDS))

    def choose(
        self,
        number: int,
        surrogate: LLMSurrogate,
        sub: SearchSpace,
        history: Sequence[Observation],
        pool: Sequence[Mapping[str, Any]],
        seed: int | None,
        *,
        n_fixed: int = 0,
        screen: Sequence[Mapping[str, Any]] = (),
    ) -> int:
        """Index in ``[*pool, *screen]`` of the candidate with the largest expected improvement.

        The LLM scores ``len(pool)`` candidates at most: the first ``n_fixed`` of ``pool`` (the
        ones it wrote), then the GP's best by expected improvement among the rest of ``pool``
        and ``screen`` (draws that only the GP sees: they cost it little and the LLM nothing).
        """
        codes = surrogate.codes(history)
        best = max(history, key=lambda o: codes.slope * o.value).value  # the highest code
        everyone = [*pool, *screen] if not self.llm_only else list(pool)
        short = list(range(len(everyone)))
        preds: dict[str, Prediction] = {}
        if not self.llm_only:
            mean, std = GPSurrogate(sub, seed=seed).predict(history, everyone)
            gp = gaussian_codes(mean, std, codes)
            ranked = np.argsort(-gp.expected_improvement(best)[n_fixed:], kind="stable") + n_fixed
            short = [*range(n_fixed), *ranked[: max(len(pool) - n_fixed, 1)].tolist()]
            preds["gp"] = Prediction(gp.probs[short], codes)
            preds["flat"] = flat_codes(history, len(short), codes)
        w = self.llm_weight()
        if w > 0.0:
            preds["llm"] = surrogate.predict(history, [everyone[i] for i in short])
            probs = preds["llm"].probs if self.llm_only else (
                w * preds["llm"].probs + (1.0 - w) * preds["gp"].probs
            )  # fmt: skip
        else:
            probs = preds["gp"].probs
        pick = int(np.argmax(Prediction(probs, codes).expected_improvement(best)))
        kept = {n: Prediction(p.probs[pick : pick + 1], codes) for n, p in preds.items()}
        if "llm" not in kept:  # still earning its weight: predict the chosen candidate only
            kept["llm"] = surrogate.predict(history, [everyone[short[pick]]])
        self._pending[number] = kept
        return short[pick]
