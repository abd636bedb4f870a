from __future__ import annotations

import json
from pathlib import Path

import pytest

from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import Event, EventLog, read_events
from tunesmith.agent._loop import RunConfig
from tunesmith.agent._plan import as_plan
from tunesmith.agent._store import RunStore
from tunesmith.core import DataError, TrialResult
from tunesmith.tools import cash_space, make_optimizer

PLAN = PlanDraft(
    target="y",
    task_type="binary",
    metric="roc_auc",
    learners=["logistic_regression"],
    reason="test",
)


def test_event_log_numbers_events_and_continues_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    seen: list[Event] = []
    log = EventLog(path, [seen.append])
    log.emit("plan_ready", target="y")
    log.emit("trial_finished", number=0, value=0.5)
    EventLog(path).emit("stopped", reason="user")
    events = read_events(path)
    assert [e.kind for e in events] == ["plan_ready", "trial_finished", "stopped"]
    assert [e.seq for e in events] == [0, 1, 2]
    assert events[1].payload == {"number": 0, "value": 0.5}
    assert seen == events[:2]
    assert events[0].time <= events[2].time


def test_events_are_frozen_and_kinds_are_checked() -> None:
    event = Event(kind="phase", seq=0, time=0.0, payload={"phase": "search"})
    with pytest.raises(ValueError, match="frozen"):
        event.seq = 1
    with pytest.raises(ValueError, match="kind"):
        Event(kind="exploded", seq=0, time=0.0)  # type: ignore[arg-type]


def test_a_line_cut_by_a_kill_is_skipped_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    EventLog(path).emit("phase", phase="search")
    with path.open("a") as handle:
        handle.write('{"kind": "trial_fin')
    assert [e.kind for e in read_events(path)] == ["phase"]
    EventLog(path).emit("stopped", reason="user")
    assert [(e.kind, e.seq) for e in read_events(path)] == [("phase", 0), ("stopped", 1)]


def test_a_malformed_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('not json\n{"kind": "phase", "seq": 0, "time": 0, "payload": {}}\n')
    with pytest.raises(ValueError, match=r"Line 1 of .* is not a valid event"):
        read_events(path)


def test_plan_round_trips_and_a_missing_run_is_a_data_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "run")
    with pytest.raises(DataError, match=r"holds no run: plan\.json is missing"):
        store.read_plan()
    config = RunConfig(max_trials=3, time_budget_s=None, cv_folds=2)
    plan = as_plan(PLAN, config)
    store.write_plan(plan, config)
    assert store.read_plan() == (plan, config)
    assert (plan.max_trials, plan.time_budget_s, plan.validation.folds) == (3, None, 2)
    assert json.loads(store.plan_path.read_text())["plan"]["target"] == "y"


def test_model_is_missing_until_a_run_finished(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"model\.joblib does not exist"):
        RunStore(tmp_path).load_model()


def test_leaderboard_reads_the_study_from_the_directory(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "run")
    store.write_plan(PLAN, RunConfig())
    optimizer = make_optimizer(
        "random", cash_space(["logistic_regression"], "binary"), seed=0, storage=store.study_path
    )
    for loss in (-0.7, -0.9, None, -0.8):
        spec = optimizer.ask()
        if loss is None:
            optimizer.tell(TrialResult.failed(spec, "boom"))
        else:
            optimizer.tell(TrialResult.complete(spec, loss))
    board = RunStore(tmp_path / "run").leaderboard()
    assert list(board.columns) == [
        "rank", "trial", "learner", "roc_auc", "state", "loss", "duration_s", "params", "error"
    ]  # fmt: skip
    assert board["trial"].tolist() == [1, 3, 0, 2]
    assert board["roc_auc"].tolist()[:3] == pytest.approx([0.9, 0.8, 0.7])
    assert board["rank"].tolist()[:3] == [1, 2, 3]
    assert board.iloc[3]["state"] == "fail"
    assert board.iloc[3]["error"] == "boom"
    assert set(board["learner"]) == {"logistic_regression"}


def test_config_needs_a_budget() -> None:
    with pytest.raises(ValueError, match="needs a budget"):
        RunConfig(time_budget_s=None, max_trials=None)
    with pytest.raises(ValueError, match="greater than 0"):
        RunConfig(time_budget_s=0)
