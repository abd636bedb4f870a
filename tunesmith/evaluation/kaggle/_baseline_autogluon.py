"""The ``autogluon`` reference baseline: the AutoGluon peer's own run, at a given budget.

It is exactly ``bench kaggle --agents autogluon`` on the task (the same child script,
``_peer_autogluon.py``, run by the python of AutoGluon's own environment, which
``scripts/setup_autogluon.sh`` builds; ``TUNESMITH_AUTOGLUON_PYTHON`` names it), with AutoGluon's
``medium_quality`` presets. Its working folder is ``private/autogluon_baseline/``, never handed to
an agent. Like FLAML it searches for a time budget, so what it finds depends on the machine; the
leaderboard records the budget and AutoGluon's best model, and a rebuild keeps it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.core.errors import ConfigurationError
from tunesmith.evaluation.kaggle._agents import AgentTask
from tunesmith.evaluation.kaggle._checks import read_csv_text

if TYPE_CHECKING:
    import pandas as pd

    from tunesmith.evaluation.kaggle._task import TaskInfo

AUTOGLUON_DIR = "autogluon_baseline"
_KEPT = ("time_limit_s", "presets", "best_model", "n_models")


def require_autogluon() -> None:
    """Check that the AutoGluon baseline can run here.

    Raises:
        ConfigurationError: AutoGluon's environment is missing (the message says how to build it).
    """
    from tunesmith.evaluation.kaggle._agent_peers import AutoGluonAgent

    why = AutoGluonAgent().unavailable()
    if why is not None:
        raise ConfigurationError(
            f"The AutoGluon baseline cannot run: {why} (./scripts/setup_autogluon.sh builds "
            "that environment.) Or leave the baseline out (--autogluon-budget 0)."
        )


def autogluon_submission(
    folder: Path, info: TaskInfo, *, budget_s: float, seed: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run the AutoGluon peer on the built task ``folder``; its submission and details.

    Raises:
        ConfigurationError: AutoGluon's environment is missing (the message says how to build it).
        RuntimeError: AutoGluon failed or wrote no submission (the message quotes why).
    """
    from tunesmith.evaluation.kaggle._agent_peers import AutoGluonAgent

    require_autogluon()
    agent = AutoGluonAgent()
    task = AgentTask.from_info(info, folder / "public")
    out = folder / "private" / AUTOGLUON_DIR
    result = agent.solve(task, out, budget_s=budget_s, seed=seed)
    if result.submission is None:
        raise RuntimeError(
            f"The AutoGluon baseline on {info.name} failed ({budget_s:g} s budget): "
            f"{result.error}. Its log is in {out}."
        )
    details = {k: result.details[k] for k in _KEPT if k in result.details}
    details["wall_s"] = result.wall_s
    return read_csv_text(result.submission), details
