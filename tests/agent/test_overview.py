from __future__ import annotations

from pathlib import Path

import pytest

from tunesmith.agent import RunOverview, read_overview
from tunesmith.agent._config import RunConfig, RunSummary
from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import EventLog
from tunesmith.agent._store import RunStore
from tunesmith.core import DataError

PLAN = PlanDraft(
    target="y", task_type="binary", metric="roc_auc", learners=["random_forest"], reason="r"
)


def _session(log: EventLog, *, finish: bool, first: int, best: float) -> None:
    log.emit("plan_ready", plan=PLAN.model_dump(mode="json"), resumed=first > 0)
    log.emit("trial_finished", number=first, learner="random_forest", value=best)
    log.emit("new_best", number=first, learner="random_forest", value=best)
    log.emit("trial_failed", number=first + 1, learner="random_forest", error="boom")
    if finish:
        log.emit("stopped", reason="max_trials", n_trials=2)
        log.emit("finished", stop_reason="max_trials", wall_time_s=12.5)


def _run(tmp_path: Path) -> tuple[RunStore, EventLog]:
    store = RunStore(tmp_path / "run")
    store.write_plan(PLAN, RunConfig(max_trials=4))
    return store, EventLog(store.events_path)


def test_a_finished_then_killed_run(tmp_path: Path) -> None:
    store, log = _run(tmp_path)
    _session(log, finish=True, first=0, best=0.8)
    _session(log, finish=False, first=2, best=0.9)
    found = read_overview(store.path)
    assert isinstance(found, RunOverview)
    assert found.state == "running or killed"
    assert found.stop_reason == "max_trials"
    assert found.sessions == 2
    assert (found.n_complete, found.n_failed) == (2, 2)
    assert (found.best_trial, found.best_value, found.best_learner) == (2, 0.9, "random_forest")
    events = store.events()
    assert found.started_at == events[0].time
    assert found.wall_time_s == pytest.approx(12.5 + events[-1].time - events[6].time)
    assert (found.target, found.metric) == ("y", "roc_auc")


def test_states_finished_stopped_and_pending(tmp_path: Path) -> None:
    store, log = _run(tmp_path)
    log.emit("plan_ready")
    log.emit("stopped", reason="error", error="RuntimeError: refit failed")
    assert read_overview(store.path).state == "stopped: error"
    pending = RunSummary(
        out_dir=str(store.path), stop_reason="plateau", n_complete=0, n_failed=0,
        best_trial=None, best_value=None, best_params=None, model_path=None,
        submission_path=None, wall_time_s=3.0,
    )  # fmt: skip
    found = read_overview(store.path, pending=pending)
    assert found.state == "finished (plateau)"
    assert found.wall_time_s == 3.0
    assert found.best_value is None


def test_llm_use_is_counted_from_any_event_that_records_it(tmp_path: Path) -> None:
    store, log = _run(tmp_path)
    call = {"prompt_tokens": 100, "completion_tokens": 20}
    log.emit("plan_ready", llm_calls=[call, call])
    log.emit("phase", phase="search", llm_calls=1, prompt_tokens=5, completion_tokens=1)
    found = read_overview(store.path)
    assert (found.llm_calls, found.llm_tokens) == (3, 246)


def test_a_folder_without_a_run(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="holds no run"):
        read_overview(tmp_path)
