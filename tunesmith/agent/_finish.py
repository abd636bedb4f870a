"""The end of a run: refit the best configuration, predict the test rows, report, summarise."""

from __future__ import annotations

import logging
import os
import time
from typing import TYPE_CHECKING, Any

from tunesmith.agent._config import RunConfig, RunSummary, StopReason
from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import EventLog
from tunesmith.agent._store import RunStore
from tunesmith.agent._submission import write_submission

if TYPE_CHECKING:
    from tunesmith.tools import Optimizer

logger = logging.getLogger(__name__)


def finish_run(
    store: RunStore,
    plan: PlanDraft,
    config: RunConfig,
    optimizer: Optimizer,
    reason: StopReason,
    log: EventLog,
    started: float,
) -> RunSummary:
    """Refit the best trial's configuration, write the submission and report, emit ``finished``.

    Args:
        store: The run directory.
        plan: The plan as the search ended (follow-ups included).
        config: The run configuration as the search ended.
        optimizer: The study searched.
        reason: Why the search stopped.
        log: The run's event log.
        started: When this session of the run started (``time.monotonic()``).
    """
    from tunesmith.learners import greater_is_better

    best = optimizer.best
    model_path = submission_path = None
    if best is None:
        logger.warning("No trial completed in %s; no model is refitted.", store.path)
    else:
        log.emit("phase", phase="refit", number=best.number)
        model = refit(store, plan, config, best.params)
        model_path = str(store.model_path)
        if store.test_path.exists():
            log.emit("phase", phase="predict")
            write_submission(store, model, plan)
            submission_path = str(store.submission_path)
    trials = optimizer.trials
    value = None
    if best is not None and best.value is not None:
        value = -best.value if greater_is_better(plan.metric) else best.value
    summary = RunSummary(
        out_dir=str(store.path),
        stop_reason=reason,
        n_complete=sum(t.state == "complete" for t in trials),
        n_failed=sum(t.state == "failed" for t in trials),
        best_trial=None if best is None else best.number,
        best_value=value,
        best_params=None if best is None else best.params,
        model_path=model_path,
        submission_path=submission_path,
        wall_time_s=time.monotonic() - started,
    )
    _write_report(store, summary, log)
    log.emit("finished", **summary.model_dump(mode="json"))
    return summary


def _write_report(store: RunStore, summary: RunSummary, log: EventLog) -> None:
    """Write ``report.html``; a by-product, so a failure is logged and never fails the run."""
    from tunesmith.agent._report import write_report

    log.emit("phase", phase="report")
    try:
        write_report(store.path, summary=summary)
    except Exception as exc:
        logger.warning("Could not write the report of %s: %s", store.path, exc)


def refit(store: RunStore, plan: PlanDraft, config: RunConfig, params: dict[str, Any]) -> Any:
    """Fit the best configuration on all training rows and save it to ``model.joblib``."""
    import joblib

    from tunesmith.learners import build_pipeline, load_table, resolve_learner

    table = load_table(store.train_path)
    X, y = table.drop(columns=[plan.target]), table[plan.target]
    learner, own = resolve_learner(None, params, config.fidelity)
    model = build_pipeline(learner, own, plan.task_type, X, seed=config.seed)
    model.fit(X, y)
    partial = store.model_path.with_suffix(".joblib.tmp")
    joblib.dump(model, partial)
    os.replace(partial, store.model_path)
    return model
