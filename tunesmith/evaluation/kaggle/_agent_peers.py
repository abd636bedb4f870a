"""The built-in agents: tunesmith itself, FLAML, plain Optuna TPE and AutoGluon.

Each runs as a child process (see ``_agents.run_child``) in a fresh ``out_dir``:

- ``tunesmith``: ``tunesmith run --task-dir PUBLIC --time-budget B --llm SPEC --yes --json``;
  it reads description.md, as a person's request, and nothing else.
- ``flaml``: FLAML AutoML with the task's metric (``_peer_flaml``).
- ``optuna-tpe``: TPE over tunesmith's learner catalogue, no LLM (``_peer_tpe``).
- ``autogluon``: AutoGluon's TabularPredictor (``_peer_autogluon.py``), run by the python of
  a virtual environment of its own (``TUNESMITH_AUTOGLUON_PYTHON``; ``scripts/setup_autogluon.sh``
  builds it): AutoGluon pins its own LightGBM, CatBoost and XGBoost and moves its pins between
  releases, so it is never a dependency of tunesmith.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tunesmith.evaluation.kaggle._agents import (
    AgentResult,
    AgentTask,
    ChildOutcome,
    hard_limit,
    read_result,
    run_child,
    write_spec,
)

AUTOGLUON_PYTHON_ENV = "TUNESMITH_AUTOGLUON_PYTHON"
AUTOGLUON_SCRIPT = Path(__file__).with_name("_peer_autogluon.py")


def fresh_dir(out_dir: Path) -> Path:
    """Empty ``out_dir`` (a cell run again starts over, never resumes a killed attempt)."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    return out_dir


def _result(
    name: str, outcome: ChildOutcome, limit: float, submission: Path, **extra: Any
) -> AgentResult:
    error = outcome.error(limit)
    present = submission.is_file() and error is None
    if error is None and not present:
        error = f"exited with 0 but wrote no {submission.name}"
    return AgentResult(
        agent=name, submission=str(submission) if present else None, error=error,
        wall_s=round(outcome.wall_s, 2), **extra,
    )  # fmt: skip


@dataclasses.dataclass
class PeerAgent:
    """A peer whose child is a Python module or script reading ``agent_task.json``.

    Args:
        name: The agent's name in the registry.
        module: Run as ``python -m MODULE SPEC``; or None with ``script``.
        script: Run as ``python SCRIPT SPEC`` (a file that imports no tunesmith).
        python: The interpreter (default: this one).
        settings: Extra fields written into the spec (e.g. ``n_jobs``).
    """

    name: str
    module: str | None = None
    script: Path | None = None
    python: str = sys.executable
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)

    def unavailable(self) -> str | None:
        """None: this Python's packages are checked when the child imports them."""
        return None

    def solve(self, task: AgentTask, out_dir: Path, *, budget_s: float, seed: int) -> AgentResult:
        """Run the child on ``task``; it writes ``out_dir/submission.csv``."""
        out = fresh_dir(Path(out_dir))
        spec = write_spec(out, task, budget_s=budget_s, seed=seed, **self.settings)
        target = ["-m", self.module] if self.module else [str(self.script)]
        limit = hard_limit(budget_s)
        outcome = run_child([self.python, *target, str(spec)], out, limit_s=limit)
        details = read_result(out)
        result = _result(self.name, outcome, limit, out / "submission.csv", details=details)
        if result.error and details.get("error"):
            return result.model_copy(update={"error": str(details["error"])})
        return result


def flaml_agent() -> PeerAgent:
    """FLAML AutoML (``_peer_flaml``)."""
    return PeerAgent("flaml", module="tunesmith.evaluation.kaggle._peer_flaml")


def tpe_agent() -> PeerAgent:
    """Plain Optuna TPE over tunesmith's learners (``_peer_tpe``)."""
    return PeerAgent("optuna-tpe", module="tunesmith.evaluation.kaggle._peer_tpe")


