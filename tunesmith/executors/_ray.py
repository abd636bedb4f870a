"""RayExecutor: trials as Ray tasks on a local Ray instance or a cluster (``ray start``).

One dispatcher thread per executor submits at most ``n_slots`` tasks at a time, waits on them
with ``ray.wait`` (with a timeout, so deadlines are checked even when nothing finishes) and
turns each outcome into a TrialResult: a task error, a dead worker process, a dead node, Ray's
out-of-memory killer and a deadline all become failed results with a reason. Ray retries a
task whose worker or node died up to ``max_retries`` times (on any node), never one that
raised. Each workload object goes into the object store once; a ``TrainingJob``'s data file is
shipped through the object store too and copied once per node, so nodes need no shared disk.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from tunesmith.core._trial import TrialResult, TrialSpec
from tunesmith.core.errors import ConfigurationError, ExecutorError
from tunesmith.executors._base import Executor, ReportHandler, Workload, resource_request
from tunesmith.executors._ray_cluster import connect, import_ray
from tunesmith.executors._ray_errors import describe_ray_error
from tunesmith.executors._ray_task import ReportBroker, file_digest, run_trial

logger = logging.getLogger(__name__)
_GET_TIMEOUT_S = 60.0
_CACHED_WORKLOADS = 16


@dataclasses.dataclass
class _Job:
    spec: TrialSpec
    workload: Workload
    on_report: ReportHandler | None
    future: Future[TrialResult]
    key: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    started: float = 0.0
    deadline: float | None = None


class RayExecutor(Executor):
    """Run trials as Ray tasks, each with ``cpus_per_trial`` CPUs (and GPUs if it asks).

    Args:
        address: None starts a local Ray instance (stopped again at shutdown); ``"auto"`` joins
            the cluster started on this machine with ``ray start --head``; ``"HOST:PORT"`` joins
            the cluster whose head listens there. A process already connected keeps its
            connection.
        cpus_per_trial: Ray CPUs each trial reserves (also its thread count, at least 1).
        gpus_per_trial: Ray GPUs a trial reserves when its workload has ``use_gpu``; fractions
            pack several trials on a GPU (Ray does not cap their memory).
        max_concurrent: Trials in flight at once. Default: the cluster's CPUs at start divided
            by ``cpus_per_trial``.
        max_retries: How often Ray re-runs a trial whose worker process or node died.
        timeout_s: Default wall-clock limit per trial, from its dispatch (a workload's
            ``time_limit_s`` wins); the task is then force-cancelled. None: no limit.
        memory_limit_mb: Default Ray ``memory`` reservation per trial (a workload's
            ``memory_limit_mb`` wins). A scheduling reservation only: Ray's memory monitor,
            not a cap, kills trials when a node runs out.
        num_cpus: CPUs of a local instance (address None); None: all.
        object_store_memory: Object store bytes of a local instance; None: Ray's default.
        runtime_env: Ray runtime environment of this driver's job, e.g. ``{"working_dir": "."}``
            or ``{"py_modules": [my_module]}`` so workers import workloads defined outside
            installed packages.
        output_chars: How much of the end of a trial's stdout/stderr to keep.
        poll_s: How often the dispatcher looks at deadlines when nothing finishes.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        cpus_per_trial: float = 1.0,
        gpus_per_trial: float = 0.0,
        max_concurrent: int | None = None,
        max_retries: int = 1,
        timeout_s: float | None = None,
        memory_limit_mb: int | None = None,
        num_cpus: int | None = None,
        object_store_memory: int | None = None,
        runtime_env: dict[str, Any] | None = None,
        output_chars: int = 20_000,
        poll_s: float = 0.2,
    ) -> None:
        self.address = address
        self.cpus_per_trial = cpus_per_trial
        self.gpus_per_trial = gpus_per_trial
        self.max_concurrent = max_concurrent
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.memory_limit_mb = memory_limit_mb
        self.num_cpus = num_cpus
        self.object_store_memory = object_store_memory
        self.runtime_env = runtime_env
        self.output_chars = output_chars
        self.poll_s = poll_s
        self._lock = threading.Condition()
        self._pending: collections.deque[_Job] = collections.deque()
        self._running: dict[Any, _Job] = {}
        self._refs: collections.OrderedDict[int, tuple[Any, Any, list[Any] | None]] = (
            collections.OrderedDict()
        )
        self._closed = False
        self._started_ray = False
        self._slots = 0
        self._broker: Any = None
        self._remote: Any = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> RayExecutor:
        """Validate the settings, connect to Ray and start the dispatcher thread."""
        with self._lock:
            if self._closed:
                raise ExecutorError(
                    "This RayExecutor was shut down. Fix: create a new one for more trials."
                )
            if self._threads:
                return self
            self._check()
            ray = import_ray("RayExecutor")
            self._started_ray = connect(
                self.address,
                num_cpus=self.num_cpus,
                object_store_memory=self.object_store_memory,
                runtime_env=self.runtime_env,
                feature="RayExecutor",
            )
            cpus = float(ray.cluster_resources().get("CPU", 1.0))
            self._slots = self.max_concurrent or max(1, int(cpus // self.cpus_per_trial))
            self._remote = ray.remote(run_trial)
            self._threads = [threading.Thread(target=self._dispatch, daemon=True)]
            self._threads[0].start()
        return self

    def _check(self) -> None:
        if not self.cpus_per_trial > 0 or self.gpus_per_trial < 0:
            raise ConfigurationError(
                f"cpus_per_trial must be > 0 and gpus_per_trial >= 0; got "
                f"{self.cpus_per_trial!r} and {self.gpus_per_trial!r}."
            )
        for name in ("max_concurrent", "memory_limit_mb"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigurationError(f"{name} must be an int >= 1 or None; got {value!r}.")
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise ConfigurationError(f"max_retries must be an int >= 0; got {self.max_retries!r}.")
        if self.timeout_s is not None and not self.timeout_s > 0:
            raise ConfigurationError(f"timeout_s must be > 0 or None; got {self.timeout_s!r}.")

    @property
    def n_slots(self) -> int:
        """Trials in flight at once (connects to Ray on first use)."""
        return self.start()._slots

    @property
    def n_running(self) -> int:
        """Trials dispatched to Ray and not finished."""
        with self._lock:
            return len(self._running)

    def submit(
        self,
        spec: TrialSpec,
        workload: Workload,
        *,
        on_report: ReportHandler | None = None,
    ) -> Future[TrialResult]:
        """Queue ``workload(spec, report)`` as a Ray task; see :meth:`Executor.submit`."""
        self.start()
        job = _Job(spec, workload, on_report, Future())
        with self._lock:
            if self._closed:
                raise ExecutorError("This RayExecutor was shut down. Fix: create a new one.")
            if on_report is not None and self._broker is None:
                self._start_broker()
            self._pending.append(job)
            self._lock.notify_all()
        return job.future

    def shutdown(self, wait: bool = True, *, cancel_pending: bool = False) -> None:
        """Stop taking trials; finish (or cancel) the queued ones; disconnect from Ray.

        With ``wait=False`` the dispatcher finishes the remaining trials in the background.
        """
        with self._lock:
            self._closed = True
            if cancel_pending:
                while self._pending:
                    self._pending.popleft().future.cancel()
            self._lock.notify_all()
        if wait:
            for thread in self._threads:
                if thread is not threading.current_thread():
                    thread.join()

    def __enter__(self) -> RayExecutor:
        return self.start()

    # -- dispatcher --------------------------------------------------------------------------

    def _start_broker(self) -> None:
        ray = import_ray("RayExecutor")
        self._broker = ray.remote(num_cpus=0)(ReportBroker).remote()
        pump = threading.Thread(target=self._pump_reports, daemon=True)
        self._threads.append(pump)
        pump.start()

    def _dispatch(self) -> None:
        ray = import_ray("RayExecutor")
        try:
            while True:
                with self._lock:
                    while self._pending and len(self._running) < self._slots:
                        self._launch_or_fail(self._pending.popleft())
                    if self._closed and not self._pending and not self._running:
                        return
                    if not self._running:
                        self._lock.wait(self.poll_s)
                        continue
                    refs = list(self._running)
                ready, _ = ray.wait(refs, num_returns=1, timeout=self.poll_s)
                if ready:
                    ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
                for ref in ready:
                    self._finish(ref, self._collect(ref))
                self._expire()
        except Exception as exc:  # never leave a future unresolved
            logger.exception("RayExecutor's dispatcher failed")
            self._fail_all(exc)
        finally:
            for thread in self._threads[1:]:
                thread.join(timeout=_GET_TIMEOUT_S)
            self._refs.clear()  # let the object store free the workloads and data
            if self._broker is not None:
                ray.kill(self._broker)
            if self._started_ray:
                ray.shutdown()

    def _launch_or_fail(self, job: _Job) -> None:
        try:
            self._launch(job)
        except Exception as exc:  # e.g. a workload that does not pickle: fail this trial only
            if not job.future.done():
                job.future.set_result(
                    TrialResult.failed(
                        job.spec,
                        f"error: the trial could not be sent to Ray ({type(exc).__name__}: "
                        f"{exc}). Fix: a picklable workload (a top-level function or a "
                        "record of plain data).",
                        failure="error",
                    )
                )

    def _launch(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        req = resource_request(job.workload)
        workload_ref, data = self._put(job.workload)
        memory = req["memory_limit_mb"] or self.memory_limit_mb
        options: dict[str, Any] = {
            "num_cpus": self.cpus_per_trial,
            "num_gpus": self.gpus_per_trial if req["use_gpu"] else 0,
            "max_retries": self.max_retries,
            "retry_exceptions": False,
        }
        if memory is not None:
            options["memory"] = memory * 2**20
        threads = req["threads"] or max(1, int(self.cpus_per_trial))
        broker = self._broker if job.on_report is not None else None
        ref = self._remote.options(**options).remote(
            job.spec, workload_ref, data, threads, broker, job.key, self.output_chars
        )
        job.started = time.perf_counter()
        timeout = req["time_limit_s"] or self.timeout_s
        job.deadline = None if timeout is None else job.started + timeout
        self._running[ref] = job

    def _put(self, workload: Workload) -> tuple[Any, list[Any] | None]:
        """The workload's object ref (and its data file's), put into the object store once."""
        cached = self._refs.get(id(workload))
        if cached is not None and cached[0] is workload:
            self._refs.move_to_end(id(workload))
            return cached[1], cached[2]
        ray = import_ray("RayExecutor")
        data = None
        path = getattr(workload, "data_path", None)
        if isinstance(path, Path) and hasattr(workload, "model_copy") and path.is_file():
            data = [file_digest(path), path.suffix, ray.put(path.read_bytes())]
        self._refs[id(workload)] = (workload, ray.put(workload), data)
        if len(self._refs) > _CACHED_WORKLOADS:
            self._refs.popitem(last=False)
        return self._refs[id(workload)][1], data

    def _collect(self, ref: Any) -> TrialResult | BaseException:
        ray = import_ray("RayExecutor")
        try:
            result: TrialResult = ray.get(ref, timeout=_GET_TIMEOUT_S)
        except Exception as exc:
            return exc
        return result

    def _finish(self, ref: Any, outcome: TrialResult | BaseException) -> None:
        with self._lock:
            job = self._running.pop(ref, None)
        if job is None:
            return
        elapsed = time.perf_counter() - job.started
        if isinstance(outcome, TrialResult):
            result = outcome
        else:
            reason, text = describe_ray_error(outcome, self.max_retries)
            result = TrialResult.failed(job.spec, text, elapsed, failure=reason)
        job.future.set_result(result)

    def _expire(self) -> None:
        now = time.perf_counter()
        with self._lock:
            late = [(r, j) for r, j in self._running.items() if j.deadline and now >= j.deadline]
        for ref, job in late:
            import_ray("RayExecutor").cancel(ref, force=True)
            limit = (job.deadline or now) - job.started
            self._finish(
                ref,
                TimeoutError(
                    f"timeout: the trial ran past its limit of {limit:g} s and was cancelled "
                    "(its worker process killed). Fix: a larger timeout_s / time_limit_s, or a "
                    "smaller budget."
                ),
            )

    def _fail_all(self, exc: BaseException) -> None:
        with self._lock:
            jobs = list(self._running.values()) + list(self._pending)
            self._running.clear()
            self._pending.clear()
            self._closed = True
        for job in jobs:
            if not job.future.done():
                text = f"crash: the Ray executor failed ({type(exc).__name__}: {exc})"
                job.future.set_result(TrialResult.failed(job.spec, text, failure="crash"))

    def _pump_reports(self) -> None:
        """Relay intermediate reports from the broker actor to each trial's ``on_report``."""
        ray = import_ray("RayExecutor")
        while True:
            with self._lock:
                if self._closed and not self._running and not self._pending:
                    return
                handlers = {j.key: j for j in self._running.values()}
            try:
                items = ray.get(self._broker.take.remote(self.poll_s), timeout=_GET_TIMEOUT_S)
            except Exception:
                logger.exception("RayExecutor lost its report broker; reports are ignored")
                return
            for rid, key, step, value in items:
                job = handlers.get(key)
                stop = False
                if job is not None and job.on_report is not None:
                    try:
                        stop = bool(job.on_report(step, value))
                    except Exception:
                        logger.exception("on_report failed for trial %s", job.spec.number)
                self._broker.answer.remote(rid, stop)
