"""``run_kaggle_bench`` for real on one small task: optuna-tpe and FLAML with a tiny budget."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.kaggle import (
    AgentResult,
    AgentTask,
    CellRow,
    KaggleBench,
    Leaderboard,
    medal_for,
    medal_thresholds,
    register_agent,
    run_kaggle_bench,
    unregister_agent,
)

BUDGET_S = 6.0


@dataclasses.dataclass
class DropsRows:
    """A user agent (the plug-in interface): writes the sample submission minus five rows."""

    name: str = "drops-rows"
    calls: int = 0

    def unavailable(self) -> str | None:
        return None

    def solve(self, task: AgentTask, out_dir: Path, *, budget_s: float, seed: int) -> AgentResult:
        self.calls += 1
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / "submission.csv"
        pd.read_csv(task.public_dir / "sample_submission.csv").iloc[5:].to_csv(path, index=False)
        return AgentResult(agent=self.name, submission=str(path), wall_s=0.1)


@pytest.fixture(scope="module")
def drops_rows() -> Iterator[DropsRows]:
    agent = DropsRows()
    register_agent(agent.name, lambda options: agent)
    yield agent
    unregister_agent(agent.name)


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory, drops_rows: DropsRows) -> KaggleBench:
    out = tmp_path_factory.mktemp("bench")
    return run_kaggle_bench(
        out, tasks="penguins", agents=["optuna-tpe", "flaml", "drops-rows"], budget_s=BUDGET_S
    )


def _row(bench: KaggleBench, agent: str) -> CellRow:
    return next(r for r in bench.rows if r.agent == agent)


@pytest.mark.parametrize("agent", ["optuna-tpe", "flaml"])
def test_peers_write_valid_graded_submissions(bench: KaggleBench, agent: str) -> None:
    row = _row(bench, agent)
    assert (row.task, row.seed, row.status, row.valid, row.error) == (
        "penguins", 0, "done", True, None,
    )  # fmt: skip
    assert row.score is not None
    assert 0.3 < row.score <= 1.0  # accuracy on 69 penguins; the constant gets 0.43
    assert row.medal in ("none", "bronze", "silver", "gold")
    assert row.constant is not None
    assert row.best_baseline is not None
    expected = (row.score - row.constant) / (row.best_baseline - row.constant)
    assert row.normalised == pytest.approx(expected)
    assert row.wall_s is not None
    assert 1.0 < row.wall_s < 120
    assert (row.prompt_tokens, row.completion_tokens) == (None, None)
    submission = Path(bench.files[0]).parent / "runs" / f"penguins__{agent}__0" / "submission.csv"
    assert len(pd.read_csv(submission)) == 69


def test_an_invalid_submission_is_graded_invalid(bench: KaggleBench) -> None:
    row = _row(bench, "drops-rows")
    assert (row.status, row.valid, row.score, row.medal, row.normalised) == (
        "done", False, None, None, None,
    )  # fmt: skip
    assert row.error is not None
    assert "missing" in row.error.lower()


def test_summary_counts_medals_normalised_scores_and_wins(bench: KaggleBench) -> None:
    out = Path(bench.files[0]).parent
    summary = json.loads((out / "summary.json").read_text())
    by_agent = {s["agent"]: s for s in summary["agents"]}
    bad = by_agent["drops-rows"]
    assert (bad["cells"], bad["valid"], bad["any_medal_rate"], bad["mean_normalised"]) == (
        1, 0, 0.0, 0.0,
    )  # fmt: skip
    tpe = by_agent["optuna-tpe"]
    assert tpe["mean_normalised"] == pytest.approx(_row(bench, "optuna-tpe").normalised)
    assert tpe["any_medal_rate"] == (0.0 if _row(bench, "optuna-tpe").medal == "none" else 1.0)
    against_bad = next(v for v in summary["versus"] if v["other"] == "drops-rows")
    assert (against_bad["wins"], against_bad["ties"], against_bad["losses"]) == (1, 0, 0)
    table = (out / "table.md").read_text()
    for text in ("## Summary", "## Wins", "optuna-tpe", "flaml", "invalid"):
        assert text in table
    with (out / "results.csv").open() as handle:
        assert [r["agent"] for r in csv.DictReader(handle)] == [
            "optuna-tpe", "flaml", "drops-rows",
        ]  # fmt: skip


def test_a_rerun_reuses_finished_cells(bench: KaggleBench, drops_rows: DropsRows) -> None:
    out = Path(bench.files[0]).parent
    calls = drops_rows.calls
    seen: list[tuple[tuple[str, str, int], bool]] = []
    again = run_kaggle_bench(
        out, tasks=["penguins"], agents=["optuna-tpe", "flaml", "drops-rows"],
        budget_s=BUDGET_S, on_cell=lambda cell, row, reused: seen.append((cell, reused)),
    )  # fmt: skip
    assert again.reused == 3
    assert drops_rows.calls == calls
    assert [r.model_dump() for r in again.rows] == [r.model_dump() for r in bench.rows]
    assert all(reused for _, reused in seen)


def test_reused_cells_are_graded_again_against_new_thresholds(
    bench: KaggleBench, tmp_path: Path
) -> None:
    out = tmp_path / "copy"
    shutil.copytree(Path(bench.files[0]).parent, out)
    stored = out / "suite" / "penguins" / "private" / "leaderboard.json"
    board = Leaderboard.model_validate_json(stored.read_text())
    # Other baselines than those the cells were graded with: every model scored 0.6 here.
    other = [b if b.name == "constant" else b.model_copy(update={"score": 0.6})
             for b in board.baselines]  # fmt: skip
    moved = board.model_copy(
        update={"baselines": tuple(other), "thresholds": medal_thresholds(board.metric, other)}
    )
    stored.write_text(moved.model_dump_json())
    again = run_kaggle_bench(
        out, tasks="penguins", agents=["optuna-tpe", "flaml", "drops-rows"], budget_s=BUDGET_S
    )
    assert again.reused == 3
    for before, after in zip(bench.rows, again.rows, strict=True):
        assert after.score == before.score  # nothing was solved again
        if not before.valid:
            assert after == before
            continue
        assert after.score is not None
        assert after.best_baseline == moved.thresholds.silver
        assert after.medal == medal_for(after.score, "accuracy", moved.thresholds)
        constant = board.score_of("constant")
        assert constant is not None
        assert after.normalised == pytest.approx((after.score - constant) / (0.6 - constant))
        cell = out / "cells" / f"penguins__{after.agent}__0.json"
        assert CellRow.model_validate_json(cell.read_text()) == after  # stored as graded
    assert board.thresholds.silver != moved.thresholds.silver  # so the rows did change


def test_autogluon_without_its_environment_is_reported_not_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drops_rows: DropsRows
) -> None:
    monkeypatch.setenv("TUNESMITH_AUTOGLUON_PYTHON", str(tmp_path / "no-such-python"))
    result = run_kaggle_bench(
        tmp_path, tasks="penguins", agents=["drops-rows", "autogluon"], budget_s=BUDGET_S
    )
    row = _row(result, "autogluon")
    assert (row.status, row.valid) == ("unavailable", False)
    assert row.error is not None
    assert "not installed" in row.error
    assert "no-such-python" in row.error
    assert not (tmp_path / "cells" / "penguins__autogluon__0.json").exists()
    assert "not installed" in (tmp_path / "table.md").read_text()


def test_unknown_agents_and_tasks_are_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="Did you mean 'flaml'"):
        run_kaggle_bench(tmp_path, tasks="penguins", agents=["flmal"])
    with pytest.raises(ConfigurationError, match="Did you mean 'penguins'"):
        run_kaggle_bench(tmp_path, tasks="pengiuns", agents=["flaml"])
    with pytest.raises(ConfigurationError, match="budget"):
        run_kaggle_bench(tmp_path, tasks="penguins", agents=["flaml"], budget_s=0)
