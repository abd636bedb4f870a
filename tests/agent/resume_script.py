"""A long search in its own process for the resume test to kill: ``resume_script.py OUT``."""

from __future__ import annotations

import sys

from sklearn.datasets import load_breast_cancer

from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._loop import RunConfig, RunLoop

PLAN = PlanDraft(
    target="target",
    task_type="binary",
    metric="roc_auc",
    learners=["random_forest"],
    reason="Resume test.",
)
CONFIG = RunConfig(time_budget_s=120, max_trials=200, cv_folds=2, fidelity=150, seed=3)


def main(out: str) -> None:
    frame = load_breast_cancer(as_frame=True).frame.sample(200, random_state=0)
    RunLoop(out, PLAN, CONFIG, data=frame).run()


if __name__ == "__main__":
    main(sys.argv[1])
