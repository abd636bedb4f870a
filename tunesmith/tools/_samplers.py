"""The optimiser catalogue: each name maps to an Optuna sampler (and pruner if multi-fidelity)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.core import FloatParam, IntParam, OptimizerError, SearchSpace, close_matches

if TYPE_CHECKING:
    from optuna.pruners import BasePruner
    from optuna.samplers import BaseSampler


@dataclass(frozen=True)
class OptimizerInfo:
    """What an optimiser name stands for.

    Attributes:
        name: The catalogue name (``make_optimizer(name, ...)``).
        summary: One line for people and LLMs choosing an optimiser.
        multi_objective: Whether it accepts several directions.
        multi_fidelity: Whether it prunes trials from intermediate reports.
        options: The keyword options it accepts, with their defaults.
        stateless: Whether trial ``n`` depends only on ``(seed, n)`` and the stored history; the
            others keep an RNG that is re-seeded from ``(seed, trials so far)`` on resume.
    """

    name: str
    summary: str
    multi_objective: bool
    multi_fidelity: bool
    options: Mapping[str, Any]
    stateless: bool = False


# HybridSampler's keyword options (tools/_llm_sampler.py), with its defaults.
_LLM_OPTIONS: dict[str, Any] = {
    "llm": None,
    "reader": None,
    "context": None,
    "defaults": None,
    "n_warmup": 5,
    "n_candidates": 10,
    "n_screen": 200,
    "n_llm_candidates": 2,
    "n_members": 2,
    "n_refine": 3,
    "history_cap": 40,
    "alpha": 0.1,
    "permute_scores": False,
    "window": 5,
    "max_failures": 3,
    "max_llm_share": None,
    "prefix_cache": None,
    "step_seconds": None,
}
_MF = {"min_resource": 1, "max_resource": 81, "reduction_factor": 3}
OPTIMIZERS: dict[str, OptimizerInfo] = {
    i.name: i
    for i in (
        OptimizerInfo("random", "uniform random search (baseline)", True, False, {}),
        OptimizerInfo("sobol", "scrambled Sobol quasi-random points", True, False, {}, True),
        OptimizerInfo("grid", "exhaustive grid", True, False, {"grid_points": 5}, True),
        OptimizerInfo("tpe", "multivariate TPE (Optuna)", True, False, {"n_startup_trials": 10}),
        OptimizerInfo(
            "gp", "Gaussian-process BO, logEI (Optuna)", True, False, {"n_startup_trials": 10}
        ),
        OptimizerInfo(
            "cmaes",
            "CMA-ES (Optuna, needs cmaes)",
            False,
            False,
            {"n_startup_trials": 1, "popsize": None},
        ),
        OptimizerInfo(
            "de",
            "differential evolution",
            False,
            False,
            {"population_size": None, "mutation": 0.8, "crossover": 0.9},
            True,
        ),
        OptimizerInfo("hyperband", "Hyperband with random sampling", False, True, _MF),
        OptimizerInfo(
            "asha",
            "asynchronous successive halving, random sampling",
            False,
            True,
            {"min_resource": 1, "max_resource": 81, "reduction_factor": 4},
        ),
        OptimizerInfo(
            "bohb", "TPE + Hyperband (BOHB-like)", False, True, {**_MF, "n_startup_trials": 10}
        ),
        OptimizerInfo(
            "nsga2",
            "NSGA-II genetic algorithm (multi-objective)",
            True,
            False,
            {"population_size": 50},
        ),
        OptimizerInfo("motpe", "multi-objective TPE", True, False, {"n_startup_trials": 10}),
        OptimizerInfo(
            "hybrid",
            "LLM warm start + LLM/TPE candidates scored by an LLM/GP mix (GP without an LLM)",
            False,
            False,
            _LLM_OPTIONS,
        ),
        OptimizerInfo(
            "llm",
            "LLM warm start + LLM/TPE candidates scored by the LLM surrogate alone",
            False,
            False,
            _LLM_OPTIONS,
        ),
    )
}


def resolve_options(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``name`` and ``options`` against the catalogue; return options with defaults."""
    if name not in OPTIMIZERS:
        hint = close_matches(name, list(OPTIMIZERS))
        raise OptimizerError(
            f"Unknown optimiser '{name}'. Expected one of {list(OPTIMIZERS)}."
            + (f" Did you mean {hint[0]!r}?" if hint else "")
        )
    info = OPTIMIZERS[name]
    unknown = sorted(set(options) - set(info.options))
    if unknown:
        raise OptimizerError(
            f"Optimiser '{name}' got unknown option(s) {unknown}. "
            f"It accepts {sorted(info.options) or 'none'}."
        )
    return {**info.options, **options}


