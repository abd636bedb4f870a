"""LocalExecutor: trials in long-lived spawned worker processes, each supervised by a thread.

One supervisor thread per slot owns one worker process and runs one trial at a time on it. A
worker that dies (crash, signal, timeout kill, out-of-memory) is replaced by a fresh spawned
process before the slot's next trial; the other slots never notice. A result the worker sent
before dying is kept.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from concurrent.futures import Future

from tunesmith.core._cpus import cpu_count, threads_for
from tunesmith.core._trial import TrialResult, TrialSpec
from tunesmith.core.errors import ConfigurationError, ExecutorError
from tunesmith.executors._base import (
    Executor,
    ReportHandler,
    Workload,
    resource_request,
)
from tunesmith.executors._gpu import GpuSpec, gpu_slots
from tunesmith.executors._slot import Pending, Slot, Task

logger = logging.getLogger(__name__)

_LIVE: weakref.WeakSet[LocalExecutor] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for executor in list(_LIVE):
        executor.shutdown(wait=False, cancel_pending=True)


class LocalExecutor(Executor):
    """Run trials in spawned worker processes on this machine, isolated from each other.

    Each trial gets a wall-clock timeout (the worker is killed and replaced), a memory cap
    (``RLIMIT_AS`` of the worker: its whole address space, interpreter and libraries included),
    a thread limit (``OMP/MKL/OPENBLAS_NUM_THREADS`` set before numpy loads), and on GPU hosts a
    GPU slot (``CUDA_VISIBLE_DEVICES``). Output and tracebacks are captured in the result.

    Args:
        n_workers: Concurrent trials. Default: one per GPU slot on GPU hosts, else
            ``cpu_count // threads_per_worker`` (at least 1).
        gpus: ``"auto"``, a count, device ids, or None for CPU only (see :func:`gpu_slots`).
        trials_per_gpu: Trials sharing one GPU, each capped to an equal memory fraction.
        reserve_gpu_memory_for_llm: Share of each GPU's memory kept for an LLM server.
        timeout_s: Default wall-clock limit per trial (None: no limit).
        memory_limit_mb: Default address-space cap per trial in MiB (None: no cap). Not applied
            on GPU slots: CUDA reserves far more address space than it uses.
        threads_per_worker: Threads per trial. Default: ``cpu_count // n_workers`` (at least 1),
            halved if the load average exceeds the CPUs when the executor starts (threads that
            wait on each other stall on a busy machine: ``tunesmith.core._cpus``).
        output_chars: How much of the end of a trial's stdout/stderr to keep.
    """

    def __init__(
        self,
        n_workers: int | None = None,
        *,
        gpus: GpuSpec = "auto",
        trials_per_gpu: int = 1,
        reserve_gpu_memory_for_llm: float = 0.0,
        timeout_s: float | None = None,
        memory_limit_mb: int | None = None,
        threads_per_worker: int | None = None,
        output_chars: int = 20_000,
    ) -> None:
        self.n_workers = n_workers
        self.gpus = gpus
        self.trials_per_gpu = trials_per_gpu
        self.reserve_gpu_memory_for_llm = reserve_gpu_memory_for_llm
        self.timeout_s = timeout_s
        self.memory_limit_mb = memory_limit_mb
        self.threads_per_worker = threads_per_worker
        self.output_chars = output_chars
        self._lock = threading.Lock()
        self._pending = Pending()
        self._slots: list[Slot] = []
        self._tmpdir: str | None = None
        self._running = 0

    # -- configuration -----------------------------------------------------------------------

    def _start(self) -> None:
        cpus = cpu_count()
        gpu = gpu_slots(self.gpus, self.trials_per_gpu, self.reserve_gpu_memory_for_llm)
        for name in ("n_workers", "threads_per_worker", "memory_limit_mb"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ConfigurationError(f"{name} must be an int >= 1 or None; got {value!r}.")
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise ConfigurationError(f"timeout_s must be > 0 or None; got {self.timeout_s!r}.")
        threads = self.threads_per_worker
        n = self.n_workers or len(gpu) or max(1, cpus // (threads or 1))
        # Halved on a machine busier than its cores, where OpenMP's threads stall each other.
        threads = threads or threads_for(n)
        self._tmpdir = tempfile.mkdtemp(prefix="tunesmith-trials-")
        self._slots = [Slot(self, i, gpu[i] if i < len(gpu) else None, threads) for i in range(n)]
        _LIVE.add(self)

    @property
    def n_slots(self) -> int:
        """Concurrent trials (known once the first trial is submitted, or after ``start()``)."""
        self.start()
        return len(self._slots)

    @property
    def n_gpu_slots(self) -> int:
        """Slots with a GPU."""
        self.start()
        return sum(s.gpu is not None for s in self._slots)

    @property
    def n_running(self) -> int:
        """Trials running now."""
        return self._running

    @property
    def worker_pids(self) -> list[int | None]:
        """The pid of each slot's worker process (None before it starts or after it died)."""
        return [s.pid for s in self._slots]

    def start(self) -> LocalExecutor:
        """Validate the settings and start the slot threads (workers spawn on first use)."""
        with self._lock:
            if self._pending.closed:
                raise ExecutorError(
                    "This LocalExecutor was shut down. Fix: create a new one for more trials."
                )
            if not self._slots:
                self._start()
                for slot in self._slots:
                    slot.thread.start()
        return self

    # -- Executor ----------------------------------------------------------------------------

    def submit(
        self,
        spec: TrialSpec,
        workload: Workload,
        *,
        on_report: ReportHandler | None = None,
    ) -> Future[TrialResult]:
        """Queue ``workload(spec, report)``; see :meth:`Executor.submit`."""
        self.start()
        future: Future[TrialResult] = Future()
        needs_gpu = resource_request(workload)["use_gpu"] and self.n_gpu_slots > 0
        self._pending.put(Task(spec, workload, on_report, future, needs_gpu))
        return future

    def shutdown(self, wait: bool = True, *, cancel_pending: bool = False) -> None:
        """Stop taking trials; finish (or cancel) the queued ones; stop the workers."""
        self._pending.close(cancel_pending)
        if wait:
            for slot in self._slots:
                if slot.thread.is_alive() and slot.thread is not threading.current_thread():
                    slot.thread.join()
        else:
            for slot in self._slots:
                slot.kill_worker_if_idle()
        if wait and self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
        _LIVE.discard(self)

    def __enter__(self) -> LocalExecutor:
        return self.start()

    # -- used by the slots -------------------------------------------------------------------

    def _limits(self, workload: Workload, on_gpu: bool) -> tuple[float | None, int | None]:
        req = resource_request(workload)
        timeout = req["time_limit_s"] or self.timeout_s
        memory = req["memory_limit_mb"] or self.memory_limit_mb
        return timeout, None if on_gpu else memory

    def _output_path(self, number: int) -> str:
        assert self._tmpdir is not None
        return os.path.join(self._tmpdir, f"trial-{number}-{uuid.uuid4().hex[:8]}.log")

    def _count(self, delta: int) -> None:
        with self._lock:
            self._running += delta
