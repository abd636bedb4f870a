"""The SMAC3 and HEBO peers of ``bench hpo``: space mapping, shared initial points, seeds.

The reduced runs skip, with the reason, where a peer is not installed: SMAC3 comes with the
``smac`` extra (part of ``./scripts/test``'s set-up); HEBO needs ``./scripts/setup_hebo.sh`` and
``TUNESMITH_HEBO_PYTHON``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tunesmith.cli import app
from tunesmith.core import (
    BoolParam,
    CategoricalParam,
    FloatParam,
    IntParam,
    OptimizerError,
    SearchSpace,
    TrialResult,
)
from tunesmith.evaluation.bayesmark import get_problem, initial_points, list_methods, run_cell
from tunesmith.evaluation.bayesmark._peer_hebo import HEBO_PYTHON_ENV, hebo_space, hebo_unavailable
from tunesmith.evaluation.bayesmark._peer_smac import smac_unavailable
from tunesmith.evaluation.bayesmark._peers import from_peer, to_peer

runner = CliRunner(env={"COLUMNS": "200"})
SPACE = SearchSpace(
    params=(
        FloatParam(name="lr", low=1e-4, high=1.0, log=True),
        FloatParam(name="frac", low=0.0, high=0.5),
        IntParam(name="depth", low=1, high=15),
        IntParam(name="trees", low=10, high=1000, log=True),
        CategoricalParam(name="kind", choices=("a", 1, None, True)),
        BoolParam(name="flag"),
    )
)
needs_smac = pytest.mark.skipif(smac_unavailable() is not None, reason=str(smac_unavailable()))
needs_hebo = pytest.mark.skipif(hebo_unavailable() is not None, reason=str(hebo_unavailable()))


def test_the_peers_are_registered() -> None:
    assert {"smac", "hebo"} <= set(list_methods())


def test_choices_travel_as_positions_and_come_back_with_their_types() -> None:
    config = {"lr": 0.01, "frac": 0.25, "depth": 3, "trees": 100, "kind": None, "flag": True}
    sent = to_peer(SPACE, config)
    assert sent["kind"] == "2"
    assert sent["flag"] == "1"
    assert from_peer(SPACE, sent) == config
    back = from_peer(SPACE, {**sent, "kind": "3", "depth": 6.6})
    assert back["kind"] is True
    assert back["depth"] == 7


def test_hebo_space_keeps_log_scales_integers_and_choices() -> None:
    kinds = {p["name"]: p["type"] for p in hebo_space(SPACE)}
    assert kinds == {
        "lr": "pow", "frac": "num", "depth": "int", "trees": "pow_int", "kind": "cat",
        "flag": "cat",
    }  # fmt: skip
    assert hebo_space(SPACE)[4]["categories"] == ["0", "1", "2", "3"]


@needs_smac
def test_smac_config_space_keeps_log_scales_integers_and_choices() -> None:
    from ConfigSpace import CategoricalHyperparameter as Cat
    from ConfigSpace import UniformFloatHyperparameter as Float
    from ConfigSpace import UniformIntegerHyperparameter as Int

    from tunesmith.evaluation.bayesmark._peer_smac import config_space

    cs = config_space(SPACE, seed=0)
    expected = {"lr": (Float, True), "frac": (Float, False), "depth": (Int, False),
                "trees": (Int, True)}  # fmt: skip
    for name, (kind, log) in expected.items():
        assert isinstance(cs[name], kind)
        assert cs[name].log is log
    assert (cs["trees"].lower, cs["trees"].upper) == (10, 1000)
    assert isinstance(cs["kind"], Cat)
    assert list(cs["kind"].choices) == ["0", "1", "2", "3"]


def _check_reduced_run(name: str, problem_name: str, n_init: int, n_trials: int) -> None:
    problem = get_problem(problem_name)
    rows = run_cell(problem.name, name, 0, n_init, n_trials)
    assert [r.params for r in rows[:n_init]] == initial_points(problem, 0, n_init)
    for row in rows:
        problem.space.validate(row.params)
        assert row.loss is not None
    assert len({str(sorted(r.params.items())) for r in rows}) == n_trials
    again = run_cell(problem.name, name, 0, n_init, n_trials)
    assert [r.params for r in again] == [r.params for r in rows]  # same seed, same trials
    other = run_cell(problem.name, name, 1, n_init, n_init + 1)
    assert other[n_init].params != rows[n_init].params


@needs_smac
def test_smac_reduced_run_starts_from_the_shared_points_and_repeats() -> None:
    _check_reduced_run("smac", "DT-wine-acc", 3, 6)


@needs_hebo
@pytest.mark.slow
def test_hebo_reduced_run_starts_from_the_shared_points_and_repeats() -> None:
    _check_reduced_run("hebo", "SVM-iris-acc", 2, 4)  # ~4 s a suggestion


@needs_smac
def test_a_peer_runs_one_trial_at_a_time() -> None:
    from tunesmith.evaluation.bayesmark._peer_smac import build_smac

    opt = build_smac(get_problem("kNN-iris-acc"), 0, 1)
    spec = opt.ask()
    with pytest.raises(OptimizerError, match="one trial at a time"):
        opt.ask()
    opt.tell(TrialResult.complete(spec, -0.9))
    with pytest.raises(OptimizerError, match="told exactly once"):
        opt.tell(TrialResult.complete(spec, -0.9))


@needs_smac
def test_bench_hpo_runs_smac_from_the_cli(tmp_path: Path) -> None:
    args = ["bench", "hpo", "--problems", "kNN-iris-acc", "--optimizers", "smac,random",
            "--seeds", "0", "--n-init", "2", "--n-trials", "4"]  # fmt: skip
    args += ["--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "| smac |" in result.output


def test_a_missing_hebo_fails_with_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["bench", "hpo", "--problems", "kNN-iris-acc", "--optimizers", "hebo,random",
            "--seeds", "0", "--out", str(tmp_path)]  # fmt: skip
    monkeypatch.delenv(HEBO_PYTHON_ENV, raising=False)
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "Optimiser 'hebo' cannot run" in result.output
    assert "scripts/setup_hebo.sh" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv(HEBO_PYTHON_ENV, sys.executable)  # tunesmith's python: no hebo there
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "cannot import hebo" in result.output
    assert not list(tmp_path.glob("cells/*"))
