"""Trial records that cross the optimiser / executor boundary."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

TrialState = Literal["complete", "failed", "pruned"]
FailureReason = Literal["crash", "timeout", "out_of_memory", "killed", "error"]
"""Why a trial failed: ``crash`` (the process died, e.g. a segfault or a non-zero exit),
``timeout`` (past its wall-clock limit; the process was killed), ``out_of_memory`` (past its
memory cap), ``killed`` (terminated by a signal from outside, e.g. SIGKILL; the signal number is
in ``error``), ``error`` (the workload raised an exception; the traceback is in ``traceback``)."""


class TrialSpec(BaseModel):
    """What to evaluate: a trial number, its configuration and, for multi-fidelity, a budget.

    Attributes:
        number: The trial's number in its study (0, 1, ...).
        params: The configuration (flat names; see ``SearchSpace.split`` for conditional ones).
        fidelity: The largest budget (e.g. epochs) the trial may use, or None for a full run.
        seed: A seed for the evaluation itself (e.g. a learner's ``random_state``), or None.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=0)
    params: dict[str, Any]
    fidelity: float | None = None
    seed: int | None = None


class TrialResult(BaseModel):
    """The outcome of one trial.

    Attributes:
        number: The trial number of the :class:`TrialSpec` it answers.
        params: The configuration that was evaluated.
        value: The objective value (single-objective), or the last reported value if pruned.
        values: The objective values of a multi-objective study.
        state: ``"complete"``, ``"failed"`` or ``"pruned"``.
        error: What went wrong, for a failed trial.
        duration_s: Wall time of the evaluation in seconds.
        intermediate: ``(step, value)`` pairs reported during the evaluation.
        failure: Why a failed trial failed (see :data:`FailureReason`); None otherwise.
        traceback: The formatted traceback of a workload that raised, if any.
        output: The tail of what the evaluation wrote to stdout and stderr (executors only).
        metrics: Named numbers about the evaluation, e.g. ``{"roc_auc": 0.97,
            "roc_auc_std": 0.01, "loss": -0.97}``; the objective itself is ``value``.
        fit_time_s: Seconds spent fitting models (all folds), if measured.
        peak_memory_mb: Peak resident memory of the evaluating process in MiB, if measured.
        model_path: Where the fitted model was saved, if it was.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: int = Field(ge=0)
    params: dict[str, Any]
    value: float | None = None
    values: tuple[float, ...] | None = None
    state: TrialState = "complete"
    error: str | None = None
    duration_s: float = Field(default=0.0, ge=0.0)
    intermediate: tuple[tuple[int, float], ...] = ()
    failure: FailureReason | None = None
    traceback: str | None = None
    output: str = ""
    metrics: dict[str, float] = Field(default_factory=dict)
    fit_time_s: float | None = None
    peak_memory_mb: float | None = None
    model_path: str | None = None

    @model_validator(mode="after")
    def _check_values(self) -> TrialResult:
        if self.state == "complete":
            if self.value is None and self.values is None:
                raise ValueError(
                    f"Trial {self.number} is complete but has no value. Expected value= (one "
                    "objective) or values= (several). Fix: set it, or use state='failed'."
                )
            got = [self.value] if self.values is None else list(self.values)
            if any(v is None or math.isnan(v) for v in got):
                raise ValueError(
                    f"Trial {self.number} is complete with a NaN value {got}. "
                    "Fix: report it as state='failed' with an error message."
                )
        return self

    @property
    def objectives(self) -> tuple[float, ...] | None:
        """The objective values as a tuple (one element for single-objective), or None."""
        if self.values is not None:
            return self.values
        return None if self.value is None else (self.value,)

    @classmethod
    def complete(
        cls,
        spec: TrialSpec,
        value: float | tuple[float, ...] | list[float],
        duration_s: float = 0.0,
    ) -> TrialResult:
        """A finished trial of ``spec`` with one value or a sequence of values."""
        if isinstance(value, tuple | list):
            vals = tuple(float(v) for v in value)
            return cls(number=spec.number, params=spec.params, values=vals, duration_s=duration_s)
        return cls(
            number=spec.number, params=spec.params, value=float(value), duration_s=duration_s
        )

    @classmethod
    def failed(
        cls,
        spec: TrialSpec,
        error: str,
        duration_s: float = 0.0,
        *,
        failure: FailureReason | None = None,
        **extra: Any,
    ) -> TrialResult:
        """A trial of ``spec`` whose evaluation failed with ``error`` (and ``failure`` reason).

        ``extra`` sets further fields (``traceback``, ``output``, ...).
        """
        return cls(
            number=spec.number,
            params=spec.params,
            state="failed",
            error=error,
            duration_s=duration_s,
            failure=failure,
            **extra,
        )
