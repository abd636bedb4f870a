"""Throughput of 1-second CPU-bound trials on LocalExecutor with 1 and 2 workers.

Run: ``.venv/bin/python benchmarks/executor_throughput.py [--trials 8] [--seconds 1.0]``
"""

from __future__ import annotations

import argparse
import os
import time

from tunesmith.core import TrialSpec
from tunesmith.executors import LocalExecutor, Reporter


def busy(spec: TrialSpec, report: Reporter) -> float:
    """Spin the CPU for params['seconds'] of this process's CPU time (not sleep)."""
    end = time.process_time() + float(spec.params["seconds"])
    n = 0
    while time.process_time() < end:
        n += 1
    return float(n)


def measure(n_workers: int, trials: int, seconds: float) -> tuple[float, float]:
    """Return (wall seconds, trials per second) for ``trials`` busy trials, workers warm."""
    with LocalExecutor(n_workers=n_workers, gpus=None, threads_per_worker=1) as ex:
        warm = [
            ex.submit(TrialSpec(number=i, params={"seconds": 0.01}), busy)
            for i in range(n_workers)
        ]
        for f in warm:
            f.result()
        start = time.perf_counter()
        futures = [
            ex.submit(TrialSpec(number=100 + i, params={"seconds": seconds}), busy)
            for i in range(trials)
        ]
        results = [f.result() for f in futures]
        wall = time.perf_counter() - start
    assert all(r.state == "complete" for r in results)
    return wall, trials / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()}")
    rows = [(n, *measure(n, args.trials, args.seconds)) for n in (1, 2)]
    base = rows[0][2]
    print("\n| workers | trials | wall (s) | trials/s | speed-up |")
    print("|---:|---:|---:|---:|---:|")
    for n, wall, rate in rows:
        print(f"| {n} | {args.trials} | {wall:.2f} | {rate:.3f} | {rate / base:.2f}x |")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
