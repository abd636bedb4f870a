"""HybridSampler and LLMSampler with a scripted LLM at the edge (replies, code probabilities)."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import optuna
import pytest
from pydantic import PrivateAttr

from tests.tools._fake_reader import (
    CostlyReader,
    DeadlineReader,
    ScriptedReader,
    WritingReader,
)
from tunesmith.core import CategoricalParam, FloatParam, SearchSpace, TrialResult
from tunesmith.llm.testing import ScriptedChatModel
from tunesmith.tools import make_optimizer
from tunesmith.tools._llm_sampler import HybridSampler, LLMSampler
from tunesmith.tools._llm_surrogate import SurrogateContext

SPACE = SearchSpace(
    params=(
        FloatParam(name="x", low=0.0, high=1.0),
        FloatParam(name="lr", low=1e-4, high=1.0, log=True),
    )
)
CONTEXT = SurrogateContext(learner="test model", task="regression", metric="error")


def _loss(params: dict[str, float]) -> float:
    return (params["x"] - 0.7) ** 2 + 0.1 * (math.log10(params["lr"]) + 2) ** 2


def _perfect() -> ScriptedReader:
    return ScriptedReader(true_value=_loss)


def _misled() -> ScriptedReader:
    # Fits the prompt's scale like the perfect one, but to a function unrelated to the loss.
    return ScriptedReader(true_value=lambda p: math.sin(20 * p["x"]) + math.cos(7 * p["lr"]))


def _broad_noise() -> ScriptedReader:
    # Like the embedded 0.5B model on Bayesmark: wide distributions that ignore the scores.
    return ScriptedReader(to_code=lambda p: 50 + 10 * math.sin(50 * p["x"] * p["lr"]), width=30)


def _replies(n: int) -> list[str]:
    configs = [{"x": 0.6 + 0.02 * i, "lr": 0.01} for i in range(3)]
    return [json.dumps({"configs": configs})] * n


def _run(optimizer: object, n: int) -> list[optuna.trial.FrozenTrial]:
    for _ in range(n):
        spec = optimizer.ask()  # type: ignore[attr-defined]
        optimizer.tell(TrialResult.complete(spec, _loss(spec.params)))  # type: ignore[attr-defined]
    return optimizer.study.trials  # type: ignore[attr-defined]


def _sources(trials: list[optuna.trial.FrozenTrial]) -> list[str]:
    return [t.system_attrs["tunesmith:sampler"]["source"] for t in trials]


def test_hybrid_warm_starts_with_the_default_then_scores_llm_and_tpe_candidates() -> None:
    model = ScriptedChatModel(replies=_replies(30))
    reader = _perfect()
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=model, reader=reader, context=CONTEXT,
        defaults={"x": 0.5, "lr": 0.1}, n_warmup=3,
    )  # fmt: skip
    trials = _run(opt, 12)
    sources = _sources(trials)
    assert sources[:3] == ["llm-warm-start"] * 3
    assert trials[0].params == {"x": 0.5, "lr": 0.1}  # the default comes first
    assert trials[1].params == {"x": 0.6, "lr": 0.01}  # then the LLM's proposals
    assert set(sources[3:]) <= {
        "llm-candidate", "pool-candidate", "screen-candidate", "gp-llm-scored"
    }  # fmt: skip
    assert reader.usage.requests > 0
    counts = trials[-1].system_attrs["tunesmith:sampler"]
    assert counts["llm_requests"] >= 9 + reader.usage.requests  # proposals + scoring
    assert counts["llm_failures"] == 0
    assert (counts["warm_start_asked"], counts["warm_start_usable"]) == (2, 2)
    assert min(t.value for t in trials) < 0.01


def test_a_warm_start_that_only_repeats_the_default_is_counted_and_said(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # What the embedded 0.5B model does on Bayesmark: every proposal is the default it is shown.
    default = {"x": 0.5, "lr": 0.1}
    model = ScriptedChatModel(replies=[json.dumps({"configs": [default, default]})] * 5)
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=model, reader=_perfect(), context=CONTEXT,
        defaults=default, n_warmup=3,
    )  # fmt: skip
    with caplog.at_level("INFO", logger="tunesmith.tools._llm_propose"):
        trials = _run(opt, 3)
    assert trials[0].params == default
    assert _sources(trials)[1:] == ["fallback", "fallback"]
    assert len({json.dumps(t.params, sort_keys=True) for t in trials}) == 3
    counts = trials[-1].system_attrs["tunesmith:sampler"]
    assert (counts["warm_start_asked"], counts["warm_start_usable"]) == (2, 0)
    assert "0 of 2 proposed configurations usable" in caplog.text


def test_the_mixture_trusts_the_surrogate_that_predicted_recent_trials_better() -> None:
    weights = {}
    readers = {"good": _perfect(), "bad": _misled(), "broad": _broad_noise()}
    for name, reader in readers.items():
        sampler = HybridSampler(
            SPACE, llm=ScriptedChatModel(replies=_replies(40)), reader=reader,
            context=CONTEXT, seed=1, n_warmup=3,
        )  # fmt: skip
        study = optuna.create_study(sampler=sampler)
        # The weight the 14th trial is chosen with: a trial's evidence counts once it finishes.
        study.optimize(lambda t: _loss(SPACE.suggest(t)), n_trials=13)
        weights[name] = sampler._mixture.llm_weight()
    # The perfect reader earns a say; the GP predicts this smooth loss well too and keeps part.
    assert weights["good"] > 0.2
    assert weights["bad"] < 0.1
    assert weights["broad"] < 0.1  # a wide guess that ignores the configuration has no say


def test_malformed_replies_and_a_failing_reader_fall_back_without_losing_trials() -> None:
    model = ScriptedChatModel(replies=["not json at all"] * 60)
    reader = ScriptedReader(true_value=_loss, fail=True)
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=model, reader=reader, context=CONTEXT, n_warmup=2,
        max_failures=2,
    )  # fmt: skip
    trials = _run(opt, 8)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert set(_sources(trials)) == {"fallback"}
    last = trials[-1].system_attrs["tunesmith:sampler"]
    assert last["llm_failures"] == 2 + 4  # two failed trials, four unusable replies
    # two trials of two attempts each, then the LLM is switched off: no more requests
    assert len(model.received) == 4


def test_out_of_range_and_duplicate_proposals_are_clipped_and_dropped() -> None:
    reply = json.dumps({"configs": [{"x": 3.0, "lr": 0.01}, {"x": 1.0, "lr": 0.0100001}]})
    model = ScriptedChatModel(replies=[reply] * 5)
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=model, reader=_perfect(), context=CONTEXT,
        n_warmup=3,
    )  # fmt: skip
    trials = _run(opt, 3)
    assert trials[0].params == {"x": 1.0, "lr": 0.01}  # clipped; the near-copy is dropped
    assert _sources(trials) == ["llm-warm-start", "fallback", "fallback"]


def test_without_an_llm_it_is_the_fallback_gp() -> None:
    trials = _run(make_optimizer("hybrid", SPACE, seed=0), 4)
    assert set(_sources(trials)) == {"fallback"}


def test_llm_sampler_uses_the_llm_surrogate_alone() -> None:
    sampler = LLMSampler(
        SPACE, llm=ScriptedChatModel(replies=_replies(20)), reader=_perfect(),
        context=CONTEXT, seed=0, n_warmup=2,
    )  # fmt: skip
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: _loss(SPACE.suggest(t)), n_trials=6)
    assert sampler._mixture.llm_weight() == 1.0
    assert study.best_value < 0.05


def test_conditional_space_samples_inside_the_enqueued_branch() -> None:
    space = SearchSpace.conditional(
        "learner",
        {
            "a": SearchSpace(params=(FloatParam(name="x", low=0.0, high=1.0),)),
            "b": SearchSpace(params=(FloatParam(name="y", low=0.0, high=1.0),)),
        },
    )
    reply = json.dumps({"configs": [{"x": 0.25}]})
    reader = ScriptedReader(lambda p: 50 + 40 * p["x"])
    opt = make_optimizer(
        "hybrid", space, seed=0, llm=ScriptedChatModel(replies=[reply] * 20), reader=reader,
        context={"a": CONTEXT}, n_warmup=2,
    )  # fmt: skip
    for _ in range(6):
        opt.study.enqueue_trial({"learner": "a"})
        spec = opt.ask()
        assert set(spec.params) == {"learner", "a.x"}
        opt.tell(TrialResult.complete(spec, 1.0 - spec.params["a.x"]))
    sources = _sources(opt.study.trials)
    assert sources[0] == "llm-warm-start"
    assert opt.study.trials[0].params["a.x"] == 0.25
    assert {"llm-candidate", "pool-candidate"} & set(sources[2:])
    assert all("test model" in p for p in reader.prefixes)


def test_on_a_conditional_space_an_llm_without_a_say_writes_no_rows() -> None:
    # The README's promise: until the LLM has a say it writes no rows and makes no chat request
    # for candidates; the GP chooses from the pool (Optuna's GP cannot sample this space).
    space = SearchSpace.conditional(
        "learner",
        {
            "a": SearchSpace(params=(FloatParam(name="x", low=0.0, high=1.0),)),
            "b": SearchSpace(params=(FloatParam(name="y", low=0.0, high=1.0),)),
        },
    )
    reader = WritingReader(lambda p: 50.0, rows=[".5"])  # no skill: it never earns a say
    model = ScriptedChatModel(replies=[json.dumps({"configs": [{"x": 0.25}]})] * 20)
    opt = make_optimizer(
        "hybrid", space, seed=0, llm=model, reader=reader, context={"a": CONTEXT}, n_warmup=2
    )
    for _ in range(6):
        opt.study.enqueue_trial({"learner": "a"})
        spec = opt.ask()
        opt.tell(TrialResult.complete(spec, 1.0 - spec.params["a.x"]))
    sources = _sources(opt.study.trials)
    assert set(sources[2:]) <= {"pool-candidate", "screen-candidate"}, sources
    assert reader.generated == []
    assert len(model.received) == 1  # the warm start's request only
    assert len(reader.prefixes) == 2 * 4  # 2 prompts x 4 trials: the LLM still scores


@pytest.mark.parametrize("choice", ["gini", "entropy"])
def test_categorical_parameters_are_proposed_from_their_choices(choice: str) -> None:
    space = SearchSpace(
        params=(
            CategoricalParam(name="criterion", choices=("gini", "entropy")),
            FloatParam(name="x", low=0.0, high=1.0),
        )
    )
    reply = json.dumps({"configs": [{"criterion": choice, "x": 0.4}]})
    opt = make_optimizer(
        "hybrid", space, seed=0, llm=ScriptedChatModel(replies=[reply] * 3),
        reader=ScriptedReader(lambda p: 50.0), n_warmup=2,
    )  # fmt: skip
    spec = opt.ask()
    assert spec.params == {"criterion": choice, "x": 0.4}


def test_a_pickled_copy_keeps_a_spec_and_drops_loaded_models() -> None:
    import pickle

    sampler = HybridSampler(SPACE, llm=ScriptedChatModel(replies=_replies(3)), seed=0)
    copy = pickle.loads(pickle.dumps(sampler))
    assert copy.llm is None
    assert copy.reader is None
    assert pickle.loads(pickle.dumps(HybridSampler(SPACE, llm="embedded"))).llm == "embedded"
    study = optuna.create_study(sampler=copy)
    study.optimize(lambda t: _loss(SPACE.suggest(t)), n_trials=2)
    assert set(_sources(study.trials)) == {"fallback"}


def test_a_reader_that_writes_rows_proposes_without_chat_requests() -> None:
    from tests.tools._fake_reader import WritingReader

    reader = WritingReader(
        true_value=_loss,
        rows=["0.71, 1.0e-02", "0.69, 1.1e-02", "junk", "0.70, 1.0e-02", "0.3, 1.0"],
    )
    model = ScriptedChatModel(replies=_replies(1))  # the warm start; the reader writes the rest
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=model, reader=reader, context=CONTEXT, n_warmup=2,
    )  # fmt: skip
    trials = _run(opt, 6)
    assert len(model.received) == 1
    prefix, continuation = reader.generated[0]
    assert continuation == "q: 98\nx: "  # LLAMBO's target, alpha = 0.1 past the best (90)
    assert "q: 90\nx: " in prefix
    assert "llm-candidate" in _sources(trials)
    assert min(t.value for t in trials) < 0.001


def test_predictions_that_ignore_the_configuration_earn_no_weight() -> None:
    from tunesmith.tools._gp_surrogate import gaussian_codes
    from tunesmith.tools._llm_text import Observation, ScoreCodes
    from tunesmith.tools._mixture import Mixture

    rng = np.random.default_rng(0)
    codes = ScoreCodes([0.0, 1.0], "maximize")
    mixture = Mixture(window=5)
    history = []
    for number, value in enumerate(rng.uniform(0.0, 1.0, size=5)):
        # The LLM: about the right spread around the right level, but the same for any
        # configuration up to noise. The GP: sure of itself, and a little off.
        llm = gaussian_codes(rng.normal(0.5, 0.05, size=4), np.full(4, 0.3), codes)
        gp = gaussian_codes(np.array([value + 0.15, 0.1, 0.5, 0.9]), np.full(4, 0.05), codes)
        mixture._pending[number] = {"llm": (llm, 0), "gp": (gp, 0)}
        history.append(Observation(number, {"x": 0.5, "lr": 0.1}, float(value)))
    raw = {"llm": 0.0, "gp": 0.0}
    for o in history:
        for name, (pred, index) in mixture._pending[o.number].items():
            raw[name] += pred.log_likelihood(index, o.value)
    mixture.observe(history)
    assert raw["llm"] > raw["gp"]  # plain likelihood weighting would trust the LLM
    assert mixture.evidence()["llm"] < 0.5  # its predictions barely depend on the candidate
    assert mixture.llm_weight() == 0.0


def test_until_the_llm_has_a_say_it_scores_the_gps_choice_and_three_others() -> None:
    from tunesmith.tools._llm_surrogate import LLMSurrogate
    from tunesmith.tools._llm_text import Observation
    from tunesmith.tools._mixture import Mixture

    reader = _broad_noise()
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, n_members=2)
    history = [Observation(n, c, _loss(c)) for n, c in enumerate(SPACE.sample(6, seed=0))]
    pool = SPACE.sample(10, seed=1)
    mixture = Mixture()
    chosen = mixture.choose(6, surrogate, SPACE, history, pool, seed=0)
    assert mixture.llm_weight() == 0.0
    assert reader.usage.requests == 2 * 4  # four continuations per prompt, not ten
    llm, index = mixture._pending[6]["llm"]
    assert (llm.probs.shape[0], index) == (4, 0)
    again = surrogate.predict(history, [pool[chosen]])  # the first one scored is the choice
    assert np.allclose(llm.probs[0], again.probs[0])


def test_with_a_say_the_other_prompt_rescores_only_the_first_prompts_best() -> None:
    from tunesmith.tools._llm_surrogate import LLMSurrogate
    from tunesmith.tools._llm_text import Observation
    from tunesmith.tools._mixture import Mixture

    class TwoMinds(ScriptedReader):
        """Perfect, but every second call (the second prompt's) predicts 6 codes higher."""

        def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
            probs = super().score_codes(prefix, continuations)
            return np.roll(probs, 6, axis=1) if len(self.prefixes) % 2 == 0 else probs

    history = [Observation(n, c, _loss(c)) for n, c in enumerate(SPACE.sample(6, seed=0))]
    pool = SPACE.sample(10, seed=1)
    chosen, requests = {}, {}
    for n_refine in (3, None):
        # The prompts rank alike, so the cascade must choose what the whole ensemble would.
        reader = TwoMinds(true_value=_loss)
        surrogate = LLMSurrogate(reader, SPACE, CONTEXT, n_members=2)
        mixture = Mixture(n_refine=n_refine)
        mixture._evidence["llm"].extend([1.0] * 5)  # as if the LLM had earned a say
        chosen[n_refine] = mixture.choose(6, surrogate, SPACE, history, pool, seed=0)
        requests[n_refine] = reader.usage.requests
        if n_refine == 3:
            assert len(reader.continuations) == 3  # the second prompt's call: three rows
            llm, index = mixture._pending[6]["llm"]
            assert llm.probs.shape[0] == len(pool)  # the evidence's reference is the pool
            one, two = surrogate.predict_members(history, [pool[chosen[3]]])
            assert not np.allclose(one.probs[0], two.probs[0])
            assert np.allclose(llm.probs[index], (one.probs[0] + two.probs[0]) / 2)
    assert requests == {3: 10 + 3, None: 10 + 10}
    assert chosen[3] == chosen[None]
    off = make_optimizer("hybrid", SPACE, seed=0, n_refine=None)  # the option reaches it
    assert off.study.sampler._mixture.n_refine is None  # type: ignore[attr-defined]


def test_the_gp_screens_draws_the_llm_never_scores() -> None:
    from tunesmith.tools._llm_surrogate import LLMSurrogate
    from tunesmith.tools._llm_text import Observation
    from tunesmith.tools._mixture import Mixture

    reader = _broad_noise()
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, n_members=1)
    configs = [{"x": x, "lr": lr} for x in (0.1, 0.5, 0.7, 0.9) for lr in (1e-3, 1e-2, 0.1)]
    history = [Observation(n, c, _loss(c)) for n, c in enumerate(configs)]
    pool = [{"x": 0.05, "lr": 0.5}, {"x": 0.02, "lr": 0.9}]  # both far from the optimum
    screen = [{"x": 0.71, "lr": 0.011}, *SPACE.sample(30, seed=3)]
    chosen = Mixture().choose(12, surrogate, SPACE, history, pool, seed=0, screen=screen)
    assert chosen >= len(pool)  # a screened draw won
    assert reader.usage.requests == len(pool)  # the LLM scored a pool's worth, not 33


