"""LocalExecutor: trials in long-lived spawned worker processes, each supervised by a thread.

One supervisor thread per slot owns one worker process and runs one trial at a time on it. A
worker that dies (crash, signal, timeout kill, out-of-memory) is replaced by a fresh spawned
process before the slot's next trial; the other slots never notice. A result the worker sent
before dying is kept.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import os
import pickle
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections import deque
from concurrent.futures import Future
from multiprocessing.connection import wait
from typing import Any

from tunesmith.core._cpus import cpu_count, threads_for
from tunesmith.core._trial import TrialResult, TrialSpec
from tunesmith.core.errors import ConfigurationError, ExecutorError
from tunesmith.executors._base import (
    Executor,
    ReportHandler,
    Workload,
    describe_exit,
    resource_request,
)
from tunesmith.executors._gpu import GpuSlot, GpuSpec, gpu_slots

logger = logging.getLogger(__name__)

_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "TUNESMITH_THREADS",
)
# A spawned child inherits os.environ as it is at start(); the lock keeps the swap atomic
# between our own threads.
_ENV_LOCK = threading.Lock()
_LIVE: weakref.WeakSet[LocalExecutor] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for executor in list(_LIVE):
        executor.shutdown(wait=False, cancel_pending=True)


@dataclasses.dataclass
class _Task:
    spec: TrialSpec
    workload: Workload
    on_report: ReportHandler | None
    future: Future[TrialResult]
    needs_gpu: bool


class _Pending:
    """Tasks not started yet; a GPU slot prefers GPU tasks, a CPU slot takes CPU tasks only."""

    def __init__(self) -> None:
        self._items: deque[_Task] = deque()
        self._cond = threading.Condition()
        self.closed = False

    def put(self, task: _Task) -> None:
        with self._cond:
            self._items.append(task)
            self._cond.notify_all()

    def close(self, cancel: bool) -> None:
        with self._cond:
            self.closed = True
            if cancel:
                for task in self._items:
                    task.future.cancel()
                self._items.clear()
            self._cond.notify_all()

    def take(self, has_gpu: bool) -> _Task | None:
        with self._cond:
            while True:
                fits = [t for t in self._items if has_gpu or not t.needs_gpu]
                if has_gpu:
                    fits.sort(key=lambda t: not t.needs_gpu)  # stable: GPU tasks first
                if fits:
                    self._items.remove(fits[0])
                    return fits[0]
                if self.closed:
                    return None
                self._cond.wait()


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
        self._pending = _Pending()
        self._slots: list[_Slot] = []
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
        self._slots = [_Slot(self, i, gpu[i] if i < len(gpu) else None, threads) for i in range(n)]
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
        self._pending.put(_Task(spec, workload, on_report, future, needs_gpu))
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


class _Slot:
    """One supervisor thread and the worker process it owns."""

    def __init__(self, owner: LocalExecutor, index: int, gpu: GpuSlot | None, threads: int):
        self.owner = weakref.proxy(owner)
        self.gpu = gpu
        self.threads = threads
        self.process: Any = None
        self.conn: Any = None
        self.busy = False
        self.thread = threading.Thread(
            target=self._loop, args=(owner._pending,), name=f"tunesmith-slot-{index}", daemon=True
        )

    @property
    def pid(self) -> int | None:
        proc = self.process
        return proc.pid if proc is not None and proc.is_alive() else None

    def _env(self) -> dict[str, str]:
        env = dict.fromkeys(_THREAD_VARS, str(self.threads))
        env.update(self.gpu.env() if self.gpu else {"CUDA_VISIBLE_DEVICES": ""})
        return env

    def _spawn(self) -> None:
        import multiprocessing

        from tunesmith.executors._worker import worker_main

        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=worker_main, args=(child,), daemon=False)
        with _ENV_LOCK:
            saved = dict(os.environ)
            os.environ.update(self._env())
            if not self.gpu:
                os.environ.pop("TUNESMITH_GPU_MEMORY_FRACTION", None)
            try:
                process.start()
            except RuntimeError as exc:
                raise ExecutorError(
                    f"Cannot spawn a worker process: {str(exc).strip().splitlines()[0]} "
                    "Workers are spawned (not forked), so a script that runs trials must "
                    "guard its entry point with: if __name__ == '__main__': main()"
                ) from exc
            finally:
                os.environ.clear()
                os.environ.update(saved)
        child.close()
        self.process, self.conn = process, parent

    def kill_worker(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(timeout=10)
            self.conn.close()
        self.process = self.conn = None

    def kill_worker_if_idle(self) -> None:
        if not self.busy and self.process is not None:
            try:
                self.conn.send(None)
            except OSError:
                pass

    def _loop(self, pending: _Pending) -> None:
        while (task := pending.take(self.gpu is not None)) is not None:
            if not task.future.set_running_or_notify_cancel():
                continue
            self.busy = True
            self.owner._count(1)
            try:
                result = self._run(task)
            except Exception as exc:  # a bug of ours must not lose the trial
                logger.exception("Supervisor error in trial %s", task.spec.number)
                self.kill_worker()
                result = TrialResult.failed(
                    task.spec, f"error: executor failure: {exc!r}", failure="error"
                )
            finally:
                self.owner._count(-1)
                self.busy = False
            task.future.set_result(result)
        if self.process is not None:
            try:
                self.conn.send(None)
                self.process.join(timeout=10)
            except (OSError, ValueError):
                pass
            self.kill_worker()

    def _run(self, task: _Task) -> TrialResult:
        timeout, memory = self.owner._limits(task.workload, self.gpu is not None)
        try:
            payload = pickle.dumps(task.workload)
        except Exception as exc:
            return TrialResult.failed(
                task.spec,
                f"error: the workload cannot be pickled ({type(exc).__name__}: {exc}). "
                "Fix: use a top-level function or a TrainingJob, not a lambda or closure.",
                failure="error",
            )
        if self.process is None or not self.process.is_alive():
            self.kill_worker()
            self._spawn()
        output = self.owner._output_path(task.spec.number)
        start = time.perf_counter()
        self.conn.send(
            {
                "spec": task.spec,
                "workload": payload,
                "memory_limit_mb": memory,
                "output_path": output,
            }
        )
        result = self._supervise(task, timeout, memory, start)
        return self._with_output(result, output, time.perf_counter() - start)

    def _supervise(
        self, task: _Task, timeout: float | None, memory: int | None, start: float
    ) -> TrialResult:
        deadline = None if timeout is None else start + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.perf_counter())
            ready = wait([self.conn, self.process.sentinel], timeout=left)
            if self.conn in ready or self.conn.poll():
                try:
                    message = self.conn.recv()
                except (EOFError, OSError):
                    message = None
                if message is not None and message[0] == "report":
                    self.conn.send(self._ask_stop(task, message[1], message[2]))
                    continue
                if message is not None and message[0] == "result":
                    if message[2]:
                        self.kill_worker()
                    return message[1]
            if not self.process.is_alive() or self.process.sentinel in ready:
                self.process.join(timeout=10)
                reason, text = describe_exit(self.process.exitcode)
                self.kill_worker()
                return TrialResult.failed(
                    task.spec, text, time.perf_counter() - start, failure=reason
                )
            if deadline is not None and time.perf_counter() >= deadline:
                self.kill_worker()
                return TrialResult.failed(
                    task.spec,
                    f"timeout: the trial ran past its limit of {timeout:g} s and was killed. "
                    "Fix: a larger timeout_s / time_limit_s, or a smaller budget.",
                    time.perf_counter() - start,
                    failure="timeout",
                )

    @staticmethod
    def _ask_stop(task: _Task, step: int, value: float) -> bool:
        if task.on_report is None:
            return False
        try:
            return bool(task.on_report(step, value))
        except Exception:
            logger.exception("on_report failed for trial %s; not stopping it", task.spec.number)
            return False

    def _with_output(self, result: TrialResult, path: str, elapsed: float) -> TrialResult:
        limit = self.owner.output_chars
        try:
            with open(path, "rb") as fh:
                fh.seek(0, os.SEEK_END)
                size = fh.tell()
                fh.seek(max(0, size - limit * 4))
                text = fh.read().decode("utf-8", errors="replace")[-limit:]
            os.unlink(path)
        except OSError:
            text = ""
        update: dict[str, Any] = {"output": text}
        if result.duration_s == 0.0:
            update["duration_s"] = elapsed
        return result.model_copy(update=update)
