"""Search spaces: typed parameters, conditional sub-spaces, and their encodings.

A :class:`SearchSpace` is an ordered tuple of parameters plus optional conditions
(``child -> (parent, value)``): a child is active only when its parent is active and holds that
value. Parents come before their children, so walking ``params`` in order always meets a parent
first. :meth:`SearchSpace.conditional` builds the CASH space (a root categorical choosing a
learner, each learner's parameters prefixed with its name, e.g. ``svm.C``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tunesmith.core.errors import SearchSpaceError, close_matches

if TYPE_CHECKING:
    import optuna
    from optuna.distributions import BaseDistribution

Choice = str | int | float | bool | None
_CLIP_HINT = "Fix: choose a value within the bounds, or call SearchSpace.clip(config)."


class _Param(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""


class FloatParam(_Param):
    """A real-valued parameter in ``[low, high]``, sampled on a log scale when ``log``."""

    kind: Literal["float"] = "float"
    low: float
    high: float
    log: bool = False

    @model_validator(mode="after")
    def _check_bounds(self) -> FloatParam:
        _check_range(self.name, self.low, self.high, self.log, "a float")
        return self


class IntParam(_Param):
    """An integer parameter in ``[low, high]`` (both included), log scale when ``log``."""

    kind: Literal["int"] = "int"
    low: int
    high: int
    log: bool = False

    @model_validator(mode="after")
    def _check_bounds(self) -> IntParam:
        _check_range(self.name, self.low, self.high, self.log, "an integer")
        return self


class CategoricalParam(_Param):
    """A choice among ``choices`` (strings, numbers, booleans or None)."""

    kind: Literal["categorical"] = "categorical"
    choices: tuple[Choice, ...]

    @model_validator(mode="after")
    def _check_choices(self) -> CategoricalParam:
        if not self.choices:
            raise ValueError(
                f"Parameter '{self.name}' has no choices. Expected at least one. "
                "Fix: list the choices, e.g. choices=['a', 'b']."
            )
        keys = [(type(c).__name__, c) for c in self.choices]
        if len(set(keys)) != len(keys):
            raise ValueError(
                f"Parameter '{self.name}' lists a choice twice: {list(self.choices)}. "
                "Fix: remove the duplicates."
            )
        return self


class BoolParam(_Param):
    """A boolean switch; behaves as a categorical over ``(False, True)``."""

    kind: Literal["bool"] = "bool"

    @property
    def choices(self) -> tuple[bool, bool]:
        """The two values, in the order used by the unit-cube encoding."""
        return (False, True)


Param = Annotated[
    FloatParam | IntParam | CategoricalParam | BoolParam, Field(discriminator="kind")
]


class Condition(BaseModel):
    """A child parameter is active only while ``parent`` is active and equals ``value``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    parent: str
    value: Choice


def _check_range(name: str, low: float, high: float, log: bool, what: str) -> None:
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"Parameter '{name}': bounds must be finite, got [{low}, {high}].")
    if not low < high:
        raise ValueError(
            f"Parameter '{name}': expected low < high for {what}, got low={low}, high={high}. "
            "Fix: swap or widen the bounds (use a constant outside the space for a fixed value)."
        )
    if log and low <= 0:
        raise ValueError(
            f"Parameter '{name}': a log scale needs low > 0, got low={low}. "
            "Fix: use a positive lower bound, or set log=False."
        )


def _index(choices: Sequence[Choice], value: Any) -> int | None:
    """Index of ``value`` in ``choices``; ``True`` and ``1`` are different choices."""
    for i, c in enumerate(choices):
        if type(c) is type(value) and c == value:
            return i
    for i, c in enumerate(choices):
        if c == value and isinstance(c, bool) == isinstance(value, bool):
            return i
    return None


def _describe(p: FloatParam | IntParam | CategoricalParam | BoolParam) -> str:
    if isinstance(p, FloatParam | IntParam):
        what = "a float" if isinstance(p, FloatParam) else "an integer"
        return f"{what} in [{p.low}, {p.high}]" + (" (log scale)" if p.log else "")
    return f"one of {list(p.choices)}"


