"""Benchmarks: a Kaggle-style task suite with a grader (``evaluation.kaggle``) and offline
Bayesmark with a side-by-side optimiser runner (``evaluation.bayesmark``).

Example:
    >>> from tunesmith.evaluation import build_suite, grade, run_benchmark
    >>> build_suite("suite", tasks=["diamonds"])
    >>> grade("suite/diamonds", "submission.csv").score
    >>> run_benchmark("llambo25", ["random", "tpe", "gp"], seeds=[0, 1, 2], out="runs/hpo")
"""

from __future__ import annotations

from tunesmith.evaluation.bayesmark import (
    BayesmarkProblem,
    BenchmarkRun,
    BenchmarkSummary,
    get_problem,
    list_problems,
    run_benchmark,
)
from tunesmith.evaluation.kaggle import (
    BaselineScore,
    BuiltTask,
    Grade,
    KaggleTask,
    Leaderboard,
    MedalThresholds,
    TaskInfo,
    build_suite,
    build_task,
    get_task,
    grade,
    list_tasks,
    load_task_info,
    run_baselines,
)

__all__ = [
    "BaselineScore",
    "BayesmarkProblem",
    "BenchmarkRun",
    "BenchmarkSummary",
    "BuiltTask",
    "Grade",
    "KaggleTask",
    "Leaderboard",
    "MedalThresholds",
    "TaskInfo",
    "build_suite",
    "build_task",
    "get_problem",
    "get_task",
    "grade",
    "list_problems",
    "list_tasks",
    "load_task_info",
    "run_baselines",
    "run_benchmark",
]
