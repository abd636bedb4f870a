from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_iris

from tunesmith.agent._assistant import Assistant, Run
from tunesmith.agent._events import read_events
from tunesmith.core import ConfigurationError, DataError
from tunesmith.llm.testing import ScriptedChatModel

REPLY = json.dumps(
    {
        "target": "species",
        "task_type": "multiclass",
        "metric": "accuracy",
        "learners": ["logistic_regression", "random_forest"],
        "reason": "Three classes, four numeric features.",
    }
)
FAST = {"cv_folds": 2, "fidelity": 10}


@pytest.fixture
def iris_files(tmp_path: Path) -> dict[str, Path]:
    frame = load_iris(as_frame=True).frame.sample(frac=1, random_state=0)
    frame["species"] = load_iris().target_names[frame.pop("target")]
    test = frame.iloc[120:].drop(columns=["species"]).reset_index(drop=True)
    test.insert(0, "flower", range(len(test)))
    sample = pd.DataFrame({"flower": test["flower"][::-1], "species": "setosa"})
    paths = {"train": tmp_path / "train.csv", "test": tmp_path / "test.csv"}
    paths["sample"] = tmp_path / "sample_submission.csv"
    frame.iloc[:120].to_csv(paths["train"], index=False)
    test.to_csv(paths["test"], index=False)
    sample.to_csv(paths["sample"], index=False)
    return paths


def test_run_from_files_returns_a_run_with_plan_leaderboard_model_and_submission(
    tmp_path: Path, iris_files: dict[str, Path]
) -> None:
    llm = ScriptedChatModel(replies=[REPLY])
    # Two workers on 2 cores: one thread per trial (see the report on slow worker exits).
    run = Assistant(llm, n_workers=2, storage_dir=tmp_path / "runs").run(
        "Predict the species of the flowers; optimise accuracy.",
        data=iris_files["train"],
        test=iris_files["test"],
        sample_submission=iris_files["sample"],
        max_trials=3,
        cv_folds=2,
        fidelity=10,
    )
    assert len(llm.received) == 1
    assert run.out_dir.parent == tmp_path / "runs"
    assert run.plan.target == "species"
    assert run.leaderboard["accuracy"].notna().sum() == 3
    assert run.events[0].kind == "plan_ready"
    assert run.events[-1].kind == "finished"
    submission = pd.read_csv(str(run.submission_path))
    sample = pd.read_csv(iris_files["sample"])
    assert list(submission.columns) == ["flower", "species"]
    assert submission["flower"].tolist() == sample["flower"].tolist()
    assert set(submission["species"]) <= {"setosa", "versicolor", "virginica"}
    test = pd.read_csv(iris_files["test"])
    assert len(run.predict(test.drop(columns=["flower"]))) == len(test)

    reopened = Run.open(run.out_dir)
    assert reopened.plan == run.plan
    pd.testing.assert_frame_equal(reopened.leaderboard, run.leaderboard)

    resumed = Assistant().resume(run.out_dir, max_trials=5)
    assert resumed.summary is not None
    assert resumed.summary.n_complete == 5
    assert len(llm.received) == 1  # resuming needs no LLM


def test_the_planners_llm_calls_are_recorded_in_the_runs_events(
    tmp_path: Path, iris_files: dict[str, Path]
) -> None:
    from tunesmith.agent import read_overview

    assistant = Assistant(ScriptedChatModel(replies=[REPLY]), storage_dir=tmp_path / "runs")
    request = "Predict the species of the flowers; optimise accuracy."
    plan = assistant.plan(request, iris_files["train"])
    run = assistant.run(request, iris_files["train"], plan=plan, max_trials=2, **FAST)
    calls = run.events[0].payload["llm_calls"]
    assert [(c["purpose"], c["ok"]) for c in calls] == [("plan_draft", True)]
    assert calls[0]["prompt_tokens"] > 0
    stopped = next(e for e in run.events if e.kind == "stopped")
    assert stopped.payload["llm_calls"] == 0  # a chat model without logprobs: no LLM sampler
    overview = read_overview(run.out_dir)
    assert overview.llm_calls == 1
    assert overview.llm_tokens == calls[0]["prompt_tokens"] + calls[0]["completion_tokens"]
    # A plan that did not come from this assistant's planner brings no calls with it.
    other = assistant.run(request, iris_files["train"], plan=plan.model_copy(), max_trials=1,
                          **FAST)  # fmt: skip
    assert other.events[0].payload["llm_calls"] == []


