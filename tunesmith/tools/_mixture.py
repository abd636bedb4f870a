"""The hybrid sampler's choice: LLM and GP predictions mixed by what each has shown it knows.

A surrogate's evidence on a trial is the log-likelihood of the observed score under its
prediction for that configuration, against under its own average prediction over the other
candidates it scored in the same step: log p(y | x) - log mean_j p(y | x_j). It is large when
the surrogate told this configuration apart, and about zero or below (Jensen's inequality) when
its predictions do not depend on the configuration, however well their shape fits. Plain
log-likelihood cannot tell these apart: the embedded 0.5B model ranks Bayesmark configurations
at chance, like its permuted-scores control, yet its NLL beat the GP's, because it echoes the
scores (often exactly repeated CV accuracies) shown in its prompt.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tunesmith.core import SearchSpace
from tunesmith.tools._gp_surrogate import GPSurrogate, gaussian_codes
from tunesmith.tools._llm_surrogate import LLMSurrogate, Prediction
from tunesmith.tools._llm_text import Observation

_W_BOUNDS = (0.02, 0.98)
_MARGIN = 0.5  # nats over the window the LLM must gain before it has a say
_N_REFERENCE = 4  # candidates the LLM scores while it has no say: the chosen one and 3 others
_FLOOR = 1e-3


class Mixture:
    """Mix the LLM's and the GP's predictions by their recent held-out evidence.

    Each chosen candidate's predictions (and those of the candidates scored beside it) are kept
    until its trial completes; then each surrogate's evidence (see the module docs) joins a
    window of ``window`` trials. The LLM's weight is the posterior of a two-model average with
    equal priors over the summed evidence, kept inside [0.02, 0.98]; it is 0 until the LLM's
    evidence exceeds half a nat. While it is 0 the hybrid sampler lets its fallback (Optuna's
    GP) choose and only :meth:`witness` es that choice, scored beside three others (evidence at
    less than half the cost of scoring the pool); :meth:`choose` does the same on its own
    pool. Once it has a say, the ensemble's first prompt scores the pool and the others only
    its ``n_refine`` best (None: the whole pool).
    """

    def __init__(
        self, *, window: int = 5, llm_only: bool = False, n_refine: int | None = 3
    ) -> None:
        self.llm_only = llm_only
        self.n_refine = n_refine
        self._pending: dict[int, dict[str, tuple[Prediction, int]]] = {}
        self._evidence: dict[str, collections.deque[float]] = {
            s: collections.deque(maxlen=window) for s in ("llm", "gp")
        }

    def observe(self, history: Sequence[Observation]) -> int:
        """Turn the kept predictions of the trials in ``history`` into evidence; how many."""
        added = 0
        for o in history:
            for name, (pred, index) in self._pending.pop(o.number, {}).items():
                self._evidence[name].append(_evidence(pred, index, o.value))
                added += 1
        return added

    def state(self) -> dict[str, list[float]]:
        """The evidence in the window (JSON-able), for :meth:`restore` in another process."""
        return {s: list(e) for s, e in self._evidence.items()}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take up a :meth:`state`: a resumed search keeps the weights it had earned.

        Raises:
            ValueError: ``state`` is not one that :meth:`state` wrote.
        """
        try:
            found = {s: [float(x) for x in state.get(s, [])] for s in self._evidence}
        except (AttributeError, TypeError, ValueError) as exc:
            raise ValueError(f"Not a mixture's state: {exc!r}") from exc
        if not all(math.isfinite(x) for values in found.values() for x in values):
            raise ValueError("Not a mixture's state: the evidence is not finite.")
        for name, values in found.items():
            self._evidence[name].clear()
            self._evidence[name].extend(values)  # the deque keeps the last ``window``

    def evidence(self) -> dict[str, float]:
        """Each surrogate's summed evidence over the window (absent before its first)."""
        return {s: sum(e) for s, e in self._evidence.items() if e}

    def llm_weight(self) -> float:
        if self.llm_only:
            return 1.0
        found = self.evidence()
        llm, gp = found.get("llm", 0.0), found.get("gp", 0.0)
        if llm <= _MARGIN:  # it has not yet shown that it tells configurations apart
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
        prompts: int | None = None,
    ) -> int:
        """Index in ``[*pool, *screen]`` of the candidate with the largest expected improvement.

        The LLM scores ``len(pool)`` candidates at most: the first ``n_fixed`` of ``pool`` (the
        ones it wrote), then the GP's best by expected improvement among the rest of ``pool``
        and ``screen`` (draws that only the GP sees: they cost it little and the LLM nothing).
        ``prompts``: while the LLM has a say, score with only the ensemble's first ``prompts``
        prompts (None: all of them).
        """
        codes = surrogate.codes(history)
        best = max(history, key=lambda o: codes.slope * o.value).value  # the highest code
        everyone = [*pool, *screen] if not self.llm_only else list(pool)
        short = list(range(len(everyone)))
        gp = None
        if not self.llm_only:
            mean, std = GPSurrogate(sub, seed=seed).predict(history, everyone)
            gp_all = gaussian_codes(mean, std, codes)
            ranked = np.argsort(-gp_all.expected_improvement(best)[n_fixed:], kind="stable")
            short = [*range(n_fixed), *(ranked[: max(len(pool) - n_fixed, 1)] + n_fixed)]
            gp = Prediction(gp_all.probs[short], codes)
        w = self.llm_weight()
        among = list(range(len(short)))
        llm = None
        if w > 0:
            llm, among = self._llm_prediction(
                surrogate, history, [everyone[i] for i in short], gp, w, best, prompts
            )
        if llm is not None and gp is not None:
            probs = w * llm.probs + (1.0 - w) * gp.probs
        else:
            only = llm if llm is not None else gp
            assert only is not None  # llm_only implies w == 1, so llm is set
            probs = only.probs
        ei = Prediction(probs, codes).expected_improvement(best)
        pick = among[int(np.argmax(ei[among]))]
        if llm is None:  # no say yet: score the choice and a few others, for evidence only
            rng = np.random.default_rng(None if seed is None else [seed, number])
            others = [i for i in range(len(short)) if i != pick]
            scored = [pick, *rng.permutation(others)[: _N_REFERENCE - 1].tolist()]
            llm = surrogate.predict(history, [everyone[short[i]] for i in scored])
            gp = None if gp is None else Prediction(gp.probs[scored], codes)
            kept = {"llm": (llm, 0)} | ({} if gp is None else {"gp": (gp, 0)})
        else:
            kept = {"llm": (llm, pick)} | ({} if gp is None else {"gp": (gp, pick)})
        self._pending[number] = kept
        return short[pick]

    def _llm_prediction(
        self,
        surrogate: LLMSurrogate,
        history: Sequence[Observation],
        candidates: Sequence[Mapping[str, Any]],
        gp: Prediction | None,
        w: float,
        best: float,
        prompts: int | None = None,
    ) -> tuple[Prediction, list[int]]:
        """The LLM's prediction for ``candidates``, and the indices the choice is made among.

        With ``n_refine`` set and more candidates than that, the ensemble's first prompt scores
        them all and the other prompts only the ``n_refine`` best by the mixture's expected
        improvement so far, which the choice is then made among: a few other prompts' rows
        instead of all of them (the scoring's cost is its rows' tokens), and the chosen
        candidate's prediction, which the evidence is read from, is still the whole ensemble's.
        """
        n, k = len(candidates), self.n_refine
        m = surrogate.n_members if prompts is None else max(1, min(prompts, surrogate.n_members))
        if m < 2 or k is None or n <= k:
            members = surrogate.predict_members(history, candidates, members=range(m))
            return Prediction.average(members), list(range(n))
        first = surrogate.predict_members(history, candidates, members=[0])[0]
        mixed = first.probs if gp is None else w * first.probs + (1.0 - w) * gp.probs
        ei = Prediction(mixed, first.codes).expected_improvement(best)
        top = sorted(np.argsort(-ei, kind="stable")[: max(k, 1)].tolist())
        rest = surrogate.predict_members(
            history, [candidates[i] for i in top], members=range(1, m)
        )
        probs = first.probs.copy()
        probs[top] = np.mean([first.probs[top], *(p.probs for p in rest)], axis=0)
        return Prediction(probs, first.codes), top

    def witness(
        self,
        number: int,
        surrogate: LLMSurrogate,
        sub: SearchSpace,
        history: Sequence[Observation],
        scored: Sequence[Mapping[str, Any]],
        seed: int | None,
    ) -> None:
        """Keep both surrogates' predictions for ``scored``, whose first entry is what trial
        ``number`` will evaluate (chosen elsewhere), for the evidence once it completes."""
        codes = surrogate.codes(history)
        kept = {"llm": (surrogate.predict(history, scored), 0)}
        if not self.llm_only:
            mean, std = GPSurrogate(sub, seed=seed).predict(history, scored)
            kept["gp"] = (gaussian_codes(mean, std, codes), 0)
        self._pending[number] = kept


def _evidence(pred: Prediction, index: int, value: float) -> float:
    """log p(value | candidate ``index``) - log of its mean over the scored candidates."""
    code = pred.codes.code(value)
    own = max(float(pred.probs[index, code]), _FLOOR)
    typical = max(float(pred.probs[:, code].mean()), _FLOOR)
    return math.log(own / typical)
