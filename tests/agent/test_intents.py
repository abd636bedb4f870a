from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from tunesmith.agent import (
    AddLearner,
    CompareLearners,
    DropLearner,
    ExplainTrial,
    ExtendBudget,
    PlanDraft,
    RunConfig,
    RunLoop,
    RunStore,
    Stop,
    answer,
    interpret,
    parse_intent,
    read_events,
)
from tunesmith.core import ConfigurationError, Event
from tunesmith.llm.testing import ScriptedChatModel

PLAN = PlanDraft(
    target="target", task_type="binary", metric="roc_auc",
    learners=["logistic_regression", "random_forest"], reason="Small binary table.",
)  # fmt: skip
FAST = RunConfig(time_budget_s=60, max_trials=6, cv_folds=2, fidelity=10, seed=0)


@pytest.fixture(scope="module")
def cancer() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame.sample(150, random_state=0)


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("try XGBoost too", AddLearner(learner="xgboost")),
        ("Also use a random forest", AddLearner(learner="random_forest")),
        ("drop the SVM", DropLearner(learner="svm")),
        ("no more knn please", DropLearner(learner="knn")),
        ("give it five more minutes", ExtendBudget(seconds=300)),
        ("20 more trials", ExtendBudget(trials=20)),
        ("why did trial 7 fail?", ExplainTrial(number=7)),
        ("what happened in trial #12", ExplainTrial(number=12)),
        ("compare random forest vs lightgbm", CompareLearners(first="random_forest",
                                                               second="lightgbm")),
        ("stop", Stop()),
        ("Please stop now", Stop()),
    ],
)  # fmt: skip
def test_plain_messages_are_read_by_rules(message: str, intent: object) -> None:
    assert parse_intent(message) == intent
    assert interpret(None, message) == intent  # no LLM needed


def test_other_messages_go_to_the_llm_and_its_reply_is_validated() -> None:
    reply = {"action": {"kind": "add_learner", "learner": "lightgbm"}}
    model = ScriptedChatModel(replies=[json.dumps(reply)])
    assert interpret(model, "I heard gradient-boosted leaves are nice") == AddLearner(
        learner="lightgbm"
    )
    assert "add_learner" in str(model.received[0][0].content)
    # Incomplete or unknown replies are sent back; after three, the user hears what works.
    bad = [{"action": {"kind": "explain_trial"}}, {"action": {"kind": "extend_budget"}},
           {"action": {"kind": "add_learner", "learner": "catboost"}}]  # fmt: skip
    incomplete = ScriptedChatModel(replies=[json.dumps(b) for b in bad])
    with pytest.raises(ConfigurationError, match="I understand: add or drop a learner"):
        interpret(incomplete, "tell me about that one")
    assert len(incomplete.received) == 3
    with pytest.raises(ConfigurationError, match="could not read"):
        interpret(None, "hmm")


def _send_on(loop: RunLoop, when: int, intent: object, sent: list[object]) -> object:
    def listener(event: Event) -> None:
        if event.kind == "trial_finished" and event.payload["number"] == when and not sent:
            sent.append(loop.send(intent))

    return listener


def test_adding_a_learner_mid_run_takes_effect_and_is_stored(
    tmp_path: Path, cancer: pd.DataFrame
) -> None:
    sent: list[object] = []
    loop = RunLoop(tmp_path / "run", PLAN, FAST, data=cancer)
    loop.listeners.append(_send_on(loop, 1, AddLearner(learner="decision_tree"), sent))
    loop.run()
    events = read_events(tmp_path / "run" / "events.jsonl")
    intents = [e for e in events if e.kind == "intent"]
    assert len(intents) == 1
    assert intents[0].payload["applied"]
    assert "decision_tree" in intents[0].payload["message"]
    after = events[events.index(intents[0]) :]
    learners = [e.payload["params"]["learner"] for e in after if e.kind == "trial_started"]
    assert "decision_tree" in learners
    plan, _ = RunStore(tmp_path / "run").read_plan()
    assert plan.learners == ["logistic_regression", "random_forest", "decision_tree"]
    assert plan.learner_reasons["decision_tree"] == "asked for by the user"
    assert sent[0].result(timeout=1).startswith("Added decision_tree")  # type: ignore[attr-defined]


