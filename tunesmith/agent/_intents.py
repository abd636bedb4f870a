"""Follow-up intents: what a user may ask of a run while it runs or after it finished.

A chat message becomes one typed intent (:func:`interpret`): plain rules read the obvious
forms ("try XGBoost too", "why did trial 7 fail?", "give it five more minutes"), and the LLM,
under a JSON-schema grammar, reads the rest. The run loop applies the changes (add or drop a
learner, extend the budget, stop); questions (explain a trial, compare learners) are answered
from the run's own data by :func:`answer`, never from the LLM's imagination.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model, model_validator

from tunesmith.agent import _request as rq
from tunesmith.core.errors import ConfigurationError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from tunesmith.agent._store import RunStore
    from tunesmith.llm import LLMCall


class _Intent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AddLearner(_Intent):
    """Also try ``learner`` from now on."""

    kind: Literal["add_learner"] = "add_learner"
    learner: str


class DropLearner(_Intent):
    """Stop trying ``learner`` (running trials finish)."""

    kind: Literal["drop_learner"] = "drop_learner"
    learner: str


class ExtendBudget(_Intent):
    """Give the search more time and/or more trials."""

    kind: Literal["extend_budget"] = "extend_budget"
    seconds: float | None = Field(default=None, gt=0)
    trials: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _some(self) -> ExtendBudget:
        if self.seconds is None and self.trials is None:
            raise ValueError("say how much more: seconds, trials or both")
        return self


class ExplainTrial(_Intent):
    """Say what trial ``number`` was, how it scored, and why it failed if it did."""

    kind: Literal["explain_trial"] = "explain_trial"
    number: int = Field(ge=0)


class CompareLearners(_Intent):
    """Compare two learners' trials so far."""

    kind: Literal["compare_learners"] = "compare_learners"
    first: str
    second: str


class Stop(_Intent):
    """Stop the search now; running trials finish, the best is refitted."""

    kind: Literal["stop"] = "stop"


Intent = Annotated[
    AddLearner | DropLearner | ExtendBudget | ExplainTrial | CompareLearners | Stop,
    Field(discriminator="kind"),
]
INTENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Intent)
INTENT_KINDS = (
    "add_learner", "drop_learner", "extend_budget", "explain_trial", "compare_learners", "stop",
)  # fmt: skip
CHANGES_RUN = ("add_learner", "drop_learner", "extend_budget", "stop")

_ALIASES = {
    "xgb": "xgboost", "lgbm": "lightgbm", "lgb": "lightgbm", "light gbm": "lightgbm",
    "random forest": "random_forest", "rf": "random_forest", "extra trees": "extra_trees",
    "logistic regression": "logistic_regression", "logistic": "logistic_regression",
    "decision tree": "decision_tree", "svm": "svm", "support vector": "svm",
    "k-nearest": "knn", "nearest neighbo": "knn", "neural net": "mlp",
    "hist gradient boosting": "hist_gradient_boosting", "histgradientboosting":
    "hist_gradient_boosting", "gradient boosting": "hist_gradient_boosting",
    "ada boost": "adaboost", "pytorch": "torch_mlp", "torch": "torch_mlp",
}  # fmt: skip


def learners_in(message: str) -> list[str]:
    """Catalogue learners a message names (by name or common alias), in order of mention."""
    from tunesmith.learners import list_learners

    text = message.lower()
    found: dict[str, int] = {}
    names = {learner.name: learner.name for learner in list_learners()}
    names |= {name.replace("_", " "): name for name in list(names)}
    for phrase, name in sorted((names | _ALIASES).items(), key=lambda kv: -len(kv[0])):
        match = re.search(rf"(?<![a-z]){re.escape(phrase)}", text)
        if match and name not in found and name in set(names.values()):
            found[name] = match.start()
    return sorted(found, key=found.__getitem__)


def parse_intent(message: str) -> Any:
    """The intent a message states plainly, or None when it takes the LLM to read it."""
    text = message.lower().strip()
    learners = learners_in(text)
    trial = re.search(r"\btrial\s*#?\s*(\d+)", text)
    if trial and re.search(r"why|what|explain|fail|happen|tell", text):
        return ExplainTrial(number=int(trial.group(1)))
    if len(learners) >= 2 and re.search(r"compare|versus|\bvs\.?\b|better|against", text):
        return CompareLearners(first=learners[0], second=learners[1])
    if re.fullmatch(r"(please )?(stop|halt|abort|cancel|enough)\b.*", text):
        return Stop()
    seconds = rq.time_budget_from_request(text)
    trials = rq.max_trials_from_request(text)
    if (seconds or trials) and re.search(r"more|extra|extend|another|longer|additional", text):
        return ExtendBudget(seconds=seconds, trials=trials)
    if len(learners) == 1:
        if re.search(r"\b(drop|remove|skip|stop trying|no more|without|exclude)\b", text):
            return DropLearner(learner=learners[0])
        if re.search(r"\b(try|add|include|also|use|too)\b", text):
            return AddLearner(learner=learners[0])
    return None


