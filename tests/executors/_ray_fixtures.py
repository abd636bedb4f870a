"""A real two-node Ray cluster on localhost for the RayExecutor tests, and their workloads.

The cluster is started with ``ray start`` (a head and a second node joining it), each node in
its own short temp dir, and stopped by killing exactly the processes that belong to those
dirs (and their children), so other Ray instances on the machine are left alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tunesmith.core import TrialSpec

RAY = str(Path(sys.executable).with_name("ray"))


# Ports a Ray node takes by default: GCS, dashboard, client server, dashboard agent (HTTP and
# gRPC). A free port the system hands out can be one of them (52365 was, in one run of the
# suite, and `ray start` refused the clash).
_RAY_DEFAULT_PORTS = frozenset({6379, 8265, 10001, 52365, 52366})


def free_port() -> int:
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _RAY_DEFAULT_PORTS:
            return port


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


@dataclasses.dataclass
class RayTestCluster:
    """A running local cluster: its address and the temp dir of each node."""

    address: str
    node_dirs: list[Path]

    def processes(self) -> list[int]:
        """Pids of every process of this cluster (named by a node dir, or a child of one)."""
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
        mine = {p for p in pids if any(str(d) in _cmdline(p) for d in self.node_dirs)}
        grew = True
        while grew:
            children = {p for p in pids if p not in mine and _parent(p) in mine}
            mine |= children
            grew = bool(children)
        return sorted(mine)

    def raylet(self, node: int) -> int:
        """The pid of node ``node``'s raylet (0: head, 1: the second node)."""
        for pid in self.processes():
            line = _cmdline(pid)
            if "/raylet/raylet " in line and str(self.node_dirs[node]) in line:
                return pid
        raise LookupError(f"no raylet for node {node}")

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.processes():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 5
            while self.processes() and time.monotonic() < deadline:
                time.sleep(0.2)


def _ray_start(*args: str, cwd: Path, tmp: Path) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [RAY, "start", *args, "--disable-usage-stats", "--object-store-memory=200000000"],
        check=False,
        cwd=cwd,
        env={**os.environ, "TMPDIR": str(tmp)},  # workers' temp files go away with the cluster
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`ray start {' '.join(args)}` failed:\n{done.stderr[-3000:]}")


@contextlib.contextmanager
def two_node_cluster(cpus_per_node: int = 1) -> Iterator[RayTestCluster]:
    """Start a head and a second node on 127.0.0.1; stop both afterwards."""
    import ray

    # Ray workers do not get the driver's sys.path: ship this module's workloads by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    root = Path(tempfile.mkdtemp(prefix="tsr", dir="/tmp"))  # Ray's socket paths must be short
    port = free_port()
    cluster = RayTestCluster(f"127.0.0.1:{port}", [root / "h", root / "w"])
    repo = Path(__file__).resolve().parents[2]
    # Token auth would need the same token on every node and the driver; Ray 2.60 turns it on
    # when ~/.ray/auth_token exists (ray.init() writes one). Off for this loopback cluster.
    auth_before = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    try:
        _ray_start(
            "--head", f"--port={port}", "--node-ip-address=127.0.0.1",
            f"--num-cpus={cpus_per_node}", "--include-dashboard=false",
            f"--temp-dir={cluster.node_dirs[0]}",
            cwd=repo, tmp=root / "tmp",
        )  # fmt: skip
        _ray_start(
            f"--address={cluster.address}", "--node-ip-address=127.0.0.1",
            f"--num-cpus={cpus_per_node}", f"--temp-dir={cluster.node_dirs[1]}",
            cwd=repo, tmp=root / "tmp",
        )  # fmt: skip
        yield cluster
    finally:
        cluster.stop()
        subprocess.run(["rm", "-rf", str(root)], check=False)
        if auth_before is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = auth_before


# -- workloads (top-level, so Ray workers import them by name) ----------------------------------


def square_on_node(spec: TrialSpec, report: Any) -> float:
    """x**2 after 0.2 s; prints the Ray node id, so a test can see where the trial ran."""
    import ray

    time.sleep(0.2)  # long enough that two trials overlap and need both nodes' CPUs
    print(f"node={ray.get_runtime_context().get_node_id()}")
    return float(spec.params["x"]) ** 2


def fail(spec: TrialSpec, report: Any) -> float:
    raise ValueError(f"trial {spec.number} refuses x={spec.params.get('x')}")


def count_reports(spec: TrialSpec, report: Any) -> float:
    """Report steps 0..9; return the step at which the caller said stop (or 10)."""
    for step in range(10):
        if report(step, float(step)):
            return float(step)
    return 10.0


@dataclasses.dataclass(frozen=True)
class PidThenSleep:
    """Append this worker's pid to ``folder/trial-N.pid``, sleep, return x."""

    folder: str
    sleep_s: float
    time_limit_s: float | None = None  # read by executors (see executors._base)

    def __call__(self, spec: TrialSpec, report: Any) -> float:
        with open(Path(self.folder) / f"trial-{spec.number}.pid", "a") as fh:
            fh.write(f"{os.getpid()}\n")
        time.sleep(self.sleep_s)
        return float(spec.params["x"])


def wait_for_pids(path: Path, count: int = 1, timeout: float = 60.0) -> list[int]:
    """The pids written to ``path`` once it holds ``count`` of them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file():
            pids = [int(x) for x in path.read_text().split()]
            if len(pids) >= count:
                return pids
        time.sleep(0.05)
    raise TimeoutError(f"{path} did not get {count} pid(s) in {timeout} s")


class Unpicklable:
    """A workload holding a lock, which no pickler can send to a worker."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, spec: TrialSpec, report: Any) -> float:
        return 0.0
