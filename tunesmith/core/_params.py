"""Search-space parameters (float, int, categorical, bool) and what is done to one value:
check, clip, encode to and decode from the unit interval, and describe as JSON schema."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tunesmith.core.errors import SearchSpaceError

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


def index(choices: Sequence[Choice], value: Any) -> int | None:
    """Index of ``value`` in ``choices``; ``True`` and ``1`` are different choices."""
    for i, c in enumerate(choices):
        if type(c) is type(value) and c == value:
            return i
    for i, c in enumerate(choices):
        if c == value and isinstance(c, bool) == isinstance(value, bool):
            return i
    return None


def describe(p: FloatParam | IntParam | CategoricalParam | BoolParam) -> str:
    if isinstance(p, FloatParam | IntParam):
        what = "a float" if isinstance(p, FloatParam) else "an integer"
        return f"{what} in [{p.low}, {p.high}]" + (" (log scale)" if p.log else "")
    return f"one of {list(p.choices)}"


def param_schema(
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


def check_value(p: FloatParam | IntParam | CategoricalParam | BoolParam, value: Any) -> None:
    if isinstance(p, CategoricalParam | BoolParam):
        if index(p.choices, value) is None:
            raise SearchSpaceError(
                f"Parameter '{p.name}' = {value!r} is not a valid choice. "
                f"Expected one of {list(p.choices)}."
            )
        return
    if not _is_number(value) or not math.isfinite(float(value)):
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is not a finite number. Expected {describe(p)}."
        )
    if isinstance(p, IntParam) and not isinstance(value, int | np.integer):
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is not an integer. Expected {describe(p)}. "
            "Fix: round it, or call SearchSpace.clip(config)."
        )
    if value < p.low:
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is below its lower bound low={p.low}. "
            f"Expected {describe(p)}. {_CLIP_HINT}"
        )
    if value > p.high:
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is above its upper bound high={p.high}. "
            f"Expected {describe(p)}. {_CLIP_HINT}"
        )


def clip_value(p: FloatParam | IntParam | CategoricalParam | BoolParam, value: Any) -> Any:
    if isinstance(p, CategoricalParam | BoolParam):
        check_value(p, value)
        return p.choices[index(p.choices, value) or 0]
    if not _is_number(value) or math.isnan(float(value)):
        raise SearchSpaceError(
            f"Parameter '{p.name}' = {value!r} is not a number and cannot be clipped. "
            f"Expected {describe(p)}."
        )
    clipped = min(max(float(value), p.low), p.high)
    return math.floor(clipped + 0.5) if isinstance(p, IntParam) else clipped


def _scale(p: FloatParam | IntParam) -> tuple[float, float]:
    low, high = (p.low - 0.5, p.high + 0.5) if isinstance(p, IntParam) else (p.low, p.high)
    return (math.log(low), math.log(high)) if p.log else (low, high)


def encode(p: FloatParam | IntParam | CategoricalParam | BoolParam, value: Any) -> float:
    if isinstance(p, CategoricalParam | BoolParam):
        return ((index(p.choices, value) or 0) + 0.5) / len(p.choices)
    a, b = _scale(p)
    x = math.log(value) if p.log else float(value)
    return min(max((x - a) / (b - a), 0.0), 1.0)


def decode(p: FloatParam | IntParam | CategoricalParam | BoolParam, u: float) -> Any:
    if isinstance(p, CategoricalParam | BoolParam):
        return p.choices[min(int(u * len(p.choices)), len(p.choices) - 1)]
    a, b = _scale(p)
    x = a + u * (b - a)
    x = math.exp(x) if p.log else x
    if isinstance(p, IntParam):
        return int(min(max(math.floor(x + 0.5), p.low), p.high))
    return min(max(x, p.low), p.high)
