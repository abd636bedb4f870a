"""Cost of one BO iteration of the LLM surrogate against LLAMBO's sampling scheme, same model.

Usage: python benchmarks/surrogate_cost.py [--llm SPEC] [--observed 30] [--candidates 10]
                                           [--skip-llambo | --llambo-count-only]
                                           [--only-hybrid N_LLM_CANDIDATES]
                                           [--regime both|say|no-say] [--members 2]
                                           [--iterations 2] [--refine 3|all]
                                           [--step-seconds S]

On RF-breast-acc (Bayesmark), with ``--observed`` evaluated random configurations, it times
tunesmith's hybrid sampler for ``--iterations`` consecutive iterations (each after one more
observation, so the prompt caches carry over; with more than 2, the median and range of the
steady iterations 2..N follow), with and without LLM-written candidates, with
the LLM weighted in (its first prompt scores the whole pool, the others the first's
``--refine`` best) and without a say yet (it scores the GP's choice and 3 other candidates, for
evidence), and
one iteration of the LLAMBO-style comparator (benchmarks/_llambo_style.py) scoring the same
candidates. Prints a markdown table: LLM requests, prompt tokens sent, prompt tokens the model
evaluated (known for the score reader), completion tokens, wall seconds. With
``--step-seconds``, the hybrid keeps a step with a say under that target (``step_seconds``)
and the "sampled by" column gives the effort level each iteration ran at.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

import numpy as np
import optuna

sys.path.insert(0, os.path.dirname(__file__))

from _llambo_style import iteration

from tunesmith.evaluation.bayesmark import get_problem
from tunesmith.evaluation.bayesmark._context import problem_context
from tunesmith.llm import load
from tunesmith.tools._llm_sampler import HybridSampler
from tunesmith.tools._llm_text import Observation

PROBLEM = "RF-breast-acc"


def observations(n: int) -> list[tuple[dict[str, Any], float]]:
    problem = get_problem(PROBLEM)
    configs = problem.space.sample(n + 2, seed=0)
    return [(c, problem.evaluate(c)) for c in configs]


def study_with(points: list[tuple[dict[str, Any], float]], sampler: Any) -> optuna.Study:
    problem = get_problem(PROBLEM)
    study = optuna.create_study(sampler=sampler)
    dists = problem.space.distributions()
    for params, value in points:
        study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=value))
    return study


def ours(
    model: Any,
    points: list[Any],
    n_obs: int,
    n_llm: int,
    n_cand: int,
    say: bool,
    members: int = 2,
    iterations: int = 2,
    refine: int | None = 3,
    step_seconds: float | None = None,
) -> list[dict]:
    problem = get_problem(PROBLEM)
    sampler = hybrid(model, n_llm, n_cand, say, members, refine, step_seconds)
    study = study_with(points[:n_obs], sampler)
    rows = []
    for it in range(1, iterations + 1):
        if say:
            give_say(sampler)
        before = sampler.stats.counts()
        reader_before = _reader_usage(sampler)
        started = time.perf_counter()
        trial = study.ask()
        params = problem.space.suggest(trial)
        wall = time.perf_counter() - started
        after = sampler.stats.counts()
        reader_after = _reader_usage(sampler)
        source = study._storage.get_trial_system_attrs(trial._trial_id).get(
            "tunesmith:sampler", {}
        )
        study.tell(trial, problem.evaluate(params))
        rows.append(
            {
                "method": f"hybrid, LLM {'with' if say else 'without'} a say, {n_llm} "
                f"LLM-written candidates, {members} prompt(s)"
                + (f" (the others rescore {refine})" if say and members > 1 and refine else "")
                + f", iteration {it}",
                "source": source.get("source")
                + ("" if step_seconds is None else f", effort {source.get('llm_effort')}"),
                "requests": after["llm_requests"] - before["llm_requests"],
                "sent": (after["prompt_tokens"] - before["prompt_tokens"])
                + (after["cached_tokens"] - before["cached_tokens"]),
                "evaluated": reader_after[0] - reader_before[0],
                "completion": after["completion_tokens"] - before["completion_tokens"],
                "seconds": wall,
            }
        )
        _print(rows[-1])
    if iterations > 2:
        steady = sorted(r["seconds"] for r in rows[1:])
        print(
            f"| (iterations 2-{iterations}: median {float(np.median(steady)):.1f} s, "
            f"{steady[0]:.1f}-{steady[-1]:.1f} s) | | | | | | |",
            flush=True,
        )
    return rows


def hybrid(
    model: Any,
    n_llm: int,
    n_cand: int,
    say: bool,
    members: int,
    refine: int | None = 3,
    step_seconds: float | None = None,
) -> HybridSampler:
    """The hybrid sampler on PROBLEM; ``say``: as if the LLM had earned a say (it scores the
    whole pool; the mixture's state); ``refine``: its ``n_refine``."""
    problem = get_problem(PROBLEM)
    sampler = HybridSampler(
        problem.space, llm=model, context=problem_context(problem), seed=0,
        n_candidates=n_cand, n_llm_candidates=n_llm, n_members=members, n_refine=refine,
        step_seconds=step_seconds,
    )  # fmt: skip
    if say:
        give_say(sampler)
    return sampler


def give_say(sampler: HybridSampler) -> None:
    """Fill the mixture's evidence window as if the LLM had earned its say (again: the real
    evidence of each told trial would take it away)."""
    window = sampler._mixture._evidence["llm"]
    window.extend([1.0] * (window.maxlen or 5))


def _reader_usage(sampler: HybridSampler) -> tuple[int, int]:
    for surrogate in sampler._surrogates.values():
        return surrogate.reader.usage.prompt_tokens, surrogate.reader.usage.cached_tokens
    return 0, 0


def llambo(model: Any, points: list[Any], n_obs: int, n_cand: int, count_only: bool) -> dict:
    problem = get_problem(PROBLEM)
    history = [Observation(i, p, v) for i, (p, v) in enumerate(points[:n_obs])]
    pool = problem.space.sample(n_cand, seed=1)
    cost, _, _ = iteration(
        model, problem.space, history, pool, task="a random forest classifier on breast cancer",
        n_candidates=n_cand, tokenize=_tokenizer(model) if count_only else None,
    )  # fmt: skip
    row = {
        "method": "LLAMBO-style (2 shuffled prompts, 10 samples per candidate and prompt)",
        "source": "counted, not run" if count_only else "-",
        "requests": cost.requests,
        "sent": cost.prompt_tokens,
        "evaluated": None,
        "completion": cost.completion_tokens,
        "seconds": float("nan") if count_only else cost.seconds,
    }
    _print(row)
    return row


def _tokenizer(model: Any) -> Any:
    llama = model.client  # the embedded / gguf backends
    return lambda text: llama.tokenize(text.encode(), add_bos=True, special=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--observed", type=int, default=30)
    parser.add_argument("--candidates", type=int, default=10)
    parser.add_argument("--skip-llambo", action="store_true")
    parser.add_argument(
        "--llambo-count-only",
        action="store_true",
        help="count the comparator's tokens with the model's tokenizer instead of running it",
    )
    parser.add_argument("--only-hybrid", type=int, default=None, help="LLM-written candidates")
    parser.add_argument(
        "--regime", choices=("both", "say", "no-say"), default="both",
        help="the hybrid with the LLM weighted in (it scores the pool) or not yet (it scores "
        "the GP's choice and 3 others)",
    )  # fmt: skip
    parser.add_argument("--members", type=int, default=2, help="prompts in the LLM's ensemble")
    parser.add_argument("--iterations", type=int, default=2, help="hybrid iterations timed")
    parser.add_argument(
        "--refine", default="3",
        help="with a say, the prompts after the first rescore the first's N best (the "
        "sampler's n_refine); 'all': every prompt scores the whole pool",
    )  # fmt: skip
    parser.add_argument("--step-seconds", type=float, default=None, help="the hybrid's target")
    args = parser.parse_args()
    refine = None if args.refine == "all" else int(args.refine)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    started = time.perf_counter()
    points = observations(args.observed)
    print(f"{len(points)} configurations evaluated in {time.perf_counter() - started:.0f} s")
    model = load(args.llm)
    model.invoke("hi", max_tokens=1)  # load the weights before timing
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print("| method | sampled by | requests | prompt tokens sent | evaluated | completion | s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    rows = []
    for say in (True, False) if args.regime == "both" else (args.regime == "say",):
        for n_llm in (2, 0) if args.only_hybrid is None else (args.only_hybrid,):
            rows += ours(
                model, points, args.observed, n_llm, args.candidates, say, args.members,
                args.iterations, refine, args.step_seconds,
            )  # fmt: skip
    if not args.skip_llambo:
        rows.append(llambo(model, points, args.observed, args.candidates, args.llambo_count_only))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


def _print(r: dict) -> None:
    evaluated = "-" if r["evaluated"] is None else r["evaluated"]
    print(
        f"| {r['method']} | {r['source']} | {r['requests']} | {r['sent']} | {evaluated} | "
        f"{r['completion']} | {r['seconds']:.1f} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