def test_stream_yields_events_live_and_closing_it_stops_the_run(
    tmp_path: Path, iris_files: dict[str, Path]
) -> None:
    assistant = Assistant(ScriptedChatModel(replies=[REPLY]))
    out = tmp_path / "run"
    seen = []
    for event in assistant.stream(
        "Predict the species.", iris_files["train"], out=out, time_budget=60, **FAST
    ):
        seen.append(event.kind)
        if event.kind == "trial_finished":
            break
    assert seen[0] == "plan_ready"
    logged = read_events(out / "events.jsonl")
    assert [e.kind for e in logged][: len(seen)] == seen
    assert [e.payload["reason"] for e in logged if e.kind == "stopped"] == ["user"]
    assert logged[-1].kind == "finished"


def test_stream_raises_the_run_error(tmp_path: Path) -> None:
    stream = Assistant(ScriptedChatModel(replies=[])).stream("x", tmp_path / "nope.csv")
    with pytest.raises(DataError, match=r"nope\.csv does not exist"):
        next(stream)


def test_bad_budget_and_missing_files_fail_before_the_llm_is_asked(
    tmp_path: Path, iris_files: dict[str, Path]
) -> None:
    assistant = Assistant(ScriptedChatModel(replies=[]))
    with pytest.raises(ConfigurationError, match=r"time_budget_s.*greater than 0"):
        assistant.run("x", iris_files["train"], time_budget=0, out=tmp_path / "a")
    with pytest.raises(ConfigurationError, match=r"max_trials.*greater than or equal to 1"):
        assistant.run("x", iris_files["train"], max_trials=0, out=tmp_path / "a")
    with pytest.raises(DataError, match=r"test data file .*missing\.csv does not exist"):
        assistant.run("x", iris_files["train"], test=tmp_path / "missing.csv", out=tmp_path / "a")
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n")
    with pytest.raises(DataError, match="training data has no rows"):
        assistant.run("x", empty, out=tmp_path / "a")
    assert not (tmp_path / "a").exists()


def test_an_out_directory_holding_a_run_is_not_overwritten(
    tmp_path: Path, iris_files: dict[str, Path]
) -> None:
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "plan.json").write_text("{}")
    with pytest.raises(ConfigurationError, match=r"already holds a run.*resume"):
        Assistant(ScriptedChatModel(replies=[])).run(
            "x", iris_files["train"], out=tmp_path / "run"
        )


def test_the_llm_is_loaded_only_when_needed() -> None:
    assistant = Assistant("openai:http://127.0.0.1:9/v1#nothing-listens-here")
    assert assistant.model_ is None
    model = ScriptedChatModel(replies=[])
    assert Assistant(model).model is model


def test_a_shared_storage_and_an_executor_of_ones_own(
    tmp_path: Path, iris_files: dict[str, Path]
) -> None:
    import optuna

    from tunesmith.executors import LocalExecutor

    storage = f"sqlite:///{tmp_path / 'all-runs.db'}"
    with LocalExecutor(n_workers=1) as executor:
        assistant = Assistant(
            ScriptedChatModel(replies=[REPLY, REPLY]), executor=executor, storage=storage
        )
        first = assistant.run("Predict species.", iris_files["train"], out=tmp_path / "a",
                              max_trials=2, **FAST)  # fmt: skip
        second = assistant.run("Predict species.", iris_files["train"], out=tmp_path / "b",
                               max_trials=1, **FAST)  # fmt: skip
        resumed = assistant.resume(first.out_dir, max_trials=3)
    assert not (tmp_path / "a" / "study.db").exists()
    names = sorted(s.study_name for s in optuna.get_all_study_summaries(storage))
    assert names == sorted([first.config.study_name, second.config.study_name])
    assert len(second.leaderboard) == 1
    assert resumed.summary is not None
    assert resumed.summary.n_complete == 3
