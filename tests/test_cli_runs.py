from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sklearn.datasets import load_breast_cancer
from typer.testing import CliRunner

from tunesmith.agent._config import RunConfig, RunSummary
from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._loop import RunLoop
from tunesmith.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "240"}  # rich would wrap table cells at 80 columns


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RunSummary]:
    """``ROOT/first`` is a real run; ``ROOT/group/second`` a copy one level deeper."""
    root = tmp_path_factory.mktemp("runs")
    frame = load_breast_cancer(as_frame=True).frame.sample(120, random_state=0)
    plan = PlanDraft(
        target="target", task_type="binary", metric="roc_auc",
        learners=["logistic_regression"], reason="A quick check.",
    )  # fmt: skip
    config = RunConfig(max_trials=3, cv_folds=2, fidelity=10, seed=0)
    summary = RunLoop(root / "first", plan, config, data=frame).run()
    shutil.copytree(root / "first", root / "group" / "second")
    (root / "notes").mkdir()  # a folder without a run is skipped
    return root, summary


def test_list_shows_every_run_two_levels_deep(runs: tuple[Path, RunSummary]) -> None:
    root, summary = runs
    result = runner.invoke(app, ["runs", "list", str(root)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "first" in result.output
    assert "second" in result.output
    assert "notes" not in result.output
    assert result.output.count("finished (max_trials)") == 2
    assert f"{summary.best_value:.4g}" in result.output


def test_list_json(runs: tuple[Path, RunSummary]) -> None:
    root, summary = runs
    result = runner.invoke(app, ["runs", "list", str(root), "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    assert [Path(r["out_dir"]).name for r in listed] == ["first", "second"]
    for row in listed:
        assert (row["target"], row["metric"], row["n_complete"]) == ("target", "roc_auc", 3)
        assert row["best_value"] == pytest.approx(summary.best_value)
        assert row["state"] == "finished (max_trials)"
        assert row["started_at"] is not None


def test_list_defaults_to_the_runs_folder_and_accepts_one_run(
    runs: tuple[Path, RunSummary], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = runs
    shutil.copytree(root / "first", tmp_path / "tunesmith-runs" / "mine")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["runs", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert [Path(r["out_dir"]).name for r in json.loads(result.output)] == ["mine"]
    result = runner.invoke(app, ["runs", "list", str(root / "first"), "--json"])
    assert len(json.loads(result.output)) == 1


def test_show_prints_plan_summary_leaderboard_and_outputs(
    runs: tuple[Path, RunSummary],
) -> None:
    root, summary = runs
    result = runner.invoke(app, ["runs", "show", str(root / "first")], env=WIDE)
    assert result.exit_code == 0, result.output
    for text in ("A quick check.", "logistic_regression", "Leaderboard (top 10)",
                 "finished (max_trials)", f"{summary.best_value:.4g}", "max_trials"):  # fmt: skip
        assert text in result.output, text
    assert f"Model: {root / 'first' / 'model.joblib'}" in result.output
    assert f"Report: {root / 'first' / 'report.html'}" in result.output
    assert "Submission: -" in result.output


def test_show_json(runs: tuple[Path, RunSummary]) -> None:
    root, summary = runs
    result = runner.invoke(app, ["runs", "show", str(root / "first"), "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["plan"]["reason"] == "A quick check."
    assert shown["config"]["max_trials"] == 3
    assert shown["summary"]["best_trial"] == summary.best_trial
    assert shown["leaderboard"][0]["trial"] == summary.best_trial
    assert len(shown["leaderboard"]) == 3
    assert Path(shown["outputs"]["report"]).is_file()
    assert Path(shown["outputs"]["model"]).is_file()
    assert shown["outputs"]["submission"] is None


@pytest.mark.parametrize("command", ["list", "show"])
def test_a_folder_without_runs_exits_2(tmp_path: Path, command: str) -> None:
    result = runner.invoke(app, ["runs", command, str(tmp_path)], env=WIDE)
    assert result.exit_code == 2
    assert "Error:" in result.output
    assert ("No run under" if command == "list" else "holds no run") in result.output


def test_list_of_a_missing_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["runs", "list", str(tmp_path / "nope")], env=WIDE)
    assert result.exit_code == 2
    assert "is not a folder" in result.output
