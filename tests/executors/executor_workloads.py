"""Top-level workloads the executor tests run in worker processes (must be importable there)."""

from __future__ import annotations

import ctypes
import os
import time
from pathlib import Path

from tunesmith.core import TrialResult, TrialSpec
from tunesmith.executors import Reporter


def square(spec: TrialSpec, report: Reporter) -> float:
    """Return x**2 after printing something to stdout and stderr."""
    x = float(spec.params["x"])
    print(f"stdout of trial {spec.number}")
    os.write(2, f"fd2 of trial {spec.number}\n".encode())
    return x * x


def sleep_then_value(spec: TrialSpec, report: Reporter) -> float:
    """Write this worker's pid to params['pid_file'], then sleep params['sleep_s']."""
    Path(spec.params["pid_file"]).write_text(str(os.getpid()))
    time.sleep(float(spec.params["sleep_s"]))
    return 1.0


def allocate(spec: TrialSpec, report: Reporter) -> float:
    """Allocate params['mb'] MiB and touch it."""
    block = bytearray(int(spec.params["mb"]) * 1024 * 1024)
    return float(len(block))


def segfault(spec: TrialSpec, report: Reporter) -> float:
    """Read address 0: SIGSEGV."""
    ctypes.string_at(0)
    return 0.0


def raise_error(spec: TrialSpec, report: Reporter) -> float:
    """Raise a ValueError with a recognisable message."""
    raise ValueError("bad parameter x=" + str(spec.params.get("x")))


def thread_env(spec: TrialSpec, report: Reporter) -> TrialResult:
    """Return the thread-limit environment and the BLAS thread counts numpy sees."""
    names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "CUDA_VISIBLE_DEVICES")
    metrics = {n: float(os.environ.get(n) or -1) for n in names}
    from threadpoolctl import threadpool_info

    blas = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    metrics["blas_threads"] = float(max(blas)) if blas else -1.0
    return TrialResult.complete(spec, 0.0).model_copy(update={"metrics": metrics})


def reporting(spec: TrialSpec, report: Reporter) -> float:
    """Report steps 0..9 with value = step; stop when told to; return the last step."""
    step = 0
    for step in range(10):
        if report(step, float(step)):
            break
    return float(step)


def gpu_probe(spec: TrialSpec, report: Reporter) -> TrialResult:
    """Allocate params['share'] of the visible GPU's memory with torch; report what it saw."""
    import torch

    total = torch.cuda.get_device_properties(0).total_memory
    block = torch.empty(int(total * float(spec.params["share"])), dtype=torch.uint8, device="cuda")
    metrics = {"n_devices": float(torch.cuda.device_count()), "bytes": float(block.numel())}
    return TrialResult.complete(spec, 0.0).model_copy(update={"metrics": metrics})


class GpuProbe:
    """:func:`gpu_probe` as a workload that asks the executor for a GPU slot."""

    use_gpu = True

    def __call__(self, spec: TrialSpec, report: Reporter) -> TrialResult:
        return gpu_probe(spec, report)
