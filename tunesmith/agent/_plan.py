"""The full plan: the LLM's draft, plus validation, budget, search space, optimiser and stopping.

:func:`make_plan` is the planner. It reads what the request states outright (target in
backticks or after "predict", metric, budget, optimiser, validation; see ``_request``), pins
those in the LLM's grammar, lets the LLM decide the rest (:func:`draft_plan`), grounds it in the
data, and fills what is still open with defaults. ``Plan.decided_by`` says, per field, where
each choice came from: ``user`` (an argument), ``request``, ``llm``, ``data`` or ``default``.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from tunesmith.agent import _request as rq
from tunesmith.agent._config import RunConfig, settings_error
from tunesmith.agent._draft import PlanDraft, check_draft, check_target_values, draft_plan
from tunesmith.core.errors import ClarificationNeeded, ConfigurationError

if TYPE_CHECKING:
    import pandas as pd
    from langchain_core.language_models import BaseChatModel

    from tunesmith.llm import LLMCall

DEFAULT_TIME_BUDGET_S = 120.0
Optimizer = Literal["hybrid", "tpe", "random", "gp", "sobol", "llm"]


class Validation(BaseModel):
    """How trials are scored: k-fold cross-validation or one holdout split."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: Literal["cv", "holdout"] = "cv"
    folds: int = Field(default=5, ge=2, le=20)
    holdout_fraction: float = Field(default=0.2, gt=0.0, lt=1.0)
    stratified: bool = True

    def describe(self) -> str:
        """E.g. ``"stratified 5-fold cross-validation"``."""
        kind = "stratified " if self.stratified else ""
        if self.scheme == "holdout":
            return f"{kind}holdout of {self.holdout_fraction:.0%} of the rows"
        return f"{kind}{self.folds}-fold cross-validation"


class Plan(PlanDraft):
    """A validated plan: what to predict, how to score, what to search, for how long.

    Attributes (beyond :class:`PlanDraft`):
        validation: How each trial is scored.
        time_budget_s: Seconds of search (None: no time limit).
        max_trials: Trials at most (None: no limit).
        optimizer: The search method.
        plateau_trials: Stop after this many trials in a row without a better one (None: no).
        search_space: Per learner, its tuned parameters and their ranges (for people).
        ignored_columns: Columns left out of the features (row ids: unique per row, named so).
        decided_by: Where each choice came from: user, request, llm, data or default.
    """

    validation: Validation = Field(default_factory=Validation)
    time_budget_s: float | None = Field(default=DEFAULT_TIME_BUDGET_S, gt=0)
    max_trials: int | None = Field(default=None, ge=1)
    optimizer: Optimizer = "hybrid"
    plateau_trials: int | None = Field(default=None, ge=1)
    search_space: dict[str, list[str]] = Field(default_factory=dict)
    ignored_columns: list[str] = Field(default_factory=list)
    decided_by: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_budget(self) -> Plan:
        if self.time_budget_s is None and self.max_trials is None:
            raise ValueError("A plan needs a time budget, a trial budget, or both.")
        return self

    @property
    def stopping(self) -> str:
        """The stopping rule in words."""
        rules = []
        if self.time_budget_s is not None:
            rules.append(f"after {self.time_budget_s:g} s of search")
        if self.max_trials is not None:
            rules.append(f"after {self.max_trials} trials")
        if self.plateau_trials is not None:
            rules.append(f"after {self.plateau_trials} trials without a better score")
        return "Stop " + ", or ".join(rules) + ", or when asked to."

    def run_config(self, **fields: Any) -> RunConfig:
        """The run configuration this plan implies; ``fields`` set the rest (workers, seed)."""
        v = self.validation
        return RunConfig(
            time_budget_s=self.time_budget_s,
            max_trials=self.max_trials,
            cv_folds=v.folds,
            holdout_fraction=v.holdout_fraction if v.scheme == "holdout" else None,
            optimizer=self.optimizer,
            plateau_trials=self.plateau_trials,
            **fields,
        )


def as_plan(plan: PlanDraft, config: RunConfig) -> Plan:
    """The full plan for a draft run under ``config`` (the config's budget and scheme win)."""
    classify = plan.task_type != "regression"
    validation = Validation(
        scheme="holdout" if config.holdout_fraction is not None else "cv",
        folds=config.cv_folds,
        holdout_fraction=config.holdout_fraction or 0.2,
        stratified=classify,
    )
    base = plan.model_dump(include=set(PlanDraft.model_fields))
    extra = plan.model_dump(exclude=set(PlanDraft.model_fields)) if isinstance(plan, Plan) else {}
    extra.update(
        validation=validation,
        time_budget_s=config.time_budget_s,
        max_trials=config.max_trials,
        optimizer=config.optimizer,
        plateau_trials=config.plateau_trials,
    )
    extra.setdefault("search_space", search_space_summary(plan.learners, plan.task_type))
    return Plan.model_validate({**base, **extra})


