"""``optimize()``: run a whole study on a Python objective, no LLM involved."""

from __future__ import annotations

import inspect
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from tunesmith.core import OptimizerError, SearchSpace, TrialPruned, TrialResult, TrialSpec
from tunesmith.tools._study import Direction, Optimizer, make_optimizer

if TYPE_CHECKING:
    from optuna.storages import BaseStorage

logger = logging.getLogger(__name__)
Objective = Callable[..., float | Sequence[float]]


class StudySummary(BaseModel):
    """The outcome of :func:`optimize`.

    Attributes:
        optimizer: The optimiser's name.
        study_name: The study's name in its storage.
        directions: One direction per objective.
        best_params: The best configuration (single-objective), or None if no trial completed.
        best_value: Its value, or None.
        pareto_front: The non-dominated complete trials (the best one for a single objective).
        trials: Every finished trial of the study, by number (earlier sessions included).
        wall_time_s: Wall time of this call.
    """

    model_config = ConfigDict(frozen=True)

    optimizer: str
    study_name: str
    directions: tuple[str, ...]
    best_params: dict[str, Any] | None
    best_value: float | None
    pareto_front: tuple[TrialResult, ...]
    trials: tuple[TrialResult, ...]
    wall_time_s: float

    @property
    def n_failed(self) -> int:
        """Number of failed trials."""
        return sum(t.state == "failed" for t in self.trials)


def optimize(
    objective: Objective,
    space: SearchSpace,
    optimizer: str = "tpe",
    *,
    n_trials: int | None = None,
    timeout: float | None = None,
    seed: int | None = None,
    storage: str | os.PathLike[str] | BaseStorage | None = None,
    study_name: str | None = None,
    direction: Direction = "minimize",
    directions: Sequence[Direction] | None = None,
    **options: Any,
) -> StudySummary:
    """Minimise (or maximise) ``objective`` over ``space``.

    An exception inside the objective makes a failed trial (logged) and the study goes on; so
    does a NaN result. If the objective has a ``report`` parameter it is called as
    ``objective(config, report=report)``, where ``report(step, value)`` records an intermediate
    value and raises :class:`~tunesmith.core.TrialPruned` when a multi-fidelity optimiser
    prunes the trial (let it propagate; the trial is then recorded as pruned).

    Args:
        objective: ``objective(config) -> float``, or a sequence of floats for several
            objectives.
        space: The search space.
        optimizer: A name from ``tunesmith.tools.OPTIMIZERS``.
        n_trials: Trials to run in this call.
        timeout: Seconds after which no new trial starts.
        seed: Seed; same seed, same trials.
        storage: Where the study lives (see :func:`make_optimizer`); an existing study with the
            same name is resumed.
        study_name: Name of the study in storage.
        direction: ``"minimize"`` or ``"maximize"``.
        directions: One direction per objective, for multi-objective optimisation.
        **options: Optimiser options.

    Returns:
        A frozen :class:`StudySummary`.
    """
    if n_trials is None and timeout is None:
        raise OptimizerError(
            "optimize() needs n_trials or timeout (or both) to know when to stop."
        )
    opt = make_optimizer(
        optimizer,
        space,
        seed=seed,
        direction=direction,
        directions=directions,
        storage=storage,
        study_name=study_name,
        **options,
    )
    wants_report = "report" in inspect.signature(objective).parameters
    start = time.perf_counter()
    if timeout is not None:  # an LLM sampler's steps end by then too
        opt.set_deadline(time.monotonic() + timeout)
    done = 0
    while n_trials is None or done < n_trials:
        if timeout is not None and time.perf_counter() - start >= timeout:
            break
        if opt.exhausted:
            logger.info("Grid exhausted after %d trials.", len(opt.trials))
            break
        opt.tell(_run_trial(opt, objective, opt.ask(), wants_report))
        done += 1
    return summarize(opt, time.perf_counter() - start)


def _run_trial(
    opt: Optimizer, objective: Objective, spec: TrialSpec, wants_report: bool
) -> TrialResult:
    def report(step: int, value: float) -> None:
        if opt.report(spec.number, step, value):
            raise TrialPruned(f"Trial {spec.number} pruned at step {step}.")

    t0 = time.perf_counter()
    try:
        out = objective(spec.params, report=report) if wants_report else objective(spec.params)
    except TrialPruned:
        return TrialResult(
            number=spec.number,
            params=spec.params,
            state="pruned",
            duration_s=time.perf_counter() - t0,
        )
    except Exception as exc:
        logger.warning("Trial %d failed: %s: %s", spec.number, type(exc).__name__, exc)
        return TrialResult.failed(spec, f"{type(exc).__name__}: {exc}", time.perf_counter() - t0)
    except BaseException:
        opt.tell(TrialResult.failed(spec, "interrupted", time.perf_counter() - t0))
        raise
    elapsed = time.perf_counter() - t0
    values = [float(v) for v in out] if isinstance(out, Sequence) else [float(out)]
    if any(math.isnan(v) for v in values):
        logger.warning("Trial %d returned NaN; recorded as failed.", spec.number)
        return TrialResult.failed(spec, f"objective returned {values}", elapsed)
    return TrialResult.complete(spec, values if len(values) > 1 else values[0], elapsed)


def summarize(opt: Optimizer, wall_time_s: float) -> StudySummary:
    """Freeze an optimiser's study into a :class:`StudySummary`."""
    best = opt.best if len(opt.directions) == 1 else None
    return StudySummary(
        optimizer=opt.name,
        study_name=opt.study.study_name,
        directions=opt.directions,
        best_params=None if best is None else best.params,
        best_value=None if best is None else best.value,
        pareto_front=tuple(opt.pareto_front),
        trials=tuple(opt.trials),
        wall_time_s=wall_time_s,
    )
