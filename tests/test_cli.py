from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tunesmith import __version__
from tunesmith.cli import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"tunesmith {__version__}"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "plan" in result.output
    assert "llm-info" in result.output


def test_plan_with_a_missing_file_fails_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = runner.invoke(app, ["plan", "predict y", "--data", str(missing), "--llm", "embedded"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_plan_with_an_empty_file_fails_clearly(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(app, ["plan", "predict y", "--data", str(empty)])
    assert result.exit_code == 2
    assert "Cannot read" in result.output


def test_plan_with_a_bad_llm_spec_fails_clearly(tmp_path: Path) -> None:
    data = tmp_path / "t.csv"
    data.write_text("a,y\n1,0\n2,1\n")
    result = runner.invoke(app, ["plan", "predict y", "--data", str(data), "--llm", "gpt4"])
    assert result.exit_code == 2
    assert "Accepted forms" in result.output


def test_run_with_a_missing_file_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", "predict y", "--data", str(tmp_path / "no.csv"), "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output
    assert not (tmp_path / "r" / "submission.csv").exists()


def test_resume_of_a_folder_without_a_run_fails_clearly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["resume", str(tmp_path)])
    assert result.exit_code == 2
    assert "Error:" in result.output


@pytest.mark.llm
@pytest.mark.slow
def test_run_end_to_end_with_the_embedded_model(tmp_path: Path) -> None:
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True)
    frame = iris.frame.rename(columns={"target": "species"})
    frame["species"] = iris.target_names[frame["species"]]
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    frame.iloc[:120].to_csv(tmp_path / "train.csv", index=False)
    test = frame.iloc[120:].drop(columns=["species"])
    test.insert(0, "id", range(100, 100 + len(test)))
    test.to_csv(tmp_path / "test.csv", index=False)
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        ["run", "Classify the iris species column; optimise accuracy.",
         "--data", str(tmp_path / "train.csv"), "--test", str(tmp_path / "test.csv"),
         "--out", str(out), "--time-budget", "60", "--max-trials", "4", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{") :])
    assert summary["n_complete"] >= 1
    assert summary["best_value"] > 0.8
    submission = pd.read_csv(out / "submission.csv")
    assert list(submission.columns) == ["id", "species"]
    assert submission["id"].tolist() == test["id"].tolist()
    assert set(submission["species"]) <= set(iris.target_names)
    for name in ("plan.json", "events.jsonl", "study.db", "model.joblib", "leaderboard.csv"):
        assert (out / name).is_file(), name
