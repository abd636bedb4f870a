"""The run loop's default optimiser, the hybrid, with the embedded model (the real path)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer

from tunesmith.agent._draft import PlanDraft
from tunesmith.agent._events import read_events
from tunesmith.agent._loop import RunConfig, RunLoop
from tunesmith.agent._sampling import contexts, sampler_options
from tunesmith.llm.testing import ScriptedChatModel

PLAN = PlanDraft(
    target="target",
    task_type="binary",
    metric="roc_auc",
    learners=["logistic_regression"],
    reason="Small binary table.",
)


@pytest.fixture(scope="module")
def cancer() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame.sample(150, random_state=0)


def test_contexts_describe_each_learner_and_the_table(cancer: pd.DataFrame) -> None:
    described = contexts(PLAN, cancer)
    assert "logistic_regression" in described
    ctx = described["random_forest"]
    assert ctx.learner.startswith("random forest (")
    assert (ctx.task, ctx.n_rows, ctx.n_features, ctx.n_classes) == (
        "binary classification", 150, 30, 2,
    )  # fmt: skip
    assert ctx.metric == "cross-validated roc auc"


def test_a_chat_model_without_token_probabilities_leaves_the_hybrid_on_its_fallback(
    cancer: pd.DataFrame,
) -> None:
    assert sampler_options("hybrid", ScriptedChatModel(replies=[]), PLAN, cancer) == {}
    assert sampler_options("tpe", ScriptedChatModel(replies=[]), PLAN, cancer) == {}


def test_the_agents_hybrid_keeps_a_step_with_a_say_under_its_time_target(
    cancer: pd.DataFrame,
) -> None:
    from tunesmith.core import FloatParam, SearchSpace
    from tunesmith.llm._llamacpp import LlamaCppChat
    from tunesmith.tools import make_optimizer

    model = LlamaCppChat(model_path="never-loaded.gguf")  # the reader loads it on first use
    options = sampler_options("hybrid", model, PLAN, cancer)
    assert options["step_seconds"] == 5.0
    space = SearchSpace(params=(FloatParam(name="C", low=0.01, high=100.0, log=True),))
    sampler = make_optimizer("hybrid", space, seed=0, **options).study.sampler
    assert sampler._effort.target == 5.0  # type: ignore[attr-defined]


@pytest.mark.llm
def test_the_hybrid_uses_the_embedded_model_within_its_time_share(
    tmp_path: Path, cancer: pd.DataFrame
) -> None:
    from tunesmith.llm import load

    config = RunConfig(time_budget_s=120, max_trials=6, cv_folds=2, seed=0)
    assert config.optimizer == "hybrid"
    summary = RunLoop(tmp_path / "run", PLAN, config, data=cancer, llm=load("embedded")).run()
    assert summary.n_complete == 6
    started = [e for e in read_events(tmp_path / "run" / "events.jsonl")
               if e.kind == "trial_started"]  # fmt: skip
    sources = [(e.payload.get("sampler") or {}).get("source") for e in started]
    assert sources[0] is None  # the learner's default configuration, enqueued by the loop
    # One chat request writes the warm start's proposals (n_warmup 3, after the default);
    # those left are tried at no further LLM cost.
    assert sources[1] == "llm-warm-start"
    assert sources[2] in {"llm-warm-start", "fallback"}  # fallback: the LLM wrote one config
    # That answer took seconds; trials of a 150-row table take a fraction of one, so a
    # scoring step (expected to cost as much) would take the LLM past its half of the wall
    # time: the next trials go to the fallback.
    assert sources[3:] == ["fallback-budget"] * 3
    counts = started[-1].payload["sampler"]
    assert counts["llm_effort"] == 0  # the LLM never had a say: full steps, none taken
    assert counts["llm_requests"] >= 1
    assert counts["prompt_tokens"] > 0
    assert counts["llm_failures"] == 0
    stopped = next(e for e in read_events(tmp_path / "run" / "events.jsonl")
                   if e.kind == "stopped")  # fmt: skip
    assert stopped.payload["llm_calls"] >= counts["llm_requests"]  # the session's totals
    assert stopped.payload["prompt_tokens"] >= counts["prompt_tokens"]


def test_an_llm_step_under_way_ends_with_the_search_budget(
    tmp_path: Path, cancer: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tunesmith.llm
    from tests.tools._fake_reader import DeadlineReader

    # The LLM's edge, faked: a warm start's two proposals, and prompts that would each take a
    # minute to score (a cold prompt on a slow machine, or a model busy elsewhere).
    reader = DeadlineReader(to_code=lambda config: 50.0, seconds=60.0)
    monkeypatch.setattr(tunesmith.llm, "score_reader", lambda model, **_: reader)
    configs = [{"C": c, "intercept_scaling": 1.0, "penalty": "l2"} for c in (0.1, 10.0)]
    model = ScriptedChatModel(replies=[json.dumps({"configs": configs})] * 10)
    config = RunConfig(time_budget_s=8, cv_folds=2, seed=0)
    started = time.monotonic()
    RunLoop(tmp_path / "run", PLAN, config, data=cancer, llm=model).run()
    took = time.monotonic() - started
    events = read_events(tmp_path / "run" / "events.jsonl")
    sources = [(e.payload.get("sampler") or {}).get("source")
               for e in events if e.kind == "trial_started"]  # fmt: skip
    assert "fallback-deadline" in sources
    assert 0 < reader.usage.seconds < 10  # the step was cut at the search's deadline
    assert took < 40  # the budget, the final refit and the report; not a minute per prompt
