"""``tunesmith bench``: build the Kaggle-style task suite and grade submissions on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tunesmith.core.errors import TunesmithError

if TYPE_CHECKING:
    from rich.console import JustifyMethod
    from rich.table import Table

    from tunesmith.evaluation.kaggle import BuiltTask, Grade

bench_app = typer.Typer(
    name="bench",
    help="Benchmarks: build the Kaggle-style task suite, grade submissions on it.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(exc: Exception) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(f"[bold red]Error:[/] {exc}", highlight=False)
    return typer.Exit(code=2)


_HEADERS = {"constant": "constant", "random_forest": "RF", "hist_gradient_boosting": "HGB"}


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _table(built: list[BuiltTask], out: Path) -> Table:
    from rich.table import Table

    view = Table(
        title=f"Kaggle-style tasks in {out}",
        caption="RF: default RandomForest; HGB: default HistGradientBoosting.",
    )
    for column in ("task", "train", "test", "target", "metric", *_HEADERS.values()):
        justify: JustifyMethod = "left" if column in ("task", "target", "metric") else "right"
        view.add_column(column, justify=justify)
    for task in built:
        info, board = task.info, task.leaderboard
        direction = "max" if info.greater_is_better else "min"
        scores = [_score(board.score_of(b) if board else None) for b in _HEADERS]
        view.add_row(
            task.name, str(info.n_train), str(info.n_test), info.target,
            f"{info.metric} ({direction})", *scores,
        )  # fmt: skip
    return view


@bench_app.command("tasks")
def tasks(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the suite into.")],
    names: Annotated[
        str | None,
        typer.Option("--tasks", help="Comma-separated task names (default: every task)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the splits and baselines.")] = 0,
    baselines: Annotated[
        bool,
        typer.Option(
            "--baselines/--no-baselines",
            help="Score the reference baselines and store the medal thresholds.",
        ),
    ] = True,
    n_jobs: Annotated[int, typer.Option("--n-jobs", help="Threads per baseline.", min=1)] = 1,
) -> None:
    """Build the task suite into OUT: OUT/<task>/public for the agent, OUT/<task>/private kept.

    Hand an agent OUT/<task>/public only; grade with `tunesmith bench grade OUT/<task> FILE`.
    """
    from rich.console import Console

    from tunesmith.evaluation.kaggle import build_task, get_task, list_tasks

    console = Console()
    chosen = [n.strip() for n in names.split(",") if n.strip()] if names else list_tasks()
    built = []
    try:
        specs = [get_task(name) for name in chosen]
        for spec in specs:
            verb = "Building and scoring baselines for" if baselines else "Building"
            with console.status(f"{verb} {spec.name}..."):
                built.append(build_task(spec, out, seed=seed, baselines=baselines, n_jobs=n_jobs))
    except TunesmithError as exc:
        raise _fail(exc) from None
    console.print(_table(built, out))
    if baselines:
        console.print(
            f"Medal thresholds are in {out}/<task>/private/leaderboard.json: bronze = default "
            "RandomForest, silver = best baseline, gold = best + 10% of its headroom.",
            highlight=False,
        )


def _explain(result: Grade) -> str:
    if not result.valid:
        return f"Invalid submission for {result.task}: {result.error}"
    direction = "higher" if result.greater_is_better else "lower"
    line = f"{result.task}: {result.metric} = {result.score:.5f} ({direction} is better)"
    if result.thresholds is not None:
        t = result.thresholds
        line += (
            f"; medal: {result.medal} (bronze {t.bronze:.5f}, silver {t.silver:.5f}, "
            f"gold {t.gold:.5f})"
        )
    return line


@bench_app.command("grade")
def grade_command(
    task_dir: Annotated[Path, typer.Argument(help="A built task folder: OUT/<task>.")],
    submission: Annotated[Path, typer.Argument(help="The submission CSV to grade.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the grade as JSON.")] = False,
) -> None:
    """Grade SUBMISSION on the task in TASK_DIR: score, and medal if baselines were run.

    Exits with 1 when the submission is invalid (the message says why), 2 on a bad task folder.
    """
    from tunesmith.evaluation.kaggle import grade

    try:
        result = grade(task_dir, submission)
    except TunesmithError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(result.model_dump(), indent=2))
    else:
        typer.echo(_explain(result))
    if not result.valid:
        raise typer.Exit(code=1)
