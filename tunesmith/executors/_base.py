"""The executor interface every backend (local processes, Ray) implements.

A *workload* is a picklable callable ``workload(spec, report) -> value``: ``spec`` is the
:class:`~tunesmith.core.TrialSpec` to evaluate and ``report(step, value) -> should_stop`` sends an
intermediate score to the caller (for multi-fidelity pruning) and says whether to stop early. It
returns a float, a sequence of floats (multi-objective) or a finished
:class:`~tunesmith.core.TrialResult`. :class:`~tunesmith.learners.TrainingJob` is the workload
that trains a catalogued learner; a plain top-level function works too.

A workload may carry resource wishes as attributes (``TrainingJob`` has them as fields):
``time_limit_s``, ``memory_limit_mb``, ``threads`` and ``use_gpu``; None (or a missing
attribute) means "the executor's default".

Example:
    >>> with LocalExecutor(n_workers=2, timeout_s=60) as ex:
    ...     futures = [ex.submit(spec, job) for spec in specs]
    ...     results = [f.result() for f in futures]   # never raises for a failing trial
"""

from __future__ import annotations

import abc
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, as_completed
from types import TracebackType
from typing import Any, Protocol

from tunesmith.core._trial import FailureReason, TrialResult, TrialSpec
from tunesmith.core.errors import ExecutorError

__all__ = [
    "Executor",
    "ExecutorError",
    "FailureReason",
    "ReportHandler",
    "Reporter",
    "ResourceRequest",
    "Workload",
    "describe_exit",
    "resource_request",
    "to_result",
]

Reporter = Callable[[int, float], bool]
"""``report(step, value) -> should_stop``, given to a workload inside the worker."""

ReportHandler = Callable[[int, float], bool]
"""``on_report(step, value) -> should_stop``, called in the caller's process (in an executor
thread) for each intermediate value of one trial; e.g. ``lambda s, v: study.report(n, s, v)``."""


class Workload(Protocol):
    """A picklable callable that evaluates one trial (see the module docstring)."""

    def __call__(self, spec: TrialSpec, report: Reporter) -> float | Sequence[float] | TrialResult:
        """Evaluate ``spec``; call ``report`` with intermediate values; return the outcome."""
        ...


class ResourceRequest(Protocol):
    """What an executor reads from a workload to size its trial (all optional)."""

    time_limit_s: float | None
    memory_limit_mb: int | None
    threads: int | None
    use_gpu: bool


def resource_request(workload: object) -> dict[str, Any]:
    """Return the workload's resource wishes: keys of :class:`ResourceRequest`, None if unset."""
    return {
        "time_limit_s": getattr(workload, "time_limit_s", None),
        "memory_limit_mb": getattr(workload, "memory_limit_mb", None),
        "threads": getattr(workload, "threads", None),
        "use_gpu": bool(getattr(workload, "use_gpu", False)),
    }


def to_result(spec: TrialSpec, value: Any, duration_s: float) -> TrialResult:
    """Turn what a workload returned into a :class:`TrialResult` for ``spec``.

    A TrialResult is kept (its ``duration_s`` filled in if it is 0); a number or a sequence of
    numbers becomes a complete result; anything else becomes a failed one (reason ``error``).
    """
    if isinstance(value, TrialResult):
        if value.duration_s == 0.0:
            return value.model_copy(update={"duration_s": duration_s})
        return value
    try:
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return TrialResult.complete(spec, [float(v) for v in value], duration_s)
        return TrialResult.complete(spec, float(value), duration_s)
    except (TypeError, ValueError) as exc:
        return TrialResult.failed(
            spec,
            f"The workload returned {type(value).__name__} {value!r:.200}; expected a float, "
            f"a sequence of floats or a TrialResult ({exc}).",
            duration_s,
            failure="error",
        )


_CRASH_SIGNALS = {"SIGSEGV", "SIGBUS", "SIGABRT", "SIGFPE", "SIGILL", "SIGSYS", "SIGTRAP"}


def describe_exit(exitcode: int | None) -> tuple[FailureReason, str]:
    """Classify how a worker process ended without sending a result.

    Args:
        exitcode: ``Process.exitcode``: negative for "killed by signal -N", else the exit status.

    Returns:
        ``(reason, message)``: ``crash`` for a fault signal (segfault, abort, ...) or a non-zero
        exit; ``killed`` for any other signal (SIGKILL, SIGTERM, ...; possibly the kernel's OOM
        killer), with the signal's number and name in the message.
    """
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if name in _CRASH_SIGNALS:
            return "crash", f"crash: the worker died of signal {number} ({name})"
        return "killed", f"killed (signal {number}, {name})"
    return "crash", f"crash: the worker exited with status {exitcode} before sending a result"


class Executor(abc.ABC):
    """Runs trials concurrently and isolated; every submitted trial yields a TrialResult.

    Futures never raise for a failing trial: crashes, timeouts, out-of-memory and kills come
    back as ``TrialResult(state="failed", failure=..., error=...)``. A future raises only when it
    was cancelled (``Future.cancel()`` on a pending trial, or ``shutdown(cancel_pending=True)``).
    """

    @property
    @abc.abstractmethod
    def n_slots(self) -> int:
        """How many trials can run at the same time."""

    @property
    @abc.abstractmethod
    def n_running(self) -> int:
        """How many trials are running now."""

    @abc.abstractmethod
    def submit(
        self,
        spec: TrialSpec,
        workload: Workload,
        *,
        on_report: ReportHandler | None = None,
    ) -> Future[TrialResult]:
        """Queue ``workload(spec, report)`` and return a future of its result.

        Args:
            spec: The trial to evaluate.
            workload: A picklable callable (a top-level function or a ``TrainingJob``).
            on_report: Called with each intermediate ``(step, value)``; its return value
                (should stop?) goes back to the workload. None: never stop early.

        Raises:
            ExecutorError: The executor was shut down.
        """

    @abc.abstractmethod
    def shutdown(self, wait: bool = True, *, cancel_pending: bool = False) -> None:
        """Stop accepting trials and release the workers.

        Args:
            wait: Block until running (and, unless cancelled, pending) trials have finished.
            cancel_pending: Cancel trials that have not started yet.
        """

    def map(
        self,
        specs: Iterable[TrialSpec],
        workload: Workload,
    ) -> Iterator[TrialResult]:
        """Submit every spec and yield results as they finish (not in submission order)."""
        futures = [self.submit(spec, workload) for spec in specs]
        for future in as_completed(futures):
            yield future.result()

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown(wait=True, cancel_pending=exc_type is not None)
