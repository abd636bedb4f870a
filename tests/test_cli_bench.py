from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from tunesmith.cli import app

runner = CliRunner(env={"COLUMNS": "200"})  # rich would wrap the table at 80 columns


def test_bench_is_a_command() -> None:
    result = runner.invoke(app, ["bench", "--help"])
    assert result.exit_code == 0
    assert "tasks" in result.output
    assert "grade" in result.output


def test_bench_tasks_builds_and_prints_a_table(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["bench", "tasks", "--out", str(tmp_path), "--tasks", "penguins,breast_cancer",
              "--no-baselines"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("penguins", "breast_cancer", "species", "diagnosis", "accuracy", "f1"):
        assert name in result.output
    assert (tmp_path / "penguins" / "public" / "train.csv").is_file()
    assert not (tmp_path / "penguins" / "private" / "leaderboard.json").exists()


def test_bench_tasks_with_baselines_then_grade(tmp_path: Path) -> None:
    built = runner.invoke(
        app, ["bench", "tasks", "--out", str(tmp_path), "--tasks", "penguins",
              "--flaml-budget", "3"],
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    assert "HGB" in built.output
    assert "FLAML" in built.output
    assert "0.9" in built.output  # the baselines' accuracy
    task = tmp_path / "penguins"
    answers = task / "private" / "answers.csv"

    graded = runner.invoke(app, ["bench", "grade", str(task), str(answers)])
    assert graded.exit_code == 0, graded.output
    assert "accuracy = 1.00000" in graded.output
    assert "medal: gold" in graded.output

    as_json = runner.invoke(app, ["bench", "grade", str(task / "public"), str(answers), "--json"])
    assert as_json.exit_code == 0, as_json.output
    record = json.loads(as_json.output)
    assert (record["valid"], record["score"], record["medal"]) == (True, 1.0, "gold")


def test_bench_grade_of_an_invalid_submission_exits_1(tmp_path: Path) -> None:
    runner.invoke(app, ["bench", "tasks", "--out", str(tmp_path), "--tasks", "penguins",
                        "--no-baselines"])  # fmt: skip
    bad = tmp_path / "bad.csv"
    pd.read_csv(tmp_path / "penguins" / "private" / "answers.csv").iloc[5:].to_csv(bad)
    result = runner.invoke(app, ["bench", "grade", str(tmp_path / "penguins"), str(bad)])
    assert result.exit_code == 1
    assert "Invalid submission for penguins" in result.output


def test_bench_grade_of_a_folder_that_is_not_a_task_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "grade", str(tmp_path), str(tmp_path / "s.csv")])
    assert result.exit_code == 2
    assert "not a built task folder" in result.output


def test_bench_tasks_with_an_unknown_task_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bench", "tasks", "--out", str(tmp_path), "--tasks", "pengiuns"])
    assert result.exit_code == 2
    assert "Unknown task 'pengiuns'" in result.output


def test_bench_kaggle_runs_an_agent_and_prints_the_table(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["bench", "kaggle", "--out", str(tmp_path), "--tasks", "penguins", "--agents",
              "flaml", "--budget", "5", "--seeds", "0"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "penguins/flaml/0: accuracy" in result.output
    for text in ("## Scores (medal)", "## Summary", "| flaml |", "1 cells (0 reused)"):
        assert text in result.output
    rows = pd.read_csv(tmp_path / "results.csv")
    assert (len(rows), bool(rows["valid"][0])) == (1, True)
    assert (tmp_path / "runs" / "penguins__flaml__0" / "submission.csv").is_file()

    again = runner.invoke(
        app, ["bench", "kaggle", "--out", str(tmp_path), "--tasks", "penguins", "--agents",
              "flaml", "--budget", "5"],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "(reused)" in again.output
    assert "1 cells (1 reused)" in again.output


def test_bench_kaggle_with_an_unknown_agent_or_task_exits_2(tmp_path: Path) -> None:
    agent = runner.invoke(
        app, ["bench", "kaggle", "--out", str(tmp_path), "--tasks", "penguins", "--agents",
              "tunesmith,flmal"],
    )  # fmt: skip
    assert agent.exit_code == 2
    assert "Unknown agent 'flmal'" in agent.output
    assert "Did you mean 'flaml'?" in agent.output
    task = runner.invoke(app, ["bench", "kaggle", "--out", str(tmp_path), "--tasks", "pengiuns"])
    assert task.exit_code == 2
    assert "Unknown task 'pengiuns'" in task.output
    assert not (tmp_path / "results.csv").exists()
