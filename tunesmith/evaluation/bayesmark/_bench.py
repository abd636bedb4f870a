"""``run_benchmark``: problems x optimisers x seeds, scored and written to a run folder."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.bayesmark._methods import check_available, expand_controls
from tunesmith.evaluation.bayesmark._problem import get_problem, list_problems
from tunesmith.evaluation.bayesmark._run import Cell, Evaluation, Progress, dump_config, run_cells
from tunesmith.evaluation.bayesmark._summary import BenchmarkSummary, summarize_run


@dataclasses.dataclass(frozen=True)
class BenchmarkRun:
    """The outcome of :func:`run_benchmark`.

    Attributes:
        summary: The scores (also in ``out/summary.json``).
        evaluations: Every evaluation of every cell.
        files: The files written into the run folder.
        wall_time_s: Wall time of the call (cells read back from ``out`` cost nothing).
        reused: Cells read back from an earlier run instead of being run.
    """

    summary: BenchmarkSummary
    evaluations: list[Evaluation]
    files: list[Path]
    wall_time_s: float
    reused: int


def resolve_problems(spec: str | Sequence[str]) -> list[str]:
    """Problem names from ``all``, ``llambo25`` or a comma-separated list (or a sequence)."""
    names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    out: list[str] = []
    for name in filter(None, names):
        found = list_problems(name) if name in ("all", "llambo25") else [get_problem(name).name]
        out += [n for n in found if n not in out]
    if not out:
        raise ConfigurationError(
            "No problems given. Expected 'all', 'llambo25' or names such as RF-breast-acc."
        )
    return out


def run_benchmark(
    problems: str | Sequence[str],
    optimizers: Sequence[str],
    seeds: Sequence[int],
    out: str | Path,
    *,
    n_init: int = 5,
    n_trials: int = 30,
    jobs: int = 1,
    resume: bool = True,
    on_cell: Progress | None = None,
) -> BenchmarkRun:
    """Run every ``(problem, optimiser, seed)`` cell, score the run and write its report.

    Every optimiser on a ``(problem, seed)`` starts from the same ``n_init`` initial points;
    LLM methods bring their controls along (see ``tunesmith.evaluation.bayesmark._methods``).

    Args:
        problems: ``"all"``, ``"llambo25"``, or problem names (comma-separated or a sequence).
        optimizers: Registered method names (``random``, ``sobol``, ``tpe``, ``gp``, ...).
        seeds: Repetition seeds (non-negative).
        out: The run folder: ``config.json``, ``cells/`` (records per cell),
            ``evaluations.csv``, ``summary.json``, ``summary.csv``, ``per_problem.csv``,
            ``table.md``, ``regret.png``, ``regret_by_problem.png`` and ``timing.json``.
        n_init: Shared initial points per cell.
        n_trials: Evaluations per cell, initial points included.
        jobs: Cells run side by side in this many processes.
        resume: Reuse cells finished in ``out`` by an earlier run with the same settings.
        on_cell: Progress callback ``on_cell(cell, evaluations, reused)``.

    Returns:
        A :class:`BenchmarkRun`.
    """
    start = time.perf_counter()
    names = resolve_problems(problems)
    methods = expand_controls([m.strip() for m in optimizers if m.strip()])
    for m in methods:
        check_available(m)
    if not methods or not seeds or any(s < 0 for s in seeds):
        raise ConfigurationError(
            f"Expected at least one optimiser and non-negative seeds, got optimizers={methods}, "
            f"seeds={list(seeds)}."
        )
    seed_list = list(dict.fromkeys(int(s) for s in seeds))
    folder = Path(out)
    dump_config(folder, {
        "problems": names, "optimizers": methods, "seeds": seed_list, "n_init": n_init,
        "n_trials": n_trials, "jobs": jobs, "python": platform.python_version(),
        "machine": platform.platform(), "cpu_count": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()), "versions": _versions(),
    })  # fmt: skip
    cells: list[Cell] = [(p, m, s) for p in names for s in seed_list for m in methods]
    reused = 0

    def progress(cell: Cell, rows: list[Evaluation], was_reused: bool) -> None:
        nonlocal reused
        reused += was_reused
        if on_cell is not None:
            on_cell(cell, rows, was_reused)

    rows = run_cells(
        cells, n_init=n_init, n_trials=n_trials, out=folder, jobs=jobs, resume=resume,
        on_cell=progress,
    )  # fmt: skip
    summary = summarize_run(
        rows, problems=names, methods=methods, seeds=seed_list, n_init=n_init, n_trials=n_trials
    )
    from tunesmith.evaluation.bayesmark._report import write_report

    files = write_report(folder, rows, summary)
    wall = time.perf_counter() - start
    timing = {
        "wall_time_s": wall, "cells": len(cells), "reused": reused, "jobs": jobs,
        "cpu_count": os.cpu_count(), "load_average_at_end": list(os.getloadavg()),
    }  # fmt: skip
    (folder / "timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    files.append(folder / "timing.json")
    return BenchmarkRun(summary, rows, files, wall, reused)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {name: version(name) for name in ("scikit-learn", "optuna", "numpy", "scipy")}
    for name in ("smac", "ConfigSpace"):  # the in-process peer, where installed
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out
