"""How far past its time budget does a search run when its first LLM step is cold?

Usage: python benchmarks/deadline_overrun.py [--llm SPEC] [--first 60] [--first-trials N]
                                             [--resume 10,20,30] [--learner random_forest]
                                             [--rate-only]

A run of the agent (hybrid optimiser, the LLM's share capped at a half, as the agent sets it) on
the breast-cancer table is searched for ``--first`` seconds, then resumed once per budget in
``--resume``, each time from a copy of the same stopped run and with a freshly loaded model. A
resumed session's sampler has measured no LLM step yet, and the model's cache holds none of
its prompts, so its first scoring step is cold: the case where a search used to overrun. For
each resumed session it prints when the search stopped against its budget (from the run's
``phase``/``stopped`` events), the trials' sources, the LLM's seconds, the prompt tokens it
evaluated and the steps cut at the deadline (``llm_deadline_cuts``). It first prints the
machine's bare ``Llama.eval`` rate.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sklearn.datasets import load_breast_cancer

from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import read_events
from tunesmith.agent._loop import RunConfig, RunLoop
from tunesmith.agent._store import RunStore
from tunesmith.llm import load


def _session(out: Path, first_seq: int) -> dict[str, Any]:
    """What the session whose events start at ``first_seq`` did."""
    events = [e for e in read_events(out / "events.jsonl") if e.seq >= first_seq]
    phases = [e for e in events if e.kind == "phase"]
    start = next(e.time for e in phases if e.payload.get("phase") == "search")
    stopped = next(e for e in events if e.kind == "stopped")
    started = [e for e in events if e.kind == "trial_started"]
    sources = Counter(str((e.payload.get("sampler") or {}).get("source")) for e in started)
    counts = next(
        (e.payload["sampler"] for e in reversed(started) if e.payload.get("sampler")), {}
    )
    return {
        "search_s": stopped.time - start,
        "trials": len(started),
        "sources": dict(sources),
        "llm_seconds": counts.get("llm_seconds", 0.0),
        "prompt_tokens": counts.get("prompt_tokens", 0),
        "cuts": counts.get("llm_deadline_cuts", "n/a"),
    }


def eval_rate(model: Any, n_tokens: int = 1050) -> float | None:
    """Tokens per second of a bare ``Llama.eval`` of ``n_tokens`` on an empty cache (the
    machine's speed, to compare sessions on other machines by), or None if not llama.cpp."""
    llama = getattr(model, "client", None)
    if llama is None or not hasattr(llama, "eval"):
        return None
    rows = "".join(
        f"x: {i % 10},{i % 7}.{i % 9},{i % 5}e-{i % 4}\nq: {i:02d}\n" for i in range(90)
    )
    ids = llama.tokenize(rows.encode(), add_bos=True)[:n_tokens]
    llama.n_tokens = 0
    start = time.perf_counter()
    llama.eval(ids)
    took = time.perf_counter() - start
    llama.n_tokens = 0
    return len(ids) / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--first", type=float, default=60.0)
    parser.add_argument("--resume", default="10,20,30")
    parser.add_argument(
        "--first-trials", type=int, default=None,
        help="end the first session after this many trials (within --first seconds)",
    )  # fmt: skip
    parser.add_argument("--learner", default="random_forest")
    parser.add_argument("--rate-only", action="store_true", help="only the eval rate")
    args = parser.parse_args()
    rate = eval_rate(load(args.llm))
    if rate is not None:
        print(f"bare Llama.eval of 1,050 tokens: {rate:.0f} tokens/s")
    if args.rate_only:
        return
    data = load_breast_cancer(as_frame=True).frame
    plan = PlanDraft(
        target="target", task_type="binary", metric="roc_auc", learners=[args.learner],
        reason="Benchmark: a cold LLM step near the end of a search.",
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "first"
        config = RunConfig(
            time_budget_s=args.first, max_trials=args.first_trials, cv_folds=3, seed=0
        )
        RunLoop(base, plan, config, data=data, llm=load(args.llm)).run()
        first = _session(base, 0)
        print(f"first session: budget {args.first:g} s, search {first['search_s']:.1f} s, "
              f"{first['trials']} trials {first['sources']}")  # fmt: skip
        n_events = len(read_events(base / "events.jsonl"))
        print("| resume budget | search took | past budget | trials | LLM s | evaluated | cuts "
              "| sources |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        for budget in (float(b) for b in args.resume.split(",")):
            out = Path(tmp) / f"resume-{budget:g}"
            shutil.copytree(base, out)
            stored = RunStore(out).read_plan()[1]  # as `tunesmith resume --time-budget`
            # (the first session's trial limit counts across sessions: lifted here)
            again = {"time_budget_s": budget, "max_trials": None}
            resumed = RunConfig.model_validate(stored.model_dump() | again)
            RunLoop(out, config=resumed, llm=load(args.llm)).run()
            s = _session(out, n_events)
            cells = [f"{budget:g} s", f"{s['search_s']:.1f} s", f"{s['search_s'] - budget:+.1f} s",
                     s["trials"], f"{s['llm_seconds']:.1f}", s["prompt_tokens"], s["cuts"],
                     s["sources"]]  # fmt: skip
            print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
