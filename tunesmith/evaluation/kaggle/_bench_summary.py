"""The rows of ``bench kaggle`` and what they add up to: medals, normalised scores, wins.

**Normalised score** of a valid submission::

    (score - constant) / (best baseline - constant)

where ``constant`` is the constant-prediction baseline (the sample submission's score) and
``best baseline`` the best of the task's reference baselines (constant, default RandomForest,
default HistGradientBoosting, FLAML and AutoGluon where they ran: the silver threshold). Both
differences have the metric's sign, so the direction takes care of itself: 0 is the sample
submission, 1 the best baseline, above 1 better than it, below 0 worse than predicting a
constant. An invalid submission counts as 0 in the mean (it earns what the sample submission
earns, and no medal).

**Wins** of the first agent against each other agent: per (task, seed) that both ran, a valid
submission beats an invalid one, two valid ones compare by score in the metric's direction
(equal scores tie), two invalid ones tie.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.evaluation.kaggle._medals import Medal


class CellRow(BaseModel):
    """One (task, agent, seed) cell: the agent's job and its grade.

    Attributes:
        task, agent, seed: The cell. budget_s: The budget the agent was given.
        metric: The task's metric; greater_is_better its direction.
        status: ``"done"``, or ``"unavailable"`` when the agent cannot run here (not kept).
        valid: Whether the submission passed the grader's checks.
        score: Its score on the private answers; None when invalid.
        medal: none, bronze, silver or gold; None when invalid or without thresholds.
        normalised: The normalised score (see the module docstring); None when invalid.
        constant, best_baseline: The reference scores the normalisation uses.
        error: Why the submission is missing or invalid.
        wall_s: Wall seconds of the agent's whole job.
        prompt_tokens, completion_tokens: LLM tokens, None when not used or not recorded.
        settings: The agent's settings (a finished cell is reused only with the same ones).
        details: What the agent reported (trials, chosen model, ...).
        load_1m: The machine's 1-minute load average when the cell started and ended.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: str
    agent: str
    seed: int
    budget_s: float
    metric: str
    greater_is_better: bool
    status: str = "done"
    valid: bool
    score: float | None = None
    medal: Medal | None = None
    normalised: float | None = None
    constant: float | None = None
    best_baseline: float | None = None
    error: str | None = None
    wall_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)
    load_1m: tuple[float, float] | None = None


def normalised_score(score: float, constant: float, best: float) -> float | None:
    """``(score - constant) / (best - constant)``; None when the baselines are equal."""
    span = best - constant
    return None if span == 0 or not math.isfinite(span) else (score - constant) / span


class AgentSummary(BaseModel):
    """One agent over every cell it ran (see the module docstring).

    Attributes:
        agent: The agent's name. cells: Cells run. valid: Valid submissions.
        medals: Cells per medal (gold, silver, bronze). any_medal_rate: Share of cells with
            any medal. mean_normalised: Mean normalised score (invalid counts as 0).
        mean_wall_s: Mean wall seconds per cell.
        tokens: Prompt plus completion tokens over the cells that recorded them; None if none.
        uses_llm: Whether the agent has an LLM setting (so None tokens mean "not recorded").
        unavailable: Why it did not run, when it did not.
    """

    model_config = ConfigDict(frozen=True)

    agent: str
    cells: int
    valid: int
    medals: dict[str, int]
    any_medal_rate: float | None
    mean_normalised: float | None
    mean_wall_s: float | None
    tokens: int | None
    uses_llm: bool = False
    unavailable: str | None = None


class Versus(BaseModel):
    """The first agent against another, over the (task, seed) pairs both ran."""

    model_config = ConfigDict(frozen=True)

    agent: str
    other: str
    wins: int
    ties: int
    losses: int


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize_agent(agent: str, rows: Sequence[CellRow]) -> AgentSummary:
    """The summary of ``agent`` over its rows."""
    done = [r for r in rows if r.agent == agent and r.status == "done"]
    if not done:
        why = next((r.error for r in rows if r.agent == agent), None)
        return AgentSummary(agent=agent, cells=0, valid=0, medals={}, any_medal_rate=None,
                            mean_normalised=None, mean_wall_s=None, tokens=None,
                            unavailable=why)  # fmt: skip
    medals = {m: sum(r.medal == m for r in done) for m in ("gold", "silver", "bronze")}
    recorded = [r for r in done if r.prompt_tokens is not None or r.completion_tokens is not None]
    return AgentSummary(
        agent=agent, cells=len(done), valid=sum(r.valid for r in done), medals=medals,
        any_medal_rate=sum(medals.values()) / len(done),
        mean_normalised=_mean([(r.normalised or 0.0) if r.valid else 0.0 for r in done]),
        mean_wall_s=_mean([r.wall_s for r in done if r.wall_s is not None]),
        tokens=sum((r.prompt_tokens or 0) + (r.completion_tokens or 0) for r in recorded)
        if recorded else None,
        uses_llm=any("llm" in r.settings for r in done),
    )  # fmt: skip


def _outcome(a: CellRow, b: CellRow) -> int:
    """1 if ``a`` beats ``b``, 0 for a tie, -1 if it loses."""
    if not (a.valid and b.valid):
        return int(a.valid) - int(b.valid)
    assert a.score is not None
    assert b.score is not None
    if a.score == b.score:
        return 0
    return 1 if (a.score > b.score) == a.greater_is_better else -1


def versus(first: str, other: str, rows: Sequence[CellRow]) -> Versus:
    """Wins, ties and losses of ``first`` against ``other`` (see the module docstring)."""
    by_cell = {(r.task, r.seed, r.agent): r for r in rows if r.status == "done"}
    tally = {1: 0, 0: 0, -1: 0}
    for (task, seed, agent), row in by_cell.items():
        if agent == first and (task, seed, other) in by_cell:
            tally[_outcome(row, by_cell[task, seed, other])] += 1
    return Versus(agent=first, other=other, wins=tally[1], ties=tally[0], losses=tally[-1])