class _LocalModel(ScriptedChatModel):
    """A scripted chat model with a local model's re-entrant lock (as llama.cpp's has)."""

    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)


def test_a_trial_goes_to_the_fallback_while_another_thread_holds_the_model() -> None:
    model = _LocalModel(replies=_replies(30))
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=model, reader=_perfect(), context=CONTEXT, n_warmup=3
    )
    held, release = threading.Event(), threading.Event()

    def planner() -> None:  # another tab's request, holding the model
        with model._lock:
            held.set()
            release.wait(10)

    other = threading.Thread(target=planner)
    other.start()
    held.wait(10)
    try:
        busy = _sources(_run(opt, 2))
    finally:
        release.set()
        other.join()
    assert busy == ["fallback-busy", "fallback-busy"]
    assert len(model.received) == 0  # it did not wait for the model, and did not use it
    after = _sources(_run(opt, 1))[2:]
    assert after == ["llm-warm-start"]  # free again: the LLM's turn
    assert len(model.received) == 1


def test_the_time_share_counts_the_next_step_before_it_is_taken() -> None:
    reader = CostlyReader(true_value=_loss, seconds=5.0)
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=ScriptedChatModel(replies=_replies(30)), reader=reader,
        context=CONTEXT, n_warmup=2, max_llm_share=0.5,
    )  # fmt: skip
    for _ in range(6):  # each trial takes half a second, like a (fast) real one
        spec = opt.ask()
        time.sleep(0.5)
        opt.tell(TrialResult.complete(spec, _loss(spec.params)))
    sources = _sources(opt.study.trials)
    # The warm start is one chat request for both proposals (its milliseconds are well within
    # half the trials' wall time, even on a busy machine); the first scoring step costs 10 s
    # of LLM time (two prompts) in about a second of wall time; from then on, a second step
    # would take the LLM far past half the wall time, so none is taken.
    assert sources[:2] == ["llm-warm-start"] * 2
    assert sources[2] in {"gp-llm-scored", "llm-candidate", "pool-candidate", "screen-candidate"}
    assert sources[3:] == ["fallback-budget"] * 3
    assert reader.usage.seconds == 10.0


