"""Write the suite's folders, in the layout of MLE-bench's prepared competitions.

::

    OUT/<task>/public/description.md        the request, data notes and submission format
    OUT/<task>/public/train.csv             id, features, target
    OUT/<task>/public/test.csv              id, features (no target)
    OUT/<task>/public/sample_submission.csv id, target (a constant prediction)
    OUT/<task>/private/answers.csv          id, target
    OUT/<task>/private/task.json            metric, target, id column, task type, ...
    OUT/<task>/private/leaderboard.json     baselines and medal thresholds (run_baselines)
    OUT/<task>/private/flaml_baseline/      the FLAML baseline's submission and record
    OUT/<task>/private/autogluon_baseline/  the AutoGluon baseline's, where it was asked for

An agent gets only ``public/``. Rebuilding is idempotent: a file whose bytes are unchanged is
not rewritten, and a leaderboard computed for other data (or by another medal rule) is removed.
A stored leaderboard with another AutoGluon budget keeps its other baselines: only AutoGluon is
run again (or dropped) and the thresholds derived again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from tunesmith.evaluation.kaggle._baseline_flaml import FLAML_BUDGET_S
from tunesmith.evaluation.kaggle._baselines import run_baselines, set_autogluon_baseline
from tunesmith.evaluation.kaggle._catalogue import TASKS, get_task
from tunesmith.evaluation.kaggle._grade import load_leaderboard
from tunesmith.evaluation.kaggle._medals import RULE, Leaderboard
from tunesmith.evaluation.kaggle._prepare import prepare
from tunesmith.evaluation.kaggle._task import KaggleTask, TaskInfo


class BuiltTask(BaseModel):
    """A task written to disk.

    Attributes:
        name: The task's name.
        path: The task folder (holding ``public/`` and ``private/``).
        info: The task's record (as in ``private/task.json``).
        leaderboard: Its baselines and medal thresholds, if they were run.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    path: str
    info: TaskInfo
    leaderboard: Leaderboard | None = None

    @property
    def public_dir(self) -> Path:
        """The folder to hand to an agent."""
        return Path(self.path) / "public"


def _write(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def build_task(
    task: str | KaggleTask,
    out_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    baselines: bool = False,
    n_jobs: int = 1,
    flaml_budget_s: float | None = FLAML_BUDGET_S,
    autogluon_budget_s: float | None = None,
) -> BuiltTask:
    """Write one task into ``out_dir/<task name>``.

    Args:
        task: A task or its name (see ``list_tasks``).
        out_dir: The suite folder.
        seed: Seed of the shuffle, the split and any subsample (and of the baselines).
        baselines: Also run the reference baselines (kept if already run on the same data,
            seed, rule and FLAML budget).
        n_jobs: Threads for the RandomForest baseline.
        flaml_budget_s: FLAML's budget as a baseline (None: no FLAML baseline).
        autogluon_budget_s: AutoGluon's budget as a baseline (None, the default: none).

    Raises:
        ConfigurationError: Unknown task name, or AutoGluon asked for without its environment.
        MissingExtraError: The package that ships the task's data is not installed.
    """
    spec = get_task(task) if isinstance(task, str) else task
    folder = Path(out_dir) / spec.name
    prepared = prepare(spec, seed)
    for relative, data in prepared.files.items():
        _write(folder / relative, data)
    board = load_leaderboard(folder, prepared.info)
    stale = folder / "private" / "leaderboard.json"
    other_budget = baselines and board is not None and board.flaml_budget_s != flaml_budget_s
    if board is None or board.seed != seed or board.rule != RULE or other_budget:
        stale.unlink(missing_ok=True)
        board = None
        if baselines:
            board = run_baselines(
                folder, seed=seed, n_jobs=n_jobs, flaml_budget_s=flaml_budget_s,
                autogluon_budget_s=autogluon_budget_s,
            )  # fmt: skip
    elif baselines and board.autogluon_budget_s != autogluon_budget_s:
        board = set_autogluon_baseline(folder, board, autogluon_budget_s)
    return BuiltTask(name=spec.name, path=str(folder), info=prepared.info, leaderboard=board)


def build_suite(
    out_dir: str | os.PathLike[str],
    tasks: Sequence[str | KaggleTask] | None = None,
    seed: int = 0,
    *,
    baselines: bool = False,
    n_jobs: int = 1,
    flaml_budget_s: float | None = FLAML_BUDGET_S,
    autogluon_budget_s: float | None = None,
) -> list[BuiltTask]:
    """Write the suite (or some of its tasks) into ``out_dir``, one folder per task.

    Args:
        out_dir: The suite folder; created if missing.
        tasks: Tasks or task names; None for every task of the suite.
        seed: Seed of the shuffles, splits and subsamples.
        baselines: Also run each task's reference baselines.
        n_jobs: Threads for the RandomForest baselines.
        flaml_budget_s: FLAML's budget as a baseline (None: no FLAML baseline).
        autogluon_budget_s: AutoGluon's budget as a baseline (None, the default: none).

    Returns:
        The tasks written, in the order given.

    Raises:
        ConfigurationError: An unknown task name (nothing is written then).
        MissingExtraError: A package that ships a task's data is not installed.
    """
    specs = [get_task(t) if isinstance(t, str) else t for t in (tasks or TASKS)]
    built = []
    for spec in specs:
        task = build_task(
            spec, out_dir, seed=seed, baselines=baselines, n_jobs=n_jobs,
            flaml_budget_s=flaml_budget_s, autogluon_budget_s=autogluon_budget_s,
        )  # fmt: skip
        built.append(task)
    return built
