"""A small real suite, built once per session: four tasks that build in about a second.

Together they cover multiclass labels, binary labels (f1), binary probabilities (log_loss)
and integer class labels.
"""

from __future__ import annotations

import pytest

from tunesmith.evaluation.kaggle import BuiltTask, build_suite

SMALL = ("penguins", "breast_cancer", "unemployment_benefits", "digits")


@pytest.fixture(scope="session")
def suite(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltTask]:
    out = tmp_path_factory.mktemp("suite")
    return {task.name: task for task in build_suite(out, SMALL, seed=0)}
