"""RayExecutor on a real two-node Ray cluster on localhost (started and stopped here)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("ray")

from _ray_fixtures import (
    PidThenSleep,
    RayTestCluster,
    Unpicklable,
    count_reports,
    fail,
    square_on_node,
    two_node_cluster,
    wait_for_pids,
)

from tunesmith.core import TrialSpec
from tunesmith.core.errors import ConfigurationError, ExecutorError, MissingExtraError
from tunesmith.executors._ray import RayExecutor
from tunesmith.executors._ray_errors import describe_ray_error
from tunesmith.learners._evaluate import TrainingJob

RESULT_TIMEOUT_S = 120


def spec(number: int, **params: object) -> TrialSpec:
    return TrialSpec(number=number, params=dict(params))


@pytest.fixture(scope="module")
def cluster() -> Iterator[RayTestCluster]:
    with two_node_cluster() as running:
        yield running


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.slow
def test_twenty_trials_run_on_both_nodes(cluster: RayTestCluster) -> None:
    with RayExecutor(address=cluster.address) as ex:
        assert ex.n_slots == 2
        futures = [ex.submit(spec(i, x=i), square_on_node) for i in range(20)]
        results = [f.result(RESULT_TIMEOUT_S) for f in futures]
    assert [r.value for r in results] == [float(i * i) for i in range(20)], [
        r.error for r in results if r.error
    ][:2]
    assert all(r.state == "complete" and r.duration_s > 0 for r in results)
    nodes = {line for r in results for line in r.output.splitlines() if line.startswith("node=")}
    assert len(nodes) == 2  # both nodes ran trials


@pytest.mark.slow
def test_killed_worker_gives_a_failed_trial_and_the_rest_finish(
    cluster: RayTestCluster, tmp_path: Path
) -> None:
    job = PidThenSleep(str(tmp_path), sleep_s=3.0)
    with RayExecutor(address=cluster.address, max_retries=0) as ex:
        futures = [ex.submit(spec(i, x=i), job) for i in range(4)]
        (pid,) = wait_for_pids(tmp_path / "trial-0.pid")
        os.kill(pid, signal.SIGKILL)
        results = [f.result(RESULT_TIMEOUT_S) for f in futures]
    assert results[0].state == "failed"
    assert results[0].failure == "killed"
    assert "worker process running the trial died" in (results[0].error or "")
    assert [r.value for r in results[1:]] == [1.0, 2.0, 3.0]


@pytest.mark.slow
def test_killed_worker_is_retried(cluster: RayTestCluster, tmp_path: Path) -> None:
    job = PidThenSleep(str(tmp_path), sleep_s=2.0)
    with RayExecutor(address=cluster.address, max_retries=1) as ex:
        future = ex.submit(spec(0, x=7), job)
        (first,) = wait_for_pids(tmp_path / "trial-0.pid")
        os.kill(first, signal.SIGKILL)
        result = future.result(RESULT_TIMEOUT_S)
    assert result.state == "complete"
    assert result.value == 7.0
    pids = wait_for_pids(tmp_path / "trial-0.pid", count=2, timeout=1)
    assert pids[0] == first
    assert pids[1] != first  # ran again, in a fresh worker


@pytest.mark.slow
def test_errors_timeouts_reports_and_a_training_job(
    cluster: RayTestCluster, tmp_path: Path, breast_path: Path
) -> None:
    job = TrainingJob(
        data_path=breast_path, target="target", task_type="binary", metric="roc_auc",
        learner="logistic_regression", cv_folds=3,
    )  # fmt: skip
    with RayExecutor(address=cluster.address, timeout_s=60) as ex:
        error = ex.submit(spec(0, x=1), fail)
        late = ex.submit(spec(1, x=1), PidThenSleep(str(tmp_path), 60.0, time_limit_s=3.0))
        stopped = ex.submit(spec(2), count_reports, on_report=lambda step, value: step == 3)
        free = ex.submit(spec(3), count_reports)
        trained = ex.submit(spec(4, C=1.0), job)
        unsent = ex.submit(spec(5), Unpicklable())
        futures = (error, late, stopped, free, trained, unsent)
        results = [f.result(RESULT_TIMEOUT_S) for f in futures]
    assert results[0].failure == "error"
    assert "ValueError: trial 0 refuses x=1" in (results[0].error or "")
    assert "Traceback" in (results[0].traceback or "")
    assert results[1].failure == "timeout"  # the workload's own limit beats the executor's
    assert 3 <= results[1].duration_s < 30
    assert results[2].value == 3.0
    assert results[2].intermediate == ((0, 0.0), (1, 1.0), (2, 2.0), (3, 3.0))
    assert results[3].value == 10.0
    assert results[4].state == "complete"
    assert results[4].metrics["roc_auc"] > 0.95  # TrainingJob's value is the loss, -roc_auc
    assert results[5].failure == "error"
    assert "could not be sent to Ray" in (results[5].error or "")


@pytest.mark.slow
def test_address_none_starts_its_own_instance(cluster: RayTestCluster) -> None:
    import ray

    with RayExecutor(num_cpus=1, object_store_memory=100_000_000) as ex:
        assert ex.submit(spec(0, x=3), square_on_node).result(RESULT_TIMEOUT_S).value == 9.0
        assert ray.get_runtime_context().gcs_address != cluster.address
        assert len(ray.nodes()) == 1
    assert not ray.is_initialized()  # the instance it started is stopped again


@pytest.mark.slow
def test_dead_node_trial_is_retried_on_the_other_node(tmp_path: Path) -> None:
    with two_node_cluster() as cluster:
        job = PidThenSleep(str(tmp_path), sleep_s=4.0)
        with RayExecutor(address=cluster.address, max_retries=1) as ex:
            futures = [ex.submit(spec(i, x=i), job) for i in range(2)]
            pids = [wait_for_pids(tmp_path / f"trial-{i}.pid")[0] for i in range(2)]
            second_node = cluster.raylet(1)
            (victim,) = [i for i, pid in enumerate(pids) if _parent(pid) == second_node]
            os.kill(second_node, signal.SIGKILL)
            results = [f.result(RESULT_TIMEOUT_S) for f in futures]
        assert [r.value for r in results] == [0.0, 1.0]
        assert len(wait_for_pids(tmp_path / f"trial-{victim}.pid", count=2, timeout=1)) == 2


def test_settings_are_checked_before_connecting() -> None:
    with pytest.raises(ConfigurationError, match="cpus_per_trial"):
        RayExecutor(cpus_per_trial=0).start()
    with pytest.raises(ConfigurationError, match="max_retries"):
        RayExecutor(max_retries=-1).start()
    with pytest.raises(ConfigurationError, match="timeout_s"):
        RayExecutor(timeout_s=0).start()


def test_without_ray_the_error_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    with pytest.raises(MissingExtraError, match=r"RayExecutor needs .*tunesmith\[ray\]"):
        RayExecutor().start()


def test_a_shut_down_executor_refuses_trials() -> None:
    ex = RayExecutor()
    ex.shutdown()
    with pytest.raises(ExecutorError, match="shut down"):
        ex.submit(spec(0, x=1), square_on_node)


def test_ray_errors_are_classified() -> None:
    from ray import exceptions

    assert describe_ray_error(exceptions.WorkerCrashedError(), 2)[0] == "killed"
    assert "after 2 retries" in describe_ray_error(exceptions.WorkerCrashedError(), 2)[1]
    assert describe_ray_error(exceptions.NodeDiedError("node gone"))[0] == "crash"
    assert describe_ray_error(exceptions.OutOfMemoryError("full"))[0] == "out_of_memory"
    assert describe_ray_error(exceptions.GetTimeoutError("slow"))[0] == "crash"
