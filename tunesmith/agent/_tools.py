"""The agent's tools: the tool layer's, plus those that need the executors (PBT)."""

from __future__ import annotations

from typing import Any, Literal

from tunesmith.tools import ToolRegistry, default_tools, read_training_table

TaskTypeName = Literal["binary", "multiclass", "regression"]
MetricName = Literal["roc_auc", "accuracy", "f1", "log_loss", "rmse", "mae", "r2"]


def run_population_based_training(
    path: str,
    target: str,
    task_type: TaskTypeName,
    metric: MetricName,
    population: int = 4,
    epochs: int = 20,
    perturbation_interval: int = 4,
    time_budget_s: float | None = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Train a neural network (torch MLP) by Population Based Training and report its schedule.

    Args:
        path: Training data: a CSV, TSV or Parquet file.
        target: The column to predict.
        task_type: binary, multiclass or regression.
        metric: The validation score (roc_auc, accuracy, f1, log_loss, rmse, mae, r2).
        population: Networks trained side by side (2 to 32).
        epochs: Epochs each network trains.
        perturbation_interval: Epochs between copying the best networks and perturbing them.
        time_budget_s: Stop the whole run after this many seconds.
        seed: Seed of the population, the validation split and the perturbations.

    Returns:
        The best validation score, the final hyper-parameters, and the schedule: the
        hyper-parameters the best network trained with, epoch by epoch.
    """
    from tunesmith.core.errors import ConfigurationError
    from tunesmith.executors import run_pbt

    if not 2 <= population <= 32:
        raise ConfigurationError(f"population must be between 2 and 32, got {population}.")
    X, y = read_training_table(path, target)
    summary = run_pbt(
        X, y, task_type, metric, population=population, epochs=epochs,
        perturbation_interval=perturbation_interval, time_budget_s=time_budget_s, seed=seed,
    )  # fmt: skip
    return {
        "metric": metric,
        "best_value": summary.best_value,
        "best_params": summary.best_params,
        "schedule": [{"epoch": step.epoch, "params": step.params} for step in summary.schedule],
        "n_exploits": summary.n_exploits,
        "member_values": list(summary.member_values),
    }


def agent_registry() -> ToolRegistry:
    """Every tool the agent's LLM may call: the tool layer's and PBT."""
    return ToolRegistry([*default_tools(), run_population_based_training])
