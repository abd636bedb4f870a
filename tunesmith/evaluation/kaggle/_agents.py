"""The agent interface of ``bench kaggle``: a task folder and a budget in, a submission out.

An agent is anything with a ``name``, an ``unavailable()`` check and
``solve(task, out_dir, budget_s=..., seed=...) -> AgentResult``. It reads only
``task.public_dir`` (description.md, train.csv, test.csv, sample_submission.csv) and writes its
submission under ``out_dir``. ``AgentTask`` also carries the facts description.md states in
words (target, metric, prediction format), for peers that are configured rather than told,
as a person would set up FLAML after reading the description. The answers are never given.

Agents run as child processes (:func:`run_child`), so a stuck one is killed at a hard limit and
one that crashes cannot take the benchmark down.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.evaluation.kaggle._task import Prediction, TaskInfo, load_task_info
from tunesmith.learners import MetricName, TaskType

SPEC_FILE = "agent_task.json"
RESULT_FILE = "agent_result.json"
LOG_FILE = "agent.log"


@dataclasses.dataclass(frozen=True)
class AgentTask:
    """What an agent is given: the public folder and what its description.md states.

    Attributes:
        name: The task's name.
        public_dir: ``OUT/<task>/public``.
        target: The column to predict. id_column: The id column.
        task_type: ``"binary"``, ``"multiclass"`` or ``"regression"``.
        metric: The metric (as ``tunesmith.learners`` names it).
        prediction: What the submission's target column holds: probability, label or value.
        positive_label: Binary tasks: the positive class; None otherwise.
        labels: Classification: every class, as text, sorted; empty for regression.
    """

    name: str
    public_dir: Path
    target: str
    id_column: str
    task_type: TaskType
    metric: MetricName
    prediction: Prediction
    positive_label: str | None
    labels: tuple[str, ...]

    @classmethod
    def from_info(cls, info: TaskInfo, public_dir: Path) -> AgentTask:
        """The task as an agent sees it, from the grader's record (no answers in it)."""
        return cls(
            name=info.name, public_dir=Path(public_dir), target=info.target,
            id_column=info.id_column, task_type=info.task_type, metric=info.metric,
            prediction=info.prediction, positive_label=info.positive_label, labels=info.labels,
        )  # fmt: skip

    @classmethod
    def from_task_dir(cls, task_dir: str | os.PathLike[str]) -> AgentTask:
        """The task of a built folder ``OUT/<task>`` (see ``tunesmith bench tasks``)."""
        info = load_task_info(task_dir)
        return cls.from_info(info, Path(task_dir) / "public")

    def to_json(self) -> dict[str, Any]:
        """The task as JSON (paths as text), for a child process."""
        record = dataclasses.asdict(self)
        record["public_dir"] = str(self.public_dir)
        record["labels"] = list(self.labels)
        return record


class AgentResult(BaseModel):
    """What one ``solve`` produced.

    Attributes:
        agent: The agent's name.
        submission: The submission CSV it wrote, or None.
        error: Why there is no submission (or what went wrong), else None.
        wall_s: Wall seconds of the whole job (process start, model load, search, predict).
        prompt_tokens: LLM prompt tokens, None when the agent uses no LLM or did not record
            them. completion_tokens: Likewise for completion tokens.
        details: Anything else the agent reports (trials, chosen model, LLM spec).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    agent: str
    submission: str | None
    error: str | None = None
    wall_s: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)


@runtime_checkable
class Agent(Protocol):
    """An agent the benchmark can run (see the module docstring)."""

    name: str

    def unavailable(self) -> str | None:
        """Why this agent cannot run here (e.g. not installed), or None if it can."""
        ...

    def solve(self, task: AgentTask, out_dir: Path, *, budget_s: float, seed: int) -> AgentResult:
        """Solve ``task`` within about ``budget_s`` seconds; write the submission in
        ``out_dir``."""
        ...


@dataclasses.dataclass(frozen=True)
class ChildOutcome:
    """How a child process ended.

    Attributes:
        returncode: Its exit status; None when it was killed at the hard limit.
        wall_s: Seconds from start to exit (or kill).
        tail: The end of its stdout and stderr (both go to ``out_dir/agent.log``).
    """

    returncode: int | None
    wall_s: float
    tail: str

    def error(self, limit_s: float) -> str | None:
        """Why the child failed, in one message; None if it exited with 0."""
        if self.returncode == 0:
            return None
        if self.returncode is None:
            return f"killed at the hard limit of {limit_s:.0f} s (no submission taken)"
        lines = [line for line in self.tail.strip().splitlines() if line.strip()]
        last = " | ".join(lines[-3:])[-600:] or "no output"
        return f"exited with code {self.returncode}: {last}"


def hard_limit(budget_s: float) -> float:
    """Seconds after which a child is killed: twice the budget plus three minutes."""
    return 2.0 * budget_s + 180.0


def run_child(
    command: Sequence[str],
    out_dir: Path,
    *,
    limit_s: float,
    env: dict[str, str] | None = None,
) -> ChildOutcome:
    """Run ``command`` in its own process group; kill the group after ``limit_s`` seconds.

    Args:
        command: The program and its arguments.
        out_dir: Where ``agent.log`` (stdout and stderr) is written.
        limit_s: Hard wall-clock limit.
        env: Variables added to this process's environment.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    log_path = out_dir / LOG_FILE
    started = time.perf_counter()
    with log_path.open("wb") as log:
        child = subprocess.Popen(  # the agent's own process group, killed as one
            list(command), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )  # fmt: skip
        try:
            code: int | None = child.wait(timeout=limit_s)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            code = None
    wall = time.perf_counter() - started
    tail = log_path.read_bytes()[-4000:].decode("utf-8", "replace")
    return ChildOutcome(code, wall, tail)


def write_spec(
    out_dir: Path, task: AgentTask, *, budget_s: float, seed: int, **extra: Any
) -> Path:
    """Write the child's instructions to ``out_dir/agent_task.json``; return the path.

    ``started_at`` (``time.time()`` now) lets the child count the budget from its launch.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    record = {"task": task.to_json(), "budget_s": budget_s, "seed": seed,
              "started_at": time.time(), "out_dir": str(out_dir), **extra}  # fmt: skip
    path = out_dir / SPEC_FILE
    path.write_text(json.dumps(record, indent=2) + "\n")
    return path


def read_result(out_dir: Path) -> dict[str, Any]:
    """The details a child wrote to ``out_dir/agent_result.json`` (empty if none)."""
    path = out_dir / RESULT_FILE
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
