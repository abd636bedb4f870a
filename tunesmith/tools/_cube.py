"""Optuna samplers of our own that work on a SearchSpace's unit cube: Sobol and DE.

Both are stateless between trials: trial ``n`` is computed from ``(seed, n)`` and the study's
stored history, so a study resumed in a fresh process continues exactly where it stopped, and
several processes can share one study. Conditional spaces are handled by proposing a point for
every parameter and decoding it with :meth:`SearchSpace.from_unit`, which keeps only the active
ones; the full point is stored on the trial so inactive coordinates still evolve in DE.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from optuna.samplers import BaseSampler
from optuna.study import StudyDirection
from optuna.trial import TrialState

from tunesmith.core import OptimizerError, SearchSpace

if TYPE_CHECKING:
    from optuna.distributions import BaseDistribution
    from optuna.study import Study
    from optuna.trial import FrozenTrial

_POINT_ATTR = "tunesmith:unit_point"


def trial_rng(seed: int | None, number: int) -> np.random.Generator:
    """A generator for trial ``number`` of a study seeded with ``seed`` (None: fresh entropy)."""
    return np.random.default_rng(None if seed is None else [seed, number])


class UnitCubeSampler(BaseSampler):
    """Base class: subclasses propose a point of ``[0, 1]^d`` for a trial.

    Args:
        space: The search space the study samples.
        seed: Seed; trial ``n`` uses ``numpy.random.default_rng([seed, n])``.
    """

    def __init__(self, space: SearchSpace, *, seed: int | None = None) -> None:
        self._space = space
        self._seed = seed
        self._distributions = space.distributions()

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._distributions)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        if not search_space:
            return {}
        point = np.clip(self._propose(study, trial), 0.0, 1.0)
        study._storage.set_trial_system_attr(trial._trial_id, _POINT_ATTR, point.tolist())
        return self._space.from_unit(point)

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        # Only reached for parameters outside the SearchSpace (e.g. a user's extra suggest).
        from optuna.samplers import RandomSampler

        return RandomSampler(seed=self._seed).sample_independent(
            study, trial, param_name, param_distribution
        )

    def _propose(self, study: Study, trial: FrozenTrial) -> np.ndarray:
        raise NotImplementedError


class SobolSampler(UnitCubeSampler):
    """Scrambled Sobol points: trial ``n`` takes point ``n`` of the sequence for ``seed``."""

    _engine: Any = None

    def _propose(self, study: Study, trial: FrozenTrial) -> np.ndarray:
        if self._engine is None:
            from scipy.stats import qmc

            self._engine = qmc.Sobol(d=len(self._space), scramble=True, seed=self._seed)
        engine = self._engine.reset()
        if trial.number:  # scipy rejects fast_forward(0)
            engine.fast_forward(trial.number)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # balance warning for 1-point draws
            return np.asarray(engine.random(1)[0], dtype=float)


class DifferentialEvolutionSampler(UnitCubeSampler):
    """Differential evolution (DE/current-to-best/1/bin) in the unit cube.

    Population slot ``i`` holds the best completed trial with ``number % population_size == i``
    (DE's greedy selection); a trial in a slot without a member, or before four slots are
    filled, is sampled uniformly. Mutants leaving the cube are bounced back between the target
    and the violated bound, so every proposal respects the bounds.

    Args:
        space: The search space.
        seed: Seed (trial ``n`` uses ``default_rng([seed, n])``).
        population_size: Number of slots; default ``max(10, 2 * d)``.
        mutation: Differential weight F.
        crossover: Crossover probability CR.
    """

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        population_size: int | None = None,
        mutation: float = 0.8,
        crossover: float = 0.9,
    ) -> None:
        super().__init__(space, seed=seed)
        self._pop = population_size or max(10, 2 * len(space))
        if self._pop < 4:
            raise OptimizerError(
                f"DE needs population_size >= 4, got {self._pop}. Fix: use 4 or more."
            )
        self._f = mutation
        self._cr = crossover

    def _propose(self, study: Study, trial: FrozenTrial) -> np.ndarray:
        rng = trial_rng(self._seed, trial.number)
        d = len(self._space)
        members = self._population(study)
        slot = trial.number % self._pop
        if slot not in members or len(members) < 4:
            return rng.random(d)
        sign = 1.0 if study.direction == StudyDirection.MINIMIZE else -1.0
        target, _ = members[slot]
        best = min(members.values(), key=lambda m: sign * m[1])[0]
        others = [s for s in sorted(members) if s != slot]
        r1, r2 = rng.choice(others, size=2, replace=False)
        mutant = target + self._f * (best - target) + self._f * (members[r1][0] - members[r2][0])
        cross = rng.random(d) < self._cr
        cross[rng.integers(d)] = True
        child = np.where(cross, mutant, target)
        child = np.where(child < 0.0, target / 2.0, child)
        return np.where(child > 1.0, (target + 1.0) / 2.0, child)

    def _population(self, study: Study) -> dict[int, tuple[np.ndarray, float]]:
        sign = 1.0 if study.direction == StudyDirection.MINIMIZE else -1.0
        members: dict[int, tuple[np.ndarray, float]] = {}
        for t in study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
            point = t.system_attrs.get(_POINT_ATTR)
            if point is None or t.value is None:
                continue
            slot = t.number % self._pop
            if slot not in members or sign * t.value < sign * members[slot][1]:
                members[slot] = (np.asarray(point, dtype=float), t.value)
        return members


class GridSearchSampler(BaseSampler):
    """Exhaustive grid over the *valid* configurations of a (possibly conditional) space.

    Unlike Optuna's GridSampler, inactive parameters do not multiply the grid: a conditional
    space's grid is the union of its branches' grids. The grid is visited in an order shuffled
    by ``seed``; each trial takes the first configuration no earlier trial in the storage used,
    so resuming or sharing a study never repeats a point until the grid is exhausted (after
    which points are revisited in the same order).

    Args:
        space: The search space.
        values: The grid values of every parameter (see ``grid_values``).
        seed: Seed of the visiting order.
    """

    max_points = 200_000

    def __init__(
        self, space: SearchSpace, values: dict[str, list[Any]], *, seed: int | None = None
    ) -> None:
        self._space = space
        self._distributions = space.distributions()
        configs: list[dict[str, Any]] = [{}]
        for p in space.params:
            grown: list[dict[str, Any]] = []
            for c in configs:
                active = space.is_active(p.name, c)
                grown += [{**c, p.name: v} for v in values[p.name]] if active else [c]
            configs = grown
            if len(configs) > self.max_points:
                raise OptimizerError(
                    f"The grid has more than {self.max_points} points. "
                    "Fix: lower grid_points, or use another optimiser."
                )
        order = np.random.default_rng(seed).permutation(len(configs))
        self._grid = [configs[i] for i in order]

    @staticmethod
    def _key(params: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        return tuple(sorted(params.items()))

    def _visited(self, study: Study) -> set[tuple[tuple[str, Any], ...]]:
        trials = study._get_trials(deepcopy=False, states=None)
        return {self._key(t.params) for t in trials if t.state != TrialState.WAITING}

    def is_exhausted(self, study: Study) -> bool:
        """True when every grid point has been used by a trial of ``study``."""
        visited = self._visited(study)
        return all(self._key(c) in visited for c in self._grid)

    def infer_relative_search_space(
        self, study: Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return dict(self._distributions)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        visited = self._visited(study)
        for config in self._grid:
            if self._key(config) not in visited:
                return dict(config)
        return dict(self._grid[trial.number % len(self._grid)])

    def sample_independent(
        self,
        study: Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        from optuna.samplers import RandomSampler

        return RandomSampler(seed=trial.number).sample_independent(
            study, trial, param_name, param_distribution
        )