def id_columns(data: pd.DataFrame, target: str) -> list[str]:
    """Row identifiers: named ``id``/``*_id``/``*Id``, one distinct value per row.

    A shuffled id is noise to a learner, and an ordered one leaks the row order.
    """
    found = []
    for column in data.columns:
        name = str(column)
        named = name.lower() == "id" or name.lower().endswith("_id") or name.endswith("Id")
        if name != target and named and data[column].is_unique and len(data) > 1:
            found.append(name)
    return found


def search_space_summary(learners: list[str], task_type: str) -> dict[str, list[str]]:
    """Per learner, ``"param: range"`` lines of its tuned parameters."""
    from tunesmith.core._params import describe
    from tunesmith.learners import get_learner

    return {
        name: [f"{p.name}: {describe(p)}" for p in get_learner(name).space.params]
        for name in learners
    }


def choose_validation(
    request: str, data: pd.DataFrame, target: str, task_type: str
) -> tuple[Validation, str]:
    """The validation scheme: what the request says, else by the table's size."""
    from tunesmith.core.errors import PlanError

    text = request.lower()
    classify = task_type != "regression"
    folds_match = re.search(r"\b(\d+|three|five|ten)[ -]?fold", text)
    if folds_match:
        folds = {"three": 3, "five": 5, "ten": 10}.get(folds_match.group(1))
        chosen = Validation(folds=folds or int(folds_match.group(1)), stratified=classify)
        source = "request"
    elif re.search(r"hold[ -]?out|validation split|train/validation", text):
        chosen, source = Validation(scheme="holdout", stratified=classify), "request"
    elif len(data) >= 100_000:
        chosen, source = Validation(scheme="holdout", stratified=classify), "data"
    else:
        folds = 3 if len(data) >= 20_000 else 5
        chosen, source = Validation(folds=folds, stratified=classify), "data"
    if classify:
        counts = data[target].value_counts()
        if counts.min() < 2:
            rare = counts[counts < 2].index[:5].tolist()
            raise PlanError(
                f"Class(es) {rare} of target {target!r} occur in only one row; validation "
                "needs at least two rows per class. Fix: drop or merge those rows."
            )
        if chosen.scheme == "cv" and counts.min() < chosen.folds:
            chosen = chosen.model_copy(update={"folds": int(counts.min())})
    return chosen, source


def _evident_targets(request: str, columns: list[str], mentioned: list[str]) -> list[str]:
    """Columns the request points at: mentioned, close to one of its words, or named so."""
    words = set(re.findall(r"[a-z0-9_]+", request.lower()))
    close = [c for c in columns if any(difflib.SequenceMatcher(None, c.lower(), w).ratio()
                                        >= 0.75 for w in words if len(w) >= 4)]  # fmt: skip
    named = [c for c in columns if c.lower() in rq.CONVENTIONAL_TARGETS]
    return list(dict.fromkeys([*mentioned, *close, *named]))


def _likely_targets(data: pd.DataFrame) -> list[str]:
    """Candidate targets for a clarifying question: the last column, then few-valued ones."""
    columns = [str(c) for c in data.columns]
    few = [c for c in columns if 2 <= data[c].nunique() <= 20]
    return list(dict.fromkeys([columns[-1], *few]))[:6]


def check_request(
    request: str, data: pd.DataFrame, **overrides: Any
) -> tuple[str | None, list[str]]:
    """What can be checked before the LLM is asked: the settings, and that a target is evident.

    Returns:
        The target the request names outright (or None), and the columns it points at.

    Raises:
        ClarificationNeeded: The request points at no column and none is named like a target.
        ConfigurationError: A setting is invalid.
    """
    _check_settings(overrides)
    columns = [str(c) for c in data.columns]
    target, mentioned = rq.target_from_request(request, columns)
    if target is not None:
        check_target_values(data, target)
    evident = [target] if target else _evident_targets(request, columns, mentioned)
    if not evident and len(data.columns) >= 2 and not data.empty:
        raise ClarificationNeeded(
            "Which column should I predict? The request names none of the table's columns.",
            _likely_targets(data),
        )
    return target, evident


def make_plan(
    model: BaseChatModel,
    request: str,
    data: pd.DataFrame,
    *,
    calls: list[LLMCall] | None = None,
    **overrides: Any,
) -> Plan:
    """Plan ``request`` on ``data``: rules for what it states, the LLM for the rest.

    Args:
        model: The planner's chat model.
        request: The task in plain language.
        data: The training table.
        calls: Each LLM call's tokens and latency is appended here.
        **overrides: Plan fields the caller sets (``time_budget_s``, ``max_trials``,
            ``optimizer``, ``plateau_trials``, ``cv_folds``, ``holdout_fraction``); a None
            value is the same as leaving it out.

    Raises:
        ClarificationNeeded: The request names no target and none is evident.
        PlanError, DataError: The plan does not fit the data.
        ConfigurationError: An override is invalid.
    """
    target, evident = check_request(request, data, **overrides)
    metric = rq.metric_from_request(request)
    draft = draft_plan(model, request, data, calls=calls, target=target, metric=metric)
    if draft.target not in evident:
        raise ClarificationNeeded(
            f"Which column should I predict? The request does not say; the model guessed "
            f"{draft.target!r}.",
            list(dict.fromkeys([*evident, draft.target])),
        )
    return complete_plan(
        draft, data, request, decided={"target": "request" if target else "llm",
                                       "metric": "request" if metric else "llm"},
        **overrides,
    )  # fmt: skip


