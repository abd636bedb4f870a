"""The ``flaml`` reference baseline: the FLAML peer's own run, at a given budget.

It is exactly ``bench kaggle --agents flaml`` on the task (the same child process,
``_peer_flaml``, the same settings and threads), run by the harness with the baselines' seed.
Its working folder is ``private/flaml_baseline/`` (never handed to an agent): the submission it
was scored on and ``agent_result.json`` (FLAML's best learner, its configuration, its number of
trials). FLAML searches for a time budget, so the trials it gets through depend on the machine
and its load: the leaderboard records the budget and what FLAML found, and a rebuild keeps a
stored leaderboard instead of running FLAML again (see ``build_task``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.evaluation.kaggle._agents import AgentTask
from tunesmith.evaluation.kaggle._checks import read_csv_text

if TYPE_CHECKING:
    import pandas as pd

    from tunesmith.evaluation.kaggle._task import TaskInfo

# The budget the public suite is benchmarked at (docs/benchmarks.md), in seconds.
FLAML_BUDGET_S = 120.0
FLAML_DIR = "flaml_baseline"
_KEPT = ("time_budget_s", "fit_s", "best_estimator", "best_config", "best_loss", "n_trials")


def flaml_submission(
    folder: Path, info: TaskInfo, *, budget_s: float, seed: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run the FLAML peer on the built task ``folder``; its submission (as text) and details.

    Raises:
        RuntimeError: FLAML failed or wrote no submission (the message quotes why).
    """
    from tunesmith.evaluation.kaggle._agent_peers import flaml_agent

    task = AgentTask.from_info(info, folder / "public")
    out = folder / "private" / FLAML_DIR
    result = flaml_agent().solve(task, out, budget_s=budget_s, seed=seed)
    if result.submission is None:
        raise RuntimeError(
            f"The FLAML baseline on {info.name} failed ({budget_s:g} s budget): {result.error}. "
            f"Its log is in {out}. Fix: check that flaml is installed (pip install "
            "'tunesmith[bench]'), or build without it (flaml_budget_s=None, --flaml-budget 0)."
        )
    details = {k: result.details[k] for k in _KEPT if k in result.details}
    details["wall_s"] = result.wall_s
    return read_csv_text(result.submission), details
