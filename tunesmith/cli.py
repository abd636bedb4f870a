"""The ``tunesmith`` command line."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from tunesmith import __version__
from tunesmith.core.errors import TunesmithError

app = typer.Typer(
    name="tunesmith",
    help="tunesmith: describe an ML task in plain language; get a plan, a search and a model.",
    no_args_is_help=True,
    add_completion=False,
)

LLMOption = Annotated[
    str | None,
    typer.Option(
        "--llm",
        help="LLM backend: embedded (default), gguf:PATH, openai:URL#MODEL or hf:PATH. "
        "Also read from TUNESMITH_LLM.",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tunesmith {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")] = False,
) -> None:
    from rich.logging import RichHandler

    logging.basicConfig(
        level=logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(show_time=False, show_path=False)],
    )
    logging.getLogger("tunesmith").setLevel(logging.DEBUG if verbose else logging.INFO)
    # Optuna logs every study and trial at INFO; our progress display says it better.
    logging.getLogger("optuna").setLevel(logging.DEBUG if verbose else logging.WARNING)


def _fail(exc: Exception) -> typer.Exit:
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(f"[bold red]Error:[/] {exc}", highlight=False)
    return typer.Exit(code=2)


@app.command()
def plan(
    request: Annotated[str, typer.Argument(help="The task in plain language.")],
    data: Annotated[Path, typer.Option("--data", help="Training table (CSV).")],
    llm: LLMOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Plan REQUEST on a table without running it: target, metric, learners and their reasons,
    validation, budget, optimiser and stopping rule, each with where it came from.

    Exit code 2 on bad input, or with a question when the request names no target.
    """
    from rich.console import Console

    from tunesmith._cli_run import plan_or_fail, show_plan
    from tunesmith.agent import check_request, make_plan
    from tunesmith.llm import LLMCall, load
    from tunesmith.tools import read_table

    console = Console(stderr=as_json)
    calls: list[LLMCall] = []
    try:
        table = read_table(data, "training data")
    except TunesmithError as exc:
        raise _fail(exc) from None

    def planner(request: str, _: str) -> object:
        check_request(request, table)  # a question needs no LLM
        return make_plan(load(llm), request, table, calls=calls)

    made = plan_or_fail(planner, console, request, data)
    if as_json:
        typer.echo(json.dumps(made.model_dump(mode="json"), indent=2))
        return
    show_plan(console, made, len(table))
    spent = sum(c.latency_s for c in calls)
    tokens = sum(c.prompt_tokens + c.completion_tokens for c in calls)
    console.print(f"LLM: {len(calls)} call(s), {tokens} tokens, {spent:.1f} s")


@app.command()
def run(
    request: Annotated[
        str | None,
        typer.Argument(
            help="The task in plain language (default: the task dir's description.md)."
        ),
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Training table (CSV, TSV or Parquet).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Run directory (must not hold a run; default: a new one under ./tunesmith-runs).",
        ),
    ] = None,
    test: Annotated[Path | None, typer.Option("--test", help="Rows to predict.")] = None,
    sample_submission: Annotated[
        Path | None, typer.Option("--sample-submission", help="The submission's format.")
    ] = None,
    task_dir: Annotated[
        Path | None,
        typer.Option(
            "--task-dir",
            help="A task folder: description.md, train.csv, test.csv, sample_submission.csv.",
        ),
    ] = None,
    time_budget: Annotated[
        float | None,
        typer.Option(
            "--time-budget",
            help="Seconds for the whole job, planning included (default: the request's, "
            "else 120).",
            min=1,
        ),
    ] = None,
    max_trials: Annotated[int | None, typer.Option("--max-trials", min=1)] = None,
    llm: LLMOption = None,
    workers: Annotated[int, typer.Option("--workers", help="Trials at once.", min=1)] = 1,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Run the plan without asking to confirm it.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Plan, search and train for REQUEST on a table; write the model and a submission.

    The plan is shown first; in a terminal you confirm it (--yes skips that; so does a
    non-interactive run). Exit code 2 on bad input or when the planner needs an answer.
    """
    from tunesmith._cli_run import run_command

    run_command(
        request, data=data, out=out, test=test, sample_submission=sample_submission,
        task_dir=task_dir, time_budget=time_budget, max_trials=max_trials, llm=llm,
        workers=workers, seed=seed, yes=yes, as_json=as_json,
    )  # fmt: skip


@app.command()
def resume(
    out: Annotated[Path, typer.Argument(help="The run directory to continue.")],
    time_budget: Annotated[
        float | None, typer.Option("--time-budget", help="Seconds of search for this session.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Continue a run that stopped or was killed; finished trials are kept and not re-run."""
    from rich.console import Console

    from tunesmith._cli_run import report
    from tunesmith.agent import Assistant

    console = Console(stderr=as_json)
    options = {} if time_budget is None else {"time_budget_s": time_budget}
    try:
        with console.status("Resuming..."):
            Assistant().resume(out, **options)
        report(out, console, as_json)
    except TunesmithError as exc:
        raise _fail(exc) from None


@app.command("llm-info")
def llm_info(llm: LLMOption = None) -> None:
    """Load the LLM backend, say where its weights come from, and send it one short prompt."""
    import time

    from tunesmith.llm import load, parse_spec

    try:
        spec = parse_spec(llm)
        model = load(spec, echo=typer.echo)
        started = time.perf_counter()
        reply = model.invoke("Reply with the single word: ready", max_tokens=8)
    except TunesmithError as exc:
        raise _fail(exc) from None
    typer.echo(
        f"Backend {spec}: replied {str(reply.content).strip()!r} in "
        f"{time.perf_counter() - started:.2f} s"
    )


from tunesmith._cli_runs import runs_app  # noqa: E402

app.add_typer(runs_app, name="runs")

from tunesmith._cli_bench import bench_app  # noqa: E402

app.add_typer(bench_app, name="bench")

from tunesmith._cli_ui import ui  # noqa: E402

app.command("ui")(ui)


def main() -> None:
    """Console-script entry point."""
    app()