class SearchSpace(BaseModel):
    """An ordered set of typed parameters, optionally conditional.

    Args:
        params: The parameters, parents before their children.
        conditions: Maps a child parameter's name to the :class:`Condition` that activates it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    params: tuple[Param, ...] = ()
    conditions: dict[str, Condition] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_structure(self) -> SearchSpace:
        seen: dict[str, FloatParam | IntParam | CategoricalParam | BoolParam] = {}
        for p in self.params:
            if p.name in seen:
                raise ValueError(
                    f"Parameter name '{p.name}' appears twice. Expected unique names. "
                    "Fix: rename one of them."
                )
            cond = self.conditions.get(p.name)
            if cond is not None:
                parent = seen.get(cond.parent)
                if parent is None:
                    raise ValueError(
                        f"Parameter '{p.name}' is conditional on '{cond.parent}', which is not "
                        "listed before it. Fix: list the parent parameter first."
                    )
                if not isinstance(parent, CategoricalParam | BoolParam):
                    raise ValueError(
                        f"Parameter '{p.name}' is conditional on '{cond.parent}', which is "
                        f"{_describe(parent)}; only categorical or bool parents are supported."
                    )
                if _index(parent.choices, cond.value) is None:
                    raise ValueError(
                        f"Parameter '{p.name}' is conditional on {cond.parent}={cond.value!r}, "
                        f"but '{cond.parent}' is {_describe(parent)}. Fix: use one of its choices."
                    )
            seen[p.name] = p
        unknown = sorted(set(self.conditions) - set(seen))
        if unknown:
            raise ValueError(
                f"Conditions name unknown parameters {unknown}. Parameters: {list(seen)}."
            )
        return self

    # -- construction and structure ---------------------------------------------------------

    @classmethod
    def conditional(
        cls, name: str, branches: Mapping[str, SearchSpace], *, description: str = ""
    ) -> SearchSpace:
        """Build a space whose root categorical ``name`` picks one branch (e.g. a learner).

        A branch's parameters are renamed ``"<branch>.<param>"`` and are active only when the
        root holds that branch; conditions inside a branch are kept (renamed the same way).

        Args:
            name: Name of the root categorical parameter, e.g. ``"learner"``.
            branches: Maps each choice to its sub-space (may be empty).
            description: Description of the root parameter.

        Returns:
            The flattened conditional space; :meth:`split` recovers ``(choice, params)``.
        """
        if not branches:
            raise SearchSpaceError(
                f"SearchSpace.conditional('{name}', ...) got no branches. "
                "Expected at least one, e.g. {'random_forest': rf_space}."
            )
        params: list[Any] = [
            CategoricalParam(name=name, choices=tuple(branches), description=description)
        ]
        conditions: dict[str, Condition] = {}
        for branch, sub in branches.items():
            for p in sub.params:
                full = f"{branch}.{p.name}"
                params.append(p.model_copy(update={"name": full}))
                inner = sub.conditions.get(p.name)
                conditions[full] = (
                    Condition(parent=name, value=branch)
                    if inner is None
                    else Condition(parent=f"{branch}.{inner.parent}", value=inner.value)
                )
        return cls(params=tuple(params), conditions=conditions)

    @property
    def names(self) -> list[str]:
        """Every parameter name, in order."""
        return [p.name for p in self.params]

    def __len__(self) -> int:
        return len(self.params)

    def __getitem__(self, name: str) -> FloatParam | IntParam | CategoricalParam | BoolParam:
        for p in self.params:
            if p.name == name:
                return p
        hint = close_matches(name, self.names)
        raise SearchSpaceError(
            f"Unknown parameter '{name}'. Parameters: {self.names}."
            + (f" Did you mean {hint[0]!r}?" if hint else "")
        )

    def is_active(self, name: str, config: Mapping[str, Any]) -> bool:
        """Whether parameter ``name`` applies, given the values of its ancestors in ``config``."""
        cond = self.conditions.get(name)
        if cond is None:
            return True
        if cond.parent not in config or not self.is_active(cond.parent, config):
            return False
        parent = self[cond.parent]
        assert isinstance(parent, CategoricalParam | BoolParam)
        return _index(parent.choices, config[cond.parent]) == _index(parent.choices, cond.value)

    def split(
        self, config: Mapping[str, Any], root: str | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Recover ``(branch, branch_params)`` from a flat config of a conditional space.

        Args:
            config: A flat configuration, e.g. ``{"learner": "svm", "svm.C": 1.0}``.
            root: The root parameter; by default the only unconditional parent parameter.

        Returns:
            The chosen branch and its parameters with the ``"<branch>."`` prefix removed.
        """
        if root is None:
            roots = [c.parent for c in self.conditions.values() if c.parent not in self.conditions]
            roots = list(dict.fromkeys(roots))
            if len(roots) != 1:
                raise SearchSpaceError(
                    f"split() needs one root parameter; this space has {roots or 'none'}. "
                    "Fix: pass root=..., or build the space with SearchSpace.conditional()."
                )
            root = roots[0]
        if root not in config:
            raise SearchSpaceError(f"split(): the config has no value for the root '{root}'.")
        branch = config[root]
        prefix = f"{branch}."
        return branch, {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}

    # -- Optuna ------------------------------------------------------------------------------

    def distributions(self) -> dict[str, BaseDistribution]:
        """Every parameter as an Optuna distribution (conditional ones included)."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        out: dict[str, BaseDistribution] = {}
        for p in self.params:
            if isinstance(p, FloatParam):
                out[p.name] = FloatDistribution(p.low, p.high, log=p.log)
            elif isinstance(p, IntParam):
                out[p.name] = IntDistribution(p.low, p.high, log=p.log)
            else:
                out[p.name] = CategoricalDistribution(list(p.choices))
        return out

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Sample a configuration in an Optuna trial, suggesting only active parameters."""
        config: dict[str, Any] = {}
        for p in self.params:
            if not self.is_active(p.name, config):
                continue
            if isinstance(p, FloatParam):
                config[p.name] = trial.suggest_float(p.name, p.low, p.high, log=p.log)
            elif isinstance(p, IntParam):
                config[p.name] = trial.suggest_int(p.name, p.low, p.high, log=p.log)
            else:
                config[p.name] = trial.suggest_categorical(p.name, list(p.choices))
        return config

    # -- unit cube ---------------------------------------------------------------------------

    def to_unit(self, config: Mapping[str, Any], inactive: float = math.nan) -> np.ndarray:
        """Encode a configuration as a point of ``[0, 1]^d`` (one coordinate per parameter).

        Floats map linearly (in log space when ``log``), integers to equal-width bins around
        each value, categoricals to the centre of their choice's bin. Inactive parameters get
        ``inactive``.
        """
        self.validate(config)
        u = np.full(len(self.params), inactive, dtype=float)
        for i, p in enumerate(self.params):
            if p.name in config:
                u[i] = _encode(p, config[p.name])
        return u

    def from_unit(self, u: Sequence[float] | np.ndarray) -> dict[str, Any]:
        """Decode a point of ``[0, 1]^d`` (clipped into it) into a valid configuration."""
        x = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if x.shape != (len(self.params),):
            raise SearchSpaceError(
                f"from_unit() expected a vector of length {len(self.params)} (one per parameter "
                f"{self.names}), got shape {x.shape}."
            )
        config: dict[str, Any] = {}
        for i, p in enumerate(self.params):
            if self.is_active(p.name, config):
                config[p.name] = _decode(p, 0.5 if math.isnan(x[i]) else float(x[i]))
        return config

    def sample(self, n: int, seed: int | None = None) -> list[dict[str, Any]]:
        """Draw ``n`` configurations uniformly from the unit cube (reproducible with ``seed``)."""
        rng = np.random.default_rng(seed)
        return [self.from_unit(row) for row in rng.random((n, len(self.params)))]

    # -- validation --------------------------------------------------------------------------

    def validate(self, config: Mapping[str, Any]) -> None:  # type: ignore[override]
        """Raise :class:`SearchSpaceError` unless ``config`` is a valid, complete configuration.

        The message names the parameter, the violated bound or choice, and the value.
        """
        if not isinstance(config, Mapping):
            raise SearchSpaceError(f"Expected a mapping of parameter values, got {config!r}.")
        for key in config:
            if key not in self.names:
                hint = close_matches(str(key), self.names)
                raise SearchSpaceError(
                    f"Unknown parameter '{key}'. Parameters: {self.names}."
                    + (f" Did you mean {hint[0]!r}?" if hint else " Fix: remove it.")
                )
        for p in self.params:
            active = self.is_active(p.name, config)
            if active and p.name not in config:
                raise SearchSpaceError(
                    f"Parameter '{p.name}' is missing. Expected {_describe(p)}. Fix: add it."
                )
            if not active and p.name in config:
                cond = self.conditions[p.name]
                raise SearchSpaceError(
                    f"Parameter '{p.name}' is set but inactive: it applies only when "
                    f"{cond.parent}={cond.value!r} (got {config.get(cond.parent)!r}). "
                    "Fix: remove it."
                )
            if active:
                _check_value(p, config[p.name])

    def clip(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Return a valid configuration: numbers clipped into bounds, integers rounded.

        Unknown and inactive keys are dropped. A missing active parameter, a non-numeric value
        for a numeric parameter, or an unknown choice cannot be repaired and raises.
        """
        out: dict[str, Any] = {}
        for p in self.params:
            if not self.is_active(p.name, out):
                continue
            if p.name not in config:
                raise SearchSpaceError(
                    f"Parameter '{p.name}' is missing. Expected {_describe(p)}. Fix: add it."
                )
            out[p.name] = _clip_value(p, config[p.name])
        return out

    # -- JSON schema -------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        """A JSON schema for one configuration, to constrain an LLM's proposals.

        Numbers carry ``minimum``/``maximum``, categoricals an ``enum``; a conditional space is
        an ``anyOf`` with one closed object per combination of branch choices.
        """
        objects = [self._object_schema(v) for v in self._variants()]
        schema: dict[str, Any] = objects[0] if len(objects) == 1 else {"anyOf": objects}
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}

    def _variants(self) -> list[dict[str, list[Choice]]]:
        """Each combination of parent choices that yields a distinct set of active parameters."""
        variants: list[dict[str, list[Choice]]] = [{}]
        parents = {c.parent for c in self.conditions.values()}
        for p in self.params:
            if p.name not in parents:
                continue
            assert isinstance(p, CategoricalParam | BoolParam)
            keyed = {c.value for n, c in self.conditions.items() if c.parent == p.name}
            groups = [[c] for c in p.choices if c in keyed]
            rest = [c for c in p.choices if c not in keyed]
            groups += [rest] if rest else []
            grown: list[dict[str, list[Choice]]] = []
            for v in variants:
                if self._active_in(p.name, v):
                    grown += [{**v, p.name: g} for g in groups]
                else:
                    grown.append(v)
            variants = grown
        return variants

    def _active_in(self, name: str, variant: Mapping[str, list[Choice]]) -> bool:
        cond = self.conditions.get(name)
        return cond is None or variant.get(cond.parent) == [cond.value]

    def _object_schema(self, variant: Mapping[str, list[Choice]]) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for p in self.params:
            if self._active_in(p.name, variant):
                props[p.name] = _param_schema(p, variant.get(p.name))
        return {
            "type": "object",
            "properties": props,
            "required": list(props),
            "additionalProperties": False,
        }


def _param_schema(
    p: FloatParam | IntParam | CategoricalParam | BoolParam, only: list[Choice] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(p, FloatParam | IntParam):
        out["type"] = "number" if isinstance(p, FloatParam) else "integer"
        out["minimum"], out["maximum"] = p.low, p.high
    elif isinstance(p, BoolParam) and only is None:
        out["type"] = "boolean"
    else:
        choices = list(p.choices) if only is None else only
        out.update({"const": choices[0]} if len(choices) == 1 else {"enum": choices})
    text = p.description + (" (log scale)" if getattr(p, "log", False) else "")
    if text.strip():
        out["description"] = text.strip()
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _check_value(p: FloatParam | IntParam | CategoricalParam | BoolParam, value: Any) -> None:
    if isinstance(p, CategoricalParam | BoolParam):
        if _index(p.choices, value) is None:
            raise SearchSpaceError(
                f"Parameter '{p.name}' = {value!r} is not a valid choice. "
                f"Expected one of {list(p.choices)}."
            )
        return
    if not _is_number(value) or not math.isfinite(float(value)):
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is not a finite number. Expected {_describe(p)}."
        )
    if isinstance(p, IntParam) and not isinstance(value, int | np.integer):
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is not an integer. Expected {_describe(p)}. "
            "Fix: round it, or call SearchSpace.clip(config)."
        )
    if value < p.low:
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is below its lower bound low={p.low}. "
            f"Expected {_describe(p)}. {_CLIP_HINT}"
        )
    if value > p.high:
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is above its upper bound high={p.high}. "
            f"Expected {_describe(p)}. {_CLIP_HINT}"
        )


def _clip_value(p: FloatParam | IntParam | CategoricalParam | BoolParam, value: Any) -> Any:
    if isinstance(p, CategoricalParam | BoolParam):
        _check_value(p, value)
        return p.choices[_index(p.choices, value) or 0]
    if not _is_number(value) or math.isnan(float(value)):
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is not a number and cannot be clipped. "
            f"Expected {_describe(p)}."
        )
    clipped = min(max(float(value), p.low), p.high)
    return math.floor(clipped + 0.5) if isinstance(p, IntParam) else clipped


def _scale(p: FloatParam | IntParam) -> tuple[float, float]:
    low, high = (p.low - 0.5, p.high + 0.5) if isinstance(p, IntParam) else (p.low, p.high)
    return (math.log(low), math.log(high)) if p.log else (low, high)


def _encode(p: FloatParam | IntParam | CategoricalParam | BoolParam, value: Any) -> float:
    if isinstance(p, CategoricalParam | BoolParam):
        return ((_index(p.choices, value) or 0) + 0.5) / len(p.choices)
    a, b = _scale(p)
    x = math.log(value) if p.log else float(value)
    return min(max((x - a) / (b - a), 0.0), 1.0)


def _decode(p: FloatParam | IntParam | CategoricalParam | BoolParam, u: float) -> Any:
    if isinstance(p, CategoricalParam | BoolParam):
        return p.choices[min(int(u * len(p.choices)), len(p.choices) - 1)]
    a, b = _scale(p)
    x = a + u * (b - a)
    x = math.exp(x) if p.log else x
    if isinstance(p, IntParam):
        return int(min(max(math.floor(x + 0.5), p.low), p.high))
    return min(max(x, p.low), p.high)
