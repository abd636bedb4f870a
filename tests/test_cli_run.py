"""``tunesmith run``: task folders, the plan shown first, questions, and bad input.

The LLM is the one thing faked here (a scripted chat model handed out by ``llm.load``); the
real embedded model runs the same command in tests/test_cli.py and the task-suite test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_iris
from typer.testing import CliRunner

import tunesmith.llm
from tunesmith.cli import app
from tunesmith.llm.testing import ScriptedChatModel

runner = CliRunner()
REPLY = json.dumps({
    "target": "species", "task_type": "multiclass", "metric": "accuracy",
    "learners": ["logistic_regression"],
    "reason": "Three classes.",
})  # fmt: skip


@pytest.fixture
def task_dir(tmp_path: Path) -> Path:
    iris = load_iris(as_frame=True)
    frame = iris.frame.rename(columns={"target": "species"})
    frame["species"] = iris.target_names[frame["species"]]
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    folder = tmp_path / "task"
    folder.mkdir()
    frame.iloc[:120].to_csv(folder / "train.csv", index=False)
    test = frame.iloc[120:].drop(columns=["species"])
    test.insert(0, "id", range(len(test)))
    test.to_csv(folder / "test.csv", index=False)
    pd.DataFrame({"id": test["id"], "species": "setosa"}).to_csv(
        folder / "sample_submission.csv", index=False
    )
    (folder / "description.md").write_text(
        "Predict the `species` of each flower. Submissions are scored by accuracy.\n"
    )
    return folder


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> list[ScriptedChatModel]:
    made: list[ScriptedChatModel] = []

    def load(spec: object = None, **_: object) -> ScriptedChatModel:
        # A second reply for a repair round (the request pins another metric).
        made.append(ScriptedChatModel(replies=[REPLY, REPLY.replace('"accuracy"', '"rmse"')]))
        return made[-1]

    monkeypatch.setattr(tunesmith.llm, "load", load)
    return made


def test_a_task_folder_runs_from_its_description(
    tmp_path: Path, task_dir: Path, scripted: list[ScriptedChatModel]
) -> None:
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", "--task-dir", str(task_dir), "--out", str(out),
                                 "--max-trials", "2", "--time-budget", "60"])  # fmt: skip
    assert result.exit_code == 0, result.output
    prompt = str(scripted[0].received[0][-1].content)
    assert "Predict the `species` of each flower" in prompt
    # The plan is shown before the run: every decision and where it came from.
    assert "target" in result.output
    assert "species (multiclass) (request)" in result.output
    assert "logistic_regression: Logistic regression (liblinear" in result.output
    assert "stratified 5-fold cross-validation (data)" in result.output
    submission = pd.read_csv(out / "submission.csv")
    assert list(submission.columns) == ["id", "species"]
    assert len(submission) == 30
    assert "Leaderboard" in result.output


def test_a_request_without_a_target_exits_with_the_question(
    tmp_path: Path, task_dir: Path, scripted: list[ScriptedChatModel]
) -> None:
    train = str(task_dir / "train.csv")
    result = runner.invoke(
        app, ["run", "Make the best model.", "--data", train, "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert "Question: Which column should I predict?" in result.output
    assert "Candidate columns: species" in result.output
    assert not scripted  # asked before any LLM was loaded
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("missing", "does not exist"),
        ("binary", "Cannot read the training data"),
        ("empty", "Cannot read the training data"),
        ("header_only", "has no rows"),
        ("one_class", "nothing to learn"),
        ("metric", "'rmse' does not fit target 'species'"),
        ("test_columns", "lack 1 training feature column"),
        ("no_train", "has no train.csv"),
    ],
)
def test_bad_input_gets_one_clear_message_and_writes_nothing(
    tmp_path: Path, task_dir: Path, scripted: list[ScriptedChatModel], change: str,
    message: str,
) -> None:  # fmt: skip
    train = task_dir / "train.csv"
    request = "Predict `species`."
    if change == "missing":
        train.unlink()
        args = ["--data", str(train)]
    elif change == "no_train":
        train.unlink()
        args = ["--task-dir", str(task_dir)]
    else:
        args = ["--task-dir", str(task_dir)]
        if change == "binary":
            train.write_bytes(bytes(range(256)) * 8)
        elif change == "empty":
            train.write_text("")
        elif change == "header_only":
            train.write_text("a,species\n")
        elif change == "one_class":
            frame = pd.read_csv(train).assign(species="setosa")
            frame.to_csv(train, index=False)
        elif change == "metric":
            request = "Predict `species`; minimise the RMSE."
        elif change == "test_columns":
            pd.read_csv(task_dir / "test.csv").drop(columns=["petal width (cm)"]).to_csv(
                task_dir / "test.csv", index=False
            )
    out = tmp_path / "r"
    result = runner.invoke(app, ["run", request, *args, "--out", str(out), "--yes"])
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_zero_budget_and_an_unreachable_llm_are_refused(tmp_path: Path, task_dir: Path) -> None:
    base = ["run", "--task-dir", str(task_dir), "--out", str(tmp_path / "r")]
    zero = runner.invoke(app, [*base, "--time-budget", "0"])
    assert zero.exit_code == 2
    assert "--time-budget" in zero.output
    unreachable = runner.invoke(app, [*base, "--llm", "openai:http://127.0.0.1:9/v1#m"])
    assert unreachable.exit_code == 2
    assert "Error:" in unreachable.output
    assert "127.0.0.1:9" in unreachable.output
    assert not (tmp_path / "r").exists()
