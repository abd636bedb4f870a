"""Medal thresholds from reference baselines, and the leaderboard record that stores them.

Kaggle awards medals by rank among the teams of a competition; MLE-bench reuses the
competitions' real leaderboards. Our tasks have no human leaderboard, so the thresholds come
from reference baselines fitted on ``public/train.csv`` and scored on the private answers
(see ``run_baselines``): a constant prediction, a default scikit-learn RandomForest, a default
HistGradientBoosting model, FLAML given the suite's benchmark budget (120 s by default; the
leaderboard's ``flaml_budget_s``, None where FLAML was left out) and, where its environment is
built and it is asked for, AutoGluon's ``medium_quality`` presets at a budget of their own
(``autogluon_budget_s``). The rule:

- **bronze**: at least as good as the default RandomForest (or the constant prediction, if
  that is better): an off-the-shelf model, no tuning.
- **silver**: at least as good as the best baseline, FLAML (and AutoGluon, where it ran)
  included: as good as an AutoML tool given the same budget.
- **gold**: the best baseline improved by 10% of its headroom, where the headroom is the
  smaller of its distance to a perfect score (1 for roc_auc, accuracy, f1 and r2; 0 for
  log_loss, rmse and mae) and its gain over the constant prediction. The distance to perfect
  alone would ask too much of noisy targets (a 10% lower log loss where the baselines gain 3%
  over the prior); the gain alone would ask too much where the constant is far off (diamond
  prices). So ``gold = best + 0.1 * min(|perfect - best|, |best - constant|)`` in the better
  direction.

Ties reach a threshold. Where the RandomForest is the best baseline, bronze and silver coincide
and a score that reaches them gets silver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.learners import greater_is_better

Medal = Literal["none", "bronze", "silver", "gold"]
GOLD_GAP_FRACTION = 0.1
# The score of a perfect submission: 1 for scores, 0 for errors and losses.
PERFECT = {"roc_auc": 1.0, "accuracy": 1.0, "f1": 1.0, "r2": 1.0,
           "log_loss": 0.0, "rmse": 0.0, "mae": 0.0}  # fmt: skip
RULE = (
    "bronze = the better of the default RandomForest and the constant prediction; "
    "silver = the best baseline (FLAML at flaml_budget_s included); "
    "gold = best improved by 0.1 * min(|perfect - best|, |best - constant|). "
    "Ties reach a threshold."
)


class BaselineScore(BaseModel):
    """The score of one reference baseline on the private answers.

    Attributes:
        name: ``"constant"``, ``"random_forest"``, ``"hist_gradient_boosting"``, ``"flaml"``
            or ``"autogluon"``.
        score: The metric, in its natural units.
        fit_time_s: Seconds to fit and predict.
        details: What a searching baseline found (FLAML: its best learner and configuration,
            its number of trials, its budget; AutoGluon: its best model and the number it
            fitted); empty for the fixed ones.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    score: float
    fit_time_s: float
    details: dict[str, Any] = Field(default_factory=dict)


class MedalThresholds(BaseModel):
    """The least score that earns each medal (see the module docstring for the rule)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bronze: float
    silver: float
    gold: float


class Leaderboard(BaseModel):
    """The contents of ``private/leaderboard.json``.

    Attributes:
        task: The task's name.
        metric: The metric's name.
        greater_is_better: Whether a larger score is better.
        baselines: The reference baselines' scores.
        thresholds: The medal thresholds derived from them.
        rule: The rule, in words.
        seed: The seed the baselines were fitted with.
        fingerprint: The task's data fingerprint (``TaskInfo.fingerprint``) it was computed for.
        flaml_budget_s: FLAML's budget in seconds, or None if FLAML was not among them.
        autogluon_budget_s: AutoGluon's budget in seconds, or None if it was not among them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    task: str
    metric: str
    greater_is_better: bool
    baselines: tuple[BaselineScore, ...]
    thresholds: MedalThresholds
    rule: str
    seed: int
    fingerprint: str
    flaml_budget_s: float | None = None
    autogluon_budget_s: float | None = None

    def score_of(self, name: str) -> float | None:
        """The score of the baseline called ``name``, or None if it was not run."""
        return next((b.score for b in self.baselines if b.name == name), None)


def _better(metric: str, a: float, b: float) -> float:
    return max(a, b) if greater_is_better(metric) else min(a, b)


def medal_thresholds(metric: str, baselines: Sequence[BaselineScore]) -> MedalThresholds:
    """Derive the thresholds from the baselines by the rule of the module docstring.

    Args:
        metric: The task's metric.
        baselines: Scores of ``constant`` and ``random_forest`` at least, and any others.

    Raises:
        KeyError: ``constant`` or ``random_forest`` is missing.
    """
    scores = {b.name: b.score for b in baselines}
    bronze = _better(metric, scores["random_forest"], scores["constant"])
    best = scores["constant"]
    for value in scores.values():
        best = _better(metric, best, value)
    headroom = min(abs(PERFECT[metric] - best), abs(best - scores["constant"]))
    step = GOLD_GAP_FRACTION * headroom
    gold = best + step if greater_is_better(metric) else best - step
    return MedalThresholds(bronze=bronze, silver=best, gold=gold)


def medal_for(score: float, metric: str, thresholds: MedalThresholds) -> Medal:
    """The best medal that ``score`` reaches (``"none"`` if it reaches no threshold)."""
    up = greater_is_better(metric)
    levels: tuple[tuple[Medal, float], ...] = (
        ("gold", thresholds.gold),
        ("silver", thresholds.silver),
        ("bronze", thresholds.bronze),
    )
    for medal, threshold in levels:
        if (score >= threshold) if up else (score <= threshold):
            return medal
    return "none"
