"""`tunesmith run` on Kaggle-style task folders, end to end, as a user runs it from a shell.

Usage: python benchmarks/agent_tasks.py [--tasks a,b,...] [--budget 120] [--llm embedded]
                                        [--out DIR] [--workers 1]

Builds the public suite (tunesmith.evaluation.kaggle, with its reference baselines), then for
each task runs `tunesmith run --task-dir TASK/public --time-budget B --yes` in a fresh process,
with the task's description.md as the request, and grades the submission against the private
answers. Prints one markdown row per task: wall seconds of the whole command (model load,
planning, search, refit, submission), trials, whether the submission is valid, its score,
the medal, and the baselines' scores for comparison.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from tunesmith.evaluation.kaggle import build_suite, grade

DEFAULT_TASKS = "penguins,breast_cancer,diabetes,diamonds,flchain_survival"


def run_task(task_dir: Path, out: Path, args: argparse.Namespace) -> tuple[float, dict, str]:
    command = [
        sys.executable, "-m", "tunesmith", "run", "--task-dir", str(task_dir / "public"),
        "--out", str(out), "--time-budget", str(args.budget), "--llm", args.llm,
        "--workers", str(args.workers), "--yes", "--json",
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    summary = {}
    if done.returncode == 0 and "{" in done.stdout:
        summary = json.loads(done.stdout[done.stdout.index("{") :])
    return wall, summary, "" if summary else done.stderr[-2000:] + done.stdout[-500:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=DEFAULT_TASKS)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("artifacts/agent-tasks"))
    args = parser.parse_args()

    names = args.tasks.split(",")
    # The leaderboards' FLAML baseline gets the agent's budget, as in `bench kaggle`.
    build_suite(
        args.out / "suite", tasks=names, seed=0, baselines=True, flaml_budget_s=args.budget
    )
    print(f"budget {args.budget:g} s, llm {args.llm}, workers {args.workers}\n")
    print(
        "| task | metric | wall s | trials | valid | score | medal | constant | RF | HGB | FLAML |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        task_dir = args.out / "suite" / name
        run_dir = args.out / "runs" / name
        wall, summary, error = run_task(task_dir, run_dir, args)
        submission = run_dir / "submission.csv"
        result = grade(task_dir, submission)
        board = json.loads((task_dir / "private" / "leaderboard.json").read_text())
        scores = {b["name"]: b["score"] for b in board["baselines"]}
        trials = summary.get("n_complete", "-")
        score = "-" if result.score is None else f"{result.score:.4f}"
        print(
            f"| {name} | {result.metric} | {wall:.1f} | {trials} | {result.valid} | {score} | "
            f"{result.medal} | {scores.get('constant', float('nan')):.4f} | "
            f"{scores.get('random_forest', float('nan')):.4f} | "
            f"{scores.get('hist_gradient_boosting', float('nan')):.4f} | "
            f"{scores.get('flaml', float('nan')):.4f} |",
            flush=True,
        )
        if error:
            print(f"<!-- {name} failed: {error} -->")
        elif not result.valid:
            print(f"<!-- {name}: {result.error} -->")


if __name__ == "__main__":
    main()
