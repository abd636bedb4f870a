"""Per-trial overhead of the Ray backend: trivial trials through RayExecutor vs a direct call.

Usage:
    python benchmarks/ray_overhead.py                 # the table in docs/benchmarks.md
    python benchmarks/ray_overhead.py --trials 500 --cpus 2

The workload returns x**2 at once (microseconds), so the time per trial is the executor's own
cost: building the task, Ray scheduling, the worker's output capture and thread limits, the
result's trip back and the dispatcher's bookkeeping. Rows:

* ``direct call``: ``workload(spec, report)`` in this process.
* ``plain ray.remote task``: the function as a bare Ray task, ``ray.get`` one at a time: what
  Ray itself costs, without RayExecutor.
* ``ray, one at a time``: submit, wait for the result, repeat (latency per trial).
* ``ray, all submitted``: submit every trial, then collect (throughput, ``--cpus`` slots).
* ``ray, all submitted, 3 reports``: as above, each trial sends 3 intermediate values to an
  ``on_report`` handler in this process (two actor calls each).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from tunesmith.core import TrialSpec
from tunesmith.executors._ray import RayExecutor


def square(spec: TrialSpec, report: Any) -> float:
    return float(spec.params["x"]) ** 2


def square_reporting(spec: TrialSpec, report: Any) -> float:
    for step in range(3):
        report(step, float(step))
    return float(spec.params["x"]) ** 2


def specs(n: int) -> list[TrialSpec]:
    return [TrialSpec(number=i, params={"x": i}) for i in range(n)]


def direct(n: int) -> float:
    start = time.perf_counter()
    for s in specs(n):
        square(s, lambda step, value: False)
    return time.perf_counter() - start


def plain_ray(n: int) -> float:
    """The same trivial function as a bare Ray task, one at a time (Ray's own floor)."""
    import ray

    remote = ray.remote(num_cpus=1)(square)
    ray.get(remote.remote(specs(1)[0], None))
    start = time.perf_counter()
    for s in specs(n):
        ray.get(remote.remote(s, None))
    return time.perf_counter() - start


def one_at_a_time(ex: RayExecutor, n: int) -> float:
    start = time.perf_counter()
    for s in specs(n):
        assert ex.submit(s, square).result(60).state == "complete"
    return time.perf_counter() - start


def all_submitted(ex: RayExecutor, n: int, reports: bool = False) -> float:
    workload = square_reporting if reports else square
    handler: Callable[[int, float], bool] | None = (lambda s, v: False) if reports else None
    start = time.perf_counter()
    futures = [ex.submit(s, workload, on_report=handler) for s in specs(n)]
    assert all(f.result(120).state == "complete" for f in futures)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray instance")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.trials
    start = time.perf_counter()
    ex = RayExecutor(num_cpus=args.cpus, object_store_memory=200_000_000).start()
    connect_s = time.perf_counter() - start
    start = time.perf_counter()
    ex.submit(specs(1)[0], square).result(120)
    first_s = time.perf_counter() - start
    rows: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        rows.setdefault("direct call", []).append(direct(n))
        rows.setdefault("plain ray.remote task, one at a time", []).append(plain_ray(n))
        rows.setdefault("ray, one at a time", []).append(one_at_a_time(ex, n))
        rows.setdefault("ray, all submitted", []).append(all_submitted(ex, n))
        rows.setdefault("ray, all submitted, 3 reports", []).append(all_submitted(ex, n, True))
    ex.shutdown()
    print(
        f"ray.init (local instance, {args.cpus} CPUs): {connect_s:.2f} s; first trial: "
        f"{first_s:.2f} s"
    )
    print(f"\n| backend | ms/trial ({n} trials, median of {args.repeats}) |\n|---|---|")
    for name, times in rows.items():
        print(f"| {name} | {statistics.median(times) / n * 1000:.3f} |")


if __name__ == "__main__":
    main()
