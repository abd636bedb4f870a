"""``tunesmith bench``: the Kaggle-style task suite, its grader and agent benchmark;
optimisers on Bayesmark."""

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
    from tunesmith.evaluation.kaggle._bench_summary import CellRow

bench_app = typer.Typer(
    name="bench",
    help="Benchmarks: build the Kaggle-style task suite, grade submissions, compare optimisers.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(exc: Exception) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(f"[bold red]Error:[/] {exc}", highlight=False)
    return typer.Exit(code=2)


_HEADERS = {
    "constant": "constant", "random_forest": "RF", "hist_gradient_boosting": "HGB",
    "flaml": "FLAML", "autogluon": "AutoGluon",
}  # fmt: skip


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _table(built: list[BuiltTask], out: Path) -> Table:
    from rich.table import Table

    view = Table(
        title=f"Kaggle-style tasks in {out}",
        caption="RF: default RandomForest; HGB: default HistGradientBoosting; FLAML: FLAML "
        "AutoML at the --flaml-budget; AutoGluon: its medium_quality presets at the "
        "--autogluon-budget.",
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
    flaml_budget: Annotated[
        float,
        typer.Option(
            "--flaml-budget",
            help="Seconds for the FLAML baseline (the suite's benchmark budget); 0 leaves it out.",
            min=0,
        ),
    ] = 120.0,
    autogluon_budget: Annotated[
        float,
        typer.Option(
            "--autogluon-budget",
            help="Seconds for the AutoGluon baseline (medium_quality; needs the environment "
            "./scripts/setup_autogluon.sh builds, named by TUNESMITH_AUTOGLUON_PYTHON); 0, the "
            "default, leaves it out.",
            min=0,
        ),
    ] = 0.0,
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
                task = build_task(
                    spec, out, seed=seed, baselines=baselines, n_jobs=n_jobs,
                    flaml_budget_s=flaml_budget or None,
                    autogluon_budget_s=autogluon_budget or None,
                )  # fmt: skip
                built.append(task)
    except TunesmithError as exc:
        raise _fail(exc) from None
    console.print(_table(built, out))
    if baselines:
        console.print(
            f"Medal thresholds are in {out}/<task>/private/leaderboard.json: bronze = default "
            "RandomForest, silver = best baseline (FLAML and AutoGluon included where they ran), "
            "gold = best + 10% of its headroom.",
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


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _seeds(text: str) -> list[int]:
    try:
        return [int(s) for s in _names(text)]
    except ValueError:
        raise typer.BadParameter(f"Expected comma-separated integers, got {text!r}.") from None


@bench_app.command("hpo")
def hpo(
    out: Annotated[Path, typer.Option("--out", help="Run folder (records, tables, plots).")],
    problems: Annotated[
        str,
        typer.Option(
            "--problems",
            help="'all' (90), 'llambo25', or comma-separated names such as RF-breast-acc.",
        ),
    ] = "llambo25",
    optimizers: Annotated[
        str, typer.Option("--optimizers", help="Comma-separated optimiser names.")
    ] = "random,tpe,gp",
    seeds: Annotated[str, typer.Option("--seeds", help="Comma-separated seeds.")] = "0,1,2",
    n_init: Annotated[
        int, typer.Option("--n-init", help="Shared random initial points per run.", min=1)
    ] = 5,
    n_trials: Annotated[
        int,
        typer.Option("--n-trials", help="Evaluations per run, initial points included.", min=1),
    ] = 30,
    jobs: Annotated[int, typer.Option("--jobs", help="Runs side by side (processes).", min=1)] = 1,
    resume: Annotated[
        bool, typer.Option("--resume/--no-resume", help="Reuse runs finished in OUT.")
    ] = True,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm", help="LLM of the llm/hybrid optimisers (default: TUNESMITH_LLM or embedded)."
        ),
    ] = None,
) -> None:
    """Compare optimisers on Bayesmark's scikit-learn problems, offline.

    Every (problem, optimiser, seed) run starts from the same N_INIT random points for a
    (problem, seed), then spends the rest of N_TRIALS. Writes OUT/evaluations.csv,
    OUT/summary.json, OUT/table.md and OUT/regret.png; prints the table. The LLM optimisers
    (llm, hybrid) always bring their controls: the same sampler with the history's scores
    permuted, and the default configuration followed by random search.
    """
    from rich.console import Console
    from rich.progress import Progress

    from tunesmith.evaluation.bayesmark import (
        configure_llm,
        markdown_table,
        resolve_problems,
        run_benchmark,
        sampler_table,
    )
    from tunesmith.evaluation.bayesmark._methods import expand_controls

    configure_llm(llm)
    console = Console()
    names = _names(optimizers)
    seed_list = _seeds(seeds)
    try:
        total = len(resolve_problems(problems)) * len(expand_controls(names)) * len(seed_list)
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task("runs", total=total)

            def on_cell(cell: tuple[str, str, int], rows: object, reused: bool) -> None:
                bar.update(task, advance=1, description=f"{'/'.join(map(str, cell))}")

            result = run_benchmark(
                problems, names, seed_list, out, n_init=n_init, n_trials=n_trials,
                jobs=jobs, resume=resume, on_cell=on_cell,
            )  # fmt: skip
    except TunesmithError as exc:
        raise _fail(exc) from None
    summary = result.summary
    typer.echo(markdown_table(summary))
    sources = sampler_table(result.evaluations)
    if sources:
        typer.echo(sources)
    n_cells = len(summary.problems) * len(summary.methods) * len(summary.seeds)
    console.print(
        f"{n_cells} runs ({result.reused} reused) in {result.wall_time_s:.0f} s; "
        f"results in {out} (table.md, summary.json, evaluations.csv, regret.png).",
        highlight=False,
    )


def _cell_line(cell: tuple[str, str, int], row: CellRow) -> str:
    task, agent, seed = cell
    if row.status != "done":
        return f"{task}/{agent}/{seed}: {row.error}"
    if not row.valid:
        return f"{task}/{agent}/{seed}: invalid ({row.wall_s:.0f} s): {row.error}"
    return (
        f"{task}/{agent}/{seed}: {row.metric} {row.score:.4f}, medal {row.medal}, "
        f"{row.wall_s:.0f} s"
    )


@bench_app.command("kaggle")
def kaggle(
    out: Annotated[Path, typer.Option("--out", help="Run folder (suite, runs, results).")],
    task_names: Annotated[
        str, typer.Option("--tasks", help="'all' or comma-separated task names.")
    ] = "all",
    agents: Annotated[
        str,
        typer.Option(
            "--agents",
            help="Comma-separated agents: tunesmith, flaml, optuna-tpe, autogluon. The first is "
            "compared with each other one.",
        ),
    ] = "tunesmith,flaml",
    budget: Annotated[
        float, typer.Option("--budget", help="Seconds per agent and task, start to end.", min=1)
    ] = 120.0,
    seeds: Annotated[str, typer.Option("--seeds", help="Comma-separated agent seeds.")] = "0",
    llm: Annotated[
        str, typer.Option("--llm", help="LLM spec of the tunesmith agent.")
    ] = "embedded",
    workers: Annotated[
        int, typer.Option("--workers", help="Trials at once (tunesmith).", min=1)
    ] = 1,
    resume: Annotated[
        bool, typer.Option("--resume/--no-resume", help="Reuse cells finished in OUT.")
    ] = True,
    autogluon_baseline: Annotated[
        bool,
        typer.Option(
            "--autogluon-baseline/--no-autogluon-baseline",
            help="Add AutoGluon (medium_quality, at --budget) to the baselines that set the "
            "medal thresholds; needs TUNESMITH_AUTOGLUON_PYTHON (./scripts/setup_autogluon.sh).",
        ),
    ] = False,
) -> None:
    """Run agents on the Kaggle-style suite: score, medal, wall time and LLM tokens per task.

    Each agent gets OUT/suite/<task>/public and BUDGET seconds per task; its submission is
    graded on the private answers. Writes OUT/results.csv, OUT/summary.json and OUT/table.md
    after every cell (a re-run reuses finished cells); prints the table at the end.
    AutoGluon runs from its own environment: ./scripts/setup_autogluon.sh builds it, and
    TUNESMITH_AUTOGLUON_PYTHON names its python. Reused cells are graded again against the
    current thresholds.
    """
    from rich.console import Console
    from rich.progress import Progress

    from tunesmith.evaluation.kaggle._bench import resolve_tasks, run_kaggle_bench
    from tunesmith.evaluation.kaggle._registry import AgentOptions, check_agents

    console = Console()
    names, seed_list = _names(agents), _seeds(seeds)
    try:
        check_agents(names)
        total = len(resolve_tasks(task_names)) * len(names) * len(seed_list)
        with Progress(console=console, transient=True) as bar:
            searchers = "FLAML and AutoGluon" if autogluon_baseline else "FLAML"
            first = f"building the suite; baselines ({searchers}: {budget:g} s a task, once)"
            task = bar.add_task(first, total=total)

            def on_cell(cell: tuple[str, str, int], row: CellRow | None, reused: bool) -> None:
                if row is None:
                    bar.update(task, description=f"{'/'.join(map(str, cell))} ({budget:g} s)")
                    return
                bar.update(task, advance=1)
                note = " (reused)" if reused else ""
                bar.console.print(_cell_line(cell, row) + note, highlight=False)

            result = run_kaggle_bench(
                out, tasks=task_names, agents=names, budget_s=budget, seeds=seed_list,
                options=AgentOptions(llm=llm, workers=workers), resume=resume, on_cell=on_cell,
                autogluon_baseline=autogluon_baseline,
            )  # fmt: skip
    except TunesmithError as exc:
        raise _fail(exc) from None
    typer.echo((out / "table.md").read_text())
    console.print(
        f"{len(result.rows)} cells ({result.reused} reused) in {result.wall_time_s:.0f} s; "
        f"results in {out} (table.md, results.csv, summary.json, runs/).",
        highlight=False,
    )
