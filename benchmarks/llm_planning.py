"""Planning latency and grounding of an LLM backend on three small real tables.

Usage: python benchmarks/llm_planning.py [--llm SPEC] [--repeats N]

Prints one row per request as a markdown table: whether the draft named the right target, the
latency of the first request (cold prompt) and of repeats (llama.cpp reuses the cached prompt
prefix, so repeats show the cost of generation alone), tokens, and attempts.
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd
from palmerpenguins import load_penguins
from sklearn.datasets import load_breast_cancer, load_diabetes

from tunesmith.agent import make_plan
from tunesmith.llm import LLMCall, load

REQUESTS = [
    ("penguins", "Build a classifier for the species column; optimise accuracy.", "species"),
    ("diabetes", "Predict the progression column; minimise mean absolute error.", "progression"),
    (
        "breast",
        "Tell malignant from benign: the label is diagnosis. Optimise ROC AUC.",
        "diagnosis",
    ),
    ("penguins", "Which island does a penguin live on? Go by its measurements.", "island"),
]


def tables() -> dict[str, pd.DataFrame]:
    cancer = load_breast_cancer(as_frame=True)
    breast = cancer.frame.rename(columns={"target": "diagnosis"})
    breast["diagnosis"] = cancer.target_names[breast["diagnosis"]]
    diabetes = load_diabetes(as_frame=True, scaled=False).frame
    return {
        "penguins": load_penguins(),
        "diabetes": diabetes.rename(columns={"target": "progression"}),
        "breast": breast,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    model = load(args.llm)
    model.invoke("hi", max_tokens=1)  # load the weights before timing
    print(f"backend {args.llm}: loaded in {time.perf_counter() - started:.1f} s\n")
    print(
        "| table | rows x cols | target right | first s | repeat s (median) | prompt tok | "
        "completion tok | attempts |"
    )
    print("|---|---|---|---|---|---|---|---|")
    data = tables()
    for name, request, expected in REQUESTS:
        latencies, right, last = [], 0, []
        for _ in range(args.repeats):
            calls: list[LLMCall] = []
            t0 = time.perf_counter()
            draft = make_plan(model, request, data[name], calls=calls)
            latencies.append(time.perf_counter() - t0)
            right += draft.target == expected
            last = calls
        table = data[name]
        print(
            f"| {name} | {table.shape[0]} x {table.shape[1]} | {right}/{args.repeats} | "
            f"{latencies[0]:.2f} | {statistics.median(latencies[1:] or latencies):.2f} | "
            f"{last[-1].prompt_tokens} | "
            f"{last[-1].completion_tokens} | {len(last)} |"
        )
        reasons = "; ".join(f"{k}: {v}" for k, v in draft.learner_reasons.items())
        print(f"<!-- {name}: {draft.target}, {draft.metric}, {reasons} -->")


if __name__ == "__main__":
    main()
