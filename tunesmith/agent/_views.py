"""Read-only views of a run for live displays (the Gradio UI): tables computed from the run
directory, plus the two actions a view needs beyond ``Assistant``: editing a plan's learners
and budget, and resuming a run in the background.

Everything here reads ``events.jsonl`` (cheap; safe while the run writes it); only parameter
importance opens the study, and only when asked.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from tunesmith.agent._config import settings_error
from tunesmith.agent._events import Event
from tunesmith.agent._plan import Plan, search_space_summary
from tunesmith.agent._store import RunStore
from tunesmith.core.errors import ConfigurationError

if TYPE_CHECKING:
    import pandas as pd

    from tunesmith.agent._assistant import Assistant
    from tunesmith.agent._live import LiveRun

TRIAL_COLUMNS = ("trial", "learner", "score", "state", "duration_s", "params")
"""Columns of :attr:`RunView.trials` (``score`` is in the plan's metric)."""


@dataclasses.dataclass(frozen=True)
class RunView:
    """A run as a live display shows it.

    Attributes:
        metric: The plan's metric. maximize: Whether larger scores are better.
        trials: One row per started trial, by number (:data:`TRIAL_COLUMNS`); ``state`` is
            running, complete, failed or pruned; ``params`` is ``name=value, ...``.
        best_curve: One row per complete trial: ``trial``, ``elapsed_s`` (since the run's first
            event) and ``best`` (the best score so far).
        learners: Per learner: ``learner``, ``complete``, ``failed``, ``best``, ``median``.
        best_trial, best_learner, best_value: The best trial so far (None before one).
        state: ``running``, ``stopped: REASON`` or ``finished (REASON)``.
        phase: The last phase event (search, refit, predict, report), or None.
        outputs: ``submission``, ``model`` and ``report`` paths that exist now.
    """

    metric: str
    maximize: bool
    trials: pd.DataFrame
    best_curve: pd.DataFrame
    learners: pd.DataFrame
    best_trial: int | None
    best_learner: str | None
    best_value: float | None
    state: str
    phase: str | None
    outputs: dict[str, Path]


def run_view(out_dir: str | os.PathLike[str]) -> RunView:
    """The live view of the run in ``out_dir``, from its events (the study is not opened).

    Args:
        out_dir: The run directory.

    Raises:
        DataError: The directory holds no run (yet).
    """
    import pandas as pd

    from tunesmith.agent._overview import read_overview
    from tunesmith.learners import greater_is_better

    store = RunStore(out_dir)
    plan, _ = store.read_plan()
    events = store.events()
    maximize = greater_is_better(plan.metric)
    trials = _trial_rows(events)
    frame = pd.DataFrame(trials, columns=list(TRIAL_COLUMNS))
    best = next((e for e in reversed(events) if e.kind == "new_best"), None)
    phases = [e.payload.get("phase") for e in events if e.kind == "phase"]
    overview = read_overview(out_dir)
    return RunView(
        metric=plan.metric,
        maximize=maximize,
        trials=frame,
        best_curve=_best_curve(events, maximize),
        learners=_learner_table(frame, maximize),
        best_trial=None if best is None else best.payload.get("number"),
        best_learner=None if best is None else best.payload.get("learner"),
        best_value=None if best is None else best.payload.get("value"),
        state="running" if overview.state == "running or killed" else overview.state,
        phase=str(phases[-1]) if phases else None,
        outputs={name: path for name, path in _outputs(store) if path.exists()},
    )


def _outputs(store: RunStore) -> list[tuple[str, Path]]:
    return [
        ("submission", store.submission_path),
        ("model", store.model_path),
        ("report", store.report_path),
    ]


def _trial_rows(events: list[Event]) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for event in events:
        number = event.payload.get("number")
        if not isinstance(number, int):
            continue
        if event.kind == "trial_started":
            params = event.payload.get("params") or {}
            rows[number] = {"trial": number, "learner": params.get("learner"), "score": None,
                            "state": "running", "duration_s": None,
                            "params": _params_text(params)}  # fmt: skip
        elif event.kind in ("trial_finished", "trial_failed") and number in rows:
            row = rows[number]
            row["learner"] = event.payload.get("learner", row["learner"])
            row["duration_s"] = event.payload.get("duration_s")
            if event.kind == "trial_finished":
                row.update(state="complete", score=event.payload.get("value"))
            else:
                row["state"] = str(event.payload.get("state") or "failed")
    return [rows[n] for n in sorted(rows)]


def _params_text(params: dict[str, Any]) -> str:
    learner = params.get("learner")
    prefix = f"{learner}."
    shown = {(k[len(prefix) :] if k.startswith(prefix) else k): v
             for k, v in params.items() if k != "learner"}  # fmt: skip
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in shown.items()) or "defaults"  # fmt: skip


def _best_curve(events: list[Event], maximize: bool) -> pd.DataFrame:
    import pandas as pd

    start = events[0].time if events else 0.0
    rows, best = [], None
    for event in events:
        value = event.payload.get("value")
        if event.kind != "trial_finished" or not isinstance(value, int | float):
            continue
        if best is None or (value > best if maximize else value < best):
            best = float(value)
        rows.append({"trial": event.payload.get("number"),
                     "elapsed_s": round(event.time - start, 1), "best": best})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["trial", "elapsed_s", "best"])
    # numeric even when empty: a plot keeps the axis type of the first frame it is shown
    return frame.astype({"trial": "int64", "elapsed_s": "float64", "best": "float64"})


