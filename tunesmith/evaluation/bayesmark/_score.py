"""Scores of a benchmark run: best-so-far curves, normalised regret, Bayesmark's score, ranks,
and bootstrap intervals over seeds. Pure numpy on hand-checkable arrays."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Bayesmark nudges the optimum down by this many ulps so that no score divides by zero.
_ULPS = 10_000


def best_so_far(losses: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """Running minimum of ``losses`` along the last axis; a failed evaluation (None/NaN) does
    not improve it, and positions before the first successful evaluation are NaN."""
    x = np.array(losses, dtype=float)  # None becomes NaN
    if x.size == 0:
        return x
    out = np.minimum.accumulate(np.where(np.isnan(x), np.inf, x), axis=-1)
    return np.where(np.isinf(out), np.nan, out)


def incumbent_index(losses: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """For each prefix of ``losses``, the index of its first best evaluation (-1 if none)."""
    out = np.full(len(losses), -1, dtype=int)
    best, where = np.inf, -1
    for i, v in enumerate(losses):
        if v is not None and np.isfinite(v) and v < best:
            best, where = float(v), i
        out[i] = where
    return out


def normalized_regret(best: np.ndarray, low: float, high: float) -> np.ndarray:
    """HPO-B's normalised regret ``(best - low) / (high - low)``, in ``[0, 1]``.

    ``low`` and ``high`` are the minimum and maximum loss over every evaluation of every method
    on the problem; a problem where they coincide has regret 0 everywhere.
    """
    best = np.asarray(best, dtype=float)
    if not high > low:
        return np.where(np.isnan(best), np.nan, 0.0)
    return (best - low) / (high - low)


def bayesmark_optimum(low: float) -> float:
    """Bayesmark's ``opt_p``: the best loss seen on the problem, nudged down by 10,000 ulps."""
    return float(low - _ULPS * np.spacing(abs(low) if low != 0 else 1.0))


def bayesmark_score(best: np.ndarray, opt: float, clip: float) -> np.ndarray:
    """Bayesmark's normalised mean score of best-so-far losses (0 = optimum, 1 = ``clip``).

    ``clip`` is the median loss of the random-search evaluations on the problem (what one
    random evaluation achieves, in median); losses are clipped to it, scores to ``[-1, 1]``.
    The leaderboard shows ``100 * (1 - mean score)``.
    """
    best = np.asarray(best, dtype=float)
    if not clip > opt:
        return np.where(np.isnan(best), np.nan, 0.0)
    return np.clip((np.minimum(best, clip) - opt) / (clip - opt), -1.0, 1.0)


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Rank methods (last axis) by value, 1 = lowest, ties sharing their mean rank.

    Args:
        values: Array ``[..., n_methods]`` of losses or regrets (NaN ranks last).

    Returns:
        The ranks, same shape.
    """
    from scipy.stats import rankdata

    filled = np.where(np.isnan(values), np.inf, values)
    return np.asarray(rankdata(filled, method="average", axis=-1), dtype=float)


def bootstrap_mean(
    values: np.ndarray, *, n_boot: int = 2000, level: float = 0.95, seed: int | None = 0
) -> tuple[float, float, float]:
    """Mean of ``values[problem, seed]`` and its bootstrap interval over seeds.

    Each replicate resamples the seed columns with replacement (the same draw for every
    problem, since a seed fixes the initial points of every problem) and averages everything.

    Args:
        values: Array ``[n_problems, n_seeds]``; NaN entries are ignored.
        n_boot: Bootstrap replicates.
        level: Coverage of the percentile interval.
        seed: Seed of the resampling.

    Returns:
        ``(mean, low, high)``; low == high == mean with a single seed.
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    mean = float(np.nanmean(values))
    n_seeds = values.shape[1]
    if n_seeds < 2:
        return mean, mean, mean
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_seeds, size=(n_boot, n_seeds))
    replicates = np.array([np.nanmean(values[:, d]) for d in draws])
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(replicates, [alpha, 1.0 - alpha])
    return mean, float(low), float(high)
