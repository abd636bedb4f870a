"""Why Ray gave no result for a trial, as a failure reason and a message that says what to do."""

from __future__ import annotations

from tunesmith.core._trial import FailureReason

__all__ = ["describe_ray_error"]


def describe_ray_error(exc: BaseException, max_retries: int = 0) -> tuple[FailureReason, str]:
    """Classify why Ray gave no result for a trial task: ``(reason, message)``."""
    name = type(exc).__name__
    retried = f" (after {max_retries} retr{'y' if max_retries == 1 else 'ies'})"
    tried = retried if max_retries else ""
    detail = str(exc).strip().splitlines()[-1][:500] if str(exc).strip() else name
    if isinstance(exc, TimeoutError) and str(exc).startswith("timeout:"):
        return "timeout", str(exc)
    if name == "OutOfMemoryError":
        return "out_of_memory", (
            f"out_of_memory: Ray's memory monitor killed the trial{tried} because its node ran "
            f"out of memory. Fix: fewer concurrent trials or more memory per trial. Ray: {detail}"
        )
    if name == "WorkerCrashedError":
        return "killed", (
            f"killed: the Ray worker process running the trial died{tried} (a signal such as "
            "SIGKILL, a segfault, or the kernel's OOM killer; Ray does not say which). "
            f"Ray: {detail}"
        )
    if name in ("NodeDiedError", "ObjectLostError", "OwnerDiedError", "ObjectFetchTimedOutError"):
        return "crash", f"crash: the Ray node running the trial died{tried} ({name}: {detail})"
    if name == "TaskCancelledError":
        return "killed", f"killed: the Ray task was cancelled ({detail})"
    if "ModuleNotFoundError" in detail or "No module named" in detail:
        return "error", (
            f"error: a Ray worker could not import the workload ({detail}). Fix: make its module "
            "importable on every node (pip install it there), or pass runtime_env={'py_modules': "
            "[module]} or {'working_dir': '.'} to RayExecutor."
        )
    if name == "GetTimeoutError":
        return "crash", f"crash: Ray did not return the finished trial's result ({detail})"
    return "crash", f"crash: the Ray task failed ({name}: {detail})"
