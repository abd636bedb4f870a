"""The ``smac`` method: SMAC3 2.x, in process (``pip install 'tunesmith[smac]'``).

SMAC3's ``HyperparameterOptimizationFacade`` with its defaults (a random forest on log-scaled
costs, log expected improvement, one configuration in five drawn at random), told the shared
initial points instead of running its own initial design (``n_configs=0``), one evaluation per
configuration (``deterministic=True``: a Bayesmark objective is deterministic), seeded with the
cell's seed. SMAC3 2.4 fits its forest with scikit-learn, so pyrfr (and swig) is not needed.
Its files go to a temporary folder that is removed with the optimiser.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.core import FloatParam, IntParam, SearchSpace
from tunesmith.evaluation.bayesmark._peers import PeerOptimizer, flat_params, from_peer, to_peer

if TYPE_CHECKING:
    from tunesmith.evaluation.bayesmark._problem import BayesmarkProblem

INSTALL = "Fix: pip install 'tunesmith[smac]' (SMAC3 2.x, about 10 s; no swig needed)."


def smac_unavailable() -> str | None:
    """Why the ``smac`` method cannot run here, or None when it can."""
    import importlib.util

    if importlib.util.find_spec("smac") is None:
        return f"SMAC3 is not installed in this environment. {INSTALL}"
    return None


def config_space(space: SearchSpace, seed: int) -> Any:
    """``space`` as a ConfigSpace ``ConfigurationSpace`` (categorical choices as "0", "1"...)."""
    from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer

    cs = ConfigurationSpace(seed=seed)
    for p in flat_params(space, "smac").params:
        if isinstance(p, FloatParam):
            cs.add(Float(p.name, (p.low, p.high), log=p.log))
        elif isinstance(p, IntParam):
            cs.add(Integer(p.name, (p.low, p.high), log=p.log))
        else:  # categorical or bool: unordered choices, named by position
            cs.add(Categorical(p.name, [str(i) for i in range(len(p.choices))]))
    return cs


class SmacPeer:
    """SMAC3's HPO facade as a :class:`~tunesmith.evaluation.bayesmark._peers.Peer`.

    Args:
        space: A flat search space.
        seed: SMAC's seed (scenario and configuration space).
    """

    def __init__(self, space: SearchSpace, seed: int) -> None:
        from smac import HyperparameterOptimizationFacade as Facade
        from smac import Scenario

        self.space = space
        self._cs = config_space(space, seed)
        self._folder = tempfile.TemporaryDirectory(prefix="tunesmith-smac-")
        scenario = Scenario(
            self._cs, deterministic=True, n_trials=100_000, seed=seed,
            output_directory=Path(self._folder.name),
        )  # fmt: skip
        self._smac = Facade(
            scenario, lambda config, seed=0: math.nan,  # never called: ask/tell only
            initial_design=Facade.get_initial_design(scenario, n_configs=0),
            intensifier=Facade.get_intensifier(scenario, max_config_calls=1),
            overwrite=True, logging_level=40,
        )  # fmt: skip
        self._asked: Any = None

    def suggest(self) -> dict[str, Any]:
        """SMAC's next configuration."""
        self._asked = self._smac.ask()
        return from_peer(self.space, dict(self._asked.config))

    def observe(self, params: dict[str, Any], loss: float | None, *, suggested: bool) -> None:
        """Tell SMAC the result (a failed evaluation as a crash)."""
        from ConfigSpace import Configuration
        from smac.runhistory.dataclasses import TrialInfo, TrialValue
        from smac.runhistory.enumerations import StatusType

        info = self._asked if suggested else None
        if info is None:
            config = Configuration(self._cs, values=to_peer(self.space, params))
            info = TrialInfo(config, seed=0)
        self._asked = None
        value = (
            TrialValue(cost=loss)
            if loss is not None
            else TrialValue(cost=math.inf, status=StatusType.CRASHED)
        )
        self._smac.tell(info, value, save=False)


def build_smac(problem: BayesmarkProblem, seed: int, n_init: int) -> PeerOptimizer:
    """The ``smac`` method's optimiser for ``problem`` (``n_init`` is told, not asked)."""
    return PeerOptimizer(problem.space, SmacPeer(problem.space, seed))
