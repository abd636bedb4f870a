"""Text and tables the UI shows: plans, files, errors, run status. Formatting only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from tunesmith.agent import Plan, RunView
    from tunesmith.core import ClarificationNeeded

FILE_SLOTS = {"train": "training data", "test": "test data", "sample": "sample submission"}
"""Upload slot -> how messages name its table (the CLI's words)."""


def error_text(exc: BaseException | str) -> str:
    """An error as the CLI prints it: ``Error: <message>``."""
    return f"**Error:** {exc}"


def question_text(exc: ClarificationNeeded) -> str:
    """A clarifying question from the planner, with the candidate columns."""
    text = f"**Question:** {exc.question}"
    if exc.candidates:
        text += "\n\nCandidate columns: " + ", ".join(f"`{c}`" for c in exc.candidates)
    return text + "\n\nName the column in your request (e.g. in `backticks`) and send it again."


def file_text(slot: str, name: str, table: pd.DataFrame) -> str:
    """What an accepted upload holds."""
    columns = [str(c) for c in table.columns]
    shown = ", ".join(f"`{c}`" for c in columns[:12]) + (" ..." if len(columns) > 12 else "")
    return (
        f"Loaded the {FILE_SLOTS[slot]} **{name}**: {len(table)} rows, {len(columns)} columns "
        f"({shown})."
    )


def too_large_text(name: str, size_bytes: int, limit_mb: float) -> str:
    """An upload over the size limit."""
    return error_text(
        f"{name} is {size_bytes / 1e6:.3g} MB; uploads are limited to {limit_mb:g} MB. Fix: "
        "upload a smaller file, or restart with tunesmith ui --max-upload-mb N."
    )


def plan_text(plan: Plan, rows: int) -> str:
    """A plan as a chat message: every decision with its reason and where it came from."""
    source = plan.decided_by

    def origin(key: str) -> str:
        return f" _({source[key]})_" if key in source else ""

    lines = [
        f"**Plan** ({rows} training rows)",
        f"- **target:** `{plan.target}` ({plan.task_type}){origin('target')}",
        f"- **metric:** {plan.metric}{origin('metric')}",
        f"- **budget:** {plan.stopping}{origin('time_budget_s')}",
        f"- **validation:** {plan.validation.describe()}{origin('validation')}",
        f"- **optimiser:** {plan.optimizer}{origin('optimizer')}",
        "- **learners:**",
    ]
    for name in plan.learners:
        reason = plan.learner_reasons.get(name)
        lines.append(f"    - `{name}`" + (f": {reason}" if reason else ""))
    if plan.ignored_columns:
        lines.append(f"- **ignored:** {', '.join(plan.ignored_columns)} (row ids, not features)")
    lines.append(f"- **why:** {plan.reason}")
    lines.append(
        "\nEdit the learners and the budget on the right if you like, then press **Run**."
    )
    return "\n".join(lines)


def status_text(view: RunView) -> str:
    """One line on where the run stands."""
    complete = int((view.trials["state"] == "complete").sum())
    failed = int(view.trials["state"].isin(["failed", "pruned"]).sum())
    running = int((view.trials["state"] == "running").sum())
    state = view.state if view.state != "running" else f"running ({view.phase or 'starting'})"
    text = f"**{state}** - {complete} complete, {failed} failed, {running} running trial(s)"
    if view.best_value is not None:
        text += (
            f"; best {view.metric} **{view.best_value:.4g}** "
            f"(trial {view.best_trial}, {view.best_learner})"
        )
    return text


def finished_text(view: RunView) -> str:
    """The chat message at the end of a run."""
    if view.best_value is None:
        return f"The run ended ({view.state}) without a complete trial: no model was refitted."
    outputs = ", ".join(sorted(view.outputs)) or "nothing"
    return (
        f"Done ({view.state}). Best {view.metric}: **{view.best_value:.4g}** (trial "
        f"{view.best_trial}, {view.best_learner}), refitted on all rows. Written: {outputs} - "
        "download them below. Ask about the run (e.g. _why did trial 2 fail?_) or press "
        "**Resume** to search longer."
    )


def trial_rows(view: RunView) -> pd.DataFrame:
    """The trial table as shown: newest first (the table shows the rows at its top while the
    search goes on), the score column named after the metric, rounded."""
    frame = view.trials.rename(columns={"score": view.metric}).iloc[::-1]
    return frame.round({view.metric: 5, "duration_s": 1}).reset_index(drop=True)


def learner_rows(view: RunView) -> pd.DataFrame:
    """The per-learner comparison as shown."""
    return view.learners.rename(
        columns={"best": f"best {view.metric}", "median": f"median {view.metric}"}
    ).round(5)


def importance_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Parameter importance as shown."""
    return table.round({"importance": 3})


def empty_tables() -> dict[str, pd.DataFrame]:
    """The tables before a run: headers only."""
    import pandas as pd

    from tunesmith.agent import TRIAL_COLUMNS

    return {
        "trials": pd.DataFrame(columns=list(TRIAL_COLUMNS)),
        "learners": pd.DataFrame(columns=["learner", "complete", "failed", "best", "median"]),
        "importance": pd.DataFrame(columns=["parameter", "importance"]),
        "curve": pd.DataFrame(
            {
                "trial": pd.Series(dtype="int64"),
                "elapsed_s": pd.Series(dtype="float64"),
                "best": pd.Series(dtype="float64"),
            }
        ),
    }


def message(role: str, content: str) -> dict[str, Any]:
    """A chat message in Gradio's messages format."""
    return {"role": role, "content": content}
