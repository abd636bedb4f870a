"""``tunesmith run`` and ``tunesmith resume``: a run from the shell, with live progress."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from tunesmith.core import Event


class _Progress:
    """Renders a run's events: the plan, then a live line of trials, best score and time."""

    def __init__(self, console: Any, time_budget: float | None, quiet: bool) -> None:
        self.console = console
        self.time_budget = time_budget
        self.quiet = quiet
        self.started = time.monotonic()
        self.done = self.failed = 0
        self.best: str = "-"
        self.metric = ""

    def status(self) -> str:
        elapsed = time.monotonic() - self.started
        left = f", {max(self.time_budget - elapsed, 0):.0f} s left" if self.time_budget else ""
        return (
            f"trials {self.done} done, {self.failed} failed; best {self.metric} {self.best}{left}"
        )

    def show(self, event: Event) -> None:
        if self.quiet:
            return
        payload = event.payload
        if event.kind == "plan_ready":
            plan = payload["plan"]
            self.metric = plan["metric"]
            verb = "Resuming" if payload.get("resumed") else "Plan"
            self.console.print(
                f"[bold]{verb}[/]: predict [cyan]{plan['target']}[/] ({plan['task_type']}), "
                f"optimise {plan['metric']}, learners {', '.join(plan['learners'])}.\n"
                f"  Why: {plan['reason']}\n  Run directory: {payload['out_dir']}",
                highlight=False,
            )
        elif event.kind == "trial_finished":
            self.done += 1
        elif event.kind == "trial_failed":
            self.failed += 1
            self.console.print(
                f"  trial {payload['number']} ({payload.get('learner')}) failed: "
                f"{payload.get('failure') or payload.get('state')}",
                highlight=False,
            )
        elif event.kind == "new_best":
            self.best = f"{payload['value']:.4f} ({payload.get('learner')})"
        elif event.kind == "stopped":
            self.console.print(f"Search stopped: {payload['reason']}.", highlight=False)
        elif event.kind == "phase" and payload.get("phase") in ("refit", "predict"):
            self.console.print(f"{payload['phase'].capitalize()}...", highlight=False)


def follow(events: Iterator[Event], progress: _Progress) -> None:
    """Consume the event stream, updating a live status line."""
    from rich.live import Live

    with Live(progress.status(), console=progress.console, transient=True) as live:
        for event in events:
            progress.show(event)
            live.update(progress.status())


def report(out: Path, console: Any, as_json: bool) -> None:
    """Print the leaderboard's top rows and where the outputs are (or JSON with --json)."""
    from rich.table import Table

    from tunesmith.agent import Run

    run = Run.open(out)
    summary = run.summary
    if as_json:
        typer.echo(json.dumps(summary.model_dump(mode="json") if summary else {}, indent=2))
        return
    board = run.leaderboard.head(5)
    table = Table(title="Leaderboard (top 5)")
    for column in ("rank", "trial", "learner", run.plan.metric, "duration_s"):
        table.add_column(column)
    for _, row in board.iterrows():
        table.add_row(
            *(f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c]) for c in
              ("rank", "trial", "learner", run.plan.metric, "duration_s"))
        )  # fmt: skip
    console.print(table)
    if summary is not None:
        console.print(f"Model: {summary.model_path}", highlight=False)
        if summary.submission_path:
            console.print(f"Submission: {summary.submission_path}", highlight=False)
