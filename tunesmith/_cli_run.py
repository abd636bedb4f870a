"""``tunesmith run`` and ``tunesmith resume``: a run from the shell, with live progress."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from tunesmith.core import ClarificationNeeded, DataError, Event, TunesmithError

TASK_FILES = ("description.md", "train.csv", "test.csv", "sample_submission.csv")


def task_inputs(
    task_dir: Path | None, request: str | None, data: Path | None, test: Path | None,
    sample: Path | None,
) -> tuple[str, Path, Path | None, Path | None]:  # fmt: skip
    """The request and files of a run: from the options, else from the task folder.

    Raises:
        DataError: No request or no training data, or the task folder lacks its files.
    """
    if task_dir is not None:
        if not task_dir.is_dir():
            raise DataError(
                f"The task folder {task_dir} does not exist. Fix: pass a folder holding "
                f"{', '.join(TASK_FILES)}."
            )
        present = sorted(p.name for p in task_dir.iterdir())
        if request is None:
            description = task_dir / "description.md"
            if not description.is_file():
                holds = ", ".join(present) or "nothing"
                raise DataError(
                    f"{task_dir} has no description.md (it holds: {holds}). Fix: add the "
                    "task's description there, or give the request as an argument."
                )
            request = description.read_text(encoding="utf-8").strip()
        data = data or task_dir / "train.csv"
        if not data.is_file():
            raise DataError(
                f"{task_dir} has no train.csv (it holds: {', '.join(present) or 'nothing'}). "
                "Fix: add the training table, or pass --data."
            )
        test = test or _optional(task_dir / "test.csv")
        sample = sample or _optional(task_dir / "sample_submission.csv")
    if not request or not request.strip():
        raise DataError("No request was given. Fix: describe the task, e.g. tunesmith run "
                        '"predict Survived; optimise ROC AUC" --data train.csv.')  # fmt: skip
    if data is None:
        raise DataError("No training data was given. Fix: pass --data TRAIN.csv or --task-dir.")
    return request, data, test, sample


def _optional(path: Path) -> Path | None:
    return path if path.is_file() else None


def show_plan(console: Any, plan: Any, rows: int) -> None:
    """Print a plan: every decision, with its reason and where it came from."""
    from rich.table import Table

    source = plan.decided_by
    view = Table(title=f"Plan ({rows} training rows)", show_header=False, title_justify="left")

    def add(label: str, value: str, key: str | None = None) -> None:
        origin = f" [dim]({source[key]})[/]" if key and key in source else ""
        view.add_row(label, f"{value}{origin}")

    add("target", f"{plan.target} ({plan.task_type})", "target")
    add("metric", plan.metric, "metric")
    for name in plan.learners:
        reason = plan.learner_reasons.get(name)
        text = f"{name}: {reason}" if reason else name
        add("learner", f"{text} [dim]({len(plan.search_space.get(name, []))} tuned params)[/]")
    add("validation", plan.validation.describe(), "validation")
    if plan.ignored_columns:
        add("ignored", f"{', '.join(plan.ignored_columns)} (row ids, not features)")
    add("optimiser", plan.optimizer, "optimizer")
    add("stopping", plan.stopping, "time_budget_s")
    add("why", plan.reason)
    console.print(view)


def plan_or_fail(planner: Any, console: Any, request: str, data: Path, **budget: Any) -> Any:
    """``planner(request, data, **budget)``, with a question or an error as exit code 2."""
    from tunesmith.cli import _fail

    try:
        with console.status("Loading the LLM and planning..."):
            return planner(request, str(data), **budget)
    except ClarificationNeeded as exc:
        console.print(f"[bold yellow]Question:[/] {exc.question}", highlight=False)
        if exc.candidates:
            console.print(f"Candidate columns: {', '.join(exc.candidates)}", highlight=False)
        console.print("Name the column in the request (e.g. in `backticks`) and run again.")
        raise typer.Exit(code=2) from None
    except TunesmithError as exc:
        raise _fail(exc) from None


def run_command(request: str | None, *, data: Path | None, out: Path | None, test: Path | None,
                sample_submission: Path | None, task_dir: Path | None,
                time_budget: float | None, max_trials: int | None, llm: str | None,
                workers: int, seed: int, yes: bool, as_json: bool) -> None:  # fmt: skip
    """``tunesmith run``: plan, show the plan, confirm, search with live progress, report."""
    from rich.console import Console

    from tunesmith.agent import Assistant
    from tunesmith.cli import _fail
    from tunesmith.tools import read_table

    started = time.monotonic()  # the time budget counts from here: planning included
    console = Console(stderr=as_json)
    try:
        request, data, test, sample_submission = task_inputs(
            task_dir, request, data, test, sample_submission
        )
        rows = len(read_table(data, "training data"))
        for path, what in ((test, "test data"), (sample_submission, "sample submission")):
            if path is not None:
                read_table(path, what)
    except TunesmithError as exc:
        raise _fail(exc) from None
    assistant = Assistant(llm, n_workers=workers)
    plan = plan_or_fail(assistant.plan, console, request, data, time_budget=time_budget,
                        max_trials=max_trials)  # fmt: skip
    show_plan(console, plan, rows)
    if not yes and not as_json and sys.stdin.isatty() and sys.stdout.isatty():
        asked = time.monotonic()
        if not typer.confirm("Run this plan?", default=True):
            console.print("Not run.")
            raise typer.Exit(code=0)
        started += time.monotonic() - asked  # the time spent reading the plan is not counted
    progress = _Progress(console, plan.time_budget_s, quiet=False, started=started)
    try:
        stream = assistant.stream(
            request, str(data), plan=plan, test=str(test) if test else None,
            sample_submission=str(sample_submission) if sample_submission else None,
            out=str(out) if out else None, seed=seed, started=started,
        )  # fmt: skip
        follow(stream, progress)
    except KeyboardInterrupt:
        console.print("Stopped by the user; the best trial so far was refitted.")
    except TunesmithError as exc:
        raise _fail(exc) from None
    if progress.out_dir is not None:
        report(Path(progress.out_dir), console, as_json)


class _Progress:
    """Renders a run's events: the plan, then a live line of trials, best score and time."""

    def __init__(
        self, console: Any, time_budget: float | None, quiet: bool, started: float | None = None
    ) -> None:
        self.console = console
        self.time_budget = time_budget
        self.quiet = quiet
        self.started = time.monotonic() if started is None else started
        self.done = self.failed = 0
        self.best: str = "-"
        self.metric = ""
        self.out_dir: str | None = None
        self.failures: dict[tuple[Any, Any], int] = {}

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
            self.out_dir = payload["out_dir"]
            if payload.get("resumed"):
                self.console.print(
                    f"[bold]Resuming[/]: predict [cyan]{plan['target']}[/] "
                    f"({plan['task_type']}), optimise {plan['metric']}, learners "
                    f"{', '.join(plan['learners'])}.",
                    highlight=False,
                )
            self.console.print(f"Run directory: {payload['out_dir']}", highlight=False)
        elif event.kind == "trial_finished":
            self.done += 1
        elif event.kind == "trial_failed":
            self.failed += 1
            # The first failure of each kind and learner in full; the rest are counted.
            key = (payload.get("learner"), payload.get("failure"))
            if key not in self.failures:
                error = str(payload.get("error") or payload.get("state")).splitlines()[0]
                self.console.print(
                    f"  trial {payload['number']} ({payload.get('learner')}) failed: "
                    f"{error[:300]}",
                    highlight=False,
                )
            self.failures[key] = self.failures.get(key, 0) + 1
        elif event.kind == "new_best":
            self.best = f"{payload['value']:.4f} ({payload.get('learner')})"
        elif event.kind == "stopped":
            self.console.print(f"Search stopped: {payload['reason']}.", highlight=False)
        elif event.kind == "intent":
            self.console.print(f"  {payload.get('message')}", highlight=False)
        elif event.kind == "phase" and payload.get("phase") in ("refit", "predict", "report"):
            self.console.print(f"{payload['phase'].capitalize()}...", highlight=False)


def follow(events: Iterator[Event], progress: _Progress) -> None:
    """Consume the event stream, updating a live status line."""
    from rich.live import Live

    with Live(progress.status(), console=progress.console, transient=True) as live:
        for event in events:
            progress.show(event)
            live.update(progress.status())


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


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
        cells = [_cell(row[c]) for c in ("rank", "trial", "learner", run.plan.metric,
                                         "duration_s")]  # fmt: skip
        if row["state"] != "complete":
            cells[0], cells[3] = "-", str(row["state"])
        table.add_row(*cells)
    console.print(table)
    if summary is not None and summary.model_path is None:
        console.print(
            f"[bold red]No trial completed[/] ({summary.n_failed} failed; the first error of "
            f"each kind is above, all are in {run.store.events_path}). No model or submission "
            "was written. Fix: see the errors; a larger time budget or other learners may help.",
            highlight=False,
        )
        raise typer.Exit(code=1)
    if summary is not None:
        console.print(f"Model: {summary.model_path}", highlight=False)
        if summary.submission_path:
            console.print(f"Submission: {summary.submission_path}", highlight=False)
    if run.report_path is not None:
        console.print(f"Report: {run.report_path}", highlight=False)