@dataclass
class _SideBySideWriter(WritingReader):
    """Writes rows side by side, like the llama.cpp reader, and records every call: that
    reader loads the writer's prompt on each call, even for no rows."""

    many_calls: list[int] = field(default_factory=list)

    def generate_many(
        self, prefix: str, continuation: str, seeds: Sequence[int], **options: object
    ) -> list[str]:
        self.many_calls.append(len(seeds))
        return [self.generate(prefix, continuation, seed=s, **options) for s in seeds]  # type: ignore[arg-type]


@dataclass
class _SlowWriter(WritingReader):
    """Writes rows, and counts ``seconds`` of LLM time per scoring call (a slow machine)."""

    seconds: float = 3.0

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        self.usage.seconds += self.seconds
        return super().score_codes(prefix, continuations)


@pytest.mark.parametrize("step_seconds", [5.0, None])
def test_slow_steps_with_a_say_write_no_rows_then_score_with_one_prompt(
    step_seconds: float | None,
) -> None:
    reader = _SlowWriter(true_value=_loss, rows=["0.71,1.0e-02", "0.69,1.1e-02"])
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=ScriptedChatModel(replies=_replies(1)), reader=reader,
        context=CONTEXT, n_warmup=2, step_seconds=step_seconds,
    )  # fmt: skip
    steps = []  # per trial: effort level, source, scoring calls, rows written
    for _ in range(16):
        calls, written = len(reader.prefixes), len(reader.generated)
        spec = opt.ask()
        opt.tell(TrialResult.complete(spec, _loss(spec.params)))
        info = opt.study.trials[-1].system_attrs["tunesmith:sampler"]
        steps.append((info["llm_effort"], info["source"], len(reader.prefixes) - calls,
                      len(reader.generated) - written))  # fmt: skip
    said = [s for s in steps if s[1] in ("llm-candidate", "pool-candidate", "screen-candidate")]
    assert len(said) >= 8  # the perfect reader earns its say
    if step_seconds is None:  # the control: every step with a say does the full work
        assert all(s[0] == 0 and s[2] == 2 and s[3] == 2 for s in said)
        return
    # A full step scores on two prompts (6 s): two in a row over 5 s drop the rows, two more
    # the second prompt; one prompt (3 s) leaves no room (x 1.7 > 5 s) to step back up.
    assert [s[0] for s in said][:5] == [0, 0, 1, 1, 2]
    assert all(s[3] == 2 for s in said if s[0] == 0)
    assert all(s[3] == 0 and s[1] != "llm-candidate" for s in said if s[0] > 0)
    assert all(s[2] == 1 for s in said if s[0] == 2)
    assert all(s[0] == 2 for s in said[4:])


