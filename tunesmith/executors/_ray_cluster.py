"""Connecting to Ray (lazily imported): a local instance or an existing cluster."""

from __future__ import annotations

import logging
from typing import Any

from tunesmith.core.errors import ExecutorError, MissingExtraError

logger = logging.getLogger(__name__)


def import_ray(feature: str) -> Any:
    """Import and return the ``ray`` module, or raise MissingExtraError naming ``feature``."""
    try:
        import ray
    except ImportError as exc:
        raise MissingExtraError(feature, "ray", "ray[tune]") from exc
    return ray


def connect(
    address: str | None,
    *,
    num_cpus: int | None = None,
    num_gpus: int | None = None,
    object_store_memory: int | None = None,
    runtime_env: dict[str, Any] | None = None,
    feature: str = "Ray",
) -> bool:
    """Make sure this process is connected to Ray; start a local instance if asked.

    Args:
        address: None starts a new local Ray instance for this process (unless it is already
            connected, which is then kept), even where a ``ray start`` cluster runs;
            ``"auto"`` joins the cluster started on this machine with ``ray start``;
            ``"HOST:PORT"`` joins the cluster whose head listens there.
        num_cpus: CPUs of a local instance (None: all); ignored when joining a cluster.
        num_gpus: GPUs of a local instance (None: all visible); ignored when joining.
        object_store_memory: Bytes of object store of a local instance (None: Ray's default).
        runtime_env: Ray runtime environment of this driver's job (None: none).
        feature: What needs Ray, for the error message when it is not installed.

    Returns:
        True if this call connected (the caller should ``ray.shutdown()`` when done), False if
        the process was already connected.

    Raises:
        MissingExtraError: Ray is not installed.
        ExecutorError: The cluster at ``address`` cannot be reached.
    """
    ray = import_ray(feature)
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {
        "log_to_driver": False,
        "configure_logging": False,
        "runtime_env": runtime_env,
    }
    if address is None:
        options.update(
            num_cpus=num_cpus,
            num_gpus=num_gpus,
            object_store_memory=object_store_memory,
            include_dashboard=False,
        )
    try:
        # "local" always starts a new instance; None would join a cluster found via RAY_ADDRESS
        # or /tmp/ray/ray_current_cluster.
        ray.init(address="local" if address is None else address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "a local Ray instance" if address is None else f"the Ray cluster at {address!r}"
        raise ExecutorError(
            f"Could not connect to {where}: {exc}. Expected a running cluster: start one with "
            "`ray start --head --port=6379` (and `ray start --address=HEAD:6379` on the other "
            "nodes), then pass address='auto' on the head node or 'HEAD:6379' elsewhere; or "
            "pass address=None for a local instance."
        ) from exc
    logger.info("Connected to Ray: %s", ray.cluster_resources())
    return True
