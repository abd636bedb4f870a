"""How the LLM surrogate writes configurations and scores as text (fixing LLAMBO's defects).

* Numbers keep the digits their parameter needs, not "the decimals of the lower bound": a
  linear-scale float resolves 2% of its range (``.27`` on [.01, .99], no leading zero), a
  log-scale float gets two significant digits in scientific notation (``1.2e-3``), integers
  stay exact. Few characters, because every digit is a token.
* Scores are normalised to a two-digit quality code: on the history shown, the worst observed
  score is written ``10`` and the best ``90``, so a candidate can be predicted better than the
  best (up to 99) or worse than the worst (down to 00). Higher is better for every metric.
* The history is capped to the best and the most recent points.

Two configurations that print the same are duplicates: the LLM cannot tell them apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from tunesmith.core import BoolParam, CategoricalParam, FloatParam, IntParam, SearchSpace

Direction = Literal["minimize", "maximize"]
N_CODES = 100
_LOW_CODE, _HIGH_CODE = 10.0, 90.0


@dataclass(frozen=True)
class Observation:
    """One evaluated configuration of the history the LLM reads."""

    number: int
    params: Mapping[str, Any]
    value: float


def format_value(p: Any, value: Any) -> str:
    """``value`` of parameter ``p`` as the LLM reads it."""
    if isinstance(p, BoolParam):
        return "true" if value else "false"
    if isinstance(p, CategoricalParam):
        return str(value)
    if isinstance(p, IntParam):
        return str(int(value))
    assert isinstance(p, FloatParam)
    x = float(value)
    if p.log:
        mantissa, exponent = f"{x:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"  # 1.2e-3, 4.5e1: no padding, no plus sign
    # A linear scale resolves 2% of the range (or finer): [.01, .99] prints two decimals
    # (.27), [0, 1000] none (417). Digits past that are tokens the scoring pays for (each
    # digit is one) and that no surrogate needs: one fewer per value than three significant
    # digits, 34 -> 29 tokens per RF row (docs/benchmarks.md).
    return _decimals(x, math.ceil(math.log10(50.0 / (p.high - p.low))))


def _decimals(x: float, digits: int) -> str:
    text = f"{x:.{max(0, digits)}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    if text in ("0", "-0"):
        return "0"
    # .802, not 0.802: Qwen's tokenizer reads " ." as one token and each digit as one.
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def _significant(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits (for a range's bounds)."""
    if x == 0.0:
        return "0"
    return _decimals(x, digits - 1 - math.floor(math.log10(abs(x))))


def format_config(space: SearchSpace, config: Mapping[str, Any]) -> str:
    """``name=value`` pairs in the space's order, active parameters only."""
    return ", ".join(
        f"{short_name(p.name)}={format_value(p, config[p.name])}"
        for p in space.params
        if p.name in config
    )


def format_row(space: SearchSpace, config: Mapping[str, Any]) -> str:
    """The values alone, comma-separated in the space's order (half the tokens of
    :func:`format_config`; the prompt names the columns once).

    No space after the commas: Qwen's tokenizer never merges a space with the digit after it,
    so ", " costs one token more per value than ",": 28 -> 23 tokens per RF row.
    """
    return ",".join(format_value(p, config[p.name]) for p in space.params if p.name in config)


def parse_row(space: SearchSpace, row: str) -> dict[str, Any] | None:
    """The configuration a row of :func:`format_row` writes, or None if it does not parse.

    Spaces around the commas are allowed. Values are not clipped here (see
    ``SearchSpace.clip``); a wrong count, a non-number for a numeric parameter, or an unknown
    choice gives None.
    """
    parts = [part.strip() for part in row.strip().split(",")]
    if len(parts) != len(space.params):
        return None
    out: dict[str, Any] = {}
    for p, text in zip(space.params, parts, strict=True):
        if isinstance(p, BoolParam):
            if text not in ("true", "false"):
                return None
            out[p.name] = text == "true"
        elif isinstance(p, CategoricalParam):
            match = [c for c in p.choices if format_value(p, c) == text]
            if not match:
                return None
            out[p.name] = match[0]
        else:
            try:
                value = float(text)
            except ValueError:
                return None
            if not math.isfinite(value):
                return None
            out[p.name] = value
    return out


def short_name(name: str) -> str:
    """A parameter's name without a ``"<learner>."`` branch prefix."""
    return name.rsplit(".", 1)[-1]


def describe_param(p: Any) -> str:
    """One line for the prompt's list of hyperparameters."""
    if isinstance(p, FloatParam | IntParam):
        kind = "float" if isinstance(p, FloatParam) else "int"
        if isinstance(p, FloatParam) and not p.log:
            low, high = _significant(p.low), _significant(p.high)
        else:
            low, high = format_value(p, p.low), format_value(p, p.high)
        scale = ", log scale" if p.log else ""
        line = f"{short_name(p.name)}: {kind} in [{low}, {high}]{scale}"
    else:
        line = f"{short_name(p.name)}: one of {', '.join(format_value(p, c) for c in p.choices)}"
    return line + (f" ({p.description})" if p.description else "")


class ScoreCodes:
    """The affine map between objective values and quality codes for one history.

    Args:
        values: The objective values shown in the prompt.
        direction: ``"minimize"`` or ``"maximize"``; the code is higher for better values.
    """

    def __init__(self, values: Sequence[float], direction: Direction) -> None:
        best = min(values) if direction == "minimize" else max(values)
        worst = max(values) if direction == "minimize" else min(values)
        spread = abs(best - worst) or max(abs(best) * 1e-3, 1e-9)
        sign = 1.0 if direction == "maximize" else -1.0
        self.slope = sign * (_HIGH_CODE - _LOW_CODE) / spread  # code units per objective unit
        self.offset = _LOW_CODE - self.slope * worst if best != worst else 50.0 - self.slope * best

    @classmethod
    def affine(cls, slope: float, offset: float) -> ScoreCodes:
        """The map ``code = slope * value + offset`` (a saved scale's)."""
        if not (np.isfinite(slope) and np.isfinite(offset)) or slope == 0:
            raise ValueError(f"Not a score scale: slope {slope}, offset {offset}.")
        codes = cls.__new__(cls)
        codes.slope, codes.offset = slope, offset
        return codes

    def code(self, value: float) -> int:
        """The two-digit code written for ``value`` (clipped into 00-99)."""
        return int(np.clip(round(self.slope * value + self.offset), 0, N_CODES - 1))

    def text(self, value: float) -> str:
        return f"{self.code(value):02d}"

    def value(self, code: float | np.ndarray) -> Any:
        """Objective value of a (fractional) code."""
        return (np.asarray(code, dtype=float) - self.offset) / self.slope


def select_history(
    history: Sequence[Observation], direction: Direction, cap: int, n_best: int | None = None
) -> list[Observation]:
    """At most ``cap`` observations: the ``n_best`` best and the most recent, in trial order."""
    if len(history) <= cap:
        return list(history)
    n_best = cap // 3 if n_best is None else min(n_best, cap)
    sign = 1.0 if direction == "minimize" else -1.0
    ranked = sorted(history, key=lambda o: sign * o.value)
    keep = {o.number for o in ranked[:n_best]}
    for o in sorted(history, key=lambda o: -o.number):
        if len(keep) >= cap:
            break
        keep.add(o.number)
    return [o for o in history if o.number in keep]
