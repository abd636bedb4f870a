"""Does the hybrid's cascade choose what scoring every candidate with every prompt would?

Usage: python benchmarks/surrogate_cascade.py [--llm SPEC] [--problems RF-breast-acc,...]
                                              [--observed 30] [--pools 8] [--refine 2,3,5]

While the LLM has a say, the hybrid's first prompt scores the pool and the other prompts only
the first's ``n_refine`` best by expected improvement (tools/_mixture.py). For each problem, with
``--observed`` evaluated random configurations as the history, each of ``--pools`` pools of 10
evaluated random configurations is scored once by both prompts (2 members); the mixture's
choice is then replayed from those predictions with every ``n_refine`` and with the whole
ensemble on the whole pool (``all``), at an LLM weight of 0.98 (the LLM decides) and 0.5, and
by the GP alone (weight 0) for reference.
Prints, per weight and ``n_refine``: how often the choice is the whole ensemble's; how good
the chosen configuration truly is (5-fold CV, as Bayesmark evaluates it) within its pool: its
regret normalised by the pool's range (0: the pool's best, 1: its worst) and its rank (1 is
the best of 10); and the rows the prompts scored.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from tunesmith.evaluation.bayesmark import get_problem
from tunesmith.evaluation.bayesmark._context import problem_context
from tunesmith.llm import load, score_reader
from tunesmith.tools._llm_surrogate import LLMSurrogate
from tunesmith.tools._llm_text import Observation
from tunesmith.tools._mixture import Mixture

# The evidence that gives each LLM weight; at 0 the GP chooses alone (the reference).
WEIGHTS = {0.98: ([1.0] * 5, []), 0.5: ([0.2] * 5, [0.2] * 5), 0.0: ([], [])}


class ReplayReader:
    """The real score reader, asked once per prompt and row; later asks are answered from
    memory, so the mixture's choice can be replayed for every ``n_refine`` on the same
    predictions. ``rows`` counts the rows asked for since it was last reset."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.usage = reader.usage
        self.rows = 0
        self._memo: dict[tuple[str, str], np.ndarray] = {}

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        missing = [c for c in dict.fromkeys(continuations) if (prefix, c) not in self._memo]
        if missing:
            for text, row in zip(missing, self.reader.score_codes(prefix, missing), strict=True):
                self._memo[(prefix, text)] = np.asarray(row)
        self.rows += len(continuations)
        return np.array([self._memo[(prefix, c)] for c in continuations])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--problems", default="RF-breast-acc,SVM-wine-acc,DT-diabetes-mse")
    parser.add_argument("--observed", type=int, default=30)
    parser.add_argument("--pools", type=int, default=8)
    parser.add_argument("--refine", default="2,3,5")
    args = parser.parse_args()
    refines: list[int | None] = [int(k) for k in args.refine.split(",")] + [None]
    model = load(args.llm)
    results: dict[tuple[float, int | None], list[tuple[bool, float, int, int]]]
    results = defaultdict(list)
    for name in args.problems.split(","):
        problem = get_problem(name)
        configs = problem.space.sample(args.observed + 10 * args.pools, seed=0)
        values = [problem.evaluate(c) for c in configs]
        history = [Observation(i, c, v) for i, (c, v) in enumerate(
            zip(configs[: args.observed], values[: args.observed], strict=True))]  # fmt: skip
        reader = ReplayReader(score_reader(model))
        surrogate = LLMSurrogate(
            reader, problem.space, problem_context(problem), direction="minimize"
        )
        for p in range(args.pools):
            lo = args.observed + 10 * p
            pool, truth = configs[lo : lo + 10], np.array(values[lo : lo + 10])
            surrogate.predict_members(history, pool)  # both prompts score the whole pool
            for w, (llm_evidence, gp_evidence) in WEIGHTS.items():
                picks, rows = {}, {}
                ks = refines if w > 0 else [None]
                for k in ks:
                    mixture = Mixture(n_refine=k)
                    mixture._evidence["llm"].extend(llm_evidence)
                    mixture._evidence["gp"].extend(gp_evidence)
                    reader.rows = 0
                    picks[k] = mixture.choose(lo, surrogate, problem.space, history, pool, seed=0)
                    rows[k] = reader.rows
                span = float(np.ptp(truth)) or 1.0
                for k in ks:
                    rank = int(np.sum(truth < truth[picks[k]])) + 1  # minimised: 1 is the best
                    regret = (truth[picks[k]] - truth.min()) / span
                    results[(w, k)].append((picks[k] == picks[None], regret, rank, rows[k]))
            print(f"{name} pool {p}: " + ", ".join(
                f"w={w} ranks " + "/".join(str(results[(w, k)][-1][2])
                                           for k in (refines if w > 0 else [None]))
                for w in WEIGHTS), flush=True)  # fmt: skip
    print("\n| LLM weight | n_refine | same choice as all | pool regret (0-1) | rank in pool "
          "(1-10) | rows scored |")  # fmt: skip
    print("|---:|---|---:|---:|---:|---:|")
    for (w, k), group in sorted(results.items(), key=lambda kv: (-kv[0][0], kv[0][1] or 99)):
        same, value, rank, rows = (np.mean([g[i] for g in group]) for i in range(4))
        print(f"| {w} | {'all' if k is None else k} | {same:.0%} | {value:.3f} | {rank:.1f} | "
              f"{rows:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
