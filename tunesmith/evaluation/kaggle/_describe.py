"""The ``description.md`` of a task: the request an agent gets, in plain words.

It is composed from the task's record, so the target column, the id column, the metric and
the prediction format it names are always those the grader checks.
"""

from __future__ import annotations

from tunesmith.evaluation.kaggle._task import ID_COLUMN, KaggleTask

_METRIC_WORDS = {
    "roc_auc": "area under the ROC curve (ROC AUC; higher is better)",
    "accuracy": "accuracy, the share of rows whose predicted label is right (higher is better)",
    "log_loss": "log loss of the predicted probabilities (binary cross-entropy; lower is better)",
    "rmse": "root mean squared error (RMSE; lower is better)",
    "mae": "mean absolute error (MAE; lower is better)",
    "r2": "the coefficient of determination R^2 (higher is better)",
}


def metric_words(task: KaggleTask) -> str:
    """The metric of ``task`` in plain words, with its direction."""
    if task.metric == "f1":
        if task.task_type == "binary":
            return f"F1 score of the positive class `{task.positive_label}` (higher is better)"
        return "macro-averaged F1 score over the classes (higher is better)"
    return _METRIC_WORDS[task.metric]


def _format_sentence(task: KaggleTask, labels: tuple[str, ...]) -> str:
    target = f"`{task.target}`"
    if task.prediction == "probability":
        return (
            f"{target} must hold the predicted probability that {target} is "
            f"`{task.positive_label}`: a number from 0 to 1, not a class label."
        )
    if task.prediction == "label":
        return f"{target} must hold a predicted class, one of: {', '.join(labels)}."
    return f"{target} must hold the predicted number."


def describe(task: KaggleTask, *, labels: tuple[str, ...], n_train: int, n_test: int) -> str:
    """Return the text of ``description.md`` for ``task``.

    Args:
        task: The task.
        labels: The classes as written in the CSV files (empty for regression).
        n_train: Rows of train.csv.
        n_test: Rows of test.csv.
    """
    lines = [
        f"# {task.title}",
        "",
        f"{task.request} Submissions are scored by {metric_words(task)}.",
        "",
        "## Data",
        "",
        task.data_notes,
        "",
        f"- `train.csv`: {n_train} rows, with the id column `{ID_COLUMN}`, the features and "
        f"the target column `{task.target}`.",
        f"- `test.csv`: {n_test} rows with the same columns except `{task.target}`.",
        "- `sample_submission.csv`: a valid submission in the expected format.",
        "",
        "## Submission",
        "",
        f"A CSV file with exactly two columns, `{ID_COLUMN}` and `{task.target}`, and one row "
        f"for each `{ID_COLUMN}` of test.csv. {_format_sentence(task, labels)}",
        "",
        f"Data: {task.source}.",
        "",
    ]
    return "\n".join(lines)
