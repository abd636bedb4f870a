"""How well the LLM surrogate predicts held-out scores, against a GP, on Bayesmark problems.

Usage: python benchmarks/surrogate_quality.py [--llm SPEC] [--observed 5,10,20] [--test 20]
                                              [--problems RF-breast-acc,...] [--seeds 0]
                                              [--rows FILE.jsonl] [--no-llm]

For each problem and seed, ``max(observed) + test`` random configurations are evaluated with the
real objective (5-fold CV); the first n are the observed history and the last ``test`` are
predicted by: the LLM surrogate (2 ordered prompts; ``-1prompt`` rows: its first prompt
alone, which is what ``n_members=1`` predicts), the same with the history's scores permuted
(control), a GP (Matern 5/2; with and without the leave-one-out widening of its spread that
the hybrid uses) and the no-skill reference (the history's own score codes,
smoothed, the same for every point; the hybrid's LLM gets weight only once it beats
it).
Reports, per method and n, averaged over problems and seeds: NRMSE (RMSE over the test scores'
range), R2, negative log-likelihood of the observed code bin per point (every prediction on the
same 100-bin scale), coverage of mean +- one standard deviation, Spearman rank correlation, and
the evidence the hybrid weighs surrogates by (tunesmith/tools/_mixture.py): per test point,
log p(y | its configuration) - log of the mean of p(y | each test configuration), averaged;
about 0 or below for predictions that do not depend on the configuration.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from tunesmith.evaluation.bayesmark import get_problem
from tunesmith.evaluation.bayesmark._context import problem_context
from tunesmith.llm import load, score_reader
from tunesmith.tools._gp_surrogate import GPSurrogate, gaussian_codes
from tunesmith.tools._llm_surrogate import LLMSurrogate, Prediction
from tunesmith.tools._llm_text import N_CODES, Observation, ScoreCodes
from tunesmith.tools._mixture import _evidence

PROBLEMS = [f"{m}-{d}-{'mse' if d == 'diabetes' else 'acc'}"
            for m in ("RF", "SVM", "DT") for d in ("breast", "wine", "diabetes")]  # fmt: skip


def flat_codes(history: Sequence[Observation], n: int, codes: ScoreCodes) -> Prediction:
    """The no-skill reference: the same distribution for each of ``n`` candidates, the
    history's own codes: half on the codes exactly as shown (scores such as CV accuracy
    repeat exactly), 45% smoothed by a Gaussian kernel (Silverman's robust bandwidth, at
    least 2 codes), 5% uniform.

    It is what a model that copies the history's scores, without telling one configuration
    from another, can predict. A skewed score distribution (most configurations near the
    best, a few far worse, as accuracy often is) is part of what it knows: a Gaussian fitted
    to the history would not be, and an LLM that merely echoes the shown codes beats that.
    """
    centres = np.array([codes.code(o.value) for o in history], dtype=float)
    spread = 0.0
    if len(centres) > 1:  # Silverman's robust rule: an outlier does not blur the mode
        iqr = float(np.subtract(*np.percentile(centres, [75, 25])))
        spread = min(float(np.std(centres, ddof=1)), iqr / 1.34) or float(np.std(centres))
    width = max(2.0, 0.9 * spread * len(centres) ** -0.2)
    grid = np.arange(N_CODES, dtype=float)
    density = np.exp(-0.5 * ((grid[None, :] - centres[:, None]) / width) ** 2).sum(axis=0)
    exact = np.bincount(centres.astype(int), minlength=N_CODES) / len(centres)
    row = 0.5 * exact + 0.45 * density / density.sum() + 0.05 / N_CODES
    return Prediction(np.tile(row, (n, 1)), codes)


def metrics(pred: Prediction, y: np.ndarray) -> dict[str, float]:
    mean, std = pred.mean(), pred.std()
    span = float(np.ptp(y)) or 1.0
    rmse = float(np.sqrt(np.mean((mean - y) ** 2)))
    ss_tot = float(np.sum((y - y.mean()) ** 2)) or 1.0
    nll = -np.mean([pred.log_likelihood(i, float(v)) for i, v in enumerate(y)])
    rho = spearmanr(mean, y).statistic if np.ptp(mean) > 0 else 0.0
    return {
        "nrmse": rmse / span,
        "r2": 1.0 - float(np.sum((mean - y) ** 2)) / ss_tot,
        "nll": float(nll),
        "coverage": float(np.mean(np.abs(mean - y) <= std)),
        "spearman": float(rho),
        "evidence": float(np.mean([_evidence(pred, i, float(v)) for i, v in enumerate(y)])),
    }


def evaluate_problem(name: str, seed: int, n_max: int, n_test: int) -> list[tuple[dict, float]]:
    problem = get_problem(name)
    configs = problem.space.sample(n_max + n_test, seed=seed)
    return [(c, problem.evaluate(c)) for c in configs]


def run(model: Any, name: str, seed: int, observed: list[int], n_test: int) -> list[dict]:
    problem = get_problem(name)
    points = evaluate_problem(name, seed, max(observed), n_test)
    test = points[-n_test:]
    y = np.array([v for _, v in test])
    configs = [c for c, _ in test]
    rows = []
    for n in observed:
        history = [Observation(i, c, v) for i, (c, v) in enumerate(points[:n])]
        for label, permute in (("llm", False), ("llm-permuted", True)) if model else ():
            surrogate = LLMSurrogate(
                score_reader(model), problem.space, problem_context(problem),
                direction="minimize", permute_scores=permute, seed=seed,
            )  # fmt: skip
            members = surrogate.predict_members(history, configs)
            rows.append({"method": label, "n": n, **metrics(Prediction.average(members), y)})
            # Member 0 holds the history in trial order: what ``n_members=1`` predicts.
            rows.append({"method": f"{label}-1prompt", "n": n, **metrics(members[0], y)})
        codes = ScoreCodes([o.value for o in history], "minimize")  # the LLM's scale
        for label, calibrate in (("gp", True), ("gp-uncalibrated", False)):
            gp = GPSurrogate(problem.space, seed=seed, calibrate=calibrate)
            mean, std = gp.predict(history, configs)
            rows.append({"method": label, "n": n, **metrics(gaussian_codes(mean, std, codes), y)})
        rows.append({"method": "flat", "n": n, **metrics(flat_codes(history, n_test, codes), y)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--observed", default="5,10,20")
    parser.add_argument("--test", type=int, default=20)
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--no-llm", action="store_true", help="only the GP and the reference")
    parser.add_argument("--rows", help="JSON-lines file: rows are appended as each problem "
                        "finishes, and problems already in it are not run again")  # fmt: skip
    args = parser.parse_args()
    observed = [int(s) for s in args.observed.split(",")]
    model = None if args.no_llm else load(args.llm)
    saved = _read_rows(args.rows)
    rows: list[dict] = []
    ran = False
    for name in args.problems.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            part = [r for r in saved if (r["problem"], r["seed"]) == (name, seed)]
            if not part:
                part = [{"problem": name, "seed": seed, **r}
                        for r in run(model, name, seed, observed, args.test)]  # fmt: skip
                _append_rows(args.rows, part)
                ran = True
            rows += part
            print(name, seed, [(r["method"], r["n"], round(r["spearman"], 2)) for r in part],
                  flush=True)  # fmt: skip
    if ran:  # rows read back from --rows were measured at another time
        print(f"\nload average: {os.getloadavg()[0]:.2f}\n")
    table: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for r in rows:
        table[(r["method"], r["n"])].append(r)
    print("| surrogate | observed | NRMSE | R2 | NLL (bins) | coverage 1 sd | Spearman | "
          "evidence (nats) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for (method, n), group in sorted(table.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        avg = {k: np.mean([g.get(k, np.nan) for g in group])
               for k in ("nrmse", "r2", "nll", "coverage", "spearman", "evidence")}  # fmt: skip
        print(
            f"| {method} | {n} | {avg['nrmse']:.3f} | {avg['r2']:.2f} | {avg['nll']:.2f} | "
            f"{avg['coverage']:.2f} | {avg['spearman']:.2f} | {avg['evidence']:.3f} |"
        )


def _read_rows(path: str | None) -> list[dict]:
    if path is None or not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def _append_rows(path: str | None, rows: list[dict]) -> None:
    if path is not None:
        with open(path, "a") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)


if __name__ == "__main__":
    main()
