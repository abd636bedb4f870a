"""``tunesmith runs list|show``: the runs on disk, read from their run directories."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from tunesmith.core.errors import DataError, TunesmithError

runs_app = typer.Typer(
    name="runs",
    help="List the runs under a folder, or show one run.",
    no_args_is_help=True,
)

DEFAULT_ROOT = Path("tunesmith-runs")
LEADERBOARD_ROWS = 10


def _fail(exc: Exception) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(f"[bold red]Error:[/] {exc}", highlight=False)
    return typer.Exit(code=2)


def find_runs(root: Path, depth: int = 2) -> list[Path]:
    """``root`` itself if it holds a run, else its sub-folders (up to ``depth`` deep) that do.

    Raises:
        DataError: ``root`` is not a folder, or no run is there.
    """
    if not root.is_dir():
        raise DataError(
            f"{root} is not a folder. Fix: pass the folder runs are written to "
            f"(default {DEFAULT_ROOT}/) or one run directory."
        )
    if (root / "plan.json").is_file():
        return [root]
    found: list[Path] = []
    level = [root]
    for _ in range(depth):
        level = sorted(p for folder in level for p in folder.iterdir() if p.is_dir())
        found.extend(p for p in level if (p / "plan.json").is_file())
        level = [p for p in level if not (p / "plan.json").is_file()]
    if not found:
        raise DataError(
            f"No run under {root}: no folder there (or one level below) holds a plan.json. "
            "Fix: pass the --out folder of a `tunesmith run`, or its parent."
        )
    return sorted(found)


def _when(timestamp: float | None) -> str:
    return "-" if timestamp is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


@runs_app.command("list")
def list_runs(
    root: Annotated[
        Path, typer.Argument(help="A folder of runs (searched two levels deep), or one run.")
    ] = DEFAULT_ROOT,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
) -> None:
    """List the runs under ROOT: target, metric, state, trials, best score, start time."""
    from rich.console import Console
    from rich.table import Table

    from tunesmith.agent import read_overview

    try:
        overviews = [read_overview(path) for path in find_runs(root)]
    except TunesmithError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps([o.model_dump(mode="json") for o in overviews], indent=2))
        return
    table = Table(title=f"Runs under {root}")
    for column in ("run", "target", "metric", "state", "trials", "best", "started"):
        table.add_column(column)
    for o in overviews:
        trials = f"{o.n_complete}" + (f" ({o.n_failed} failed)" if o.n_failed else "")
        table.add_row(
            _relative(Path(o.out_dir), root), o.target, o.metric, o.state, trials,
            _score(o.best_value), _when(o.started_at),
        )  # fmt: skip
    Console().print(table)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root)) if path != root else str(path)
    except ValueError:
        return str(path)


@runs_app.command("show")
def show_run(
    run_dir: Annotated[Path, typer.Argument(metavar="DIR", help="The run directory.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
) -> None:
    """Show one run: plan, configuration, summary, top-10 leaderboard and its output files."""
    try:
        details = _details(run_dir)
    except TunesmithError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(details, indent=2, default=str))
        return
    _print_details(details)


def _details(run_dir: Path) -> dict[str, Any]:
    """Everything ``show`` prints, as JSON-able values."""
    from tunesmith.agent import RunStore, read_overview

    store = RunStore(run_dir)
    plan, config = store.read_plan()
    overview = read_overview(run_dir)
    board = store.leaderboard().head(LEADERBOARD_ROWS)
    rows = json.loads(board.to_json(orient="records"))
    outputs = {
        name: str(path) if path.exists() else None
        for name, path in (
            ("model", store.model_path),
            ("submission", store.submission_path),
            ("report", store.report_path),
            ("events", store.events_path),
        )
    }
    return {
        "plan": plan.model_dump(mode="json"),
        "config": config.model_dump(mode="json"),
        "summary": overview.model_dump(mode="json"),
        "leaderboard": rows,
        "outputs": outputs,
    }


def _print_details(details: dict[str, Any]) -> None:
    from rich.console import Console

    console = Console()
    summary = details["summary"]
    console.print(f"[bold]Run[/] {summary['out_dir']}", highlight=False)
    console.print(_key_values("Plan", details["plan"]))
    console.print(_key_values("Config", details["config"]))
    started = _when(summary["started_at"])
    console.print(_key_values("Summary", {**summary, "started_at": started}))
    console.print(_leaderboard(details["leaderboard"], summary["metric"]))
    for name, path in details["outputs"].items():
        console.print(f"{name.capitalize()}: {path or '-'}", highlight=False)


def _key_values(title: str, mapping: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(title=title, show_header=False, title_justify="left")
    for key, value in mapping.items():
        if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, dict | list):
            shown = json.dumps(value, default=str)
        else:
            shown = "-" if value is None else str(value)
        table.add_row(key, shown)
    return table


def _leaderboard(rows: list[dict[str, Any]], metric: str) -> Any:
    from rich.table import Table

    table = Table(title=f"Leaderboard (top {LEADERBOARD_ROWS})", title_justify="left")
    columns = ("rank", "trial", "learner", metric, "state", "duration_s", "params")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
