"""Model-based optimisers must beat random search on classic test functions (fixed seed).

Deterministic (seed 0, 50 trials). When this was written, the claim also held for seeds 1-4
(regrets in docs/benchmarks.md), so seed 0 is not a lucky pick.
"""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest

from tunesmith.core import FloatParam, SearchSpace
from tunesmith.tools import optimize

optuna.logging.set_verbosity(optuna.logging.WARNING)

BRANIN = SearchSpace(
    params=[FloatParam(name="x1", low=-5.0, high=10.0), FloatParam(name="x2", low=0.0, high=15.0)]
)
HARTMANN6 = SearchSpace(params=[FloatParam(name=f"x{i}", low=0.0, high=1.0) for i in range(6)])
_A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
_P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def branin(c: dict[str, float]) -> float:
    x1, x2 = c["x1"], c["x2"]
    b, cc, t = 5.1 / (4 * math.pi**2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1**2 + cc * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(c: dict[str, float]) -> float:
    x = np.array([c[f"x{i}"] for i in range(6)])
    return float(-np.sum(_ALPHA * np.exp(-np.sum(_A * (x - _P) ** 2, axis=1))))


PROBLEMS = {"branin": (branin, BRANIN, 0.397887), "hartmann6": (hartmann6, HARTMANN6, -3.32237)}


def regret(problem: str, optimizer: str, seed: int = 0) -> float:
    f, space, optimum = PROBLEMS[problem]
    summary = optimize(f, space, optimizer, n_trials=50, seed=seed)
    assert summary.best_value is not None
    return summary.best_value - optimum


def test_known_optima() -> None:
    assert branin({"x1": math.pi, "x2": 2.275}) == pytest.approx(0.397887, abs=1e-5)
    best = {
        f"x{i}": v for i, v in enumerate([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573])
    }
    assert hartmann6(best) == pytest.approx(-3.32237, abs=1e-4)


@pytest.mark.parametrize("problem", list(PROBLEMS))
@pytest.mark.parametrize("optimizer", ["tpe", "gp"])
def test_model_based_optimisers_beat_random_search(problem: str, optimizer: str) -> None:
    baseline = regret(problem, "random")
    assert regret(problem, optimizer) < baseline / 2


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_differential_evolution_beats_random_search(problem: str) -> None:
    assert regret(problem, "de") < regret(problem, "random")


if __name__ == "__main__":  # regret table for docs/benchmarks.md: python THIS_FILE 0 1 2 3 4
    import sys

    seeds = [int(s) for s in sys.argv[1:]] or [0]
    print("| problem | optimiser | " + " | ".join(f"seed {s}" for s in seeds) + " |")
    print("|---|---|" + "---|" * len(seeds))
    for problem in PROBLEMS:
        for name in ["random", "sobol", "tpe", "gp", "cmaes", "de"]:
            cells = " | ".join(f"{regret(problem, name, s):.4f}" for s in seeds)
            print(f"| {problem} | {name} | {cells} |", flush=True)
