"""How many threads a job takes: the CPUs split between jobs, halved on a busy machine."""

from __future__ import annotations

import os

import pytest

from tunesmith.core import _cpus


@pytest.mark.parametrize(
    ("cpus", "share", "load", "expected"),
    [(2, 1, 0.5, 2), (2, 1, 3.3, 1), (8, 2, 1.0, 4), (8, 2, 9.0, 2), (2, 2, 0.0, 1), (1, 1, 5, 1)],
)
def test_threads_split_the_cpus_and_halve_past_the_load(
    monkeypatch: pytest.MonkeyPatch, cpus: int, share: int, load: float, expected: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)))
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert _cpus.cpu_count() == cpus
    assert _cpus.threads_for(share) == expected


def test_the_executor_gives_its_workers_fewer_threads_on_a_busy_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tunesmith.executors import LocalExecutor

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(4)))
    for load, expected in ((1.0, 4), (6.0, 2)):
        monkeypatch.setattr(os, "getloadavg", lambda load=load: (load, load, load))
        executor = LocalExecutor(n_workers=1, gpus=None)
        executor._start()
        try:
            assert [slot.threads for slot in executor._slots] == [expected]
        finally:
            executor.shutdown()
