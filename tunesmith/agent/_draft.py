"""The LLM's part of planning: target, task type, metric and learners (each with a reason).

:func:`draft_plan` asks the LLM for these under a JSON-schema grammar (the target must be a
column, the learners catalogued; what the request states outright is pinned in the grammar)
and grounds the answer in the data. The rest of the plan (validation, budget, search space,
optimiser, stopping rule) is decided by rules in :mod:`tunesmith.agent._plan`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field, create_model

from tunesmith.core.errors import DataError, PlanError, close_matches
from tunesmith.learners import list_learners
from tunesmith.llm import LLMCall, structured
from tunesmith.prompts import render

logger = logging.getLogger(__name__)

TaskType = Literal["binary", "multiclass", "regression"]
Metric = Literal["roc_auc", "accuracy", "f1", "log_loss", "rmse", "mae", "r2"]

METRICS_FOR_TASK: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "accuracy", "f1", "log_loss"),
    "multiclass": ("accuracy", "log_loss", "f1"),
    "regression": ("rmse", "mae", "r2"),
}
DEFAULT_LEARNERS: dict[str, tuple[str, ...]] = {
    "binary": ("hist_gradient_boosting", "random_forest", "logistic_regression"),
    "multiclass": ("hist_gradient_boosting", "random_forest", "logistic_regression"),
    "regression": ("hist_gradient_boosting", "random_forest", "ridge"),
}
METRIC_MEANINGS = {
    "roc_auc": "area under the ROC curve (binary classification)",
    "accuracy": "share of correct class predictions",
    "f1": "F1 score (harmonic mean of precision and recall)",
    "log_loss": "logarithmic loss / cross-entropy of predicted probabilities",
    "rmse": "root mean squared error (regression)",
    "mae": "mean absolute error (regression)",
    "r2": "coefficient of determination R^2 (regression)",
}


class _Reply(BaseModel):
    """What the LLM fills in (the grammar is built from these fields)."""

    model_config = ConfigDict(frozen=True)

    target: str = Field(description="The column to predict; exactly one of the table's columns.")
    task_type: TaskType = Field(description="binary, multiclass or regression.")
    metric: Metric = Field(description="The metric the request asks to optimise.")
    learners: list[str] = Field(
        min_length=1, max_length=4, description="Model families to try first (catalogue names)."
    )
    reason: str = Field(max_length=200, description="One short sentence on why these choices.")


class PlanDraft(_Reply):
    """What to predict, how to score it, and which learners to try first (and why each)."""

    learner_reasons: dict[str, str] = Field(
        default_factory=dict, description="Why each learner is worth trying."
    )


def _schema_for(
    columns: Sequence[str],
    target: str | None = None,
    metric: str | None = None,
    task: str | None = None,
    learners: Sequence[str] | None = None,
) -> type[_Reply]:
    """The reply schema: the target one of ``columns`` (or exactly ``target`` when the request
    names it), the metric ``metric`` and the task type ``task`` when known, the learners among
    ``learners`` (default: the whole catalogue).

    With constrained decoding the grammar enforces these; otherwise validation does.
    """
    target_type: Any = Literal[(target,) if target else tuple(columns)]
    names = tuple(learners) if learners else tuple(x.name for x in list_learners())
    learner_type: Any = Literal[names]
    fields = _Reply.model_fields
    extra: dict[str, Any] = {}
    if metric:
        extra["metric"] = (Literal[(metric,)], Field(description=fields["metric"].description))
    if task:
        extra["task_type"] = (Literal[(task,)], Field(description=fields["task_type"].description))
    return create_model(
        "PlanDraft",
        __base__=_Reply,
        target=(target_type, Field(description=fields["target"].description)),
        learners=(
            list[learner_type],
            Field(min_length=1, max_length=4, description=fields["learners"].description),
        ),
        **extra,
    )


def infer_task_type(values: pd.Series) -> TaskType:
    """Infer the task type from a target column's values."""
    present = values.dropna()
    n_unique = int(present.nunique())
    if n_unique <= 2:
        return "binary"
    numeric = pd.api.types.is_numeric_dtype(present) and not pd.api.types.is_bool_dtype(present)
    if numeric and pd.api.types.is_float_dtype(present) and not (present % 1 == 0).all():
        return "regression"
    if numeric and n_unique > min(50, max(10, len(present) // 20)):
        return "regression"
    return "multiclass"


def _kind(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "boolean"
    if pd.api.types.is_integer_dtype(column):
        return "integer"
    if pd.api.types.is_float_dtype(column):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "datetime"
    return "text"


def describe_columns(df: pd.DataFrame, max_examples: int = 4) -> list[dict[str, str]]:
    """One short description per column for the planner prompt."""
    rows = []
    for name in df.columns:
        column = df[name]
        examples = ", ".join(str(v) for v in column.dropna().unique()[:max_examples])
        rows.append(
            {
                "name": str(name),
                "dtype": _kind(column),
                "unique": str(int(column.nunique())),
                "missing": f"{column.isna().mean():.0%}",
                "examples": examples,
            }
        )
    return rows


def draft_plan(
    model: BaseChatModel,
    request: str,
    data: pd.DataFrame,
    *,
    calls: list[LLMCall] | None = None,
    max_attempts: int = 3,
    target: str | None = None,
    metric: str | None = None,
) -> PlanDraft:
    """Ask the LLM for a draft plan for ``request`` on ``data``, then ground it in the data.

    Args:
        model: The chat model.
        request: The task in plain language.
        data: The training table.
        calls: Each LLM call's tokens and latency is appended here.
        max_attempts: Attempts at a valid reply (each invalid one is sent back with its error).
        target: Pin the target (the request names it outright).
        metric: Pin the metric (the request names it outright).

    Raises:
        DataError: The table is empty.
        PlanError: The draft does not fit the data (see :func:`check_draft`).
        StructuredOutputError: The LLM gave no valid draft.
    """
    if data.empty or len(data.columns) < 2:
        raise DataError(
            f"The table has {len(data)} rows and {len(data.columns)} columns; a plan needs at "
            f"least one row, a target column and one feature column."
        )
    columns = [str(c) for c in data.columns]
    # A pinned target fixes the task type: offer only the metrics and learners that fit it
    # (a shorter prompt, ~0.01 s per token on 2 CPU cores, and fewer ways to go wrong).
    task = infer_task_type(data[target]) if target in columns else None
    offered = list_learners(task)
    meanings = {k: v for k, v in METRIC_MEANINGS.items() if task is None
                or k in METRICS_FOR_TASK[task]}  # fmt: skip
    messages = [
        SystemMessage(content=render("plan_draft_system", metrics=meanings, learners=offered)),
        HumanMessage(
            content=render(
                "plan_draft_user",
                request=request,
                n_rows=len(data),
                columns=describe_columns(data),
            )
        ),
    ]
    reply = structured(
        model,
        _schema_for(columns, target, metric, task, [x.name for x in offered]),
        messages,
        max_attempts=max_attempts,
        purpose="plan_draft",
        calls=calls,
    )
    plain = _to_draft(_Reply.model_validate(reply.model_dump()))
    if not plain.reason.rstrip().endswith((".", "!", "?")) and ". " in plain.reason:
        # The grammar caps the length; keep whole sentences only.
        plain = plain.model_copy(update={"reason": plain.reason[: plain.reason.rindex(". ") + 1]})
    actual = infer_task_type(data[plain.target])
    if plain.task_type != actual:
        # The data decides the task type; the model only guesses it from a summary.
        logger.info(
            "The LLM called %r a %s target; its values make it %s. Using %s.",
            plain.target,
            plain.task_type,
            actual,
            actual,
        )
        plain = plain.model_copy(update={"task_type": actual})
    supported = [n for n in plain.learners if n in _learner_names(plain.task_type)]
    if supported != plain.learners:
        logger.info(
            "Dropping learners that cannot do %s: %s",
            plain.task_type,
            sorted(set(plain.learners) - set(supported)),
        )
        learners = supported or list(DEFAULT_LEARNERS[plain.task_type])
        plain = plain.model_copy(update={"learners": learners})
    check_draft(plain, data)
    reasons = learner_reasons(plain.learners, data, plain.target)
    return plain.model_copy(update={"learner_reasons": reasons})


def _to_draft(reply: _Reply) -> PlanDraft:
    fields = reply.model_dump(include=set(_Reply.model_fields))
    return PlanDraft(**fields | {"learners": list(dict.fromkeys(reply.learners))})


def learner_reasons(learners: Sequence[str], data: pd.DataFrame, target: str) -> dict[str, str]:
    """Why each learner is worth a try on ``data``: what it is, and how it meets the table.

    Written from the catalogue and the data rather than by the LLM: a small model's reasons
    were generic ("a good choice for this dataset") and cost ~4 s of generation per plan.
    """
    from tunesmith.learners import get_learner

    features = data.drop(columns=[target])
    missing = bool(features.isna().to_numpy().any())
    text = [c for c in features.columns if _kind(features[c]) == "text"]
    reasons = {}
    for name in learners:
        learner = get_learner(name)
        notes = [learner.description.rstrip(".")]
        if missing:
            notes.append(
                "takes the missing values as they are" if learner.handles_missing
                else "missing values are imputed for it"
            )  # fmt: skip
        if text:
            notes.append(f"{len(text)} text column(s) {learner.encoding}-encoded")
        reasons[name] = "; ".join(notes) + "."
    return reasons


def _learner_names(task_type: TaskType) -> list[str]:
    return [learner.name for learner in list_learners(task_type)]


def check_target_values(data: pd.DataFrame, target: str) -> None:
    """Raise PlanError if ``target`` has fewer than two distinct values (nothing to learn)."""
    values = data[target].dropna()
    if values.nunique() < 2:
        only = f" ({values.iloc[0]!r} in all {len(values)} rows)" if len(values) else ""
        raise PlanError(
            f"Target {target!r} has {values.nunique()} distinct value(s){only}: there is "
            "nothing to learn. Fix: check the column, or predict another one."
        )


def check_draft(draft: PlanDraft, data: pd.DataFrame) -> None:
    """Check that the draft fits the data.

    Raises:
        PlanError: The target is not a column, or the task type, metric or a learner does not
            fit the target's values.
    """
    columns = [str(c) for c in data.columns]
    if draft.target not in columns:
        hint = close_matches(draft.target, columns)
        suggestion = f" Did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
        raise PlanError(
            f"Target {draft.target!r} is not a column of the data. Columns: "
            f"{', '.join(columns)}.{suggestion}"
        )
    check_target_values(data, draft.target)
    actual = infer_task_type(data[draft.target])
    if draft.task_type != actual:
        raise PlanError(
            f"Task type {draft.task_type!r} does not fit target {draft.target!r}: its values "
            f"make a {actual} task. Use task_type={actual!r}."
        )
    unfit = [n for n in draft.learners if n not in _learner_names(actual)]
    if unfit:
        raise PlanError(
            f"Learner(s) {', '.join(unfit)} cannot do a {actual} task. Use some of: "
            f"{', '.join(_learner_names(actual))}."
        )
    allowed = METRICS_FOR_TASK[actual]
    if draft.metric not in allowed:
        raise PlanError(
            f"Metric {draft.metric!r} does not fit target {draft.target!r}, whose values make a "
            f"{actual} task. Use one of: {', '.join(allowed)}."
        )
