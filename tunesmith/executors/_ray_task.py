"""The worker side of RayExecutor: the task that runs one trial, and the report broker actor.

Kept free of module-level Ray imports; ``ray`` is imported inside the functions, which only run
where Ray is installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tunesmith.core._trial import TrialResult, TrialSpec
from tunesmith.executors._base import to_result

REPORT_TIMEOUT_S = 60.0
_DATA_CACHE = "tunesmith-ray-data"


def file_digest(path: Path) -> str:
    """A short content hash of ``path`` (names the node-local copy of a data file)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:20]


def _localise(workload: Any, data: list[Any] | None) -> Any:
    """Point a workload's ``data_path`` at a node-local copy of the file shipped with the task.

    ``data`` is ``[digest, suffix, ObjectRef of the file's bytes]`` (nested in a list, so Ray
    does not fetch the bytes unless this node has no copy yet).
    """
    if data is None:
        return workload
    import ray

    digest, suffix, ref = data
    local = Path(tempfile.gettempdir()) / _DATA_CACHE / f"{digest}{suffix}"
    if not local.is_file():
        local.parent.mkdir(parents=True, exist_ok=True)
        partial = local.with_name(f"{local.name}.{os.getpid()}.part")
        partial.write_bytes(ray.get(ref))
        partial.replace(local)  # atomic: concurrent workers on one node never see half a file
    return workload.model_copy(update={"data_path": local})


@contextlib.contextmanager
def _captured(limit: int) -> Iterator[list[str]]:
    """Send fds 1 and 2 (Python and C output) to a temp file; yield a box for its tail."""
    box = [""]
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as tmp:
        saved = (os.dup(1), os.dup(2))
        os.dup2(tmp.fileno(), 1)
        os.dup2(tmp.fileno(), 2)
        try:
            yield box
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            size = tmp.seek(0, os.SEEK_END)
            tmp.seek(max(0, size - limit * 4))
            box[0] = tmp.read().decode("utf-8", errors="replace")[-limit:] if limit else ""


@contextlib.contextmanager
def _thread_limit(threads: int) -> Iterator[None]:
    """Limit BLAS/OpenMP pools to ``threads``; TrainingJob reads TUNESMITH_THREADS."""
    from threadpoolctl import threadpool_limits

    before = os.environ.get("TUNESMITH_THREADS")
    os.environ["TUNESMITH_THREADS"] = str(threads)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        if before is None:
            os.environ.pop("TUNESMITH_THREADS", None)
        else:
            os.environ["TUNESMITH_THREADS"] = before


def run_trial(
    spec: TrialSpec,
    workload: Any,
    data: list[Any] | None,
    threads: int,
    broker: Any,
    key: str,
    output_chars: int,
) -> TrialResult:
    """Evaluate ``workload(spec, report)`` in a Ray worker; every outcome is a TrialResult."""
    import ray

    reported: list[tuple[int, float]] = []

    def report(step: int, value: float) -> bool:
        reported.append((int(step), float(value)))
        if broker is None:
            return False
        try:
            answer = broker.report.remote(key, int(step), float(value))
            return bool(ray.get(answer, timeout=REPORT_TIMEOUT_S))
        except Exception:  # the driver is gone or slow: keep training
            return False

    start = time.perf_counter()
    with _captured(output_chars) as output, _thread_limit(threads):
        try:
            value = _localise(workload, data)(spec, report)
            result = to_result(spec, value, time.perf_counter() - start)
        except MemoryError:
            result = TrialResult.failed(
                spec,
                "out_of_memory: the trial raised MemoryError. Fix: more memory per trial "
                "(memory_limit_mb), a smaller model or less data.",
                time.perf_counter() - start,
                failure="out_of_memory",
                traceback=traceback.format_exc(),
            )
        except BaseException as exc:
            oom = type(exc).__name__ == "OutOfMemoryError"  # torch.cuda.OutOfMemoryError
            result = TrialResult.failed(
                spec,
                f"{'out_of_memory' if oom else 'error'}: {type(exc).__name__}: {exc}",
                time.perf_counter() - start,
                failure="out_of_memory" if oom else "error",
                traceback=traceback.format_exc(),
            )
    update: dict[str, Any] = {"output": output[0]}
    if not result.intermediate and reported:
        update["intermediate"] = tuple(reported)
    return result.model_copy(update=update)


class ReportBroker:
    """Async actor between running trials (``report``) and the driver (``take``/``answer``).

    A trial's ``report`` waits until the driver has called its ``on_report`` handler and sent
    the answer (stop or not), or until ``REPORT_TIMEOUT_S`` (then: keep going).
    """

    def __init__(self) -> None:
        self._queue: list[tuple[int, str, int, float]] = []
        self._waiting: dict[int, asyncio.Future[bool]] = {}
        self._ids = itertools.count()
        self._event = asyncio.Event()

    async def report(self, key: str, step: int, value: float) -> bool:
        """Called by a trial: queue the report and wait for the driver's answer."""
        rid = next(self._ids)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting[rid] = answer
        self._queue.append((rid, key, step, value))
        self._event.set()
        try:
            return await asyncio.wait_for(answer, REPORT_TIMEOUT_S)
        except asyncio.TimeoutError:
            return False
        finally:
            self._waiting.pop(rid, None)

    async def take(self, wait_s: float) -> list[tuple[int, str, int, float]]:
        """Called by the driver: the queued reports (waits up to ``wait_s`` for one)."""
        if not self._queue:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._event.wait(), wait_s)
        self._event.clear()
        taken, self._queue = self._queue, []
        return taken

    async def answer(self, rid: int, stop: bool) -> None:
        """Called by the driver: release the trial waiting on report ``rid``."""
        waiting = self._waiting.get(rid)
        if waiting is not None and not waiting.done():
            waiting.set_result(stop)
