"""Contract tests shared by every optimiser, plus per-family checks (MO, multi-fidelity)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import optuna
import pytest

from tunesmith.core import CategoricalParam as Cat
from tunesmith.core import (
    Condition,
    FloatParam,
    IntParam,
    OptimizerError,
    SearchSpace,
    TrialResult,
)
from tunesmith.tools import OPTIMIZERS, StudySummary, make_optimizer, optimize

ALL = list(OPTIMIZERS)
MULTI_OBJECTIVE = ["nsga2", "motpe"]
HERE = Path(__file__).resolve()

optuna.logging.set_verbosity(optuna.logging.WARNING)


def cash_space() -> SearchSpace:
    rf = SearchSpace(
        params=[
            IntParam(name="max_depth", low=1, high=15),
            FloatParam(name="max_features", low=0.1, high=1.0),
        ]
    )
    svm = SearchSpace(
        params=[
            FloatParam(name="C", low=1e-3, high=1e3, log=True),
            Cat(name="kernel", choices=["rbf", "poly"]),
            IntParam(name="degree", low=2, high=5),
        ],
        conditions={"degree": Condition(parent="kernel", value="poly")},
    )
    return SearchSpace.conditional("learner", {"rf": rf, "svm": svm, "nb": SearchSpace()})


def flat_space() -> SearchSpace:
    return SearchSpace(
        params=[
            FloatParam(name="x", low=-5.0, high=10.0),
            FloatParam(name="lr", low=1e-4, high=1.0, log=True),
            IntParam(name="n", low=1, high=64, log=True),
        ]
    )


def loss(config: dict[str, Any]) -> float:
    """A cheap objective over either space, with a different optimum per branch."""
    if "learner" not in config:
        return (config["x"] - 1.0) ** 2 + math.log10(config["lr"]) ** 2 + 0.01 * config["n"]
    learner, p = cash_space().split(config)
    if learner == "rf":
        return abs(p["max_depth"] - 6) / 6 + (p["max_features"] - 0.4) ** 2
    if learner == "svm":
        return (
            abs(math.log10(p["C"])) / 3 + 0.2 * (p["kernel"] == "poly") + p.get("degree", 0) / 50
        )
    return 0.9


def n_trials(name: str) -> int:
    return 12 if name == "gp" else 20


def run(name: str, seed: int, n: int | None = None, **kw: Any) -> StudySummary:
    if name in MULTI_OBJECTIVE:
        kw.setdefault("directions", ["minimize", "minimize"])
        objective: Any = lambda c: (loss(c), -(loss(c) ** 2))  # noqa: E731
    else:
        objective = loss
    return optimize(
        objective,
        kw.pop("space", cash_space()),
        name,
        n_trials=n or n_trials(name),
        seed=seed,
        **kw,
    )


def trace_all(seed: int) -> dict[str, list[dict[str, Any]]]:
    """Every optimiser's trial configurations for ``seed``; also run in a fresh process."""
    return {name: [t.params for t in run(name, seed).trials] for name in ALL}


# -- shared contract -------------------------------------------------------------------------


@pytest.mark.parametrize("space", [cash_space(), flat_space()], ids=["conditional", "flat"])
@pytest.mark.parametrize("name", ALL)
def test_trials_respect_bounds_and_conditional_structure(name: str, space: SearchSpace) -> None:
    summary = run(name, seed=0, space=space)
    n = n_trials(name)
    assert [t.number for t in summary.trials] == list(range(n))
    for t in summary.trials:
        assert t.state == "complete"
        space.validate(t.params)  # bounds, types, and only active parameters present
    if space.conditions:
        assert len({t.params["learner"] for t in summary.trials}) >= 2
    # A real search: no configuration is repeated (the parameter-less branch 'nb' aside).
    searched = [json.dumps(t.params, sort_keys=True) for t in summary.trials if len(t.params) > 1]
    assert len(set(searched)) == len(searched) >= n // 2


