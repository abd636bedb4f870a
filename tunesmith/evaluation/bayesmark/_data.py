"""Bayesmark's scikit-learn data sets and its fixed 80/20 split (``random_state=0``)."""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Literal

from tunesmith.core.errors import ConfigurationError, close_matches

if TYPE_CHECKING:
    import numpy as np

DatasetName = Literal["breast", "digits", "iris", "wine", "diabetes"]
DATASETS: tuple[DatasetName, ...] = ("breast", "digits", "iris", "wine", "diabetes")
_LOADERS = {
    "breast": "load_breast_cancer",
    "digits": "load_digits",
    "iris": "load_iris",
    "wine": "load_wine",
    "diabetes": "load_diabetes",
}
TEST_SIZE = 0.2
SPLIT_SEED = 0


@dataclasses.dataclass(frozen=True, eq=False)
class Split:
    """One data set split as Bayesmark splits it.

    Attributes:
        name: The data set's name (``breast``, ``digits``, ...).
        classification: Whether the target is a class label.
        X_train: The 80% the objective cross-validates on.
        y_train: Its target.
        X_test: The 20% holdout of the generalisation score.
        y_test: Its target.
    """

    name: str
    classification: bool
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def is_classification(dataset: str) -> bool:
    """Whether ``dataset`` is a classification data set (only diabetes is a regression)."""
    return dataset != "diabetes"


@functools.cache
def load_split(dataset: str) -> Split:
    """Load ``dataset`` from scikit-learn and split it 80/20 with ``random_state=0``.

    Features and targets are used as scikit-learn ships them (Bayesmark standardises only
    CSV data sets), so diabetes' target is in its original units.

    Args:
        dataset: One of ``DATASETS``.

    Returns:
        The (cached, read-only) split.
    """
    if dataset not in _LOADERS:
        hint = close_matches(dataset, list(_LOADERS))
        raise ConfigurationError(
            f"Unknown Bayesmark data set '{dataset}'. Expected one of {list(DATASETS)}"
            + (f". Did you mean {hint[0]!r}?" if hint else ". (boston left scikit-learn in 1.2.)")
        )
    import sklearn.datasets
    from sklearn.model_selection import train_test_split

    X, y = getattr(sklearn.datasets, _LOADERS[dataset])(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED, shuffle=True
    )
    for array in (X_train, X_test, y_train, y_test):
        array.setflags(write=False)
    return Split(dataset, is_classification(dataset), X_train, y_train, X_test, y_test)
