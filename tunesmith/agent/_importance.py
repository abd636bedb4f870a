"""Parameter importance in a conditional (learner, then per-learner parameters) search space.

Two questions, answered separately because the parameters of one learner exist only on its
trials:

* the learner choice, over all complete trials: the share of the loss's variance that lies
  between learners (one-way ANOVA's eta squared, with numpy), a number in [0, 1];
* the best learner's own parameters, over its complete trials: Optuna's fANOVA
  (``optuna.importance.FanovaImportanceEvaluator``, seeded) on an in-memory sub-study built
  from those trials with the ``"<learner>."`` prefix removed from the parameter names.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

MIN_TRIALS = 8
"""Complete trials needed before importance is computed at all."""
MIN_LEARNER_TRIALS = 4
"""Complete trials of the best learner needed for its parameters' importance."""


@dataclasses.dataclass(frozen=True)
class Importance:
    """What :func:`param_importance` found.

    Attributes:
        learner_share: Share of the loss's variance explained by the learner choice, or None
            (a single learner was tried). n_trials: Complete trials it was computed on.
        best_learner: The learner of the best trial. params: Its parameters' fANOVA
            importances (summing to 1), most important first; empty when not computed.
        notes: Why a part was skipped, one line each.
    """

    n_trials: int
    learner_share: float | None
    best_learner: str | None
    params: dict[str, float]
    notes: tuple[str, ...]


def param_importance(trials: list[Any]) -> Importance | None:
    """Importance of the learner choice and of the best learner's parameters.

    Args:
        trials: The study's trials (Optuna ``FrozenTrial``; the loss is minimised).

    Returns:
        None when fewer than :data:`MIN_TRIALS` trials are complete.
    """
    from optuna.trial import TrialState

    done = [t for t in trials if t.state == TrialState.COMPLETE and t.value is not None]
    if len(done) < MIN_TRIALS:
        return None
    notes: list[str] = []
    learners = [str(t.params.get("learner")) for t in done]
    share = _between_share(learners, [float(t.value) for t in done])
    if share is None:
        notes.append("Only one learner was tried: the learner choice has no importance.")
    best = min(done, key=lambda t: t.value)
    learner = str(best.params.get("learner"))
    own = [t for t in done if str(t.params.get("learner")) == learner]
    params: dict[str, float] = {}
    if len(own) < MIN_LEARNER_TRIALS:
        notes.append(
            f"{learner} has {len(own)} complete trial(s); its parameters' importance needs "
            f"at least {MIN_LEARNER_TRIALS}."
        )
    else:
        params = _fanova(own, f"{learner}.")
        if not params:
            notes.append(f"{learner}'s parameters did not vary enough to rank them.")
    return Importance(len(done), share, learner, params, tuple(notes))


def _between_share(groups: list[str], values: list[float]) -> float | None:
    """Eta squared: between-group sum of squares over the total sum of squares."""
    if len(set(groups)) < 2:
        return None
    y = np.asarray(values, dtype=float)
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0.0:
        return 0.0
    labels = np.asarray(groups)
    between = sum(
        int((labels == g).sum()) * (float(y[labels == g].mean()) - float(y.mean())) ** 2
        for g in set(groups)
    )
    return float(between / total)


def _fanova(trials: list[Any], prefix: str) -> dict[str, float]:
    """fANOVA importances of the ``prefix`` parameters over ``trials`` (a sub-study)."""
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    study = optuna.create_study(direction="minimize")
    for trial in trials:
        names = [n for n in trial.params if n.startswith(prefix)]
        study.add_trial(
            optuna.trial.create_trial(
                params={n[len(prefix) :]: trial.params[n] for n in names},
                distributions={n[len(prefix) :]: trial.distributions[n] for n in names},
                value=trial.value,
            )
        )
    try:
        found = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=0))
    except (ValueError, RuntimeError, ZeroDivisionError):  # no common or no varying parameter
        return {}
    values = {name: float(v) for name, v in found.items() if np.isfinite(v)}
    return dict(sorted(values.items(), key=lambda item: -item[1]))
