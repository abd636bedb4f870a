"""Turn a run's evaluations into its summary: regret, Bayesmark score, rank, holdout regret."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.bayesmark._run import Evaluation
from tunesmith.evaluation.bayesmark._score import (
    average_ranks,
    bayesmark_optimum,
    bayesmark_score,
    best_so_far,
    bootstrap_mean,
    incumbent_index,
    normalized_regret,
)

CHECKPOINTS = (10, 20, 30)


class Interval(BaseModel):
    """A mean over problems and seeds with its 95% bootstrap interval over seeds."""

    model_config = ConfigDict(frozen=True)

    mean: float
    low: float
    high: float

    def __str__(self) -> str:
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"


class MethodSummary(BaseModel):
    """One optimiser's row of the results table.

    Attributes:
        method: The optimiser's name.
        regret: Normalised regret (HPO-B) after each checkpoint's number of evaluations.
        score: Bayesmark's normalised mean score at the last evaluation (0 = best seen on the
            problem, 1 = the random-search median of one evaluation; lower is better).
        bayesmark: The leaderboard form ``100 * (1 - score)`` (higher is better).
        rank: Average rank among the methods at the last evaluation (1 = best).
        holdout_regret: Normalised regret of the incumbent's holdout loss at the last evaluation.
        n_failed: Evaluations that failed.
    """

    model_config = ConfigDict(frozen=True)

    method: str
    regret: dict[int, Interval]
    score: Interval
    bayesmark: Interval
    rank: Interval
    holdout_regret: Interval
    n_failed: int


class BenchmarkSummary(BaseModel):
    """The summary of a ``bench hpo`` run (written to ``summary.json``).

    Attributes:
        problems: Problem names, in order.
        methods: Method names, in order.
        seeds: Seeds, in order.
        n_init: Shared initial points.
        n_trials: Evaluations per cell.
        checkpoints: Evaluation counts of the regret columns.
        clip_source: What Bayesmark's clip (the random-search median) was computed from.
        rows: One row per method.
        per_problem: ``per_problem[problem][method]``: mean final normalised regret over seeds.
        curve: ``curve[method]``: mean normalised regret after 1..n_trials evaluations.
        curve_low: Lower ends of the bootstrap bands of ``curve``.
        curve_high: Upper ends.
        problem_curves: ``problem_curves[problem][method]``: mean regret curve over seeds.
    """

    model_config = ConfigDict(frozen=True)

    problems: list[str]
    methods: list[str]
    seeds: list[int]
    n_init: int
    n_trials: int
    checkpoints: list[int]
    clip_source: str
    rows: list[MethodSummary]
    per_problem: dict[str, dict[str, float]]
    curve: dict[str, list[float]]
    curve_low: dict[str, list[float]]
    curve_high: dict[str, list[float]]
    problem_curves: dict[str, dict[str, list[float]]]


def checkpoints(n_trials: int) -> list[int]:
    """The regret checkpoints that fit in ``n_trials`` (10, 20, 30), and ``n_trials`` itself."""
    out = [c for c in CHECKPOINTS if c <= n_trials]
    return out if n_trials in out else [*out, n_trials]


def _arrays(
    rows: Sequence[Evaluation], problems: list[str], methods: list[str], seeds: list[int], n: int
) -> tuple[np.ndarray, np.ndarray]:
    loss = np.full((len(problems), len(methods), len(seeds), n), np.nan)
    gen = np.full_like(loss, np.nan)
    where = {
        (p, m, s): (i, j, k)
        for i, p in enumerate(problems) for j, m in enumerate(methods) for k, s in enumerate(seeds)
    }  # fmt: skip
    seen = set()
    for r in rows:
        key = (r.problem, r.method, r.seed)
        if key not in where or r.index >= n:
            continue
        seen.add(key)
        i, j, k = where[key]
        loss[i, j, k, r.index] = np.nan if r.loss is None else r.loss
        gen[i, j, k, r.index] = np.nan if r.generalization is None else r.generalization
    missing = sorted(set(where) - seen)
    if missing:
        raise ConfigurationError(
            f"{len(missing)} cell(s) have no evaluations, e.g. {missing[0]}. "
            "Fix: run them first (bench hpo resumes finished cells)."
        )
    return loss, gen


def _clip(loss: np.ndarray, methods: list[str], n_init: int) -> tuple[np.ndarray, str]:
    if "random" in methods:
        pool = loss[:, methods.index("random")].reshape(loss.shape[0], -1)
        return np.nanmedian(pool, axis=1), "every evaluation of random search"
    pool = loss[:, 0, :, :n_init].reshape(loss.shape[0], -1)
    return np.nanmedian(pool, axis=1), "the shared initial points (random search not run)"


def summarize_run(
    rows: Sequence[Evaluation],
    *,
    problems: list[str],
    methods: list[str],
    seeds: list[int],
    n_init: int,
    n_trials: int,
    seed: int = 0,
) -> BenchmarkSummary:
    """Score every method of a run (see :class:`MethodSummary` for the columns).

    Regret is normalised per problem with the minimum and maximum loss over all evaluations of
    all methods and seeds in the run, as in HPO-B; Bayesmark's optimum is the same minimum
    (nudged), its clip the median random-search loss. Intervals resample seeds (``seed``).
    """
    loss, gen = _arrays(rows, problems, methods, seeds, n_trials)
    best = best_so_far(loss)
    low, high = np.nanmin(loss, axis=(1, 2, 3)), np.nanmax(loss, axis=(1, 2, 3))
    regret = np.stack([normalized_regret(best[i], low[i], high[i]) for i in range(len(low))])
    clip, clip_source = _clip(loss, methods, n_init)
    score = np.stack(
        [bayesmark_score(best[i], bayesmark_optimum(low[i]), clip[i]) for i in range(len(low))]
    )
    ranks = average_ranks(np.moveaxis(best[..., -1], 1, -1))  # [problem, seed, method]
    holdout = _holdout_regret(loss, gen)
    rows_out = []
    for j, m in enumerate(methods):
        s = bootstrap_mean(score[:, j, :, -1], seed=seed)
        rows_out.append(
            MethodSummary(
                method=m,
                regret={
                    c: Interval(**_ci(regret[:, j, :, c - 1], seed)) for c in checkpoints(n_trials)
                },
                score=Interval(mean=s[0], low=s[1], high=s[2]),
                bayesmark=Interval(
                    mean=100 * (1 - s[0]), low=100 * (1 - s[2]), high=100 * (1 - s[1])
                ),
                rank=Interval(**_ci(ranks[:, :, j], seed)),
                holdout_regret=Interval(**_ci(holdout[:, j], seed)),
                n_failed=int(np.isnan(loss[:, j]).sum()),
            )
        )
    bands = {m: [bootstrap_mean(regret[:, j, :, t], n_boot=500, seed=seed) for t in
                 range(n_trials)] for j, m in enumerate(methods)}  # fmt: skip
    return BenchmarkSummary(
        problems=problems, methods=methods, seeds=seeds, n_init=n_init, n_trials=n_trials,
        checkpoints=checkpoints(n_trials), clip_source=clip_source, rows=rows_out,
        per_problem={p: {m: float(np.nanmean(regret[i, j, :, -1])) for j, m in
                         enumerate(methods)} for i, p in enumerate(problems)},
        curve={m: [b[0] for b in v] for m, v in bands.items()},
        curve_low={m: [b[1] for b in v] for m, v in bands.items()},
        curve_high={m: [b[2] for b in v] for m, v in bands.items()},
        problem_curves={p: {m: np.nanmean(regret[i, j], axis=0).tolist() for j, m in
                            enumerate(methods)} for i, p in enumerate(problems)},
    )  # fmt: skip


def _ci(values: np.ndarray, seed: int) -> dict[str, float]:
    mean, low, high = bootstrap_mean(values, seed=seed)
    return {"mean": mean, "low": low, "high": high}


def _holdout_regret(loss: np.ndarray, gen: np.ndarray) -> np.ndarray:
    """``[problem, method, seed]``: normalised holdout loss of the final incumbent."""
    out = np.full(loss.shape[:3], np.nan)
    for i in range(loss.shape[0]):
        g_low, g_high = np.nanmin(gen[i]), np.nanmax(gen[i])
        for j in range(loss.shape[1]):
            for k in range(loss.shape[2]):
                where = incumbent_index(loss[i, j, k])[-1]
                if where >= 0:
                    value = normalized_regret(np.array([gen[i, j, k, where]]), g_low, g_high)
                    out[i, j, k] = float(value[0])
    return out