def _reply_schema() -> type[BaseModel]:
    """One object with an ``action``: a union of the intents, learners limited to the catalogue,
    so constrained decoding can only produce a complete, valid intent."""
    from tunesmith.learners import list_learners

    names: Any = Literal[tuple(learner.name for learner in list_learners())]
    add = create_model("AddLearner", __base__=AddLearner, learner=(names, ...))
    drop = create_model("DropLearner", __base__=DropLearner, learner=(names, ...))
    compare = create_model(
        "CompareLearners", __base__=CompareLearners, first=(names, ...), second=(names, ...)
    )
    action: Any = Annotated[
        add | drop | ExtendBudget | ExplainTrial | compare | Stop,
        Field(discriminator="kind"),
    ]
    return create_model("FollowUp", action=(action, Field(description="What the user asks for.")))


def interpret(
    model: BaseChatModel | None, message: str, *, calls: list[LLMCall] | None = None
) -> Any:
    """Map a chat message to one :data:`Intent` (rules first, then the LLM).

    Raises:
        ConfigurationError: The message is not one of the follow-ups a run understands (the
            message says which ones are), or no LLM is given for a message rules cannot read.
    """
    intent = parse_intent(message)
    if intent is not None:
        return intent
    if model is None:
        raise ConfigurationError(_UNKNOWN.format(message=message))
    from langchain_core.messages import HumanMessage, SystemMessage

    from tunesmith.core.errors import StructuredOutputError
    from tunesmith.llm import structured
    from tunesmith.prompts import render

    try:
        reply = structured(
            model, _reply_schema(),
            [SystemMessage(content=render("follow_up_system")), HumanMessage(content=message)],
            purpose="follow_up", calls=calls,
        )  # fmt: skip
    except StructuredOutputError:
        raise ConfigurationError(_UNKNOWN.format(message=message)) from None
    return INTENT_ADAPTER.validate_python(reply.action.model_dump())  # type: ignore[attr-defined]


_UNKNOWN = (
    "I could not read {message!r} as a follow-up. I understand: add or drop a learner "
    "('try xgboost too'), more budget ('five more minutes', '20 more trials'), explain a trial "
    "('why did trial 7 fail?'), compare two learners ('random forest vs lightgbm'), and stop."
)


def answer(intent: Any, store: RunStore) -> str:
    """Answer a question intent from the run's own trials (explain or compare)."""
    if isinstance(intent, ExplainTrial):
        return _explain(intent.number, store)
    if isinstance(intent, CompareLearners):
        return _compare(intent.first, intent.second, store)
    raise ConfigurationError(f"{intent.kind} is a change to the run, not a question.")


def _explain(number: int, store: RunStore) -> str:
    board = store.leaderboard()
    plan, _ = store.read_plan()
    rows = board[board["trial"] == number]
    if rows.empty:
        known = f"0 to {int(board['trial'].max())}" if len(board) else "none yet"
        return f"There is no finished trial {number} in this run (finished trials: {known})."
    row = rows.iloc[0]
    params = row["params"]
    if row["state"] == "complete":
        n = int(board["rank"].notna().sum())
        return (
            f"Trial {number} trained {row['learner']} with {params} and scored "
            f"{plan.metric} {row[plan.metric]:.4g} in {row['duration_s']:.1f} s: rank "
            f"{int(row['rank'])} of {n} complete trials."
        )
    return (
        f"Trial {number} ({row['learner']}, {params}) {row['state']}: "
        f"{row['error'] or 'no reason was recorded'}"
    )


def _compare(first: str, second: str, store: RunStore) -> str:
    board = store.leaderboard()
    plan, _ = store.read_plan()
    parts = []
    for name in (first, second):
        rows = board[board["learner"] == name]
        done = rows[rows["state"] == "complete"][plan.metric]
        if done.empty:
            parts.append(f"{name}: no complete trial yet ({len(rows)} finished)")
            continue
        best = done.max() if _greater(plan.metric) else done.min()
        parts.append(
            f"{name}: best {plan.metric} {best:.4g}, median {done.median():.4g} over "
            f"{len(done)} complete trial(s), {len(rows) - len(done)} failed"
        )
    return "; ".join(parts) + "."


def _greater(metric: str) -> bool:
    from tunesmith.learners import greater_is_better

    return bool(greater_is_better(metric))
