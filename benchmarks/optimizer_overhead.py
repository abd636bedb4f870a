"""Per-trial overhead of each optimiser (ask + tell, trivial objective), and ours vs plain Optuna.

Usage:
    python benchmarks/optimizer_overhead.py                    # the table in docs/benchmarks.md
    python benchmarks/optimizer_overhead.py --trials 200 --repeats 1 --optimizers tpe random

The objective is a shifted 4-D sphere plus one log-scale parameter (5 parameters), evaluated
in-process in microseconds, so the time per trial is the optimiser's own cost: sampling,
bookkeeping and in-memory storage. ``tpe (plain Optuna)`` runs the same ask/suggest/tell loop
directly on ``optuna`` with the same sampler settings, to measure what our wrapper adds.
"""

from __future__ import annotations

import argparse
import functools
import math
import statistics
import time
from collections.abc import Callable

import optuna

from tunesmith.core import FloatParam, SearchSpace, TrialResult
from tunesmith.tools import OPTIMIZERS, make_optimizer

SPACE = SearchSpace(
    params=[
        *(FloatParam(name=f"x{i}", low=-5.0, high=5.0) for i in range(4)),
        FloatParam(name="lr", low=1e-5, high=1.0, log=True),
    ]
)
SLOW = {"gp": 200}  # GP costs O(n^3) per trial: capped, see docs/benchmarks.md


def objective(config: dict[str, float]) -> float:
    sphere = sum((config[f"x{i}"] - 0.5) ** 2 for i in range(4))
    return sphere + (math.log10(config["lr"]) + 3) ** 2


def run_ours(name: str, n: int, seed: int) -> float:
    """Seconds for ``n`` trials of ask -> objective -> tell through tunesmith."""
    multi = name == "motpe"
    opt = make_optimizer(
        name, SPACE, seed=seed, directions=["minimize", "minimize"] if multi else None
    )
    start = time.perf_counter()
    for _ in range(n):
        spec = opt.ask()
        value = objective(spec.params)
        opt.tell(TrialResult.complete(spec, [value, -value] if multi else value))
    return time.perf_counter() - start


def run_plain_tpe(n: int, seed: int) -> float:
    """The same loop written directly against Optuna, same TPE settings as ``tpe``."""
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=10)
    study = optuna.create_study(sampler=sampler)
    start = time.perf_counter()
    for _ in range(n):
        trial = study.ask()
        config = {f"x{i}": trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(4)}
        config["lr"] = trial.suggest_float("lr", 1e-5, 1.0, log=True)
        study.tell(trial, objective(config))
    return time.perf_counter() - start


def median_ms_per_trial(fn: Callable[[], float], n: int, repeats: int) -> float:
    return statistics.median(fn() for _ in range(repeats)) / n * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--optimizers", nargs="+", default=list(OPTIMIZERS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    print("| optimiser | " + " | ".join(f"ms/trial @ {n}" for n in args.trials) + " |")
    print("|---|" + "---|" * len(args.trials))
    for name in args.optimizers:
        cells = []
        for n in args.trials:
            if n > SLOW.get(name, n):
                cells.append("(capped)")
                continue
            reps = 1 if name in SLOW else args.repeats
            fn = functools.partial(run_ours, name, n, args.seed)
            cells.append(f"{median_ms_per_trial(fn, n, reps):.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)

    if "tpe" in args.optimizers:
        print("\n| TPE, same settings | trials | ours ms/trial | plain Optuna ms/trial | added |")
        print("|---|---|---|---|---|")
        for n in args.trials:
            ours, plain = [], []
            for _ in range(args.repeats):  # interleaved, so drift hits both alike
                ours.append(run_ours("tpe", n, args.seed))
                plain.append(run_plain_tpe(n, args.seed))
            o, p = statistics.median(ours) / n * 1e3, statistics.median(plain) / n * 1e3
            print(f"| tpe | {n} | {o:.2f} | {p:.2f} | {100 * (o - p) / p:+.1f}% |", flush=True)


if __name__ == "__main__":
    main()
