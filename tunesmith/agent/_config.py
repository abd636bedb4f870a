"""The records of a run: its configuration (budget, workers, seed, stopping rule) and how it
ended."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tunesmith.core.errors import ConfigurationError, validation_issues

StopReason = Literal["user", "max_trials", "time_budget", "plateau", "error"]


class RunConfig(BaseModel):
    """How one run searches: its budget, workers, seed, validation and stopping rule.

    Attributes:
        time_budget_s: Stop asking for trials after this many seconds of search (per session:
            a resumed run gets the budget again). None: no time limit.
        max_trials: Stop after this many finished trials in the study (across sessions; trials
            interrupted by a killed process do not count). None: no trial limit.
        n_workers: Trials evaluated at once.
        seed: Seed of the optimiser, the folds and the learners.
        cv_folds: Folds of cross-validation.
        holdout_fraction: Score on one (stratified) holdout split of this size instead of CV.
        optimizer: The optimiser (see ``tunesmith.tools.OPTIMIZERS``).
        plateau_trials: Stop after this many finished trials in a row without a better one.
        trial_timeout_s: Wall-clock limit per trial (trials are also cut at the time budget
            plus a grace period).
        memory_limit_mb: Memory cap per trial.
        fidelity: Budget of each learner's fidelity knob (e.g. trees); None: its default.
        storage: Where the Optuna study lives: None for ``RUN/study.db`` (SQLite), else a
            SQLAlchemy URL (``postgresql://...``) or a journal file (``*.log``), e.g. to share
            one database between machines or watch it in optuna-dashboard.
        study_name: The study's name in ``storage``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_budget_s: float | None = Field(default=60.0, gt=0)
    max_trials: int | None = Field(default=None, ge=1)
    n_workers: int = Field(default=1, ge=1)
    seed: int = Field(default=0, ge=0)
    cv_folds: int = Field(default=5, ge=2, le=20)
    holdout_fraction: float | None = Field(default=None, gt=0.0, lt=1.0)
    optimizer: Literal["hybrid", "tpe", "random", "gp", "sobol", "llm"] = "hybrid"
    plateau_trials: int | None = Field(default=None, ge=1)
    trial_timeout_s: float | None = Field(default=None, gt=0)
    memory_limit_mb: int | None = Field(default=None, ge=1)
    fidelity: int | None = Field(default=None, ge=1)
    storage: str | None = None
    study_name: str = "tunesmith"

    @model_validator(mode="after")
    def _check_budget(self) -> RunConfig:
        if self.time_budget_s is None and self.max_trials is None:
            raise ValueError(
                "A run needs a budget: got neither time_budget_s nor max_trials. "
                "Fix: set time_budget_s=60, max_trials=50, or both."
            )
        return self


class RunSummary(BaseModel):
    """How a run (session) ended.

    Attributes:
        out_dir: The run directory.
        stop_reason: Why the search stopped.
        n_complete: Complete trials in the study. n_failed: Failed ones (interrupted included).
        best_trial: Number of the best trial, or None if no trial completed.
        best_value: Its score in the plan's metric (natural units).
        best_params: Its configuration.
        model_path: The refitted best pipeline, or None.
        submission_path: The submission written, or None.
        wall_time_s: Seconds this session took.
    """

    model_config = ConfigDict(frozen=True)

    out_dir: str
    stop_reason: StopReason
    n_complete: int
    n_failed: int
    best_trial: int | None
    best_value: float | None
    best_params: dict[str, Any] | None
    model_path: str | None
    submission_path: str | None
    wall_time_s: float


def settings_error(exc: ValidationError, what: str, fix: str = "") -> ConfigurationError:
    """A ConfigurationError listing each invalid setting of ``exc``, and the fix."""
    problems = "; ".join(
        f"{loc or 'config'}: {msg} (got {value!r})" for loc, msg, value in validation_issues(exc)
    )
    return ConfigurationError(f"Invalid {what}: {problems}.{' Fix: ' + fix if fix else ''}")
