"""The HTML report of a run: ``RUN/report.html``, one self-contained file.

Written from the run directory alone (``plan.json``, ``events.jsonl``, the study), so it can be
rebuilt at any time: ``write_report("RUN")``. It holds the summary, the plan and its reasons,
the run configuration, a convergence curve, the leaderboard, a per-learner comparison,
parameter importance and the failed trials. Figures are inline PNGs; there are no scripts and
no external resources, so the file opens offline and can be mailed as is.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.agent import _report_html as h
from tunesmith.agent._config import RunSummary
from tunesmith.agent._importance import MIN_TRIALS, Importance, param_importance
from tunesmith.agent._overview import RunOverview, read_overview
from tunesmith.agent._store import RunStore, leaderboard_frame

if TYPE_CHECKING:
    import pandas as pd

TOP_TRIALS = 20
"""Leaderboard rows shown."""


def write_report(
    out_dir: str | os.PathLike[str], *, summary: RunSummary | None = None, top: int = TOP_TRIALS
) -> Path:
    """Write ``report.html`` for the run in ``out_dir`` and return its path.

    Args:
        out_dir: The run directory.
        summary: The summary of a session finishing now, before its ``finished`` event is
            written (the run loop passes it); otherwise read from the events.
        top: Leaderboard rows to show.

    Raises:
        DataError: The directory holds no run.
    """
    from tunesmith.learners import greater_is_better

    store = RunStore(out_dir)
    plan, config = store.read_plan()
    overview = read_overview(out_dir, pending=summary)
    trials = store.trials()
    board = leaderboard_frame(trials, plan.metric)
    complete = board[board["state"] == "complete"].sort_values("trial")
    maximize = greater_is_better(plan.metric)
    sections = [
        h.section("Summary", _summary(overview, store)),
        h.section("Plan", h.key_values(plan.model_dump(mode="json"))),
        h.section("Run configuration", h.key_values(config.model_dump(mode="json"))),
        h.section("Convergence", _convergence(complete, board, plan.metric, maximize)),
        h.section(f"Leaderboard (top {top})", _leaderboard(board, plan.metric, top)),
        h.section("Learners", _learners(board, complete, plan.metric, maximize)),
        h.section("Parameter importance", _importance(param_importance(trials))),
        h.section("Failed trials", _failed(board, store)),
    ]
    title = f"tunesmith run: predict {plan.target} ({plan.task_type}, {plan.metric})"
    subtitle = f"{store.path} - report written {time.strftime('%Y-%m-%d %H:%M:%S')}"
    partial = store.report_path.with_suffix(".html.tmp")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text(h.page(title, subtitle, sections), encoding="utf-8")
    os.replace(partial, store.report_path)
    return store.report_path


def _summary(overview: RunOverview, store: RunStore) -> str:
    facts: dict[str, Any] = {
        "state": overview.state,
        "trials": f"{overview.n_complete} complete, {overview.n_failed} failed",
        f"best {overview.metric}": _best(overview),
        "wall time": f"{overview.wall_time_s:.1f} s over {overview.sessions} session(s)",
        "started": _when(overview.started_at),
    }
    if overview.llm_calls or overview.llm_tokens:
        facts["LLM use"] = f"{overview.llm_calls} call(s), {overview.llm_tokens} tokens"
    for label, path in (("model", store.model_path), ("submission", store.submission_path)):
        facts[label] = path.name if path.exists() else None
    return h.key_values(facts)


def _best(overview: RunOverview) -> str | None:
    if overview.best_value is None:
        return None
    return f"{overview.best_value:.6g} (trial {overview.best_trial}, {overview.best_learner})"


def _when(timestamp: float | None) -> str | None:
    return (
        None
        if timestamp is None
        else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))
    )


def _convergence(complete: pd.DataFrame, board: pd.DataFrame, metric: str, maximize: bool) -> str:
    from tunesmith.agent._report_plots import convergence_plot

    if complete.empty:
        return h.note("No trial completed: there is no curve to draw.")
    failed = board.loc[board["state"] != "complete", "trial"].astype(int).tolist()
    numbers = complete["trial"].astype(int).tolist()
    scores = complete[metric].astype(float).tolist()
    return convergence_plot(numbers, scores, metric, maximize, failed=failed)


def _leaderboard(board: pd.DataFrame, metric: str, top: int) -> str:
    rows = board[board["state"] == "complete"].head(top)
    if rows.empty:
        return h.note("No trial completed.")
    body = [
        [_int(r["rank"]), int(r["trial"]), r["learner"], float(r[metric]),
         _duration(r["duration_s"]), _params(r["params"], r["learner"])]
        for _, r in rows.iterrows()
    ]  # fmt: skip
    columns = ["rank", "trial", "learner", metric, "duration (s)", "parameters"]
    return h.table(columns, body)


def _learners(board: pd.DataFrame, complete: pd.DataFrame, metric: str, maximize: bool) -> str:
    from tunesmith.agent._report_plots import learner_plot

    if complete.empty:
        return h.note("No trial completed: nothing to compare.")
    rows, scores = [], {}
    for learner in board["learner"].dropna().unique():
        own = complete.loc[complete["learner"] == learner, metric].astype(float)
        failed = int(((board["learner"] == learner) & (board["state"] != "complete")).sum())
        best = (own.max() if maximize else own.min()) if len(own) else None
        median = float(own.median()) if len(own) else None
        rows.append([learner, len(own), failed, best, median])
        if len(own):
            scores[str(learner)] = own.tolist()
    rows.sort(key=lambda r: (r[3] is None, -(r[3] or 0) if maximize else (r[3] or 0)))
    columns = ["learner", "complete", "failed", f"best {metric}", f"median {metric}"]
    return h.table(columns, rows) + learner_plot(scores, metric)


def _importance(found: Importance | None) -> str:
    from tunesmith.agent._report_plots import importance_plot

    if found is None:
        return h.note(f"Needs at least {MIN_TRIALS} complete trials; skipped.")
    parts = []
    if found.learner_share is not None:
        parts.append(
            f"<p>The learner choice explains {found.learner_share:.0%} of the variance of the "
            f"score over {found.n_trials} complete trials (between-learner share, eta&sup2;).</p>"
        )
    if found.params:
        title = f"Importance of {found.best_learner}'s parameters (best learner)"
        parts.append(importance_plot(found.params, title))
    parts.extend(h.note(line) for line in found.notes)
    return "\n".join(parts)


def _failed(board: pd.DataFrame, store: RunStore) -> str:
    failed = board[board["state"] != "complete"].sort_values("trial")
    if failed.empty:
        return h.note("No trial failed.")
    kinds = {
        e.payload.get("number"): e.payload.get("failure")
        for e in store.events()
        if e.kind == "trial_failed"
    }
    body = [
        [int(r["trial"]), r["learner"], r["state"], kinds.get(int(r["trial"])),
         _params(r["params"], r["learner"]), h.Markup(f"<pre>{h.text(r['error'])}</pre>")]
        for _, r in failed.iterrows()
    ]  # fmt: skip
    return h.table(["trial", "learner", "state", "failure", "parameters", "reason"], body)


def _params(raw: str, learner: Any) -> str:
    """``name=value, ...`` without the learner choice and its ``"<learner>."`` prefix."""
    params = json.loads(raw) if isinstance(raw, str) else {}
    prefix = f"{learner}."
    shown = {
        (k[len(prefix) :] if k.startswith(prefix) else k): v
        for k, v in params.items()
        if k != "learner"
    }
    return ", ".join(f"{k}={h.scalar(v)}" for k, v in shown.items()) or "-"


def _int(value: Any) -> int | None:
    import pandas as pd

    return None if pd.isna(value) else int(value)


def _duration(value: Any) -> float | None:
    import pandas as pd

    return None if pd.isna(value) else round(float(value), 2)