def test_the_first_trial_of_each_learner_is_its_default_configuration(
    tmp_path: Path, cancer: pd.DataFrame
) -> None:
    from tunesmith.learners import get_learner

    RunLoop(tmp_path / "run", PLAN, FAST.model_copy(update={"max_trials": 3}), data=cancer).run()
    started = [e.payload["params"] for e in read_events(tmp_path / "run" / "events.jsonl")
               if e.kind == "trial_started"]  # fmt: skip
    assert [p["learner"] for p in started[:2]] == ["logistic_regression", "random_forest"]
    default = get_learner("random_forest").default_config
    own = {k.split(".", 1)[1]: v for k, v in started[1].items() if k != "learner"}
    assert own == {k: v for k, v in default.items() if k in own}
    assert own


def test_dropping_a_learner_stops_its_trials(tmp_path: Path, cancer: pd.DataFrame) -> None:
    sent: list[object] = []
    loop = RunLoop(tmp_path / "run", PLAN, FAST, data=cancer)
    loop.listeners.append(_send_on(loop, 1, DropLearner(learner="logistic_regression"), sent))
    loop.run()
    events = read_events(tmp_path / "run" / "events.jsonl")
    index = next(i for i, e in enumerate(events) if e.kind == "intent")
    later = [e.payload["params"]["learner"] for e in events[index:] if e.kind == "trial_started"]
    assert later
    assert set(later) == {"random_forest"}


def test_bad_changes_are_refused_and_the_run_goes_on(tmp_path: Path, cancer: pd.DataFrame) -> None:
    sent: list[object] = []
    loop = RunLoop(tmp_path / "run", PLAN, FAST.model_copy(update={"max_trials": 3}), data=cancer)
    loop.listeners.append(_send_on(loop, 0, AddLearner(learner="ridge"), sent))
    summary = loop.run()
    assert summary.n_complete == 3
    with pytest.raises(ConfigurationError, match=r"'ridge' cannot do this binary task"):
        sent[0].result(timeout=1)  # type: ignore[attr-defined]
    intent = next(e for e in read_events(tmp_path / "run" / "events.jsonl") if e.kind == "intent")
    assert not intent.payload["applied"]


def test_more_trials_and_stop(tmp_path: Path, cancer: pd.DataFrame) -> None:
    sent: list[object] = []
    config = FAST.model_copy(update={"max_trials": 2})
    loop = RunLoop(tmp_path / "a", PLAN, config, data=cancer)
    loop.listeners.append(_send_on(loop, 0, ExtendBudget(trials=2), sent))
    assert loop.run().n_complete == 4
    assert RunStore(tmp_path / "a").read_plan()[1].max_trials == 4

    stopped: list[object] = []
    loop = RunLoop(tmp_path / "b", PLAN, FAST.model_copy(update={"max_trials": 50}), data=cancer)
    loop.listeners.append(_send_on(loop, 0, Stop(), stopped))
    summary = loop.run()
    assert summary.stop_reason == "user"
    assert summary.n_complete < 50
    # After the search, changes are refused with the way to resume.
    with pytest.raises(ConfigurationError, match="resume"):
        loop.send(ExtendBudget(seconds=10)).result(timeout=1)


def test_questions_are_answered_from_the_run_itself(tmp_path: Path, cancer: pd.DataFrame) -> None:
    RunLoop(tmp_path / "run", PLAN, FAST.model_copy(update={"max_trials": 4}), data=cancer).run()
    store = RunStore(tmp_path / "run")
    board = store.leaderboard()
    best = board.iloc[0]
    text = answer(ExplainTrial(number=int(best["trial"])), store)
    assert f"scored roc_auc {best['roc_auc']:.4g}" in text
    assert "rank 1 of 4" in text
    assert "no finished trial 99" in answer(ExplainTrial(number=99), store)
    compared = answer(CompareLearners(first="random_forest", second="xgboost"), store)
    rf = board[board["learner"] == "random_forest"]["roc_auc"]
    assert f"random_forest: best roc_auc {rf.max():.4g}" in compared
    assert "xgboost: no complete trial yet" in compared
