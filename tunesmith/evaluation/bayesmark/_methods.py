"""The optimisers ``bench hpo`` compares, by name: one registry entry per method.

A method builds an ask/tell :class:`~tunesmith.tools.Optimizer` for a problem's space. Every
optimiser of ``tunesmith.tools.OPTIMIZERS`` that is single-objective and single-fidelity can be
listed here; the ``llm`` and ``hybrid`` samplers join with one line in ``_builtin()``,
``method("llm", controls=("llm-permuted", "default+random"))``, once ``make_optimizer`` knows
them. Methods registered at run time with :func:`register_method` reach ``--jobs`` worker
processes only where those fork (Linux); elsewhere register them in an imported module.

**Controls for LLM methods (a hook, not implemented yet).** ``Method.controls`` names other
registered methods that ``bench hpo`` runs alongside this one on the same cells, so that an
LLM method is never reported without them (DESIGN.md, decision 8):

* ``<name>-permuted``: the same sampler given its history with the scores permuted across
  configurations (seeded), which shows whether the LLM reads the scores or only the
  configurations. It must be built by the LLM sampler itself (an option such as
  ``permute_history=True``), because only the sampler builds the prompt.
* ``default+random``: the problem's default configuration
  (:attr:`BayesmarkProblem.default_config`) evaluated first after the shared initial points,
  then random search: what a warm start must beat to be worth its cost.

Register them with :func:`register_method` as plain methods; their ``build`` receives the
problem, so ``default+random`` can enqueue ``problem.default_config``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tunesmith.core.errors import ConfigurationError, close_matches

if TYPE_CHECKING:
    from tunesmith.evaluation.bayesmark._problem import BayesmarkProblem
    from tunesmith.tools import Optimizer

# build(problem, seed, n_init) -> a fresh ask/tell optimiser (in memory) for problem.space.
MethodBuilder = Callable[["BayesmarkProblem", int, int], "Optimizer"]


@dataclasses.dataclass(frozen=True)
class Method:
    """An optimiser as ``bench hpo`` runs it.

    Attributes:
        name: The name ``--optimizers`` takes.
        summary: One line for tables and ``--help``.
        build: ``build(problem, seed, n_init)`` returns a fresh optimiser. The runner enqueues
            the shared initial points into it, then asks and tells until the budget is spent.
        controls: Names of registered methods always run with this one (see the module docs).
    """

    name: str
    summary: str
    build: MethodBuilder = dataclasses.field(repr=False)
    controls: tuple[str, ...] = ()


_METHODS: dict[str, Method] = {}
_STATE = {"builtin": False}


def register_method(entry: Method) -> None:
    """Add (or replace) a method in the registry ``bench hpo`` reads."""
    _registry()[entry.name] = entry


def _registry() -> dict[str, Method]:
    if not _STATE["builtin"]:
        _STATE["builtin"] = True
        for entry in _builtin():
            _METHODS.setdefault(entry.name, entry)
    return _METHODS


def method(name: str, *, controls: tuple[str, ...] = (), **options: Any) -> Method:
    """A method backed by ``tunesmith.tools.make_optimizer(name, ...)``.

    Model-based optimisers with ``n_startup_trials`` (TPE, GP) start modelling right after the
    shared initial points: their start-up phase is set to ``n_init``, as in LLAMBO's protocol.
    """
    from tunesmith.tools import OPTIMIZERS

    info = OPTIMIZERS[name]

    def build(problem: BayesmarkProblem, seed: int, n_init: int) -> Optimizer:
        from tunesmith.tools import make_optimizer

        extra = dict(options)
        if "n_startup_trials" in info.options and name != "cmaes":
            extra.setdefault("n_startup_trials", n_init)
        return make_optimizer(name, problem.space, seed=seed, **extra)

    return Method(name, info.summary, build, controls)


def _builtin() -> list[Method]:
    return [
        method("random"),
        method("sobol"),
        method("tpe"),
        method("gp"),
        method("cmaes"),
        method("de"),
    ]


def get_method(name: str) -> Method:
    """The registered method called ``name``."""
    methods = _registry()
    if name in methods:
        return methods[name]
    hint = close_matches(name, list(methods))
    raise ConfigurationError(
        f"Unknown optimiser '{name}' for bench hpo. Expected one of {list(methods)}"
        + (f". Did you mean {hint[0]!r}?" if hint else ".")
    )


def list_methods() -> list[str]:
    """Names of every registered method, in registration order."""
    return list(_registry())


def expand_controls(names: list[str]) -> list[str]:
    """``names`` followed by the controls they require, each once, in order."""
    out: list[str] = []
    for name in names:
        for n in (name, *get_method(name).controls):
            if n not in out:
                out.append(n)
    return out