def _learner_table(trials: pd.DataFrame, maximize: bool) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for learner in trials["learner"].dropna().unique():
        own = trials[trials["learner"] == learner]
        scores = own.loc[own["state"] == "complete", "score"].astype(float)
        failed = int(own["state"].isin(["failed", "pruned"]).sum())
        best = (scores.max() if maximize else scores.min()) if len(scores) else None
        median = float(scores.median()) if len(scores) else None
        rows.append({"learner": learner, "complete": len(scores), "failed": failed,
                     "best": best, "median": median})  # fmt: skip
    frame = pd.DataFrame(rows, columns=["learner", "complete", "failed", "best", "median"])
    return frame.sort_values("best", ascending=not maximize, na_position="last", ignore_index=True)


def importance_view(out_dir: str | os.PathLike[str]) -> tuple[pd.DataFrame, str]:
    """Parameter importance of the run in ``out_dir`` (opens its study), as a table and a note.

    Returns:
        ``parameter``, ``importance`` rows (the learner choice's share of the score's variance,
        then the best learner's parameters' fANOVA importances; none until enough trials are
        complete) and a sentence saying what they are or why there are none.

    Raises:
        DataError: The directory holds no run.
    """
    import pandas as pd

    from tunesmith.agent._importance import MIN_TRIALS, param_importance

    store = RunStore(out_dir)
    store.read_plan()
    found = param_importance(store.trials())
    if found is None:
        empty = pd.DataFrame(columns=["parameter", "importance"])
        return empty, f"Parameter importance needs {MIN_TRIALS} complete trials."
    rows = []
    if found.learner_share is not None:
        rows.append({"parameter": "(learner choice)", "importance": found.learner_share})
    rows += [{"parameter": f"{found.best_learner}.{name}", "importance": value}
             for name, value in found.params.items()]  # fmt: skip
    note = (
        f"Over {found.n_trials} complete trials: the learner choice's share of the score's "
        f"variance, then the fANOVA importance of {found.best_learner}'s parameters."
    )
    return pd.DataFrame(rows, columns=["parameter", "importance"]), " ".join([note, *found.notes])


def edit_plan(
    plan: Plan,
    *,
    learners: list[str] | None = None,
    time_budget_s: float | None = None,
    max_trials: int | None = None,
) -> Plan:
    """``plan`` with the learners and budget a person chose (None: keep the plan's).

    Raises:
        ConfigurationError: A learner is unknown or cannot do the plan's task, none or more
            than four are chosen, or a budget is not positive.
    """
    from tunesmith.learners import list_learners

    fields = plan.model_dump()
    decided = dict(plan.decided_by)
    if learners is not None:
        fit = [learner.name for learner in list_learners(plan.task_type)]
        unfit = [name for name in learners if name not in fit]
        if unfit or not 1 <= len(learners) <= 4:
            got = ", ".join(learners) or "none"
            raise ConfigurationError(
                f"Choose one to four learners for this {plan.task_type} task; got {got}"
                + (f" ({', '.join(unfit)} cannot do it)" if unfit else "")
                + f". Fix: pick from {', '.join(fit)}."
            )
        fields["learners"] = list(learners)
        fields["learner_reasons"] = {k: v for k, v in plan.learner_reasons.items()
                                     if k in learners}  # fmt: skip
        fields["search_space"] = search_space_summary(list(learners), plan.task_type)
        if list(learners) != plan.learners:
            decided["learners"] = "user"
    for name, value in (("time_budget_s", time_budget_s), ("max_trials", max_trials)):
        if value is not None:
            fields[name] = value
            decided[name] = "user"
    try:
        return Plan.model_validate({**fields, "decided_by": decided})
    except ValidationError as exc:
        fix = "a time budget > 0 seconds, max trials >= 1."
        raise settings_error(exc, "plan settings", fix) from None


def resume_live(assistant: Assistant, out_dir: str | os.PathLike[str], **options: Any) -> LiveRun:
    """Like ``Assistant.resume``, but in the background: a :class:`LiveRun` that continues the
    run in ``out_dir`` (finished trials are kept) and takes follow-ups.

    Args:
        assistant: Its LLM reads the follow-ups.
        out_dir: The run directory.
        **options: RunConfig fields to replace, e.g. ``time_budget_s=60`` (seconds for this
            session) and ``max_trials=None`` (no trial limit).

    Raises:
        DataError: The directory holds no run.
        ConfigurationError: An option is invalid.
    """
    from tunesmith.agent._assistant import _config
    from tunesmith.agent._live import LiveRun
    from tunesmith.agent._loop import RunLoop

    _, stored = RunStore(out_dir).read_plan()
    config = _config(stored.model_dump() | options)
    return LiveRun(
        lambda: RunLoop(out_dir, config=config, llm=assistant._sampler_llm(config)),
        lambda: assistant.model,
    )
