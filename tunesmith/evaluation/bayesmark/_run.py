"""Run benchmark cells ``(problem, method, seed)``, in parallel processes, resumably.

Each cell writes its evaluations as JSON lines to ``OUT/cells/<problem>__<method>__<seed>.jsonl``
once it has finished; a later run with the same settings reads finished cells instead of
running them again.
"""

from __future__ import annotations

import json
import math
import os
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from tunesmith.core import TrialResult
from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.bayesmark._methods import check_available, get_method
from tunesmith.evaluation.bayesmark._problem import BayesmarkProblem, get_problem


class Evaluation(BaseModel):
    """One evaluation of one cell, as written to the records.

    Attributes:
        problem: The problem's name.
        method: The optimiser's name.
        seed: The repetition's seed.
        index: 0-based position in the cell (``index < n_init`` are the shared initial points).
        initial: Whether it is one of the shared initial points.
        params: The configuration.
        loss: The CV objective (what the optimiser minimises); None if the evaluation failed.
        generalization: The holdout loss of the same configuration; None if it failed.
        duration_s: Seconds spent evaluating (objective and holdout).
        error: Why it failed, or None.
        n_init: The cell's number of initial points.
        n_trials: The cell's number of evaluations in all.
        source: Where an LLM sampler's configuration came from (``"llm-warm-start"``,
            ``"gp-llm-scored"``, ``"llm-candidate"``, ``"fallback"``, ...); None for the
            shared initial points and for methods that record none.
        llm_weight: The LLM surrogate's weight in the mixture when the configuration was
            chosen (0: the LLM had no say); None where ``source`` is None.
    """

    model_config = ConfigDict(frozen=True)

    problem: str
    method: str
    seed: int
    index: int
    initial: bool
    params: dict[str, Any]
    loss: float | None
    generalization: float | None
    duration_s: float
    error: str | None = None
    n_init: int
    n_trials: int
    source: str | None = None
    llm_weight: float | None = None


def _stream(seed: int, *salt: str) -> int:
    words = [seed, *(zlib.crc32(s.encode()) for s in salt)]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


def initial_points(problem: BayesmarkProblem, seed: int, n_init: int) -> list[dict[str, Any]]:
    """The ``n_init`` initial configurations every method starts from on ``(problem, seed)``.

    Drawn uniformly from the space (log-uniform on log-scale parameters) with a numpy RNG
    seeded from ``(seed, problem name)``, so they depend on nothing else.
    """
    return problem.space.sample(n_init, seed=_stream(seed, problem.name, "init"))


def _evaluate(problem: BayesmarkProblem, params: dict[str, Any]) -> tuple[float, float]:
    loss = problem.evaluate(params)
    if math.isnan(loss):
        raise ValueError("the objective is not finite (a diverged model)")
    return loss, problem.generalization(params)


def run_cell(
    problem_name: str, method_name: str, seed: int, n_init: int, n_trials: int
) -> list[Evaluation]:
    """Run one cell: enqueue the shared initial points (unless the method makes its own),
    then ask/tell up to ``n_trials``.

    Args:
        problem_name: A Bayesmark problem name.
        method_name: A registered method name.
        seed: The repetition's seed (initial points and optimiser seed derive from it).
        n_init: Shared initial points, evaluated first.
        n_trials: Evaluations in all, initial points included.

    Returns:
        The ``n_trials`` evaluations, in order.
    """
    import optuna
    from threadpoolctl import threadpool_limits

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # one "study created" line per cell
    problem = get_problem(problem_name)
    method = get_method(method_name)
    opt = method.build(problem, _stream(seed, problem.name, "opt"), n_init)
    shared = not method.own_init
    for config in initial_points(problem, seed, n_init) if shared else []:
        opt.enqueue(config)
    for config in method.after_init(problem) if method.after_init else []:
        opt.enqueue(config)
    out = []
    with threadpool_limits(limits=1):  # cells run side by side; one thread each
        for index in range(n_trials):
            spec = opt.ask()
            info = _sampler_info(opt, spec.number)
            t0 = time.perf_counter()
            loss = gen = error = None
            try:
                loss, gen = _evaluate(problem, spec.params)
            except Exception as exc:  # a failed evaluation is a result, as in Bayesmark
                error = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - t0
            opt.tell(
                TrialResult.complete(spec, loss, elapsed)
                if loss is not None
                else TrialResult.failed(spec, error or "failed", elapsed)
            )
            out.append(
                Evaluation(
                    problem=problem.name,
                    method=method_name,
                    seed=seed,
                    index=index,
                    initial=shared and index < n_init,
                    params=spec.params,
                    loss=loss,
                    generalization=gen,
                    duration_s=elapsed,
                    error=error,
                    n_init=n_init,
                    n_trials=n_trials,
                    source=info.get("source"),
                    llm_weight=info.get("llm_weight"),
                )
            )
    return out


