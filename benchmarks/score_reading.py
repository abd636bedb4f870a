"""Cost of reading two-digit score codes (``tunesmith.llm.score_reader``) over a cached prefix.

Usage: python benchmarks/score_reading.py [--llm SPEC] [--prefix-tokens 1000]
                                          [--continuations 10] [--disk]

Builds a history prefix of about ``--prefix-tokens`` tokens of LLM-surrogate-style lines
(``x: ...`` then ``y: NN``), then times, on a fresh reader: the first call (prefix cold), the
same call again (prefix cached, so only the continuations are evaluated), and a call after
appending one observation line. With ``--disk``, also a resumed process's first call: a
reader with ``cache_dir`` scores the prefix, then a freshly loaded model's reader on the same
folder scores the prefix plus one line. Prints tokens from the reader's usage, seconds, and the
load.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from typing import Any

import numpy as np

from tunesmith.llm import load, score_reader


def line(rng: np.random.Generator) -> str:
    depth = int(rng.integers(2, 16))
    rate = 10 ** rng.uniform(-4, -1)
    leaves = int(rng.integers(8, 256))
    sub = rng.uniform(0.5, 1.0)
    return f"x: depth={depth}, rate={rate:.1e}, leaves={leaves}, subsample={sub:.2f}\ny: "


def build_prefix(reader_tokens: int, rng: np.random.Generator) -> tuple[str, int]:
    header = (
        "The following are hyperparameter configurations of a gradient-boosted tree model "
        "and its validation accuracy, written as a two-digit code from 00 (worst) to 99 "
        "(best).\n"
    )
    lines = [header]
    n_lines = max(1, round((reader_tokens - 40) / 33))  # about 33 tokens per observation
    for _ in range(n_lines):
        lines.append(f"{line(rng)}{int(rng.integers(0, 100)):02d}\n")
    return "".join(lines), n_lines


def timed(reader: Any, prefix: str, continuations: list[str]) -> tuple[float, dict[str, int]]:
    usage = reader.usage
    before = (usage.requests, usage.prompt_tokens, usage.cached_tokens)
    start = time.perf_counter()
    reader.score_codes(prefix, continuations)
    seconds = time.perf_counter() - start
    return seconds, {
        "requests": usage.requests - before[0],
        "evaluated": usage.prompt_tokens - before[1],
        "cached": usage.cached_tokens - before[2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llm", default="embedded")
    parser.add_argument("--prefix-tokens", type=int, default=1000)
    parser.add_argument("--continuations", type=int, default=10)
    parser.add_argument("--disk", action="store_true", help="also a fresh model, states on disk")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    prefix, n_lines = build_prefix(args.prefix_tokens, rng)
    continuations = [line(rng) for _ in range(args.continuations)]
    appended = f"{line(rng)}{int(rng.integers(0, 100)):02d}\n"

    model = load(args.llm)
    warmup = score_reader(model)  # loads the weights and scans the vocabulary once
    warmup.score_codes("x: 1\ny: 11\n", ["x: 2\ny: "])

    reader = score_reader(model)
    rows = [
        ("cold prefix + continuations", *timed(reader, prefix, continuations)),
        ("same prefix again (cached)", *timed(reader, prefix, continuations)),
        ("prefix + one appended line", *timed(reader, prefix + appended, continuations)),
    ]
    if args.disk:
        rows.append(("fresh model, states on disk: prefix + one line",
                     *from_disk(args.llm, prefix, appended, continuations)))  # fmt: skip
    load_avg = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"model {args.llm}; prefix {n_lines} observation lines; {args.continuations} "
        f"continuations; load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f} "
        f"on {os.cpu_count()} CPUs"
    )
    print("| call | requests | tokens evaluated | tokens cached | seconds |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, counts in rows:
        print(
            f"| {name} | {counts['requests']} | {counts['evaluated']} | {counts['cached']} "
            f"| {seconds:.2f} |"
        )
    cold, cached, grown = (row[1] for row in rows[:3])
    per_continuation = cached / args.continuations
    print(
        f"prefix alone (cold minus cached): {cold - cached:.2f} s; per continuation: "
        f"{per_continuation:.3f} s; after one appended line: {grown:.2f} s"
    )
    if hasattr(model, "client"):  # llama.cpp: the floor, plain Llama.eval of the same tokens
        print(raw_llama_eval(model.client, prefix, continuations))


def from_disk(
    spec: str, prefix: str, appended: str, continuations: list[str]
) -> tuple[float, dict[str, int]]:
    """A resumed process's first call: the prefix's state written by one model's reader, read
    by a freshly loaded model's (the load and the vocabulary scan are not timed)."""
    with tempfile.TemporaryDirectory() as folder:
        score_reader(load(spec), cache_dir=folder).score_codes(prefix, continuations[:1])
        fresh = load(spec)
        score_reader(fresh).score_codes("x: 1\ny: 11\n", ["x: 2\ny: "])  # load, scan
        return timed(score_reader(fresh, cache_dir=folder), prefix + appended, continuations)


def raw_llama_eval(llama: Any, prefix: str, continuations: list[str]) -> str:
    """Seconds of bare ``Llama.eval`` calls for the same tokens, as a baseline under load."""
    ids = llama.tokenize(prefix.encode(), add_bos=True)
    tails = [llama.tokenize(text.encode(), add_bos=False) for text in continuations]
    llama.reset()
    start = time.perf_counter()
    llama.eval(ids)
    prefix_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for tail in tails:
        llama.n_tokens = len(ids)
        llama.eval(tail)
        llama.eval(tail[-1:])  # the reader's second, one-token pass
    per_tail = (time.perf_counter() - start) / len(tails)
    return (
        f"bare Llama.eval baseline: prefix {len(ids)} tokens {prefix_seconds:.2f} s; "
        f"continuation + 1 token {per_tail:.3f} s each"
    )


if __name__ == "__main__":
    main()
