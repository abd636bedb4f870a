"""How many CPU threads a compute job should take on this machine, now.

Thread pools that meet at a barrier after every step (llama.cpp's, OpenMP's in scikit-learn's
HistGradientBoosting) stall when the machine is busier than its cores: one descheduled thread
holds up the others. Measured on 2 cores at a load of ~3.3 (another process's LLM on both cores):
a 5-fold HistGradientBoosting fit on 280 rows took 69 s on 2 OpenMP threads under ``nice`` and
1.2 s on 1; llama.cpp answered a 360-token prompt in 10-13 s on 1 thread and 14-18 s on 2.
"""

from __future__ import annotations

import os


def cpu_count() -> int:
    """CPUs this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def threads_for(share: int = 1) -> int:
    """Threads for one of ``share`` jobs that split the CPUs: ``cpu_count() // share``, halved
    while the 1-minute load average exceeds the CPUs (at least 1)."""
    cpus = cpu_count()
    threads = max(1, cpus // max(1, share))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1, threads // 2) if load > cpus else threads
