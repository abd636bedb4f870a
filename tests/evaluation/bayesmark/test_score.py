"""Regret, Bayesmark's score, ranks and bootstrap intervals on hand-made numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tunesmith.evaluation.bayesmark import (
    Evaluation,
    average_ranks,
    bayesmark_optimum,
    bayesmark_score,
    best_so_far,
    bootstrap_mean,
    normalized_regret,
    summarize_run,
)


def test_best_so_far_skips_failures() -> None:
    out = best_so_far([None, 3.0, 5.0, None, 1.0, 2.0])
    assert math.isnan(out[0])
    assert out[1:].tolist() == [3.0, 3.0, 3.0, 1.0, 1.0]


def test_normalized_regret_uses_the_run_minimum_and_maximum() -> None:
    regret = normalized_regret(np.array([8.0, 6.0, 2.0]), low=2.0, high=10.0)
    assert regret.tolist() == [0.75, 0.5, 0.0]
    assert normalized_regret(np.array([4.0]), low=4.0, high=4.0).tolist() == [0.0]


def test_bayesmark_score_clips_at_the_random_median() -> None:
    opt = bayesmark_optimum(-0.95)
    assert opt < -0.95
    assert opt == pytest.approx(-0.95, abs=1e-9)
    score = bayesmark_score(np.array([-0.5, -0.6, -0.8, -0.95]), opt=-1.0, clip=-0.6)
    assert score == pytest.approx([1.0, 1.0, 0.5, 0.125])  # -0.5 is worse than clip: 1


def test_average_ranks_share_ties() -> None:
    ranks = average_ranks(np.array([[0.1, 0.3, 0.1], [0.5, np.nan, 0.2]]))
    assert ranks.tolist() == [[1.5, 3.0, 1.5], [2.0, 3.0, 1.0]]


def test_bootstrap_over_seeds() -> None:
    values = np.array([[0.0, 1.0], [2.0, 3.0]])  # [problem, seed]: seed means 1 and 2
    mean, low, high = bootstrap_mean(values, n_boot=4000, seed=0)
    assert mean == 1.5
    # Each replicate is the mean over both problems of two resampled seeds: 1, 1.5 or 2.
    assert (low, high) == (1.0, 2.0)
    assert bootstrap_mean(values, n_boot=50, seed=1) == bootstrap_mean(values, n_boot=50, seed=1)
    assert bootstrap_mean(np.array([[0.25], [0.75]])) == (0.5, 0.5, 0.5)  # one seed: no spread
    constant = bootstrap_mean(np.full((3, 4), 0.2), n_boot=100, seed=0)
    assert constant == pytest.approx((0.2, 0.2, 0.2))


def _rows(
    method: str, seed: int, losses: list[float | None], gen: list[float]
) -> list[Evaluation]:
    return [
        Evaluation(
            problem="P",
            method=method,
            seed=seed,
            index=i,
            initial=i < 1,
            params={"x": i},
            loss=v,
            generalization=None if v is None else g,
            duration_s=0.0,
            error=None if v is not None else "failed",
            n_init=1,
            n_trials=len(losses),
        )
        for i, (v, g) in enumerate(zip(losses, gen, strict=True))
    ]


def test_summary_on_hand_made_runs() -> None:
    rows = [
        *_rows("random", 0, [10.0, 8.0, 9.0, 6.0], [1.0, 1.0, 1.0, 0.0]),
        *_rows("random", 1, [10.0, 10.0, 4.0, 4.0], [1.0, 1.0, 0.5, 1.0]),
        *_rows("tpe", 0, [10.0, 2.0, None, 2.0], [1.0, 0.0, 0.0, 0.0]),
        *_rows("tpe", 1, [10.0, 6.0, 6.0, 6.0], [1.0, 0.5, 0.5, 0.5]),
    ]
    summary = summarize_run(
        rows, problems=["P"], methods=["random", "tpe"], seeds=[0, 1], n_init=1, n_trials=4
    )
    assert summary.checkpoints == [4]
    random, tpe = summary.rows
    # min 2, max 10: final regrets random (6-2)/8, (4-2)/8; tpe 0, (6-2)/8.
    assert random.regret[4].mean == pytest.approx((0.5 + 0.25) / 2)
    assert tpe.regret[4].mean == pytest.approx((0.0 + 0.5) / 2)
    assert summary.curve["tpe"] == pytest.approx([1.0, 0.25, 0.25, 0.25])
    # ranks: seed 0 tpe wins (2 < 6), seed 1 random wins (4 < 6)
    assert random.rank.mean == tpe.rank.mean == 1.5
    # clip = median of random's losses (10, 8, 9, 6, 10, 10, 4, 4) = 8.5; opt ~ 2.
    assert random.score.mean == pytest.approx(((6 - 2) / 6.5 + (4 - 2) / 6.5) / 2, abs=1e-9)
    assert tpe.score.mean == pytest.approx((0.0 + (6 - 2) / 6.5) / 2, abs=1e-9)
    assert tpe.bayesmark.mean == pytest.approx(100 * (1 - tpe.score.mean))
    # holdout of the final incumbent (first best): random 0.0 and 0.5; tpe 0.0 and 0.5
    assert random.holdout_regret.mean == pytest.approx(0.25)
    assert tpe.n_failed == 1
    assert random.n_failed == 0
    assert summary.clip_source.startswith("every evaluation of random")
