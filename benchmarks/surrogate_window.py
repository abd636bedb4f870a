"""Prompt tokens the LLM surrogate evaluates as a search's history grows past the cap.

Usage: python benchmarks/surrogate_window.py [--llm embedded] [--problem DT-wine-acc]
                                             [--trials 100] [--start 30] [--every 1,10,25]
                                             [--candidates 10] [--members 2] [--cap 40]

A seeded TPE search of ``--trials`` trials on the Bayesmark problem gives the history (real
scores, so the score scale moves as a search's does). The LLM surrogate, with the real score
reader, then predicts ``--candidates`` random configurations after every ``--every``-th trial
from ``--start`` on: what the hybrid's LLM does each time the time share lets a step through.
For each ``--every`` it prints the steps, the steps that found the history cut since the last,
the prompt tokens the model evaluated (the prompts' new parts and the candidates' rows;
the first, cold step left out) and the LLM's seconds. Run it from another checkout to compare
two versions of the surrogate on the same history (the history does not depend on it).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import optuna

from tunesmith.evaluation.bayesmark import get_problem
from tunesmith.evaluation.bayesmark._context import problem_context
from tunesmith.llm import load, score_reader
from tunesmith.tools._llm_surrogate import LLMSurrogate
from tunesmith.tools._llm_text import Observation


def search_history(problem_name: str, n_trials: int) -> tuple[Any, list[Observation]]:
    problem = get_problem(problem_name)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))  # losses
    dists = problem.space.distributions()
    for _ in range(n_trials):
        trial = study.ask(dists)
        study.tell(trial, problem.evaluate(trial.params))
    history = [Observation(t.number, dict(t.params), float(t.value)) for t in study.trials]
    return problem, history


def replay(
    model: Any, problem: Any, history: list[Observation], args: argparse.Namespace, every: int
) -> dict[str, Any]:
    reader = score_reader(model)
    surrogate = LLMSurrogate(
        reader, problem.space, problem_context(problem), direction="minimize",
        n_members=args.members, history_cap=args.cap, seed=0,
    )  # fmt: skip
    candidates = problem.space.sample(args.candidates, seed=1)
    steps: list[dict[str, Any]] = []
    shown_before: set[int] = set()
    for n in range(args.start, len(history) + 1, every):
        tokens, seconds = reader.usage.prompt_tokens, reader.usage.seconds
        started = time.perf_counter()
        surrogate.predict(history[:n], candidates)
        shown = set(surrogate.state()["kept"])
        steps.append({
            "n": n,
            "evaluated": reader.usage.prompt_tokens - tokens,
            "llm_s": reader.usage.seconds - seconds,
            "wall_s": time.perf_counter() - started,
            "cut": bool(shown_before - shown),
        })  # fmt: skip
        shown_before = shown
        if args.verbose:
            print(f"  every {every}: {steps[-1]}", flush=True)
    warm = steps[1:]
    return {
        "every": every,
        "steps": len(warm),
        "cut": sum(s["cut"] for s in warm),
        "evaluated": sum(s["evaluated"] for s in warm),
        "mean": statistics.fmean(s["evaluated"] for s in warm) if warm else 0.0,
        "cut_mean": statistics.fmean([s["evaluated"] for s in warm if s["cut"]] or [0]),
        "llm_s": sum(s["llm_s"] for s in warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--problem", default="DT-wine-acc")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--start", type=int, default=30)
    parser.add_argument("--every", default="1,10,25")
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--members", type=int, default=2)
    parser.add_argument("--cap", type=int, default=40)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    problem, history = search_history(args.problem, args.trials)
    print(f"{args.problem}: {len(history)} TPE trials; cap {args.cap}, {args.members} prompts")
    model = load(args.llm)
    print(
        "| every | warm steps | steps after a cut | tokens evaluated | per step | "
        "per step after a cut | LLM s |\n|---:|---:|---:|---:|---:|---:|---:|"
    )
    for every in (int(e) for e in args.every.split(",")):
        r = replay(model, problem, history, args, every)
        print(
            f"| {r['every']} | {r['steps']} | {r['cut']} | {r['evaluated']:,} | "
            f"{r['mean']:.0f} | {r['cut_mean']:.0f} | {r['llm_s']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
