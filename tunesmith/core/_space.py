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
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tunesmith.core._params import (
    BoolParam,
    CategoricalParam,
    Choice,
    Condition,
    FloatParam,
    IntParam,
    Param,
    check_value,
    clip_value,
    decode,
    describe,
    encode,
    index,
    param_schema,
)
from tunesmith.core.errors import SearchSpaceError, close_matches

if TYPE_CHECKING:
    import optuna
    from optuna.distributions import BaseDistribution


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
                        f"{describe(parent)}; only categorical or bool parents are supported."
                    )
                if index(parent.choices, cond.value) is None:
                    raise ValueError(
                        f"Parameter '{p.name}' is conditional on {cond.parent}={cond.value!r}, "
                        f"but '{cond.parent}' is {describe(parent)}. Fix: use one of its choices."
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
        return index(parent.choices, config[cond.parent]) == index(parent.choices, cond.value)

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
                u[i] = encode(p, config[p.name])
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
                config[p.name] = decode(p, 0.5 if math.isnan(x[i]) else float(x[i]))
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
                    f"Parameter '{p.name}' is missing. Expected {describe(p)}. Fix: add it."
                )
            if not active and p.name in config:
                cond = self.conditions[p.name]
                raise SearchSpaceError(
                    f"Parameter '{p.name}' is set but inactive: it applies only when "
                    f"{cond.parent}={cond.value!r} (got {config.get(cond.parent)!r}). "
                    "Fix: remove it."
                )
            if active:
                check_value(p, config[p.name])

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
                    f"Parameter '{p.name}' is missing. Expected {describe(p)}. Fix: add it."
                )
            out[p.name] = clip_value(p, config[p.name])
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
                props[p.name] = param_schema(p, variant.get(p.name))
        return {
            "type": "object",
            "properties": props,
            "required": list(props),
            "additionalProperties": False,
        }
