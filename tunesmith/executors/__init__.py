"""Trial executors: run workloads isolated in worker processes (local) or on a Ray cluster.

Example:
    >>> from tunesmith.executors import LocalExecutor, TrainingJob
    >>> job = TrainingJob(data_path=path, target="y", task_type="binary", metric="roc_auc",
    ...                   learner="random_forest")
    >>> with LocalExecutor(n_workers=2, timeout_s=120, memory_limit_mb=4096) as ex:
    ...     result = ex.submit(spec, job).result()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tunesmith.core._trial import FailureReason
from tunesmith.core.errors import ExecutorError
from tunesmith.executors._base import (
    Executor,
    Reporter,
    ReportHandler,
    Workload,
    describe_exit,
    resource_request,
    to_result,
)
from tunesmith.executors._gpu import GpuSlot, detect_gpus, gpu_slots
from tunesmith.executors._local import LocalExecutor
from tunesmith.executors._ray import RayExecutor
from tunesmith.executors._ray_errors import describe_ray_error

if TYPE_CHECKING:
    from tunesmith.executors._pbt import PBTStep, PBTSummary, run_pbt
    from tunesmith.learners import TrainingJob, keep_best_models, write_table

# TrainingJob & co. live in learners (sklearn, ~1.5 s to import); loaded on first use so that a
# worker process, which imports this package, starts fast.
_FROM_LEARNERS = ("TrainingJob", "keep_best_models", "write_table")
_FROM_PBT = ("PBTStep", "PBTSummary", "run_pbt")


def __getattr__(name: str) -> Any:
    if name in _FROM_LEARNERS:
        import tunesmith.learners

        return getattr(tunesmith.learners, name)
    if name in _FROM_PBT:
        from tunesmith.executors import _pbt

        return getattr(_pbt, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Executor",
    "ExecutorError",
    "FailureReason",
    "GpuSlot",
    "LocalExecutor",
    "PBTStep",
    "PBTSummary",
    "RayExecutor",
    "ReportHandler",
    "Reporter",
    "TrainingJob",
    "Workload",
    "describe_exit",
    "describe_ray_error",
    "detect_gpus",
    "gpu_slots",
    "keep_best_models",
    "resource_request",
    "run_pbt",
    "to_result",
    "write_table",
]
