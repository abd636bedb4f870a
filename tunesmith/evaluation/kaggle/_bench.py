"""``run_kaggle_bench``: tasks x agents x seeds, each solved within a budget and graded.

The run folder::

    OUT/suite/<task>/         the built tasks (public/ for agents, private/ for the grader)
    OUT/runs/<task>__<agent>__<seed>/   each agent's working folder and its agent.log
    OUT/cells/<task>__<agent>__<seed>.json   each finished cell, written as it finishes
    OUT/results.csv, results.jsonl, summary.json, table.md   rewritten after every cell
    OUT/config.json           the settings, machine and load average at the start

A killed benchmark loses only the cell it was running: a run with the same settings reads the
finished cells back (``resume=True``) instead of solving them again, and grades their scores
again against the task's current thresholds (a baseline added later, such as AutoGluon, moves
the medals and normalised scores of stored cells too). A cell is reused only
with the same budget and agent settings (e.g. the same ``--llm``). An agent that cannot run
here (e.g. AutoGluon without its environment) gets rows marked unavailable, never kept, so a
later run tries it again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.kaggle._agents import Agent, AgentResult, AgentTask
from tunesmith.evaluation.kaggle._baseline_autogluon import require_autogluon
from tunesmith.evaluation.kaggle._bench_report import write_report
from tunesmith.evaluation.kaggle._bench_summary import CellRow, normalised_score
from tunesmith.evaluation.kaggle._build import BuiltTask, build_task
from tunesmith.evaluation.kaggle._catalogue import get_task, list_tasks
from tunesmith.evaluation.kaggle._grade import grade
from tunesmith.evaluation.kaggle._medals import medal_for
from tunesmith.evaluation.kaggle._registry import AgentOptions, check_agents, make_agent

Cell = tuple[str, str, int]
OnCell = Callable[[Cell, "CellRow | None", bool], None]
"""``on_cell(cell, row, reused)``: called with row None when a cell starts, then with its row."""


@dataclasses.dataclass(frozen=True)
class KaggleBench:
    """The outcome of :func:`run_kaggle_bench`.

    Attributes:
        rows: One row per cell, in run order. agents: The agents, first one first.
        files: The result files written. wall_time_s: Wall time of the call.
        reused: Cells read back from an earlier run.
    """

    rows: list[CellRow]
    agents: list[str]
    files: list[Path]
    wall_time_s: float
    reused: int


def resolve_tasks(spec: str | Sequence[str]) -> list[str]:
    """Task names from ``"all"`` or a comma-separated list (or a sequence of names).

    Raises:
        ConfigurationError: An unknown task (with close matches), or none given.
    """
    names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for name in filter(None, names):
        found = list_tasks() if name == "all" else [get_task(name).name]
        out += [n for n in found if n not in out]
    if not out:
        raise ConfigurationError(f"No tasks given. Expected 'all' or names: {list_tasks()}.")
    return out


def settings_of(agent: Agent) -> dict[str, Any]:
    """An agent's settings as JSON (its dataclass fields; empty for other objects)."""
    if dataclasses.is_dataclass(agent) and not isinstance(agent, type):
        return json.loads(json.dumps(dataclasses.asdict(agent), default=str))
    return {}


def cell_path(out: Path, cell: Cell) -> Path:
    """Where a finished cell's row is stored."""
    return out / "cells" / f"{cell[0]}__{cell[1]}__{cell[2]}.json"


def _read_cell(path: Path, budget_s: float, settings: dict[str, Any]) -> CellRow | None:
    try:
        row = CellRow.model_validate_json(path.read_text())
    except (OSError, ValueError):
        return None
    return row if (row.budget_s, row.settings) == (budget_s, settings) else None


def grade_result(built: BuiltTask, result: AgentResult, seed: int, budget_s: float,
                 settings: dict[str, Any], load: tuple[float, float]) -> CellRow:  # fmt: skip
    """The row of one solved cell: the agent's result graded on the private answers."""
    board = built.leaderboard
    constant = board.score_of("constant") if board else None
    best = board.thresholds.silver if board else None
    fields: dict[str, Any] = {"valid": False, "error": result.error}
    if result.submission is not None:
        graded = grade(built.path, result.submission)
        fields = {"valid": graded.valid, "score": graded.score, "medal": graded.medal,
                  "error": graded.error}  # fmt: skip
        if graded.score is not None and constant is not None and best is not None:
            fields["normalised"] = normalised_score(graded.score, constant, best)
    return CellRow(
        task=built.name, agent=result.agent, seed=seed, budget_s=budget_s,
        metric=built.info.metric, greater_is_better=built.info.greater_is_better,
        constant=constant, best_baseline=best, wall_s=result.wall_s,
        prompt_tokens=result.prompt_tokens, completion_tokens=result.completion_tokens,
        settings=settings, details=result.details, load_1m=load, **fields,
    )  # fmt: skip


def regrade(row: CellRow, built: BuiltTask) -> CellRow:
    """A stored row graded again against ``built``'s thresholds; its score stays as it is."""
    if not row.valid or row.score is None:
        return row
    board = built.leaderboard
    constant = board.score_of("constant") if board else None
    best = board.thresholds.silver if board else None
    normalised = None
    if constant is not None and best is not None:
        normalised = normalised_score(row.score, constant, best)
    medal = medal_for(row.score, row.metric, board.thresholds) if board else None
    update = {"medal": medal, "normalised": normalised, "constant": constant,
              "best_baseline": best}  # fmt: skip
    return row.model_copy(update=update)


def _store(out: Path, row: CellRow) -> None:
    path = cell_path(out, (row.task, row.agent, row.seed))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(row.model_dump_json(indent=2) + "\n")
    os.replace(partial, path)