def test_a_step_still_too_slow_on_one_prompt_scores_half_the_pool() -> None:
    reader = _SlowWriter(true_value=_loss, rows=["0.71,1.0e-02"], seconds=6.0)
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=ScriptedChatModel(replies=_replies(1)), reader=reader,
        context=CONTEXT, n_warmup=2, step_seconds=5.0,
    )  # fmt: skip
    scored = []  # per step at each level: continuations in the step's scoring calls
    for _ in range(16):
        calls = len(reader.prefixes)
        spec = opt.ask()
        info = opt.study.trials[-1].system_attrs["tunesmith:sampler"]
        if info["source"] in ("llm-candidate", "pool-candidate", "screen-candidate"):  # a say
            scored.append(
                (info["llm_effort"], len(reader.prefixes) - calls, len(reader.continuations))
            )
        opt.tell(TrialResult.complete(spec, _loss(spec.params)))
    assert [s for s in scored if s[0] == 2][:1] == [(2, 1, 10)]  # one prompt, the whole pool
    at_three = [s for s in scored if s[0] == 3]
    assert len(at_three) >= 4  # 6 s on one prompt: over the target again, so the lowest level
    assert all(s == (3, 1, 5) for s in at_three)  # one prompt on the GP's best half


def test_with_no_llm_candidates_the_writer_is_never_run() -> None:
    reader = _SideBySideWriter(true_value=_loss, rows=["0.71, 1.0e-02"] * 10)
    model = ScriptedChatModel(replies=_replies(1))
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=model, reader=reader, context=CONTEXT, n_warmup=2,
        n_llm_candidates=0,
    )  # fmt: skip
    sampler = opt.study.sampler  # type: ignore[attr-defined]
    sampler._mixture._evidence["llm"].extend([1.0] * 5)  # as if the LLM had earned a say
    trials = _run(opt, 6)
    assert reader.many_calls == []
    assert len(model.received) == 1  # the warm start only: no chat request for candidates
    assert "pool-candidate" in _sources(trials) or "screen-candidate" in _sources(trials)


