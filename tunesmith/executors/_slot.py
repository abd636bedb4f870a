"""A LocalExecutor's slots: the queue of trials not started yet, and one supervisor per worker.

A slot's thread takes trials from the queue one at a time and runs each in the worker process
it owns. It spawns the worker when needed and replaces it after a crash or kill; it also kills
it at a timeout, and relays ``report`` messages to the trial's handler.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
import threading
import time
import weakref
from collections import deque
from concurrent.futures import Future
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any

from tunesmith.core._trial import TrialResult, TrialSpec
from tunesmith.core.errors import ExecutorError
from tunesmith.executors._base import ReportHandler, Workload, describe_exit
from tunesmith.executors._gpu import GpuSlot

if TYPE_CHECKING:
    from tunesmith.executors._local import LocalExecutor

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


@dataclasses.dataclass
class Task:
    spec: TrialSpec
    workload: Workload
    on_report: ReportHandler | None
    future: Future[TrialResult]
    needs_gpu: bool


class Pending:
    """Tasks not started yet; a GPU slot prefers GPU tasks, a CPU slot takes CPU tasks only."""

    def __init__(self) -> None:
        self._items: deque[Task] = deque()
        self._cond = threading.Condition()
        self.closed = False

    def put(self, task: Task) -> None:
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

    def take(self, has_gpu: bool) -> Task | None:
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


class Slot:
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

    def _loop(self, pending: Pending) -> None:
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

    def _run(self, task: Task) -> TrialResult:
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
        self, task: Task, timeout: float | None, memory: int | None, start: float
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
    def _ask_stop(task: Task, step: int, value: float) -> bool:
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
