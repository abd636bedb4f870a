"""A Kaggle-style task suite from data that installed packages ship, with a grader and medals.

The folders follow MLE-bench's prepared competitions: an agent gets ``OUT/<task>/public``
(``description.md``, ``train.csv``, ``test.csv``, ``sample_submission.csv``); the answers,
``task.json`` and the leaderboard of reference baselines stay in ``OUT/<task>/private``.
``run_kaggle_bench`` runs agents (``Agent``: a task folder and a budget in, a submission out;
``register_agent`` adds one) on the suite and grades them.

Example:
    >>> from tunesmith.evaluation.kaggle import build_suite, grade, run_baselines, run_kaggle_bench
    >>> built = build_suite("suite", tasks=["penguins"], seed=0)
    >>> run_baselines("suite/penguins")  # constant, RandomForest, HistGradientBoosting, FLAML
    >>> # AutoGluon too, from its own environment (scripts/setup_autogluon.sh):
    >>> run_baselines("suite/penguins", autogluon_budget_s=120)
    >>> grade("suite/penguins", "submission.csv").medal
    'silver'
    >>> run_kaggle_bench("runs/kaggle", tasks="penguins", agents=["tunesmith", "flaml"])
"""

from __future__ import annotations

from tunesmith.evaluation.kaggle._agents import Agent, AgentResult, AgentTask
from tunesmith.evaluation.kaggle._baseline_flaml import FLAML_BUDGET_S
from tunesmith.evaluation.kaggle._baselines import BASELINES, run_baselines, set_autogluon_baseline
from tunesmith.evaluation.kaggle._bench import KaggleBench, run_kaggle_bench
from tunesmith.evaluation.kaggle._bench_summary import AgentSummary, CellRow, normalised_score
from tunesmith.evaluation.kaggle._build import BuiltTask, build_suite, build_task
from tunesmith.evaluation.kaggle._catalogue import TASKS, get_task, list_tasks
from tunesmith.evaluation.kaggle._grade import Grade, grade
from tunesmith.evaluation.kaggle._medals import (
    BaselineScore,
    Leaderboard,
    Medal,
    MedalThresholds,
    medal_for,
    medal_thresholds,
)
from tunesmith.evaluation.kaggle._prepare import Prepared, prepare
from tunesmith.evaluation.kaggle._registry import (
    AgentOptions,
    list_agents,
    make_agent,
    register_agent,
    unregister_agent,
)
from tunesmith.evaluation.kaggle._task import KaggleTask, TaskInfo, load_task_info

__all__ = [
    "BASELINES",
    "FLAML_BUDGET_S",
    "TASKS",
    "Agent",
    "AgentOptions",
    "AgentResult",
    "AgentSummary",
    "AgentTask",
    "BaselineScore",
    "BuiltTask",
    "CellRow",
    "Grade",
    "KaggleBench",
    "KaggleTask",
    "Leaderboard",
    "Medal",
    "MedalThresholds",
    "Prepared",
    "TaskInfo",
    "build_suite",
    "build_task",
    "get_task",
    "grade",
    "list_agents",
    "list_tasks",
    "load_task_info",
    "make_agent",
    "medal_for",
    "medal_thresholds",
    "normalised_score",
    "prepare",
    "register_agent",
    "run_baselines",
    "run_kaggle_bench",
    "set_autogluon_baseline",
    "unregister_agent",
]
