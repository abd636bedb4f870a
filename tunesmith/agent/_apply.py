"""What a follow-up does to a running search: more budget, a learner added or dropped, or an
answer about the run so far (``stop`` is the run loop's own)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tunesmith.agent._intents import answer
from tunesmith.core import ConfigurationError

if TYPE_CHECKING:
    from tunesmith.agent._config import RunConfig
    from tunesmith.agent._draft import PlanDraft
    from tunesmith.agent._plan import Plan
    from tunesmith.agent._store import RunStore

Applied = tuple["Plan", "RunConfig", "float | None", str]


def apply_intent(
    intent: Any, plan: Plan, config: RunConfig, deadline: float | None, store: RunStore
) -> Applied:
    """The plan, run configuration and deadline after ``intent``, and a note for the user.

    Raises:
        ConfigurationError: The change cannot be made (e.g. an unknown learner); nothing
            changes then.
    """
    if intent.kind == "extend_budget":
        return _extend(intent, plan, config, deadline)
    if intent.kind in ("add_learner", "drop_learner"):
        return _change_learners(intent, plan, config, deadline)
    return plan, config, deadline, answer(intent, store)


def too_late() -> ConfigurationError:
    return ConfigurationError(
        "The search has already stopped. Fix: resume the run (Assistant().resume(out, "
        "time_budget_s=...), or `tunesmith resume DIR`) to continue it."
    )


def _change_learners(
    intent: Any, plan: Plan, config: RunConfig, deadline: float | None
) -> Applied:
    from tunesmith.agent._plan import search_space_summary
    from tunesmith.learners import list_learners

    add = intent.kind == "add_learner"
    able = [x.name for x in list_learners(plan.task_type)]
    learners = _changed_learners(plan, intent.learner, add, able)
    reasons = {k: v for k, v in plan.learner_reasons.items() if k in learners}
    if add:
        reasons.setdefault(intent.learner, "asked for by the user")
    plan = plan.model_copy(update={
        "learners": learners, "learner_reasons": reasons,
        "search_space": search_space_summary(learners, plan.task_type),
    })  # fmt: skip
    verb = "Added" if add else "Dropped"
    note = f"{verb} {intent.learner}; learners now: " + (", ".join(learners) + ".")
    return plan, config, deadline, note


def _extend(intent: Any, plan: Plan, config: RunConfig, deadline: float | None) -> Applied:
    update: dict[str, Any] = {}
    notes = []
    if intent.seconds is not None:
        if config.time_budget_s is None or deadline is None:
            notes.append("the run has no time limit, so extra time changes nothing")
        else:
            update["time_budget_s"] = config.time_budget_s + intent.seconds
            deadline += intent.seconds
            notes.append(f"{intent.seconds:g} s more ({deadline - time.monotonic():.0f} s left)")
    if intent.trials is not None:
        if config.max_trials is None:
            notes.append("the run has no trial limit, so extra trials change nothing")
        else:
            update["max_trials"] = config.max_trials + intent.trials
            notes.append(f"{intent.trials} more trials (limit {update['max_trials']})")
    config = config.model_copy(update=update)
    plan = plan.model_copy(update=dict(update))
    return plan, config, deadline, "Budget: " + "; ".join(notes) + "."


def _changed_learners(plan: PlanDraft, learner: str, add: bool, able: list[str]) -> list[str]:
    from tunesmith.core.errors import close_matches

    if learner not in able:
        hint = close_matches(learner, able)
        also = f" Did you mean {hint[0]!r}?" if hint else ""
        raise ConfigurationError(
            f"Learner {learner!r} cannot do this {plan.task_type} task.{also} Learners that "
            f"can: {', '.join(able)}."
        )
    if add:
        return list(dict.fromkeys([*plan.learners, learner]))
    if learner not in plan.learners:
        raise ConfigurationError(
            f"{learner!r} is not among the run's learners ({', '.join(plan.learners)})."
        )
    if len(plan.learners) == 1:
        raise ConfigurationError(
            f"{learner!r} is the run's only learner. Fix: add another learner first, or stop."
        )
    return [n for n in plan.learners if n != learner]
