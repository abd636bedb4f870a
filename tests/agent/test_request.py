from __future__ import annotations

import pytest

from tunesmith.agent._request import (
    max_trials_from_request,
    metric_from_request,
    optimizer_from_request,
    target_from_request,
    time_budget_from_request,
)


@pytest.mark.parametrize(
    ("text", "metric"),
    [
        ("predict Survived, optimise ROC AUC", "roc_auc"),
        ("Scored by the area under the ROC curve.", "roc_auc"),
        ("maximise the area under the curve", "roc_auc"),
        ("minimise the root mean squared error", "rmse"),
        ("RMSE please", "rmse"),
        ("use mean absolute error", "mae"),
        ("Submissions are scored by MAE.", "mae"),
        ("optimise F1", "f1"),
        ("lowest log loss", "log_loss"),
        ("cross-entropy of the probabilities", "log_loss"),
        ("highest accuracy", "accuracy"),
        ("best R^2", "r2"),
        ("just make it good", None),
    ],
)
def test_metric_phrases_map_to_metric_names(text: str, metric: str | None) -> None:
    assert metric_from_request(text) == metric


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("ten minutes", 600.0),
        ("a budget of 90 s", 90.0),
        ("90s", 90.0),
        ("within 1.5 hours", 5400.0),
        ("an hour", 3600.0),
        ("2 min", 120.0),
        ("as fast as you can", None),  # "as" is not "a s"
        ("predict the class", None),
    ],
)
def test_time_budgets(text: str, seconds: float | None) -> None:
    assert time_budget_from_request(text) == seconds


def test_trial_budgets_and_optimisers() -> None:
    assert max_trials_from_request("run 50 trials") == 50
    assert max_trials_from_request("twenty evaluations") == 20
    assert max_trials_from_request("ten minutes") is None
    assert optimizer_from_request("use random search") == "random"
    assert optimizer_from_request("a Gaussian process, please") == "gp"
    assert optimizer_from_request("predict price") is None


COLUMNS = ["PassengerId", "Survived", "Pclass", "Sex", "Age", "Fare", "home_dest"]


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("Predict `Survived`.", "Survived"),
        ("predict 'survived' from the rest", "Survived"),
        ("Predict whether a passenger survived from class, sex and age", "Survived"),
        ("predict the fare", "Fare"),
        ("estimate home dest", "home_dest"),
        ("Build the best model you can", None),
        ("use Sex and Age to find out who made it", None),  # named, but not as a target
    ],
)
def test_the_target_is_read_from_quotes_or_after_a_verb(text: str, target: str | None) -> None:
    assert target_from_request(text, COLUMNS)[0] == target


def test_mentioned_columns_come_in_the_order_they_appear() -> None:
    _, mentioned = target_from_request("use Sex and Age to predict Survived", COLUMNS)
    assert mentioned == ["Sex", "Age", "Survived"]
    # "passenger" is not the id column "PassengerId"
    assert "PassengerId" not in target_from_request("each passenger", COLUMNS)[1]
