"""The optimisers ``bench hpo`` compares, by name: one registry entry per method.

A method builds an ask/tell :class:`~tunesmith.tools.Optimizer` for a problem's space. Every
optimiser of ``tunesmith.tools.OPTIMIZERS`` that is single-objective and single-fidelity can be
listed here. Methods registered at run time with :func:`register_method` reach ``--jobs``
worker processes only where those fork (Linux); elsewhere register them in an imported module.

**LLM methods and their controls.** ``llm`` (the LLM surrogate alone) and ``hybrid`` (LLM and
GP mixed, tunesmith's default) are told the problem's context (model, task, metric, data
shape) and use the LLM set by :func:`configure_llm` (``bench hpo --llm``; by default
``TUNESMITH_LLM`` or the embedded model), loaded once per process. ``Method.controls``
names methods that ``bench hpo`` always runs alongside, on the same cells, so an LLM method
is never reported without them (DESIGN.md, decision 8):

* ``<name>-permuted``: the same sampler, shown its history with the scores permuted across
  the configurations (seeded): does the LLM read the scores, or only the configurations?
* ``default+random``: the problem's default configuration evaluated right after the shared
  initial points, then random search: what a warm start has to beat to be worth its cost.

``hybrid-warm`` is the hybrid as the agent runs it: no shared initial points, its first
``n_init`` trials are its own LLM warm start (the default configuration first, then the LLM's
zero-shot proposals). Its controls are ``hybrid`` (the same sampler from the shared random
points) and, through it, ``hybrid-permuted`` and ``default+random``.

**Peers.** ``smac`` (SMAC3, in process) and ``hebo`` (HEBO, from its own environment) wrap
other libraries' optimisers (``_peers.py``); ``Method.unavailable`` says how to install a
missing one, and ``bench hpo`` checks it before any work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from tunesmith.core.errors import ConfigurationError, close_matches

if TYPE_CHECKING:
    from tunesmith.core import TrialResult, TrialSpec
    from tunesmith.evaluation.bayesmark._problem import BayesmarkProblem


class AskTell(Protocol):
    """What the runner drives: ``tunesmith.tools.Optimizer``, or a peer's adapter."""

    def enqueue(self, config: Mapping[str, Any]) -> None:
        """Queue a configuration for a later ``ask()``."""
        ...

    def ask(self) -> TrialSpec:
        """The next configuration to evaluate."""
        ...

    def tell(self, result: TrialResult) -> None:
        """The result of an asked configuration."""
        ...


# build(problem, seed, n_init) -> a fresh ask/tell optimiser (in memory) for problem.space.
MethodBuilder = Callable[["BayesmarkProblem", int, int], AskTell]


@dataclasses.dataclass(frozen=True)
class Method:
    """An optimiser as ``bench hpo`` runs it.

    Attributes:
        name: The name ``--optimizers`` takes.
        summary: One line for tables and ``--help``.
        build: ``build(problem, seed, n_init)`` returns a fresh optimiser. The runner enqueues
            the shared initial points into it, then asks and tells until the budget is spent.
        controls: Names of registered methods always run with this one (see the module docs).
        after_init: Configurations to evaluate right after the shared initial points.
        own_init: The method makes its own first ``n_init`` points; the runner enqueues no
            shared initial points into it.
        unavailable: Says why the method cannot run here (a peer's package is missing), or
            returns None when it can.
    """

    name: str
    summary: str
    build: MethodBuilder = dataclasses.field(repr=False)
    controls: tuple[str, ...] = ()
    after_init: Callable[[BayesmarkProblem], list[dict[str, Any]]] | None = dataclasses.field(
        default=None, repr=False
    )
    unavailable: Callable[[], str | None] | None = dataclasses.field(default=None, repr=False)
    own_init: bool = False


_METHODS: dict[str, Method] = {}
_STATE = {"builtin": False}
_LLM: dict[str, Any] = {"spec": None, "model": None}


def configure_llm(spec: str | None) -> None:
    """Use the LLM ``spec`` (see ``tunesmith.llm.load``; None: ``TUNESMITH_LLM`` or the
    embedded model) for the LLM methods of this process."""
    if spec != _LLM["spec"]:
        _LLM.update(spec=spec, model=None)


def _llm_model() -> Any:
    if _LLM["model"] is None:
        from tunesmith.llm import load

        _LLM["model"] = load(_LLM["spec"])
    return _LLM["model"]


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

    def build(problem: BayesmarkProblem, seed: int, n_init: int) -> AskTell:
        from tunesmith.tools import make_optimizer

        extra = dict(options)
        if "n_startup_trials" in info.options and name != "cmaes":
            extra.setdefault("n_startup_trials", n_init)
        return make_optimizer(name, problem.space, seed=seed, **extra)

    return Method(name, info.summary, build, controls)


def llm_method(name: str, *, permute: bool = False, warm: bool = False, **options: Any) -> Method:
    """An LLM sampler (``"llm"`` or ``"hybrid"``) told the problem's context; ``warm``: it
    starts from its own LLM warm start instead of the shared initial points."""
    from tunesmith.tools import OPTIMIZERS

    controls: tuple[str, ...]
    if warm:
        label, controls = f"{name}-warm", (name,)
    else:
        label = f"{name}-permuted" if permute else name
        controls = () if permute else (f"{name}-permuted", "default+random")

    def build(problem: BayesmarkProblem, seed: int, n_init: int) -> AskTell:
        from tunesmith.evaluation.bayesmark._context import problem_context
        from tunesmith.tools import make_optimizer

        extra: dict[str, Any] = {"defaults": problem.default_config} if warm else {}
        return make_optimizer(
            name, problem.space, seed=seed, llm=_llm_model(), context=problem_context(problem),
            n_warmup=n_init, permute_scores=permute, **extra, **options,
        )  # fmt: skip

    summary = OPTIMIZERS[name].summary + (" (control: scores permuted)" if permute else "")
    if warm:
        summary += " (its own LLM warm start instead of the shared initial points)"
    return Method(label, summary, build, controls, own_init=warm)


def _default_random() -> Method:
    def build(problem: BayesmarkProblem, seed: int, n_init: int) -> AskTell:
        from tunesmith.tools import make_optimizer

        return make_optimizer("random", problem.space, seed=seed)

    return Method(
        "default+random",
        "the default configuration after the initial points, then random search (control)",
        build,
        after_init=lambda problem: [problem.default_config],
    )


def _builtin() -> list[Method]:
    from tunesmith.evaluation.bayesmark._peers import peer_methods

    return [
        method("random"),
        method("sobol"),
        method("tpe"),
        method("gp"),
        method("cmaes"),
        method("de"),
        llm_method("hybrid"),
        llm_method("llm"),
        llm_method("hybrid", permute=True),
        llm_method("hybrid", warm=True),
        llm_method("llm", permute=True),
        _default_random(),
        *peer_methods(),
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


def check_available(name: str) -> None:
    """Raise :class:`ConfigurationError` if method ``name`` is unknown or cannot run here."""
    entry = get_method(name)
    reason = entry.unavailable() if entry.unavailable is not None else None
    if reason is not None:
        raise ConfigurationError(f"Optimiser '{name}' cannot run: {reason}")


def list_methods() -> list[str]:
    """Names of every registered method, in registration order."""
    return list(_registry())


def expand_controls(names: list[str]) -> list[str]:
    """``names``, each followed by the controls it requires (and theirs), each name once."""
    out: list[str] = []

    def add(name: str) -> None:
        if name not in out:
            out.append(name)
            for control in get_method(name).controls:
                add(control)

    for name in names:
        add(name)
    return out
