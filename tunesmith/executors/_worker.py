"""The worker process: runs trials one after another, as the parent's supervisor asks.

Kept light (stdlib and core only) so a replacement worker starts fast. The parent sets the
environment (thread counts, ``CUDA_VISIBLE_DEVICES``) before it spawns the process, so it applies
before numpy or any BLAS library loads.

Protocol over a duplex pipe (parent -> worker): a task dict, or None to exit. Worker -> parent:
``("report", step, value)`` (the parent answers with a bool: stop?), then ``("result",
TrialResult, recycle)``, where ``recycle`` asks the parent to replace this worker (after an
out-of-memory error, whose aftermath is not trustworthy).
"""

from __future__ import annotations

import os
import pickle
import sys
import time
import traceback
from typing import Any

from tunesmith.core._trial import TrialResult, TrialSpec


def _setup_gpu() -> None:
    fraction = os.environ.get("TUNESMITH_GPU_MEMORY_FRACTION")
    if fraction is None or not os.environ.get("CUDA_VISIBLE_DEVICES"):
        return
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return
    import torch

    if torch.cuda.is_available():
        # Caps torch's caching allocator on the one visible device; see LocalExecutor docs.
        torch.cuda.set_per_process_memory_fraction(float(fraction), 0)


def _set_memory_limit(limit_mb: int | None) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - non-POSIX
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = hard if limit_mb is None else limit_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _redirect_output(path: str) -> None:
    # dup2 onto fds 1 and 2 so C libraries' output (and a dying process's) lands there too.
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _evaluate(conn: Any, task: dict[str, Any]) -> tuple[TrialResult, bool]:
    from tunesmith.executors._base import to_result

    spec: TrialSpec = task["spec"]

    def report(step: int, value: float) -> bool:
        conn.send(("report", int(step), float(value)))
        return bool(conn.recv())

    start = time.perf_counter()
    try:
        workload = pickle.loads(task["workload"])
    except Exception as exc:
        return (
            TrialResult.failed(
                spec,
                f"error: the worker could not load the workload ({type(exc).__name__}: {exc}). "
                "Fix: use a top-level function of an importable module (not __main__ of a "
                "script without an import guard, not a lambda or closure).",
                failure="error",
                traceback=traceback.format_exc(),
            ),
            False,
        )
    _set_memory_limit(task["memory_limit_mb"])
    try:
        value = workload(spec, report)
    except MemoryError:
        _set_memory_limit(None)
        return (
            TrialResult.failed(
                spec,
                f"out_of_memory: the trial went past its memory cap of "
                f"{task['memory_limit_mb']} MiB (MemoryError). Fix: a larger memory_limit_mb, "
                "a smaller model or less data.",
                time.perf_counter() - start,
                failure="out_of_memory",
                traceback=traceback.format_exc(),
            ),
            True,
        )
    except BaseException as exc:
        _set_memory_limit(None)
        if type(exc).__name__ == "OutOfMemoryError":  # torch.cuda.OutOfMemoryError
            return (
                TrialResult.failed(
                    spec,
                    f"out_of_memory: {exc}",
                    time.perf_counter() - start,
                    failure="out_of_memory",
                    traceback=traceback.format_exc(),
                ),
                True,
            )
        return (
            TrialResult.failed(
                spec,
                f"error: {type(exc).__name__}: {exc}",
                time.perf_counter() - start,
                failure="error",
                traceback=traceback.format_exc(),
            ),
            False,
        )
    _set_memory_limit(None)
    return to_result(spec, value, time.perf_counter() - start), False


def worker_main(conn: Any) -> None:
    """Serve trials from ``conn`` until it sends None or closes."""
    import faulthandler

    import joblib

    faulthandler.enable()  # a segfault's Python traceback lands in the trial's output
    _setup_gpu()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        _redirect_output(task["output_path"])
        # joblib's default (loky) starts worker processes that outlive this one when it is
        # killed or recycled, and keep its pipes open; threads stay inside the trial.
        with joblib.parallel_config(backend="threading"):
            result, recycle = _evaluate(conn, task)
        sys.stdout.flush()
        sys.stderr.flush()
        conn.send(("result", result, recycle))