@dataclasses.dataclass
class AutoGluonAgent(PeerAgent):
    """AutoGluon from its own virtual environment (see the module docstring)."""

    name: str = "autogluon"
    script: Path | None = dataclasses.field(default_factory=lambda: AUTOGLUON_SCRIPT)
    python: str = dataclasses.field(default_factory=lambda: os.getenv(AUTOGLUON_PYTHON_ENV, ""))

    def unavailable(self) -> str | None:
        """Why AutoGluon cannot run: no interpreter given, or it lacks autogluon.tabular."""
        fix = (
            f"Fix: run ./scripts/setup_autogluon.sh (or pip install autogluon.tabular in a "
            f"virtual environment) and set {AUTOGLUON_PYTHON_ENV}=/path/to/that/venv/bin/python."
        )
        if not self.python:
            return f"not installed: {AUTOGLUON_PYTHON_ENV} is not set. {fix}"
        if not Path(self.python).is_file():
            return f"not installed: {AUTOGLUON_PYTHON_ENV}={self.python} does not exist. {fix}"
        check = [self.python, "-c", "import autogluon.tabular"]
        done = subprocess.run(check, capture_output=True, text=True, timeout=300, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return f"not installed: {self.python} cannot import autogluon.tabular ({last}). {fix}"
        return None


@dataclasses.dataclass
class TunesmithAgent:
    """``tunesmith run`` on the public folder, with an LLM spec and a number of workers.

    Args:
        llm: The LLM spec (``embedded``, ``gguf:PATH``, ``openai:URL#MODEL``, ...).
        workers: Trials at once (``--workers``).
    """

    llm: str = "embedded"
    workers: int = 1
    name: str = "tunesmith"

    def unavailable(self) -> str | None:
        """None: the LLM is loaded (and any error reported) by the run itself."""
        return None

    def solve(self, task: AgentTask, out_dir: Path, *, budget_s: float, seed: int) -> AgentResult:
        """Run ``tunesmith run`` in a child process; read its run directory back."""
        out = fresh_dir(Path(out_dir))
        run_dir = out / "run"
        command = [
            sys.executable, "-m", "tunesmith", "run", "--task-dir", str(task.public_dir),
            "--out", str(run_dir), "--time-budget", f"{budget_s:g}", "--llm", self.llm,
            "--workers", str(self.workers), "--seed", str(seed), "--yes", "--json",
        ]  # fmt: skip
        limit = hard_limit(budget_s)
        outcome = run_child(command, out, limit_s=limit)
        prompt, completion, details = _run_record(run_dir)
        details["llm"] = self.llm
        return _result(
            self.name, outcome, limit, run_dir / "submission.csv", prompt_tokens=prompt,
            completion_tokens=completion, details=details,
        )  # fmt: skip


def _run_record(run_dir: Path) -> tuple[int | None, int | None, dict[str, Any]]:
    """LLM tokens (None where the run recorded none) and facts about a tunesmith run."""
    from tunesmith.agent import read_events, read_overview
    from tunesmith.core import TunesmithError

    try:
        overview = read_overview(run_dir)
    except (TunesmithError, OSError, ValueError):  # no run there, or a half-written one
        return None, None, {}
    details = overview.model_dump(include={"state", "n_complete", "n_failed", "best_learner",
                                           "best_value", "wall_time_s", "llm_calls"})  # fmt: skip
    totals = {"prompt_tokens": 0, "completion_tokens": 0}
    seen = False
    for event in read_events(run_dir / "events.jsonl"):
        calls = event.payload.get("llm_calls")
        for record in [event.payload, *(calls if isinstance(calls, list) else [])]:
            for key in totals:
                value = record.get(key) if isinstance(record, dict) else None
                if isinstance(value, int) and not isinstance(value, bool):
                    totals[key] += value
                    seen = True
    if not seen:
        return None, None, details
    return totals["prompt_tokens"], totals["completion_tokens"], details
