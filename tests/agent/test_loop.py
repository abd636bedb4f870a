from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes

from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import Event, read_events
from tunesmith.agent._loop import RunConfig, RunLoop
from tunesmith.agent._store import INTERRUPTED, RunStore
from tunesmith.core import DataError

BINARY = PlanDraft(
    target="target",
    task_type="binary",
    metric="roc_auc",
    learners=["logistic_regression", "random_forest"],
    reason="Small binary table.",
)
FAST = RunConfig(time_budget_s=60, max_trials=4, cv_folds=2, fidelity=10, seed=0)


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = load_breast_cancer(as_frame=True).frame.sample(200, random_state=0)
    frame = frame.reset_index(drop=True)
    test = frame.iloc[150:].drop(columns=["target"])
    test.insert(0, "id", np.arange(1000, 1000 + len(test)))
    return frame.iloc[:150], test


def _kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


def test_full_run_writes_the_run_directory_and_a_sample_shaped_submission(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = cancer
    sample = pd.DataFrame({"id": test["id"].sample(frac=1, random_state=1), "target": 0})
    summary = RunLoop(
        tmp_path / "run", BINARY, FAST, data=train, test=test, sample_submission=sample
    ).run()
    store = RunStore(tmp_path / "run")
    for path in (store.plan_path, store.events_path, store.study_path, store.leaderboard_path):
        assert path.exists(), path
    assert summary.stop_reason == "max_trials"
    assert summary.n_complete == 4

    submission = pd.read_csv(store.submission_path)
    assert list(submission.columns) == ["id", "target"]
    assert submission["id"].tolist() == sample["id"].tolist()
    # roc_auc on a binary task: probabilities of the positive class, not labels.
    assert submission["target"].between(0, 1).all()
    assert not submission["target"].isin([0, 1]).all()
    model = store.load_model()
    by_id = test.set_index("id").loc[submission["id"]]
    expected = model.predict_proba(by_id[train.columns.drop("target")])[:, 1]
    assert submission["target"].to_numpy() == pytest.approx(expected)

    board = store.leaderboard()
    assert len(board) == 4
    assert board.iloc[0]["trial"] == summary.best_trial
    assert board.iloc[0]["roc_auc"] == pytest.approx(summary.best_value)
    assert board["roc_auc"].is_monotonic_decreasing


def test_events_come_in_a_sensible_order(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    heard: list[Event] = []
    RunLoop(tmp_path / "run", BINARY, FAST, data=cancer[0], listeners=[heard.append]).run()
    events = read_events(tmp_path / "run" / "events.jsonl")
    assert events == heard
    kinds = _kinds(events)
    assert [e.seq for e in events] == list(range(len(events)))
    assert kinds[0] == "plan_ready"
    assert kinds[-4:] == ["stopped", "phase", "phase", "finished"]  # refit, then report
    assert [e.payload["phase"] for e in events[-3:-1]] == ["refit", "report"]
    assert events[-4].payload["reason"] == "max_trials"
    assert kinds.count("trial_started") == kinds.count("trial_finished") == 4
    assert kinds.index("new_best") > kinds.index("trial_finished")
    for number in range(4):
        started = next(i for i, e in enumerate(events) if e.kind == "trial_started"
                       and e.payload["number"] == number)  # fmt: skip
        done = next(i for i, e in enumerate(events) if e.kind == "trial_finished"
                    and e.payload["number"] == number)  # fmt: skip
        assert started < done < kinds.index("stopped")
    bests = [e.payload["value"] for e in events if e.kind == "new_best"]
    assert bests == sorted(bests)
    assert events[-1].payload["best_value"] == bests[-1]


def test_plateau_stops_the_search(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    config = FAST.model_copy(update={"max_trials": 30, "plateau_trials": 2})
    summary = RunLoop(tmp_path / "run", BINARY, config, data=cancer[0]).run()
    assert summary.stop_reason == "plateau"
    kinds = _kinds(read_events(tmp_path / "run" / "events.jsonl"))
    tail = kinds[: kinds.index("stopped")]
    last_best = len(tail) - 1 - tail[::-1].index("new_best")
    assert tail[last_best:].count("trial_finished") + tail[last_best:].count("trial_failed") == 2
    assert summary.n_complete + summary.n_failed < 30


def test_user_stop_is_an_event_and_running_trials_finish(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    config = FAST.model_copy(update={"max_trials": None, "n_workers": 2})
    loop: RunLoop

    def stop_after_two(event: Event) -> None:
        if event.kind == "trial_finished" and event.payload["number"] >= 1:
            loop.stop()

    loop = RunLoop(tmp_path / "run", BINARY, config, data=cancer[0], listeners=[stop_after_two])
    summary = loop.run()
    assert summary.stop_reason == "user"
    events = read_events(tmp_path / "run" / "events.jsonl")
    assert [e.payload["reason"] for e in events if e.kind == "stopped"] == ["user"]
    started = {e.payload["number"] for e in events if e.kind == "trial_started"}
    finished = {
        e.payload["number"] for e in events if e.kind in ("trial_finished", "trial_failed")
    }
    assert started == finished
    assert len(finished) <= 4
    assert RunStore(tmp_path / "run").model_path.exists()


def test_time_budget_stops_the_search(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    config = FAST.model_copy(update={"max_trials": None, "time_budget_s": 1.0})
    summary = RunLoop(tmp_path / "run", BINARY, config, data=cancer[0]).run()
    assert summary.stop_reason == "time_budget"
    assert summary.n_complete >= 1


def test_regression_without_a_sample_writes_the_id_and_the_target(tmp_path: Path) -> None:
    frame = load_diabetes(as_frame=True).frame.sample(120, random_state=0)
    test = frame.iloc[100:].drop(columns=["target"]).reset_index(drop=True)
    test.insert(0, "row_id", range(len(test)))
    plan = PlanDraft(
        target="target", task_type="regression", metric="rmse", learners=["ridge"], reason="r"
    )
    config = FAST.model_copy(update={"max_trials": 2})
    summary = RunLoop(tmp_path / "run", plan, config, data=frame.iloc[:100], test=test).run()
    submission = pd.read_csv(str(summary.submission_path))
    assert list(submission.columns) == ["row_id", "target"]
    assert submission["row_id"].tolist() == list(range(20))
    assert summary.best_value is not None
    assert summary.best_value > 0  # rmse, natural units


def test_test_rows_without_the_training_features_write_nothing(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = cancer
    with pytest.raises(DataError, match=r"lack 1 training feature column.*'mean radius'"):
        RunLoop(tmp_path / "run", BINARY, FAST, data=train,
                test=test.drop(columns=["mean radius"])).run()  # fmt: skip
    assert not (tmp_path / "run").exists()


def test_sample_ids_that_are_not_in_the_test_rows_are_refused(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    train, test = cancer
    sample = pd.DataFrame({"id": [1, 2], "target": [0, 0]})
    with pytest.raises(DataError, match="ids do not match"):
        RunLoop(tmp_path / "run", BINARY, FAST, data=train, test=test,
                sample_submission=sample).run()  # fmt: skip
    assert not (tmp_path / "run").exists()


def _wait_for_trials(events: Path, proc: subprocess.Popen[bytes], n: int) -> None:
    """Wait until ``n`` trials finished and a further one has just started."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        kinds = _kinds(read_events(events)) if events.exists() else []
        if kinds.count("trial_finished") >= n and kinds[-1] == "trial_started":
            return
        time.sleep(0.02)
    raise AssertionError(f"{n} trials did not finish within 90 s")


def test_a_killed_run_resumes_without_losing_or_repeating_trials(tmp_path: Path) -> None:
    import optuna
    from optuna.trial import TrialState

    out = tmp_path / "run"
    script = Path(__file__).with_name("resume_script.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out)], stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_for_trials(out / "events.jsonl", proc, 2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    storage = f"sqlite:///{out / 'study.db'}"
    before = optuna.load_study(study_name="tunesmith", storage=storage).get_trials()
    done = {t.number: t for t in before if t.state == TrialState.COMPLETE}
    running = [t for t in before if t.state == TrialState.RUNNING]
    assert len(done) >= 2
    assert running, "the kill was meant to catch a trial while it ran"

    _, stored = RunStore(out).read_plan()
    config = stored.model_copy(update={"max_trials": len(done) + 2})
    summary = RunLoop(out, config=config).run()

    after = optuna.load_study(study_name="tunesmith", storage=storage).get_trials()
    for number, trial in done.items():
        again = [t for t in after if t.number == number]
        assert len(again) == 1
        assert again[0].state == TrialState.COMPLETE
        assert again[0].value == trial.value
        assert again[0].params == trial.params
    for trial in running:
        failed = after[trial.number]
        assert failed.state == TrialState.FAIL
        assert failed.user_attrs["tunesmith:error"].startswith(INTERRUPTED)
        if trial.params:  # asked again, with the same configuration
            assert any(t.params == trial.params for t in after[trial.number + 1 :])
    counted = [t for t in after if not t.user_attrs.get("tunesmith:error", "").startswith(
        INTERRUPTED)]  # fmt: skip
    assert len(counted) == len(done) + 2
    assert all(t.state.is_finished() for t in after)
    assert summary.stop_reason == "max_trials"
    assert Path(str(summary.model_path)).exists()
    kinds = _kinds(read_events(out / "events.jsonl"))
    assert kinds.count("plan_ready") == 2
    assert kinds[-1] == "finished"


def test_ignored_columns_are_not_features_but_the_submission_keeps_its_ids(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    from tunesmith.agent._plan import as_plan
    from tunesmith.learners import load_table

    train, test = cancer
    train = train.assign(id=np.arange(len(train)))
    plan = as_plan(BINARY, FAST).model_copy(update={"ignored_columns": ["id"]})
    config = FAST.model_copy(update={"max_trials": 1})
    summary = RunLoop(tmp_path / "run", plan, config, data=train, test=test).run()
    assert "id" not in load_table(RunStore(tmp_path / "run").train_path).columns
    submission = pd.read_csv(str(summary.submission_path))
    assert submission["id"].tolist() == test["id"].tolist()


def test_a_plan_that_took_the_whole_budget_still_gets_a_short_search(
    tmp_path: Path, cancer: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    config = FAST.model_copy(update={"max_trials": None, "time_budget_s": 20.0})
    # The budget started 60 s ago (a slow planner): the search still gets 10%, here 5 s.
    started = time.monotonic() - 60
    began = time.monotonic()
    summary = RunLoop(tmp_path / "run", BINARY, config, data=cancer[0], started=started).run()
    assert summary.stop_reason == "time_budget"
    assert summary.n_complete >= 1
    assert summary.model_path is not None
    assert time.monotonic() - began < 60