def build_sampler(
    name: str, space: SearchSpace, seed: int | None, options: Mapping[str, Any]
) -> BaseSampler:
    """The Optuna sampler for optimiser ``name`` (``options`` already resolved)."""
    import optuna.samplers as s

    builders: dict[str, Callable[[], BaseSampler]] = {
        "random": lambda: s.RandomSampler(seed=seed),
        "sobol": lambda: _cube().SobolSampler(space, seed=seed),
        "grid": lambda: _cube().GridSearchSampler(
            space, grid_values(space, options["grid_points"]), seed=seed
        ),
        "tpe": lambda: _tpe(space, seed, options),
        "motpe": lambda: _tpe(space, seed, options),
        "bohb": lambda: _tpe(space, seed, options),
        "hyperband": lambda: s.RandomSampler(seed=seed),
        "asha": lambda: s.RandomSampler(seed=seed),
        "gp": lambda: s.GPSampler(
            seed=seed,
            n_startup_trials=options["n_startup_trials"],
            independent_sampler=s.RandomSampler(seed=seed),
            warn_independent_sampling=False,
        ),
        "cmaes": lambda: _cmaes(seed, options),
        "de": lambda: _cube().DifferentialEvolutionSampler(
            space,
            seed=seed,
            population_size=options["population_size"],
            mutation=options["mutation"],
            crossover=options["crossover"],
        ),
        "nsga2": lambda: s.NSGAIISampler(seed=seed, population_size=options["population_size"]),
        "hybrid": lambda: _llm_sampler().HybridSampler(space, seed=seed, **options),
        "llm": lambda: _llm_sampler().LLMSampler(space, seed=seed, **options),
    }
    return builders[name]()


def build_pruner(name: str, options: Mapping[str, Any]) -> BasePruner | None:
    """The pruner of a multi-fidelity optimiser, or None."""
    import optuna.pruners as p

    if name in ("hyperband", "bohb"):
        return p.HyperbandPruner(
            min_resource=options["min_resource"],
            max_resource=options["max_resource"],
            reduction_factor=options["reduction_factor"],
        )
    if name == "asha":
        # Optuna's SuccessiveHalvingPruner is asynchronous SH (ASHA); it has no max_resource:
        # the caller stops reporting at max_resource (TrialSpec.fidelity).
        return p.SuccessiveHalvingPruner(
            min_resource=options["min_resource"], reduction_factor=options["reduction_factor"]
        )
    return None


def grid_values(space: SearchSpace, points: int) -> dict[str, list[Any]]:
    """Grid values per parameter: every choice, and ``points`` values per numeric range."""
    grid: dict[str, list[Any]] = {}
    for prm in space.params:
        if isinstance(prm, FloatParam | IntParam):
            spaced = np.geomspace if prm.log else np.linspace
            raw = spaced(prm.low, prm.high, points)
            if isinstance(prm, IntParam):
                if prm.high - prm.low + 1 <= points:
                    raw = np.arange(prm.low, prm.high + 1, dtype=float)
                grid[prm.name] = sorted({int(np.rint(v)) for v in raw})
            else:
                grid[prm.name] = [float(v) for v in raw]
        else:
            grid[prm.name] = list(prm.choices)
    return grid


def _tpe(space: SearchSpace, seed: int | None, options: Mapping[str, Any]) -> BaseSampler:
    from optuna.exceptions import ExperimentalWarning
    from optuna.samplers import TPESampler

    with warnings.catch_warnings():
        # group=True is "experimental" in Optuna 5 but is the documented way to model
        # conditional spaces; only turned on when the space has conditions.
        warnings.simplefilter("ignore", ExperimentalWarning)
        return TPESampler(
            seed=seed,
            n_startup_trials=options["n_startup_trials"],
            multivariate=True,
            group=bool(space.conditions),
        )


def _cmaes(seed: int | None, options: Mapping[str, Any]) -> BaseSampler:
    from optuna.samplers import CmaEsSampler, RandomSampler

    try:
        import cmaes  # noqa: F401
    except ImportError as exc:
        from tunesmith.core import MissingExtraError

        raise MissingExtraError("The 'cmaes' optimiser", None, "cmaes") from exc
    return CmaEsSampler(
        seed=seed,
        n_startup_trials=options["n_startup_trials"],
        popsize=options["popsize"],
        independent_sampler=RandomSampler(seed=seed),
        warn_independent_sampling=False,
    )


def _llm_sampler() -> Any:
    from tunesmith.tools import _llm_sampler

    return _llm_sampler


def _cube() -> Any:
    from tunesmith.tools import _cube

    return _cube


def gp_chooser(space: SearchSpace, seed: int | None) -> BaseSampler | None:
    """Optuna's GP, modelling from the first trial: what the hybrid picks with while the LLM
    has no say (flat spaces only; None on a conditional one, which uses the pool)."""
    if space.conditions:
        return None
    return build_sampler("gp", space, seed, resolve_options("gp", {"n_startup_trials": 1}))


def fallback_sampler(space: SearchSpace, seed: int | None) -> BaseSampler:
    """The LLM samplers' fallback: Optuna's GP, or TPE on a conditional space."""
    name = "tpe" if space.conditions else "gp"
    return build_sampler(name, space, seed, resolve_options(name, {}))
