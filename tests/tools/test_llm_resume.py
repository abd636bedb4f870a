"""A resumed study: a new HybridSampler takes up the last one's prompts, evidence and cache."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import optuna
import pytest

from tests.tools._fake_reader import ScriptedReader
from tunesmith.core import FloatParam, SearchSpace
from tunesmith.llm.testing import ScriptedChatModel
from tunesmith.tools._llm_sampler import HybridSampler, LLMSampler
from tunesmith.tools._llm_surrogate import LLMSurrogate, SurrogateContext
from tunesmith.tools._mixture import Mixture

SPACE = SearchSpace(
    params=(
        FloatParam(name="x", low=0.0, high=1.0),
        FloatParam(name="lr", low=1e-4, high=1.0, log=True),
    )
)
CONTEXT = SurrogateContext(learner="test model", task="regression", metric="error")
_SURROGATE = "tunesmith:llm-surrogate:"


def _loss(params: dict[str, float]) -> float:
    return (params["x"] - 0.7) ** 2 + 0.1 * (math.log10(params["lr"]) + 2) ** 2


def _objective(trial: optuna.Trial) -> float:
    return _loss(SPACE.suggest(trial))


def _sampler(reader: Any, **options: Any) -> HybridSampler:
    configs = [{"x": 0.6 + 0.02 * i, "lr": 0.01} for i in range(3)]
    replies = [json.dumps({"configs": configs})] * 60
    return HybridSampler(
        SPACE, llm=ScriptedChatModel(replies=replies), reader=reader, context=CONTEXT,
        seed=1, n_warmup=3, **options,
    )  # fmt: skip


def _attrs(study: optuna.Study) -> dict[str, Any]:
    return study._storage.get_study_system_attrs(study._study_id)


def _weight(trial: optuna.trial.FrozenTrial) -> float:
    return float(trial.system_attrs["tunesmith:sampler"]["llm_weight"])


def test_a_resumed_sampler_writes_the_prompts_the_last_one_would_have(tmp_path: Path) -> None:
    first_reader = ScriptedReader(true_value=_loss)
    db = tmp_path / "study.db"
    study = optuna.create_study(
        study_name="s", storage=f"sqlite:///{db}", sampler=_sampler(first_reader)
    )
    study.optimize(_objective, n_trials=12)
    shutil.copy(db, tmp_path / "copy.db")  # the study as a stopped process left it
    asked = len(first_reader.prefixes)
    study.optimize(_objective, n_trials=1)  # the first process going on
    went_on = first_reader.prefixes[asked:]
    assert went_on

    # Another process on the stopped study: a new sampler, nothing in memory.
    resumed_reader = ScriptedReader(true_value=_loss)
    resumed = optuna.load_study(
        study_name="s", storage=f"sqlite:///{tmp_path / 'copy.db'}",
        sampler=_sampler(resumed_reader),
    )  # fmt: skip
    resumed.optimize(_objective, n_trials=1)
    assert resumed_reader.prefixes == went_on
    assert _weight(resumed.trials[-1]) == _weight(study.trials[-1]) > 0  # its say, kept

    # The control: the same trials in a study without the sampler's attributes.
    forgot_reader = ScriptedReader(true_value=_loss)
    forgot = optuna.create_study(sampler=_sampler(forgot_reader))
    forgot.add_trials(study.trials[:12])
    forgot.optimize(_objective, n_trials=1)
    assert forgot_reader.prefixes != went_on
    assert _weight(forgot.trials[-1]) == 0.0  # the evidence is gone: no say yet


def test_a_damaged_saved_state_is_logged_and_the_search_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    study = optuna.create_study(sampler=_sampler(ScriptedReader(true_value=_loss)))
    study.optimize(_objective, n_trials=6)
    (name,) = [n for n in _attrs(study) if n.startswith(_SURROGATE)]
    study._storage.set_study_system_attr(study._study_id, name, {"kept": "all of them"})
    study._storage.set_study_system_attr(study._study_id, "tunesmith:llm-mixture", {"llm": "?"})
    reader = ScriptedReader(true_value=_loss)
    study.sampler = _sampler(reader)
    study.optimize(_objective, n_trials=2)
    assert "starts new prompts" in caplog.text
    assert "mixture starts anew" in caplog.text
    assert len(study.trials) == 8
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert reader.prefixes  # the LLM still scored, from new prompts
    assert _attrs(study)[name]["kept"] != "all of them"  # and saved its state again


def test_the_surrogate_and_mixture_refuse_a_state_they_did_not_write() -> None:
    surrogate = LLMSurrogate(ScriptedReader(true_value=_loss), SPACE, CONTEXT)
    for bad in ({}, {"kept": [1], "scale": [1.0], "members": [], "writer": []},
                {"kept": [1], "scale": [0.0, 3.0], "members": [], "writer": []}):  # fmt: skip
        with pytest.raises(ValueError, match="Not"):
            surrogate.restore(bad)
    mixture = Mixture()
    with pytest.raises(ValueError, match="not finite"):
        mixture.restore({"llm": [float("nan")]})
    mixture.restore({"llm": [0.5] * 8, "gp": [0.1]})
    assert mixture.state() == {"llm": [0.5] * 5, "gp": [0.1]}  # the window's last five


@pytest.mark.llm
def test_a_resumed_search_starts_its_first_llm_step_from_the_states_on_disk(
    tmp_path: Path,
) -> None:
    from tunesmith.llm import load
    from tunesmith.llm._llamacpp import LlamaCppChat

    embedded_chat = load("embedded")

    def run(model: Any, n_trials: int, cache: Path | None) -> list[optuna.trial.FrozenTrial]:
        # The LLM alone and no rows written: every step scores the same rows (the pool of 10
        # in the first prompt, its 3 best in the second), so steps differ only in the prefix.
        sampler = LLMSampler(
            SPACE, llm=model, context=CONTEXT, seed=0, n_warmup=0, n_llm_candidates=0,
            prefix_cache=cache,
        )  # fmt: skip
        study = optuna.load_study(study_name="s", storage=storage, sampler=sampler)
        study.optimize(_objective, n_trials=n_trials)
        return study.trials

    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(study_name="s", storage=storage)
    for i in range(12):  # a history without the LLM (no warm start, no chat)
        study.enqueue_trial({"x": i / 12, "lr": 10.0 ** -(i % 4)})
    cache = tmp_path / "llm-cache"
    trials = run(embedded_chat, 14, cache)
    counts = [t.system_attrs["tunesmith:sampler"] for t in trials[12:]]
    assert [c["source"] for c in counts] == ["pool-candidate"] * 2  # two LLM steps
    cold = counts[0]["prompt_tokens"]  # the header and the history, evaluated for the first time

    # A new process: another Llama, whose KV cache is empty, on the same study and cache.
    resumed = run(LlamaCppChat(model_path=embedded_chat.model_path), 1, cache)
    step = resumed[-1].system_attrs["tunesmith:sampler"]
    assert step["source"] == "pool-candidate"
    # Without the cache, the same resumed step is cold (one more line of history than the
    # first cold step).
    without = run(LlamaCppChat(model_path=embedded_chat.model_path), 1, None)
    cold_again = without[-1].system_attrs["tunesmith:sampler"]["prompt_tokens"]
    assert cold_again > cold
    # With it, the saved prompt states cover the history: the step evaluates the new lines
    # and the 13 candidates' rows, under half of what the cold step does.
    assert step["prompt_tokens"] < cold_again / 2
