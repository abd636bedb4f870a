"""LocalExecutor: isolation (crash, timeout, memory cap, kill), output capture, threads, jobs."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from executor_workloads import (
    GpuProbe,
    allocate,
    raise_error,
    reporting,
    segfault,
    sleep_then_value,
    square,
    thread_env,
)

from tunesmith.core import TrialSpec
from tunesmith.core.errors import ConfigurationError, ExecutorError
from tunesmith.executors import LocalExecutor, TrainingJob, describe_exit, gpu_slots


def spec(number: int, **params: object) -> TrialSpec:
    return TrialSpec(number=number, params=dict(params))


def test_values_and_output_are_captured() -> None:
    with LocalExecutor(n_workers=2, gpus=None) as ex:
        results = [f.result(60) for f in [ex.submit(spec(i, x=i), square) for i in range(4)]]
    assert [r.value for r in results] == [0.0, 1.0, 4.0, 9.0]
    for r in results:
        assert r.state == "complete"
        assert f"stdout of trial {r.number}" in r.output
        assert f"fd2 of trial {r.number}" in r.output  # C-level fd 2 too
        assert f"trial {r.number + 1}" not in r.output  # no leak between trials


def test_exception_becomes_error_with_traceback() -> None:
    with LocalExecutor(n_workers=1, gpus=None) as ex:
        result = ex.submit(spec(0, x=7), raise_error).result(60)
    assert (result.state, result.failure) == ("failed", "error")
    assert "ValueError: bad parameter x=7" in (result.error or "")
    assert "raise_error" in (result.traceback or "")


def test_segfault_is_a_crash_and_the_rest_finish() -> None:
    with LocalExecutor(n_workers=2, gpus=None) as ex:
        futures = [ex.submit(spec(0), segfault)]
        futures += [ex.submit(spec(i, x=i), square) for i in range(1, 5)]
        results = [f.result(60) for f in futures]
    assert results[0].failure == "crash"
    assert "SIGSEGV" in (results[0].error or "")
    assert "Fatal Python error" in results[0].output  # faulthandler's report was captured
    assert [r.value for r in results[1:]] == [1.0, 4.0, 9.0, 16.0]


def test_timeout_kills_the_trial_and_the_slot_recovers(tmp_path: Path) -> None:
    with LocalExecutor(n_workers=1, gpus=None, timeout_s=1.0) as ex:
        slow = ex.submit(spec(0, pid_file=str(tmp_path / "pid"), sleep_s=60), sleep_then_value)
        after = ex.submit(spec(1, x=3), square)
        result = slow.result(60)
        assert after.result(60).value == 9.0
    assert (result.state, result.failure) == ("failed", "timeout")
    assert 1.0 <= result.duration_s < 10.0


def test_memory_cap_yields_out_of_memory() -> None:
    with LocalExecutor(n_workers=1, gpus=None, memory_limit_mb=1024) as ex:
        big = ex.submit(spec(0, mb=4096), allocate)
        small = ex.submit(spec(1, mb=16), allocate)
        result = big.result(60)
        assert small.result(60).value == 16 * 1024 * 1024
    assert (result.state, result.failure) == ("failed", "out_of_memory")
    assert "1024 MiB" in (result.error or "")


def test_worker_killed_mid_trial(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    with LocalExecutor(n_workers=2, gpus=None) as ex:
        victim = ex.submit(spec(0, pid_file=str(pid_file), sleep_s=60), sleep_then_value)
        others = [ex.submit(spec(i, x=i), square) for i in range(1, 6)]
        deadline = time.monotonic() + 30
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        result = victim.result(60)
        values = [f.result(60).value for f in others]
        later = ex.submit(spec(6, x=6), square).result(60)  # the dead worker was replaced
    assert (result.state, result.failure) == ("failed", "killed")
    assert "signal 9" in (result.error or "")
    assert values == [1.0, 4.0, 9.0, 16.0, 25.0]
    assert later.value == 36.0


def test_thread_limits_are_set_before_numpy_loads() -> None:
    with LocalExecutor(n_workers=2, gpus=None, threads_per_worker=1) as ex:
        result = ex.submit(spec(0), thread_env).result(60)
    m = result.metrics
    assert m["OMP_NUM_THREADS"] == m["MKL_NUM_THREADS"] == m["OPENBLAS_NUM_THREADS"] == 1.0
    assert m["blas_threads"] == 1.0
    assert m["CUDA_VISIBLE_DEVICES"] == -1.0  # CPU slots see no GPU


def test_reports_reach_the_caller_and_stop_the_trial() -> None:
    seen: list[tuple[int, float]] = []

    def on_report(step: int, value: float) -> bool:
        seen.append((step, value))
        return step >= 3

    with LocalExecutor(n_workers=1, gpus=None) as ex:
        result = ex.submit(spec(0), reporting, on_report=on_report).result(60)
    assert seen == [(0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0)]
    assert result.value == 3.0


def test_unpicklable_workload_fails_cleanly() -> None:
    with LocalExecutor(n_workers=1, gpus=None) as ex:
        result = ex.submit(spec(0), lambda s, r: 1.0).result(60)
    assert result.failure == "error"
    assert "pickled" in (result.error or "")


def test_submit_after_shutdown_raises() -> None:
    ex = LocalExecutor(n_workers=1, gpus=None)
    ex.shutdown()
    with pytest.raises(ExecutorError, match="shut down"):
        ex.submit(spec(0, x=1), square)


def test_bad_settings_raise() -> None:
    with pytest.raises(ConfigurationError, match="n_workers"):
        LocalExecutor(n_workers=0, gpus=None).start()
    with pytest.raises(ConfigurationError, match="reserve_gpu_memory_for_llm"):
        LocalExecutor(gpus=None, reserve_gpu_memory_for_llm=1.5).start()


def test_training_job_runs_in_a_worker(breast_path: Path, tmp_path: Path) -> None:
    job = TrainingJob(
        data_path=breast_path,
        target="target",
        task_type="binary",
        metric="roc_auc",
        learner="random_forest",
        cv_folds=3,
        model_dir=tmp_path,
    )
    with LocalExecutor(n_workers=2, gpus=None, timeout_s=120) as ex:
        futures = [
            ex.submit(TrialSpec(number=i, params={"n_estimators": 10 + i}, seed=i), job)
            for i in range(2)
        ]
        results = [f.result(120) for f in futures]
    for r in results:
        assert r.state == "complete", r.error
        assert 0.9 < r.metrics["roc_auc"] <= 1.0
        assert r.value == -r.metrics["roc_auc"]
        assert (r.fit_time_s or 0) > 0
        assert (r.peak_memory_mb or 0) > 10
        assert Path(str(r.model_path)).is_file()


def test_describe_exit() -> None:
    assert describe_exit(-signal.SIGSEGV)[0] == "crash"
    assert describe_exit(-signal.SIGABRT)[0] == "crash"
    assert describe_exit(-signal.SIGKILL) == ("killed", "killed (signal 9, SIGKILL)")
    assert describe_exit(-signal.SIGTERM)[0] == "killed"
    assert describe_exit(3)[0] == "crash"


def test_gpu_slots_split_memory_after_the_llm_reserve() -> None:
    assert gpu_slots(None) == []
    slots = gpu_slots(["0", "1"], trials_per_gpu=2, reserve_gpu_memory_for_llm=0.3)
    assert [s.device for s in slots] == ["0", "0", "1", "1"]
    assert all(s.memory_fraction == pytest.approx(0.35) for s in slots)
    assert slots[0].env()["TUNESMITH_GPU_MEMORY_FRACTION"] == "0.3500"
    assert gpu_slots(["0"])[0].memory_fraction is None


@pytest.mark.gpu
def test_torch_mlp_trains_on_the_gpu(breast_path: Path) -> None:
    job = TrainingJob(
        data_path=breast_path,
        target="target",
        task_type="binary",
        metric="roc_auc",
        learner="torch_mlp",
        cv_folds=3,
        use_gpu=True,
    )
    with LocalExecutor(n_workers=1, gpus=1) as ex:
        assert ex.n_gpu_slots == 1
        result = ex.submit(TrialSpec(number=0, params={"epochs": 5}, seed=0), job).result(300)
    assert result.state == "complete", result.error
    assert result.metrics["roc_auc"] > 0.8


@pytest.mark.gpu
def test_two_trials_share_one_gpu_under_a_memory_fraction() -> None:
    with LocalExecutor(gpus=1, trials_per_gpu=2, reserve_gpu_memory_for_llm=0.2) as ex:
        assert ex.n_slots == 2  # two slots, one GPU, 0.4 of its memory each
        fits = [ex.submit(spec(i, share=0.3), GpuProbe()) for i in range(2)]
        too_big = ex.submit(spec(2, share=0.6), GpuProbe())
        results = [f.result(300) for f in fits]
        over = too_big.result(300)
    assert all(r.state == "complete" and r.metrics["n_devices"] == 1.0 for r in results)
    assert (over.state, over.failure) == ("failed", "out_of_memory")