_SETTINGS = ("time_budget_s", "max_trials", "optimizer", "plateau_trials", "cv_folds",
             "holdout_fraction")  # fmt: skip


def _check_settings(overrides: dict[str, Any]) -> dict[str, Any]:
    """The given (non-None) settings, checked against RunConfig's rules."""
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = set(given) - set(_SETTINGS)
    if unknown:
        raise ConfigurationError(
            f"Unknown plan setting(s): {sorted(unknown)}. Expected some of: "
            f"{', '.join(_SETTINGS)}."
        )
    try:
        RunConfig.model_validate({"time_budget_s": 1.0} | given)
    except ValidationError as exc:
        fix = "time_budget=60 (seconds, > 0), max_trials=50 (>= 1), cv_folds between 2 and 20."
        raise settings_error(exc, "run settings", fix) from None
    return given


def complete_plan(
    draft: PlanDraft,
    data: pd.DataFrame,
    request: str = "",
    *,
    decided: dict[str, str] | None = None,
    **overrides: Any,
) -> Plan:
    """Fill a draft's validation, budget, optimiser and search space (see :func:`make_plan`)."""
    check_draft(draft, data)
    given = _check_settings(overrides)
    sources = {"task_type": "data", "learners": "llm", **(decided or {})}
    draft = _with_a_strong_default(draft, data, sources)
    validation, sources["validation"] = choose_validation(
        request, data, draft.target, draft.task_type
    )
    if "cv_folds" in given or "holdout_fraction" in given:
        validation = _validation_from(validation, given)
        sources["validation"] = "user"
    fields: dict[str, Any] = {}
    for name, parse, default in (
        ("time_budget_s", rq.time_budget_from_request, None),
        ("max_trials", rq.max_trials_from_request, None),
        ("optimizer", rq.optimizer_from_request, "hybrid"),
    ):
        stated = parse(request)
        value = given.get(name, stated if stated is not None else default)
        sources[name] = "user" if name in given else "request" if stated is not None else "default"
        fields[name] = value
    if fields["time_budget_s"] is None and fields["max_trials"] is None:
        fields["time_budget_s"] = DEFAULT_TIME_BUDGET_S
    fields["plateau_trials"] = given.get("plateau_trials")
    try:
        return Plan(
            **draft.model_dump(),
            validation=validation,
            search_space=search_space_summary(draft.learners, draft.task_type),
            ignored_columns=id_columns(data, draft.target),
            decided_by=sources,
            **fields,
        )
    except ValidationError as exc:
        fix = "a time budget > 0 seconds, max_trials >= 1, cv_folds between 2 and 20."
        raise settings_error(exc, "plan settings", fix) from None


ENSEMBLES = ("hist_gradient_boosting", "lightgbm", "xgboost", "random_forest", "extra_trees")


def _with_a_strong_default(
    draft: PlanDraft, data: pd.DataFrame, sources: dict[str, str]
) -> PlanDraft:
    """Add HistGradientBoosting when the LLM chose no tree ensemble.

    On tabular data a tree ensemble is the learner to beat (FLAML and AutoGluon start from
    one); a small model often picks only linear models and kNN. A plan holds at most four
    learners, so with four chosen the last one makes room.
    """
    from tunesmith.agent._draft import learner_reasons

    if any(name in ENSEMBLES for name in draft.learners):
        return draft
    learners = [*draft.learners[:3], "hist_gradient_boosting"]
    reasons = {k: v for k, v in draft.learner_reasons.items() if k in learners}
    reason = learner_reasons(["hist_gradient_boosting"], data, draft.target)
    reasons["hist_gradient_boosting"] = (
        "Added by tunesmith: no tree ensemble was chosen. " + (reason["hist_gradient_boosting"])
    )
    sources["learners"] = "llm, plus a default"
    return draft.model_copy(update={"learners": learners, "learner_reasons": reasons})


def _validation_from(current: Validation, given: dict[str, Any]) -> Validation:
    try:
        if given.get("holdout_fraction") is not None:
            update = {"scheme": "holdout", "holdout_fraction": given["holdout_fraction"]}
        else:
            update = {"scheme": "cv", "folds": given["cv_folds"]}
        return Validation.model_validate(current.model_dump() | update)
    except ValidationError as exc:
        raise ConfigurationError(
            f"Invalid validation settings {given}: {exc.errors()[0]['msg']}. Fix: cv_folds "
            "between 2 and 20, holdout_fraction between 0 and 1."
        ) from None
