"""``tunesmith bench hpo`` end to end on a reduced configuration, and the method registry."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tunesmith.cli import app
from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.bayesmark import (
    get_problem,
    initial_points,
    list_methods,
    method,
    register_method,
    resolve_problems,
    run_benchmark,
    run_cell,
    sampler_table,
)
from tunesmith.evaluation.bayesmark._methods import expand_controls

runner = CliRunner(env={"COLUMNS": "200"})
PROBLEMS = "SVM-iris-acc,kNN-wine-nll"
ARGS = ["--problems", PROBLEMS, "--optimizers", "random,tpe", "--seeds", "0,1",
        "--n-init", "3", "--n-trials", "6"]  # fmt: skip


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("hpo")
    result = runner.invoke(app, ["bench", "hpo", *ARGS, "--jobs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def _records(out: Path) -> list[dict[str, str]]:
    with (out / "evaluations.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_bench_hpo_writes_records_table_and_plots(run_dir: tuple[Path, str]) -> None:
    out, output = run_dir
    assert "| random |" in output
    assert "| tpe |" in output
    assert "regret@6" in output
    records = _records(out)
    assert len(records) == 2 * 2 * 2 * 6  # problems x optimisers x seeds x evaluations
    assert all(r["loss"] and r["generalization"] for r in records)
    assert len(list((out / "cells").glob("*.jsonl"))) == 8
    table = (out / "table.md").read_text()
    assert table.startswith("| optimiser | regret@6 | Bayesmark score@6")
    for png in ("regret.png", "regret_by_problem.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["methods"] == ["random", "tpe"]
    assert summary["seeds"] == [0, 1]
    config = json.loads((out / "config.json").read_text())
    assert config["n_init"] == 3
    assert config["n_trials"] == 6


def test_every_optimiser_starts_from_the_same_points(run_dir: tuple[Path, str]) -> None:
    out, _ = run_dir
    records = _records(out)
    for problem in PROBLEMS.split(","):
        for seed in ("0", "1"):
            starts = {
                m: [(r["params"], r["loss"]) for r in records if (r["problem"], r["seed"],
                    r["method"]) == (problem, seed, m) and r["initial"] == "True"]
                for m in ("random", "tpe")
            }  # fmt: skip
            assert len(starts["random"]) == 3
            assert starts["random"] == starts["tpe"]
            drawn = initial_points(get_problem(problem), int(seed), 3)
            assert [json.loads(p) for p, _ in starts["random"]] == drawn
    seed0 = initial_points(get_problem("SVM-iris-acc"), 0, 3)
    assert seed0 != initial_points(get_problem("SVM-iris-acc"), 1, 3)


def test_a_second_run_reuses_finished_cells(run_dir: tuple[Path, str]) -> None:
    out, _ = run_dir
    before = (out / "evaluations.csv").read_text()
    result = runner.invoke(app, ["bench", "hpo", *ARGS, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "(8 reused)" in result.output
    assert (out / "evaluations.csv").read_text() == before


def test_bad_names_exit_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["bench", "hpo", "--problems", "SVM-iris-acc", "--optimizers", "rndom",
              "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Unknown optimiser 'rndom'" in result.output
    assert "random" in result.output


def test_run_cell_is_reproducible() -> None:
    first = run_cell("kNN-iris-acc", "tpe", 0, 3, 5)
    second = run_cell("kNN-iris-acc", "tpe", 0, 3, 5)
    assert [(e.params, e.loss) for e in first] == [(e.params, e.loss) for e in second]


def test_resolve_problems() -> None:
    assert len(resolve_problems("llambo25")) == 25
    assert len(resolve_problems("all,RF-breast-acc")) == 90
    assert resolve_problems(["kNN-iris-acc"]) == ["kNN-iris-acc"]
    with pytest.raises(ConfigurationError):
        resolve_problems("")


def test_registered_methods_and_controls(tmp_path: Path) -> None:
    assert {"random", "sobol", "tpe", "gp", "cmaes", "de"} <= set(list_methods())
    entry = method("random", controls=("sobol",))
    register_method(entry.__class__("random-with-control", "test", entry.build, ("sobol",)))
    try:
        assert expand_controls(["random-with-control", "sobol"]) == [
            "random-with-control", "sobol",
        ]  # fmt: skip
        run = run_benchmark(
            "kNN-iris-acc", ["random-with-control"], [0], tmp_path, n_init=2, n_trials=3
        )
        assert run.summary.methods == ["random-with-control", "sobol"]  # the control came along
    finally:
        from tunesmith.evaluation.bayesmark import _methods

        _methods._METHODS.pop("random-with-control")


def test_llm_methods_bring_their_controls() -> None:
    assert expand_controls(["hybrid"]) == ["hybrid", "hybrid-permuted", "default+random"]
    assert expand_controls(["llm", "hybrid"]) == [
        "llm", "llm-permuted", "default+random", "hybrid", "hybrid-permuted",
    ]  # fmt: skip


def test_default_random_evaluates_the_default_right_after_the_initial_points() -> None:
    problem = get_problem("DT-wine-acc")
    rows = run_cell(problem.name, "default+random", 0, 3, 6)
    starts = initial_points(problem, 0, 3)
    assert [r.params for r in rows[:3]] == starts
    assert rows[3].params == problem.default_config
    assert not rows[3].initial
    assert len({json.dumps(r.params, sort_keys=True) for r in rows}) == 6


def test_warm_hybrid_brings_the_hybrid_and_its_controls() -> None:
    assert expand_controls(["hybrid-warm"]) == [
        "hybrid-warm", "hybrid", "hybrid-permuted", "default+random",
    ]  # fmt: skip


def test_warm_hybrid_starts_from_the_default_and_the_llms_proposals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tunesmith.evaluation.bayesmark import _methods
    from tunesmith.llm.testing import ScriptedChatModel

    problem = get_problem("DT-wine-acc")
    proposed = [
        {"max_depth": 3 + i, "min_samples_split": 0.2, "min_samples_leaf": 0.05,
         "min_weight_fraction_leaf": 0.02, "max_features": 0.5, "min_impurity_decrease": 0.0}
        for i in range(2)
    ]  # fmt: skip
    chat = ScriptedChatModel(replies=[json.dumps({"configs": proposed})] * 20)
    monkeypatch.setitem(_methods._LLM, "model", chat)  # the LLM edge: a scripted chat model
    rows = run_cell(problem.name, "hybrid-warm", 0, 3, 5)
    assert [r.params for r in rows[:3]] == [problem.default_config, *proposed]
    assert not any(r.initial for r in rows)  # no shared initial points
    shared = initial_points(problem, 0, 3)
    assert all(r.params not in shared for r in rows)
    assert len(rows) == 5
    assert all(r.loss is not None for r in rows)
    # The sampler's provenance travels with each evaluation, and the report counts it.
    assert [r.source for r in rows[:3]] == ["llm-warm-start"] * 3
    assert all(isinstance(r.source, str) and r.llm_weight is not None for r in rows)
    table = sampler_table([*rows, *run_cell(problem.name, "random", 0, 3, 5)])
    assert table.splitlines()[2].startswith("| method | ")
    (line,) = [t for t in table.splitlines() if t.startswith("| hybrid-warm |")]
    assert line.endswith(f"| {sum(bool(r.llm_weight) for r in rows)} of 5 |")
    assert "| random |" not in table  # a method that records no source has no row
    assert sampler_table(run_cell(problem.name, "random", 0, 3, 4)) == ""
