"""Tiny real tables for the learner tests: Palmer penguins (categoricals, missing values)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

TARGETS = {"binary": "sex", "multiclass": "species", "regression": "body_mass_g"}


@dataclass(frozen=True)
class Task:
    """A train table, raw test rows with surprises, and their targets."""

    task_type: str
    X_train: pd.DataFrame
    y_train: pd.Series
    X_test: pd.DataFrame
    y_test: pd.Series


def _penguin_task(task_type: str) -> Task:
    from palmerpenguins import load_penguins

    target = TARGETS[task_type]
    df = load_penguins().dropna(subset=[target]).reset_index(drop=True)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(df))
    train, test = df.iloc[order[:150]], df.iloc[order[150:190]].copy()
    # Raw test rows with a category never seen in training and fresh missing values.
    test.iloc[0, test.columns.get_loc("island")] = "Atlantis"
    test.iloc[1, test.columns.get_loc("bill_length_mm")] = np.nan
    test.iloc[2, test.columns.get_loc("island")] = None
    features = [c for c in df.columns if c != target]
    return Task(task_type, train[features], train[target], test[features], test[target])


@pytest.fixture(scope="session")
def penguin_tasks() -> dict[str, Task]:
    """One small penguin task per task type (binary: sex, multiclass: species, regression)."""
    return {t: _penguin_task(t) for t in TARGETS}