def _unavailable(built: BuiltTask, name: str, seed: int, budget_s: float, why: str) -> CellRow:
    return CellRow(task=built.name, agent=name, seed=seed, budget_s=budget_s,
                   metric=built.info.metric, greater_is_better=built.info.greater_is_better,
                   status="unavailable", valid=False, error=why)  # fmt: skip


def _solve(agent: Agent, built: BuiltTask, out: Path, seed: int, budget_s: float) -> CellRow:
    task = AgentTask.from_info(built.info, built.public_dir)
    work = out / "runs" / f"{built.name}__{agent.name}__{seed}"
    before = os.getloadavg()[0]
    result = agent.solve(task, work, budget_s=budget_s, seed=seed)
    if result.agent != agent.name:  # rows are keyed by the registry's name
        result = result.model_copy(update={"agent": agent.name})
    load = (round(before, 2), round(os.getloadavg()[0], 2))
    return grade_result(built, result, seed, budget_s, settings_of(agent), load)


def _run_cell(agent: Agent, why: str | None, built: BuiltTask, out: Path, seed: int,
              budget_s: float) -> CellRow:  # fmt: skip
    """Solve and grade one cell and store its row; an unavailable agent's row is not stored."""
    if why:
        return _unavailable(built, agent.name, seed, budget_s, why)
    row = _solve(agent, built, out, seed, budget_s)
    _store(out, row)
    return row


def _write_config(out: Path, config: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    machine = {
        "python": platform.python_version(),
        "machine": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
    }
    (out / "config.json").write_text(json.dumps(config | machine, indent=2) + "\n")


def run_kaggle_bench(
    out: str | os.PathLike[str],
    *,
    tasks: str | Sequence[str] = "all",
    agents: Sequence[str] = ("tunesmith", "flaml"),
    budget_s: float = 120.0,
    seeds: Sequence[int] = (0,),
    options: AgentOptions | None = None,
    resume: bool = True,
    on_cell: OnCell | None = None,
    autogluon_baseline: bool = False,
) -> KaggleBench:
    """Solve every (task, agent, seed) cell within ``budget_s``, grade it, write the report.

    The suite is built (with its reference baselines) into ``out/suite`` with split seed 0, so
    every run scores on the same public suite; ``seeds`` seed the agents. The baselines' FLAML
    run gets ``budget_s`` too, once per task (the leaderboard is kept for later runs at the
    same budget), and so does the AutoGluon baseline where ``autogluon_baseline`` asks for it.

    Args:
        out: The run folder (see the module docstring).
        tasks: ``"all"`` or task names (comma-separated or a sequence).
        agents: Registered agent names (see ``list_agents``); the first is compared with the
            others in the wins table.
        budget_s: Seconds each agent gets for a whole task (process start to submission).
        seeds: Agent seeds (non-negative).
        options: Settings for the agents (LLM spec, workers).
        resume: Reuse cells finished in ``out`` with the same budget and agent settings.
        on_cell: Progress callback (see :data:`OnCell`).
        autogluon_baseline: Add AutoGluon (``medium_quality``, ``budget_s``) to the reference
            baselines that set the medal thresholds; it needs AutoGluon's environment
            (``scripts/setup_autogluon.sh``).

    Raises:
        ConfigurationError: Unknown task or agent, no agents or seeds, or a budget <= 0; or
            the AutoGluon baseline asked for without its environment.
    """
    started = time.perf_counter()
    names = resolve_tasks(tasks)
    agent_names = list(dict.fromkeys(a.strip() for a in agents if a.strip()))
    check_agents(agent_names)
    seed_list = list(dict.fromkeys(int(s) for s in seeds))
    if not agent_names or not seed_list or any(s < 0 for s in seed_list) or budget_s <= 0:
        raise ConfigurationError(
            f"Expected at least one agent, non-negative seeds and a budget > 0; got agents="
            f"{agent_names}, seeds={seed_list}, budget_s={budget_s}."
        )
    if autogluon_baseline:
        require_autogluon()
    folder = Path(out)
    _write_config(
        folder,
        {
            "tasks": names,
            "agents": agent_names,
            "budget_s": budget_s,
            "seeds": seed_list,
            "options": dataclasses.asdict(options or AgentOptions()),
            "autogluon_baseline": autogluon_baseline,
        },
    )
    # The leaderboards' FLAML baseline gets the agents' budget ("FLAML at the same budget").
    autogluon_s = budget_s if autogluon_baseline else None
    suite = folder / "suite"
    built = {}
    for n in names:
        built[n] = build_task(n, suite, seed=0, baselines=True, flaml_budget_s=budget_s,
                              autogluon_budget_s=autogluon_s)  # fmt: skip
    made = {a: make_agent(a, options) for a in agent_names}
    missing = {a: made[a].unavailable() for a in agent_names}
    rows: list[CellRow] = []
    files: list[Path] = []
    reused = 0
    for cell in [(t, a, s) for t in names for s in seed_list for a in agent_names]:
        task, name, seed = cell
        row = (
            None
            if missing[name] or not resume
            else _read_cell(cell_path(folder, cell), budget_s, settings_of(made[name]))
        )
        was_reused = row is not None
        if row is not None:
            graded = regrade(row, built[task])
            if graded != row:
                _store(folder, graded)
            row = graded
        else:
            if on_cell is not None:
                on_cell(cell, None, False)
            row = _run_cell(made[name], missing[name], built[task], folder, seed, budget_s)
        reused += was_reused
        rows.append(row)
        files = write_report(folder, rows, agent_names)
        if on_cell is not None:
            on_cell(cell, row, was_reused)
    return KaggleBench(rows, agent_names, files, time.perf_counter() - started, reused)