def test_a_step_under_way_stops_at_the_deadline_and_its_trial_goes_to_the_fallback() -> None:
    reader = DeadlineReader(true_value=_loss, seconds=2.0)
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=ScriptedChatModel(replies=_replies(30)), reader=reader,
        context=CONTEXT, n_warmup=2,
    )  # fmt: skip
    _run(opt, 2)  # the warm start: one chat request, no scoring
    opt.set_deadline(time.monotonic() + 0.5)
    started = time.monotonic()
    spec = opt.ask()  # the first scoring step would take 2 s per prompt
    took = time.monotonic() - started
    opt.tell(TrialResult.complete(spec, _loss(spec.params)))
    assert _sources(opt.study.trials)[2] == "fallback-deadline"
    assert took < 2.0  # cut at the deadline (0.5 s), not after the prompt's 2 s
    counts = opt.study.trials[2].system_attrs["tunesmith:sampler"]
    assert counts["llm_deadline_cuts"] == 1
    assert counts["llm_failures"] == 0  # a cut is not a failure: the LLM stays on
    assert counts["llm_seconds"] >= 0.4  # and the time it took counts
    opt.set_deadline(None)  # more time (a follow-up extended the budget): the LLM's turn
    reader.seconds = 0.0
    sources = _sources(_run(opt, 1))
    assert sources[3] in {"gp-llm-scored", "llm-candidate", "pool-candidate", "screen-candidate"}


def test_a_step_that_would_not_end_before_the_deadline_is_not_started() -> None:
    reader = CostlyReader(true_value=_loss, seconds=5.0)
    opt = make_optimizer(
        "hybrid", SPACE, seed=0, llm=ScriptedChatModel(replies=_replies(30)), reader=reader,
        context=CONTEXT, n_warmup=2,
    )  # fmt: skip
    _run(opt, 3)  # the warm start, then a scoring step of two prompts: 10 s
    assert reader.usage.seconds == 10.0
    opt.set_deadline(time.monotonic() + 3.0)
    _run(opt, 2)
    assert _sources(opt.study.trials)[3:] == ["fallback-deadline"] * 2
    assert reader.usage.seconds == 10.0  # the reader was not asked
    opt.set_deadline(time.monotonic() + 60.0)  # room for a step of 10 s
    _run(opt, 1)
    assert _sources(opt.study.trials)[5] != "fallback-deadline"
    assert reader.usage.seconds == 20.0