def _sampler_info(opt: Any, number: int) -> dict[str, Any]:
    """What an LLM sampler recorded for trial ``number`` ({} for other optimisers)."""
    reader = getattr(opt, "sampler_info", None)
    info = reader(number) if callable(reader) else None
    return info or {}


def cell_path(out: Path, problem: str, method: str, seed: int) -> Path:
    """Where a cell's evaluations are stored under the run folder ``out``."""
    return out / "cells" / f"{problem}__{method}__{seed}.jsonl"


def read_cell(path: Path, n_init: int, n_trials: int) -> list[Evaluation] | None:
    """A finished cell's evaluations, or None if the file is missing or was run differently."""
    if not path.is_file():
        return None
    try:
        rows = [Evaluation.model_validate_json(line) for line in path.read_text().splitlines()]
    except ValueError:
        return None
    if len(rows) != n_trials or any((r.n_init, r.n_trials) != (n_init, n_trials) for r in rows):
        return None
    return rows


def write_cell(path: Path, rows: Sequence[Evaluation]) -> None:
    """Write a finished cell atomically (a reader never sees half a cell)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text("".join(r.model_dump_json() + "\n" for r in rows))
    os.replace(tmp, path)


Cell = tuple[str, str, int]
Progress = Callable[[Cell, list[Evaluation], bool], None]


def run_cells(
    cells: Sequence[Cell],
    *,
    n_init: int,
    n_trials: int,
    out: Path,
    jobs: int = 1,
    resume: bool = True,
    on_cell: Progress | None = None,
) -> list[Evaluation]:
    """Run (or read back) every cell and return all their evaluations.

    Args:
        cells: ``(problem, method, seed)`` triples.
        n_init: Shared initial points per cell.
        n_trials: Evaluations per cell, initial points included.
        out: The run folder (cells are stored in ``out/cells``).
        jobs: Worker processes; 1 runs in this process.
        resume: Read cells already finished in ``out`` instead of running them.
        on_cell: Called as ``on_cell(cell, evaluations, reused)`` after each cell.

    Returns:
        The evaluations of every cell, in the order of ``cells``.
    """
    if not 0 < n_init <= n_trials:
        raise ConfigurationError(
            f"Expected 0 < n_init <= n_trials, got n_init={n_init}, n_trials={n_trials}. "
            "Fix: n_trials counts every evaluation, the initial points included."
        )
    if jobs < 1:
        raise ConfigurationError(f"jobs must be at least 1, got {jobs}.")
    for problem, _, _ in cells:  # fail before any work on a bad name or a missing peer
        get_problem(problem)
    for name in dict.fromkeys(method for _, method, _ in cells):
        check_available(name)
    done: dict[Cell, list[Evaluation]] = {}
    todo = []
    for cell in cells:
        rows = read_cell(cell_path(out, *cell), n_init, n_trials) if resume else None
        if rows is None:
            todo.append(cell)
        else:
            done[cell] = rows
            if on_cell is not None:
                on_cell(cell, rows, True)

    def finish(cell: Cell, rows: list[Evaluation]) -> None:
        write_cell(cell_path(out, *cell), rows)
        done[cell] = rows
        if on_cell is not None:
            on_cell(cell, rows, False)

    if jobs == 1 or len(todo) <= 1:
        for cell in todo:
            finish(cell, run_cell(*cell, n_init, n_trials))
    else:
        _run_parallel(todo, n_init, n_trials, jobs, finish)
    return [row for cell in cells for row in done[cell]]


def _run_parallel(
    todo: Sequence[Cell],
    n_init: int,
    n_trials: int,
    jobs: int,
    finish: Callable[[Cell, list[Evaluation]], None],
) -> None:
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
        pending = {pool.submit(run_cell, *cell, n_init, n_trials): cell for cell in todo}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    finish(pending.pop(future), future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def dump_config(out: Path, config: dict[str, Any]) -> None:
    """Write the run's settings to ``out/config.json``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
