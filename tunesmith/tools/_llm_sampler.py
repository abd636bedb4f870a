"""``HybridSampler`` and ``LLMSampler``: Optuna samplers driven by the LLM surrogate.

Per trial (in the branch of a conditional space that the trial's fixed parameters select):

1. **Warm start.** While the branch has fewer than ``n_warmup`` complete trials, the default
   configuration and then the LLM's zero-shot proposals are tried.
2. **Candidates.** ``n_llm_candidates`` target-conditioned LLM proposals, pooled with TPE draws
   and uniform draws up to ``n_candidates``, so the pool never collapses onto the bounds.
3. **Scoring.** The LLM surrogate's predictive distribution (one pass per candidate and
   prompt; the prompts after the first score only the first's ``n_refine`` best) and, in
   the hybrid, a GP's, mixed with weights that follow each surrogate's log-likelihood of the
   last ``window`` trials, scored before they were observed. The candidate with the largest
   expected improvement is returned.

Without an LLM, or after ``max_failures`` LLM failures in a row, every trial goes to the
fallback sampler (Optuna's GP sampler; TPE on a conditional space). So does a trial whose LLM
step would not end by the search's deadline (:meth:`HybridSampler.set_deadline`), or was cut
at it. Per-trial provenance and the running counts are stored in the trial's system attribute
``tunesmith:sampler``.

What a search has learnt (the mixture's evidence, each branch's prompt state) is kept in the
study by ``_llm_memory``, so a resumed search keeps the LLM's earned weight and writes the
prompts the last process would have; with ``prefix_cache`` their KV states are on disk too.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from optuna.samplers import BaseSampler
from optuna.study import StudyDirection
from optuna.trial import TrialState

from tunesmith.core import LLMDeadlineError, SearchSpace
from tunesmith.tools import _llm_branches, _llm_memory, _llm_propose
from tunesmith.tools._llm_effort import StepEffort
from tunesmith.tools._llm_pool import (
    SamplerStats,
    TimeShare,
    gp_choice,
    pool_candidates,
    screen_draws,
    usage_snapshot,
)
from tunesmith.tools._llm_surrogate import LLMSurrogate, SurrogateContext
from tunesmith.tools._llm_text import Observation
from tunesmith.tools._mixture import Mixture
from tunesmith.tools._samplers import fallback_sampler, gp_chooser

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from optuna.distributions import BaseDistribution
    from optuna.study import Study
    from optuna.trial import FrozenTrial

    from tunesmith.llm import ScoreReader

logger = logging.getLogger(__name__)
_ATTR = "tunesmith:sampler"


class HybridSampler(BaseSampler):
    """LLM warm start, then LLM + TPE candidates scored by a likelihood-weighted LLM/GP mix.

    Args:
        space: The study's search space (conditional spaces work per branch).
        llm: A chat model, an ``llm.load`` spec (e.g. ``"embedded"``), or None for the
            fallback alone.
        reader: The score reader to use instead of ``tunesmith.llm.score_reader(llm)``.
        context: What is tuned: one :class:`SurrogateContext`, or one per branch value.
        defaults: Default configuration(s) tried first: one mapping, or one per branch value.
        seed: Seed of every random choice.
        n_warmup: Complete trials per branch before candidates are scored.
        n_candidates: Candidates the LLM scores per trial (the pool).
        n_screen: Further uniform draws per trial that only the GP scores; its best join the
            pool (the LLM's cost stays ``n_candidates``, the GP searches wider).
        n_llm_candidates: How many of the pool the LLM writes.
        n_members: Differently ordered prompts in the LLM surrogate's ensemble.
        n_refine: While the LLM has a say, the ensemble's first prompt scores the whole pool
            and the others only its ``n_refine`` best by expected improvement, which the
            choice is made among (None: every prompt scores the whole pool).
        history_cap: Most history points shown to the LLM.
        alpha: Exploration of the LLM's target score (LLAMBO's alpha).
        use_gp: Mix in the GP (False: the LLM surrogate alone, :class:`LLMSampler`).
        permute_scores: Control: the LLM sees the history with its scores permuted.
        window: Recent trials whose log-likelihood sets the mixture weights.
        max_failures: LLM failures in a row before the LLM is switched off for the study.
        max_llm_share: If set, the LLM's share of the wall time since the first trial this
            sampler proposed: while the next LLM step would take it above that, trials go
            to the fallback (source ``"fallback-budget"``), so fast trials are not held up
            by a slow LLM. Whatever the share, a trial whose local model is busy with another
            thread's request (another tab's plan) goes to the fallback (``"fallback-busy"``)
            rather than wait for it.
        prefix_cache: A folder where the score reader (llama.cpp, transformers) also keeps
            its prompts' KV states (``score_reader(cache_dir=...)``), so a resumed search's
            first LLM step is not cold; the agent uses its run's ``llm-cache``. None: memory.
        step_seconds: If set, the wall time a step with a say should take at most: slower
            steps make the LLM do less, faster ones more (``tunesmith.tools._llm_effort``).
            Trials then depend on the machine; None (the default) keeps them reproducible.
    """

    def __init__(
        self,
        space: SearchSpace,
        *,
        llm: BaseChatModel | str | None = None,
        reader: ScoreReader | None = None,
        context: SurrogateContext | Mapping[Any, SurrogateContext] | None = None,
        defaults: Mapping[str, Any] | Mapping[Any, Mapping[str, Any]] | None = None,
        seed: int | None = None,
        n_warmup: int = 5,
        n_candidates: int = 10,
        n_screen: int = 200,
        n_llm_candidates: int = 2,
        n_members: int = 2,
        n_refine: int | None = 3,
        history_cap: int = 40,
        alpha: float = 0.1,
        use_gp: bool = True,
        permute_scores: bool = False,
        window: int = 5,
        max_failures: int = 3,
        max_llm_share: float | None = None,
        prefix_cache: str | os.PathLike[str] | None = None,
        step_seconds: float | None = None,
    ) -> None:
        self.space = space
        self.llm = llm
        self.reader = reader
        self.context = context
        self.defaults = defaults
        self.seed = seed
        self.n_warmup = n_warmup
        self.n_candidates = n_candidates
        self.n_screen = n_screen
        self.n_llm_candidates = n_llm_candidates
        self.n_members = n_members
        self.n_refine = n_refine
        self.history_cap = history_cap
        self.alpha = alpha
        self.use_gp = use_gp
        self.permute_scores = permute_scores
        self.window = window
        self.max_failures = max_failures
        self.max_llm_share = max_llm_share
        self.prefix_cache = prefix_cache
        self.step_seconds = step_seconds
        self._effort = StepEffort(step_seconds)
        self._resumed = False  # the mixture's saved evidence read (once per process)
        self._share = TimeShare(max_llm_share)
        self.stats = SamplerStats()
        self._distributions = space.distributions()
        self._fallback = fallback_sampler(space, seed)
        self._chooser = gp_chooser(space, seed)
        self._model: Any = None
        self._surrogates: dict[Any, LLMSurrogate] = {}
        self._warm = _llm_propose.WarmStarts(n_warmup)
        self._mixture = Mixture(window=window, llm_only=not use_gp, n_refine=n_refine)

    def __getstate__(self) -> dict[str, Any]:
        # Ray Tune pickles its searcher to checkpoint it. A loaded model and its score reader
        # are not picklable: a copy keeps a spec string (reloaded on use) and drops an object.
        state = dict(self.__dict__)
        # A deadline is a reading of this machine's monotonic clock: a copy starts without one.
        share = dataclasses.replace(self._share, deadline=None)
        state.update(_model=None, _surrogates={}, reader=None, _share=share)
        if not isinstance(self.llm, str):
            state["llm"] = None
        return state

    # -- Optuna interface ---------------------------------------------------------------------

    def reseed_rng(self) -> None:
        self._fallback.reseed_rng()

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        self._fallback.before_trial(study, trial)

    def after_trial(
        self, study: Study, trial: FrozenTrial, state: Any, values: Sequence[float] | None
    ) -> None:
        self._fallback.after_trial(study, trial, state, values)
        # The evidence of a finished trial is read now, not at the next ask, so a search that
        # stops here keeps it (a resumed one starts from the saved window).
        if state == TrialState.COMPLETE and values is not None and len(values) == 1:
            done = Observation(trial.number, {}, float(values[0]))
            if math.isfinite(done.value) and self._mixture.observe([done]):
                _llm_memory.save_mixture(study, self._mixture)

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._distributions)

    def sample_independent(
        self, study: Study, trial: FrozenTrial, name: str, distribution: BaseDistribution
    ) -> Any:
        return self._fallback.sample_independent(study, trial, name, distribution)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        fixed = dict(trial.system_attrs.get("fixed_params", {}))
        branch = _llm_branches.branch(self.space, fixed)
        if branch is None or len(study.directions) != 1:
            return self._delegate(study, trial, "fallback")
        key, sub = branch
        if not sub.params:
            return {}
        history = _llm_branches.history(self.space, study, sub, fixed)
        if not self._resumed:  # the mixture's evidence saved by an earlier process
            self._resumed = True
            _llm_memory.restore_mixture(study, self._mixture)
        if self._mixture.observe(history):
            _llm_memory.save_mixture(study, self._mixture)
        held_back = self._held_back(key, history)
        if held_back is not None:
            return self._delegate(study, trial, held_back)
        from tunesmith.llm import claim, deadline

        before, started, cut = self._llm_seconds(), time.perf_counter(), False
        say = len(history) >= self.n_warmup and self._mixture.llm_weight() > 0
        with claim(self._llm()) as free:  # another user's request (a tab planning): no wait
            if not free:
                return self._delegate(study, trial, "fallback-busy")
            try:
                with deadline(self._share.deadline):
                    config, source = self._propose(study, trial, key, sub, history)
            except LLMDeadlineError as exc:  # not a failure: the search is about to stop
                self.stats.cuts += 1
                logger.info("Trial %d: %s The fallback proposes it.", trial.number, exc)
                config, source, cut = None, "fallback-deadline", True
            except Exception as exc:  # an LLM failure must never end the study
                self.stats.failed(exc)
                logger.warning(
                    "LLM sampler failed on trial %d (%s); falling back", trial.number, exc
                )
                config, source = None, "fallback"
        spent = self._llm_seconds() - before
        self._share.took(spent)
        if self.stats.consecutive_failures == 0 and config is not None:
            self._record(study, trial, source)  # with the effort level the step ran at
            if say:  # the step's wall time (the readers' own count where it is larger)
                self._effort.took(max(spent, time.perf_counter() - started))
            return config
        return self._delegate(study, trial, "fallback-deadline" if cut else "fallback")

    def set_deadline(self, at: float | None) -> None:
        """When the search stops asking for trials (``time.monotonic()`` seconds; None: no
        limit). Past it, or when the last LLM step took longer than the time left, a trial
        goes to the fallback (``"fallback-deadline"``); a step under way stops at it (the
        score readers check it as they go) and the trial goes to the fallback too."""
        self._share.deadline = at

    # -- internals ---------------------------------------------------------------------------

    def _propose(
        self, study: Study, trial: FrozenTrial, key: Any, sub: SearchSpace, history: list[Any]
    ) -> tuple[dict[str, Any] | None, str]:
        model = self._llm()
        if model is None:
            return None, "fallback"
        context = _llm_branches.context_for(self.context, key)
        direction = _direction(study)
        if len(history) < self.n_warmup:
            default = _llm_branches.default_for(self.defaults, key, sub)
            config = self._warm.next_config(
                model, key, sub, context, history,
                direction=direction, default=default, stats=self.stats,
            )  # fmt: skip
            return config, "llm-warm-start"
        if len(history) < 2:
            return None, "fallback"
        rng = np.random.default_rng(None if self.seed is None else [self.seed, trial.number])
        surrogate = self._surrogate(study, key, sub, context, direction)
        before = usage_snapshot(surrogate.reader.usage)
        try:  # what the reader spent counts, whether the step finished, failed or was cut
            return self._scored_step(study, trial, sub, history, surrogate, rng)
        finally:
            self.stats.scored(surrogate.reader.usage, before)
            _llm_memory.save_surrogate(study, key, surrogate)

    def _scored_step(
        self,
        study: Study,
        trial: FrozenTrial,
        sub: SearchSpace,
        history: list[Any],
        surrogate: LLMSurrogate,
        rng: np.random.Generator,
    ) -> tuple[dict[str, Any] | None, str]:
        model, context, direction = self._model, surrogate.context, surrogate.direction
        no_say = self.use_gp and self._mixture.llm_weight() == 0.0
        if no_say and self._chooser is not None:
            config = gp_choice(
                self._chooser, self._mixture, study, trial, sub, history, surrogate, rng,
                seed=self.seed,
            )  # fmt: skip
            if config is not None:
                self.stats.succeeded()
                return config, "gp-llm-scored"
        n_rows = self._effort.rows(self.n_llm_candidates)
        if n_rows <= 0 or no_say:
            # Nothing to write, or the LLM has no say yet (the GP chooses from the pool, as on a
            # conditional space): the writer's prompt is not touched, no chat request is made.
            llm_part: list[dict[str, Any]] = []
        elif surrogate.can_generate:  # rows continued from a cached prompt: cheap
            seed = int(rng.integers(2**31))
            llm_part = surrogate.propose(history, n_rows, alpha=self.alpha, seed=seed)
            llm_part = _llm_propose.usable(sub, llm_part, [o.params for o in history])
        else:  # a chat request with the configuration schema
            llm_part = _llm_propose.candidates(
                model, sub, context, history, n_rows,
                direction=direction, alpha=self.alpha, calls=self.stats.calls,
            )  # fmt: skip
        n_pool = self.n_candidates if no_say else self._effort.pool(self.n_candidates)
        pool = pool_candidates(study, trial, sub, history, llm_part, n_pool, rng)
        screen = screen_draws(sub, [*(o.params for o in history), *pool], self.n_screen, rng)
        chosen = self._mixture.choose(
            trial.number, surrogate, sub, history, pool, self.seed,
            n_fixed=len(llm_part), screen=screen, prompts=self._effort.prompts(self.n_members),
        )  # fmt: skip
        self.stats.succeeded()
        candidates = [*pool, *screen]
        source = ("llm-candidate" if chosen < len(llm_part)
                  else "pool-candidate" if chosen < len(pool) else "screen-candidate")  # fmt: skip
        return dict(candidates[chosen]), source

    def _held_back(self, key: Any, history: list[Any]) -> str | None:
        """The fallback's source if the next LLM step must not be taken: it would take the
        LLM past ``max_llm_share`` of the wall time, or not end by the deadline (cached
        warm-start proposals cost nothing and are always allowed)."""
        allowed = self._share.allows_step(self._llm_seconds())  # the clock starts on trial 1
        if self.llm is None or (self._warm.asked(key) and len(history) < self.n_warmup):
            return None
        if not allowed:
            return "fallback-budget"
        return "fallback-deadline" if self._share.too_late() else None

    def _llm_seconds(self) -> float:
        return float(self.stats.counts()["llm_seconds"])

    def _llm(self) -> Any:
        if self.llm is None or self.stats.disabled(self.max_failures):
            return None
        if self._model is None:
            from tunesmith.llm import load

            self._model = load(self.llm) if isinstance(self.llm, str) else self.llm
        return self._model

    def _surrogate(
        self, study: Study, key: Any, sub: SearchSpace, context: SurrogateContext, direction: Any
    ) -> LLMSurrogate:
        if key not in self._surrogates:
            reader = self.reader
            if reader is None:
                from tunesmith.llm import score_reader

                reader = score_reader(self._model, cache_dir=self.prefix_cache)
            surrogate = LLMSurrogate(
                reader, sub, context, direction=direction,
                n_members=self.n_members, history_cap=self.history_cap,
                permute_scores=self.permute_scores, seed=self.seed,
            )  # fmt: skip
            _llm_memory.restore_surrogate(study, key, surrogate)
            self._surrogates[key] = surrogate
        return self._surrogates[key]

    def _delegate(self, study: Study, trial: FrozenTrial, source: str) -> dict[str, Any]:
        self._record(study, trial, source)
        space = self._fallback.infer_relative_search_space(study, trial)
        return self._fallback.sample_relative(study, trial, space) if space else {}

    def _record(self, study: Study, trial: FrozenTrial, source: str) -> None:
        self.stats.sources[source] = self.stats.sources.get(source, 0) + 1
        info: dict[str, Any] = {"source": source, "llm_weight": self._mixture.llm_weight()}
        info |= {"llm_effort": self._effort.level, **self.stats.counts()}
        study._storage.set_trial_system_attr(trial._trial_id, _ATTR, info)


class LLMSampler(HybridSampler):
    """The LLM alone: warm start, LLM + TPE candidates, scored by the LLM surrogate only."""

    def __init__(self, space: SearchSpace, **options: Any) -> None:
        options.setdefault("use_gp", False)
        super().__init__(space, **options)


def _direction(study: Study) -> Any:
    return "minimize" if study.direction == StudyDirection.MINIMIZE else "maximize"
