"""The learner record and the catalogue that names every learner."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from tunesmith.core.errors import ConfigurationError, close_matches

if TYPE_CHECKING:
    from sklearn.base import BaseEstimator

    from tunesmith.core import SearchSpace

TaskType = Literal["binary", "multiclass", "regression"]
TASK_TYPES: tuple[TaskType, ...] = ("binary", "multiclass", "regression")
Encoding = Literal["onehot", "ordinal"]
Factory = Callable[[dict[str, Any], TaskType, "int | None", int, bool], "BaseEstimator"]


@dataclasses.dataclass(frozen=True)
class Fidelity:
    """The knob that trades training cost for quality (for successive halving, ASHA, PBT).

    Attributes:
        name: Constructor argument of the estimator (``n_estimators``, ``max_iter``, ``epochs``).
        low: Smallest sensible budget.
        high: Largest budget worth paying for.
        default: The budget used when a configuration does not set it.
    """

    name: str
    low: int
    high: int
    default: int

    def check(self, value: object) -> int:
        """Return ``value`` as an int if it is a valid budget, else raise ConfigurationError."""
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(
                f"Fidelity '{self.name}' must be a positive int (range {self.low}..{self.high}); "
                f"got {value!r}. Pass e.g. {{'{self.name}': {self.default}}}."
            )
        return value


@dataclasses.dataclass(frozen=True, eq=False)
class Learner:
    """A trainable model family: its search space, defaults and how to build it.

    Attributes:
        name: Catalogue name (snake_case), as the planner and prompts write it.
        task_types: The task types it can be built for.
        default_config: A configuration inside ``space`` close to the library defaults.
        space: The hyper-parameters an optimiser tunes.
        fidelity: The budget knob, kept out of ``space``; None if the learner has none.
        uses_gpu: Whether ``build(..., use_gpu=True)`` trains on a CUDA GPU.
        encoding: How the pipeline encodes categorical columns for it.
        needs_scaling: Whether the pipeline standardises numeric columns for it.
        handles_missing: Whether it takes NaN in numeric columns natively (no imputation).
        description: One line for people and for the planner's prompt.
    """

    name: str
    task_types: frozenset[TaskType]
    default_config: Mapping[str, Any]
    space: SearchSpace
    fidelity: Fidelity | None
    uses_gpu: bool
    encoding: Encoding
    needs_scaling: bool
    handles_missing: bool
    description: str
    factory: Factory = dataclasses.field(repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "default_config", MappingProxyType(dict(self.default_config)))

    def __getstate__(self) -> dict[str, Any]:
        # A mappingproxy does not pickle; workers in other processes get a plain dict back.
        return {**self.__dict__, "default_config": dict(self.default_config)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        self.__post_init__()

    def config(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Return the full configuration: defaults, overridden by ``params``, validated.

        Args:
            params: Values for some or all parameters of ``space``, and optionally the fidelity.

        Returns:
            A new dict with every parameter of ``space`` (and the fidelity knob, if any).

        Raises:
            ConfigurationError: An unknown parameter name, or a value outside the space.
        """
        params = dict(params or {})
        fidelity_name = self.fidelity.name if self.fidelity else None
        known = [p.name for p in self.space.params]
        for key in params:
            if key not in known and key != fidelity_name:
                hint = close_matches(key, [*known, *([fidelity_name] if fidelity_name else [])])
                fix = f" Did you mean '{hint[0]}'?" if hint else ""
                raise ConfigurationError(
                    f"Learner '{self.name}' has no parameter '{key}'. "
                    f"Parameters: {', '.join(known)}"
                    f"{f'; fidelity: {fidelity_name}' if fidelity_name else ''}.{fix}"
                )
        config = {**self.default_config, **{k: v for k, v in params.items() if k in known}}
        self.space.validate(config)
        if self.fidelity is not None:
            config[self.fidelity.name] = self.fidelity.check(
                params.get(self.fidelity.name, self.fidelity.default)
            )
        return config

    def build(
        self,
        params: Mapping[str, Any] | None,
        task_type: TaskType,
        *,
        seed: int | None,
        n_jobs: int = 1,
        use_gpu: bool = False,
    ) -> BaseEstimator:
        """Build an unfitted scikit-learn estimator.

        Args:
            params: Hyper-parameters (a subset is fine: the rest come from ``default_config``);
                may include the fidelity knob.
            task_type: ``"binary"``, ``"multiclass"`` or ``"regression"``.
            seed: Random seed of the estimator; None for a non-reproducible one.
            n_jobs: Threads the estimator may use (ignored by single-threaded learners).
            use_gpu: Train on a CUDA GPU; only honoured when ``uses_gpu`` is true.

        Returns:
            An unfitted estimator that takes the numeric matrix ``build_pipeline`` prepares.

        Raises:
            ConfigurationError: Unsupported task type, unknown parameter or invalid value.
        """
        if task_type not in self.task_types:
            raise ConfigurationError(
                f"Learner '{self.name}' does not support task type '{task_type}'. "
                f"Supported: {', '.join(sorted(self.task_types))}. Pick a learner from "
                f"list_learners('{task_type}')."
            )
        return self.factory(
            self.config(params), task_type, seed, n_jobs, use_gpu and self.uses_gpu
        )


_CATALOGUE: dict[str, Learner] = {}


def _load() -> dict[str, Learner]:
    if not _CATALOGUE:
        from tunesmith.learners._boosting import boosting_learners
        from tunesmith.learners._sklearn import sklearn_learners
        from tunesmith.learners._torch_mlp import torch_learners

        for learner in (*sklearn_learners(), *boosting_learners(), *torch_learners()):
            _CATALOGUE[learner.name] = learner
    return _CATALOGUE


def get_learner(name: str) -> Learner:
    """Return the catalogued learner called ``name``.

    Raises:
        ConfigurationError: No learner has that name (the message lists close matches).
    """
    catalogue = _load()
    if name not in catalogue:
        hint = close_matches(name, list(catalogue))
        fix = f" Did you mean '{hint[0]}'?" if hint else ""
        raise ConfigurationError(
            f"Unknown learner '{name}'. Learners: {', '.join(catalogue)}.{fix}"
        )
    return catalogue[name]


def list_learners(task_type: TaskType | None = None) -> list[Learner]:
    """Return every catalogued learner, or those that support ``task_type``, in catalogue order.

    Raises:
        ConfigurationError: ``task_type`` is not one of binary, multiclass, regression.
    """
    if task_type is not None and task_type not in TASK_TYPES:
        raise ConfigurationError(
            f"Unknown task type '{task_type}'. Expected one of: {', '.join(TASK_TYPES)}."
        )
    learners = list(_load().values())
    return [lrn for lrn in learners if task_type is None or task_type in lrn.task_types]
