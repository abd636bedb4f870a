"""Where the time of one with-a-say hybrid iteration goes: a cProfile of iteration 2.

Usage: python benchmarks/surrogate_profile.py [--members 2] [--written 0] [--llm embedded]

The set-up of benchmarks/surrogate_cost.py (RF-breast-acc, 30 observed random configurations,
a pool of 10, the LLM given a say so it scores the whole pool); the first iteration warms the
prompts' caches and the second is profiled. Prints its wall seconds and the 45 costliest calls
by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

import optuna

sys.path.insert(0, os.path.dirname(__file__))

from surrogate_cost import PROBLEM, hybrid, observations, study_with

from tunesmith.evaluation.bayesmark import get_problem
from tunesmith.llm import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--members", type=int, default=2, help="prompts in the LLM's ensemble")
    parser.add_argument("--written", type=int, default=0, help="LLM-written candidates")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    points = observations(30)
    model = load(args.llm)
    model.invoke("hi", max_tokens=1)  # load the weights before timing
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    problem = get_problem(PROBLEM)
    study = study_with(points[:30], hybrid(model, args.written, 10, True, args.members))
    trial = study.ask()
    study.tell(trial, problem.evaluate(problem.space.suggest(trial)))
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    trial = study.ask()
    problem.space.suggest(trial)
    profile.disable()
    print(f"iteration 2: {time.perf_counter() - started:.2f} s")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
