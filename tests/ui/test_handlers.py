"""The UI's handlers without a browser: uploads, planning, a short real run, follow-ups and
downloads, with a scripted chat model standing in for the LLM (the one thing faked)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.datasets import load_iris

from tunesmith.agent import Assistant
from tunesmith.llm.testing import ScriptedChatModel

pytest.importorskip("gradio")

from tunesmith.ui._handlers import DOWNLOADS, LIVE_OUTPUTS, Handlers

REPLY = json.dumps({"target": "species", "task_type": "multiclass", "metric": "accuracy",
                    "learners": ["logistic_regression"], "reason": "Three classes."})  # fmt: skip


@pytest.fixture
def iris(tmp_path: Path) -> dict[str, Path]:
    frame = load_iris(as_frame=True).frame.sample(frac=1, random_state=0)
    frame["species"] = load_iris().target_names[frame.pop("target")]
    paths = {"train": tmp_path / "train.csv", "test": tmp_path / "test.csv",
             "sample": tmp_path / "sample_submission.csv"}  # fmt: skip
    frame.iloc[:120].to_csv(paths["train"], index=False)
    test = frame.iloc[120:].drop(columns=["species"]).reset_index(drop=True)
    test.insert(0, "flower", range(len(test)))
    test.to_csv(paths["test"], index=False)
    sample = pd.DataFrame({"flower": test["flower"][::-1], "species": "setosa"})
    sample.to_csv(paths["sample"], index=False)
    return paths


def _handlers(tmp_path: Path, replies: list[str], limit_mb: float = 1.0) -> Handlers:
    assistant = Assistant(ScriptedChatModel(replies=replies))
    return Handlers(assistant, tmp_path / "runs", limit_mb, threading.Lock())


def _last(handlers_output: Any) -> str:
    return str(handlers_output[-1]["content"])


def test_uploads_are_checked_and_described(tmp_path: Path, iris: dict[str, Path]) -> None:
    h = _handlers(tmp_path, [], limit_mb=0.001)
    big = tmp_path / "big.csv"
    big.write_text("a,b\n" + "1,2\n" * 1000)
    value, session, chat = h.uploader("train")(str(big), None)
    assert value is None
    assert "big.csv is 0.004 MB; uploads are limited to 0.001 MB" in _last(chat)

    bad = tmp_path / "bad.csv"
    bad.write_text('a,b\n1,2\n3,4,5,6,7\n"unclosed\n')
    value, session, chat = h.uploader("train")(str(bad), session)
    assert value is None
    assert _last(chat).startswith("**Error:** Cannot read the training data file bad.csv as")
    assert "train" not in session.files

    h.max_upload_mb = 1.0
    _, session, chat = h.uploader("train")(str(iris["train"]), session)
    assert "Loaded the training data **train.csv**: 120 rows, 5 columns" in _last(chat)
    assert session.files["train"] == str(iris["train"])


def test_a_request_without_data_or_target_is_answered(
    tmp_path: Path, iris: dict[str, Path]
) -> None:
    h = _handlers(tmp_path, [])  # no reply scripted: the LLM must not be asked
    *_, session = list(h.send("predict species", None))[-1][:2]
    assert "Upload the training data first" in _last(session.chat)
    h.uploader("train")(str(iris["train"]), session)
    outputs = list(h.send("Build me a model.", session))
    assert "Which column should I predict?" in _last(session.chat)
    assert outputs[-1][-1] == "Waiting for your answer."


def test_plan_run_follow_up_and_downloads(tmp_path: Path, iris: dict[str, Path]) -> None:
    h = _handlers(tmp_path, [REPLY])
    _, session, _ = h.uploader("train")(str(iris["train"]), None)
    h.uploader("test")(str(iris["test"]), session)
    h.uploader("sample")(str(iris["sample"]), session)
    assert "Loaded the sample submission **sample_submission.csv**" in _last(session.chat)
    *_, plan_outputs = h.send("Predict `species`; accuracy.", session)
    assert "**target:** `species` (multiclass) _(request)_" in _last(session.chat)
    assert session.plan is not None
    assert plan_outputs[4].value == session.plan.learners  # the editor shows the plan
    assert "logistic_regression" in session.plan.learners

    started = h.run(["logistic_regression", "random_forest"], 60, 4, session)
    assert len(started) == 2 + LIVE_OUTPUTS
    assert "Running: Stop after 60 s of search, or after 4 trials" in _last(session.chat)
    deadline = time.monotonic() + 240
    while session.running and time.monotonic() < deadline:
        time.sleep(0.5)
        h.tick(session)
    final = h.tick(session)
    assert "Done (finished (max_trials))" in _last(session.chat)
    downloads = final[-len(DOWNLOADS) :]
    assert [d.value["orig_name"] for d in downloads] == ["submission.csv", "model.joblib",
                                                       "report.html"]  # fmt: skip
    submission = pd.read_csv(downloads[0].value["path"])  # in the sample's format and order
    assert submission.columns.tolist() == ["flower", "species"]
    assert submission["flower"].tolist() == list(range(29, -1, -1))
    assert "4 complete" in final[1]
    assert len(final[2]) == 4  # the trial table
    assert set(final[4]["learner"]) <= {"logistic_regression", "random_forest"}

    answer = list(h.send("why did trial 1 fail?", session))[-1]
    assert "Trial 1" in _last(answer[2])
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [session.root.name]

    resumed = h.resume(30, session)  # search again, without the first session's trial limit
    assert len(resumed) == 1 + LIVE_OUTPUTS
    assert "Resuming for 30 s" in _last(session.chat)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and session.running:
        time.sleep(0.5)
        h.tick(session)
        if session.view is not None and (session.view.trials["state"] == "complete").sum() > 4:
            break
    assert h.stop(session)[1].interactive is False
    assert "Stopping" in _last(session.chat)
    while session.running and time.monotonic() < deadline:
        time.sleep(0.5)
    final = h.tick(session)
    assert "Done (finished (user))" in _last(session.chat)
    assert int(final[1].split(" complete")[0].rsplit(" ", 1)[-1]) > 4