@pytest.fixture(scope="module")
def fresh_process_traces() -> dict[str, list[dict[str, Any]]]:
    code = (
        "import json, runpy, optuna; optuna.logging.set_verbosity(optuna.logging.WARNING); "
        f"g = runpy.run_path({str(HERE)!r}); print(json.dumps(g['trace_all'](3)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ALL)
def test_same_seed_same_trials_also_in_a_fresh_process(
    name: str, fresh_process_traces: dict[str, list[dict[str, Any]]]
) -> None:
    here = [t.params for t in run(name, seed=3).trials]
    assert json.loads(json.dumps(here)) == fresh_process_traces[name]
    assert here == [t.params for t in run(name, seed=3).trials]
    assert here != [t.params for t in run(name, seed=4).trials]


@pytest.mark.parametrize("name", ALL)
def test_failed_trials_are_recorded_and_the_study_goes_on(name: str) -> None:
    calls = {"n": 0}

    def flaky(config: dict[str, Any]) -> Any:
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            raise RuntimeError(f"boom {calls['n']}")
        if calls["n"] == 5:
            return math.nan
        value = loss(config)
        return (value, -value) if name in MULTI_OBJECTIVE else value

    kw = {"directions": ["minimize", "minimize"]} if name in MULTI_OBJECTIVE else {}
    summary = optimize(flaky, cash_space(), name, n_trials=n_trials(name), seed=1, **kw)
    failed = [t for t in summary.trials if t.state == "failed"]
    assert len(summary.trials) == n_trials(name)
    assert summary.n_failed == len(failed) == n_trials(name) // 3 + 1
    assert failed[0].error == "RuntimeError: boom 3"
    assert any("nan" in (t.error or "") for t in failed)
    assert summary.pareto_front
    assert all(t.state == "complete" for t in summary.pareto_front)


@pytest.mark.parametrize("name", ALL)
def test_resuming_from_sqlite_continues_the_study(name: str, tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    n1, n2 = 8, 5  # TPE and GP leave their 10 random start-up trials in the second session
    first = run(name, seed=5, n=n1, storage=db)
    second = run(name, seed=5, n=n2, storage=str(db))
    assert [t.number for t in second.trials] == list(range(n1 + n2))
    assert second.trials[:n1] == first.trials
    old = [t.params for t in first.trials]
    assert not any(t.params in old for t in second.trials[n1:] if len(t.params) > 1)
    reopened = make_optimizer(
        name,
        cash_space(),
        seed=5,
        storage=f"sqlite:///{db}",
        **({"directions": ["minimize"] * 2} if name in MULTI_OBJECTIVE else {}),
    )
    assert len(reopened.trials) == n1 + n2


def test_resume_refuses_a_different_space(tmp_path: Path) -> None:
    run("random", seed=0, n=2, storage=tmp_path / "s.db")
    with pytest.raises(OptimizerError, match=r"different search space.*new study_name"):
        run("random", seed=0, n=2, storage=tmp_path / "s.db", space=flat_space())
    with pytest.raises(OptimizerError, match=r"directions \['minimize'\].*'maximize'"):
        run("random", seed=0, n=2, storage=tmp_path / "s.db", direction="maximize")


def test_journal_storage_shared_by_two_processes(tmp_path: Path) -> None:
    journal = tmp_path / "study.log"
    code = (
        "import sys, runpy, optuna; optuna.logging.set_verbosity(optuna.logging.WARNING); "
        f"g = runpy.run_path({str(HERE)!r}); "
        f"g['run']('tpe', seed=int(sys.argv[1]), n=15, storage={str(journal)!r})"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(i)]) for i in (0, 1)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    opt = make_optimizer("tpe", cash_space(), seed=0, storage=journal)
    assert sorted(t.number for t in opt.trials) == list(range(30))
    assert all(t.state == "complete" for t in opt.trials)


# -- families --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*MULTI_OBJECTIVE, "random", "tpe", "gp"])
def test_multi_objective_returns_a_non_dominated_front(name: str) -> None:
    def two(config: dict[str, Any]) -> tuple[float, float]:
        return config["x"] ** 2, (config["x"] - 2.0) ** 2 + config["lr"]

    summary = optimize(
        two,
        flat_space(),
        name,
        n_trials=n_trials(name),
        seed=0,
        directions=["minimize", "minimize"],
    )
    front = [t.values for t in summary.pareto_front]
    assert front
    assert summary.best_value is None
    assert all(v is not None and len(v) == 2 for v in front)
    for a in front:
        for t in summary.trials:
            b = t.values
            assert not (b[0] <= a[0] and b[1] <= a[1] and b != a)  # nothing dominates a


@pytest.mark.parametrize("name", [n for n in ALL if not OPTIMIZERS[n].multi_objective])
def test_single_objective_optimisers_refuse_several_directions(name: str) -> None:
    with pytest.raises(OptimizerError, match=f"'{name}' is single-objective.*nsga2"):
        make_optimizer(name, flat_space(), directions=["minimize", "maximize"])


@pytest.mark.parametrize("name", ["hyperband", "asha", "bohb"])
def test_multi_fidelity_optimisers_prune_bad_learning_curves(name: str) -> None:
    steps = {"n": 0}

    def curve(config: dict[str, Any], report: Any) -> float:
        final = loss(config)
        for epoch in range(1, 28):
            steps["n"] += 1
            report(epoch, final + 1.0 / epoch)
        return final

    summary = optimize(curve, flat_space(), name, n_trials=40, seed=0, max_resource=27)
    states = [t.state for t in summary.trials]
    assert states.count("pruned") >= 10
    assert states.count("complete") >= 1
    assert steps["n"] < 40 * 27 * 0.7  # pruning saved most of the budget
    pruned = next(t for t in summary.trials if t.state == "pruned")
    assert pruned.intermediate
    assert pruned.value == pruned.intermediate[-1][1]
    assert make_optimizer(name, flat_space(), max_resource=27).ask().fidelity == 27.0


def test_maximize_and_best() -> None:
    summary = optimize(
        lambda c: -loss(c), flat_space(), "tpe", n_trials=30, seed=0, direction="maximize"
    )
    values = [t.value for t in summary.trials]
    assert summary.best_value == max(values)
    assert summary.best_params == summary.trials[values.index(max(values))].params


# -- ask / tell records ----------------------------------------------------------------------


def test_ask_tell_report_across_two_optimisers_sharing_storage(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    a = make_optimizer("bohb", flat_space(), seed=0, storage=db, max_resource=9)
    spec = a.ask()
    assert spec.fidelity == 9.0
    assert spec.seed is not None
    b = make_optimizer("bohb", flat_space(), seed=0, storage=db, max_resource=9)
    assert b.report(spec.number, 1, 0.5) is False  # a trial asked elsewhere
    b.tell(TrialResult.complete(spec, 0.25, duration_s=2.0))
    with pytest.raises(OptimizerError, match="Trial 0 is complete, not running"):
        a.tell(TrialResult.complete(spec, 0.25))
    (result,) = a.trials
    assert (result.value, result.duration_s, result.intermediate) == (0.25, 2.0, ((1, 0.5),))
    assert a.best == result
    spec2 = a.ask()
    with pytest.raises(OptimizerError, match=r"2 value.*1 direction"):
        a.tell(TrialResult.complete(spec2, [1.0, 2.0]))
    a.tell(TrialResult.failed(spec2, "OOM"))
    assert a.trials[1].error == "OOM"
    assert a.trials[1].state == "failed"


def test_enqueued_configs_come_first_and_are_validated() -> None:
    opt = make_optimizer("tpe", cash_space(), seed=0)
    config = {"learner": "svm", "svm.C": 3.0, "svm.kernel": "poly", "svm.degree": 4}
    opt.enqueue(config)
    assert opt.ask().params == config
    with pytest.raises(ValueError, match=r"'svm\.C' = 9999\.0 is above"):
        opt.enqueue({**config, "svm.C": 9999.0})


def test_grid_stops_when_exhausted() -> None:
    space = SearchSpace(
        params=[IntParam(name="k", low=1, high=3), Cat(name="c", choices=["a", "b"])]
    )
    summary = optimize(loss_grid, space, "grid", n_trials=50, seed=0)
    assert sorted((t.params["k"], t.params["c"]) for t in summary.trials) == [
        (k, c) for k in (1, 2, 3) for c in "ab"
    ]


def loss_grid(config: dict[str, Any]) -> float:
    return config["k"] + (config["c"] == "b")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "tpee"}, r"Unknown optimiser 'tpee'.*Did you mean 'tpe'"),
        ({"name": "tpe", "popsize": 3}, r"'tpe' got unknown option\(s\) \['popsize'\]"),
        ({"name": "tpe", "seed": -1}, r"non-negative"),
    ],
)
def test_bad_arguments_are_explained(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(OptimizerError, match=match):
        make_optimizer(space=flat_space(), **kwargs)
    with pytest.raises(OptimizerError, match="n_trials or timeout"):
        optimize(loss, flat_space())


def test_sobol_points_are_stratified() -> None:
    """The first 16 points of a scrambled Sobol sequence put one point in each 4 x 4 cell."""
    space = SearchSpace(
        params=[FloatParam(name="a", low=0, high=1), FloatParam(name="b", low=0, high=1)]
    )
    summary = optimize(lambda c: c["a"], space, "sobol", n_trials=16, seed=11)
    cells = {(int(t.params["a"] * 4), int(t.params["b"] * 4)) for t in summary.trials}
    assert len(cells) == 16


def test_timeout_stops_and_an_interrupt_leaves_no_running_trial(tmp_path: Path) -> None:
    import time

    def slow(config: dict[str, Any]) -> float:
        time.sleep(0.05)
        return loss(config)

    summary = optimize(slow, flat_space(), "random", timeout=0.3, seed=0)
    assert 2 <= len(summary.trials) <= 8

    calls = {"n": 0}

    def interrupted(config: dict[str, Any]) -> float:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return loss(config)

    with pytest.raises(KeyboardInterrupt):
        optimize(
            interrupted, flat_space(), "random", n_trials=5, seed=0, storage=tmp_path / "i.db"
        )
    trials = make_optimizer("random", flat_space(), storage=tmp_path / "i.db").trials
    assert [(t.state, t.error) for t in trials] == [("complete", None)] * 2 + [
        ("failed", "interrupted")
    ]
