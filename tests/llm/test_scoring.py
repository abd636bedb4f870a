"""Reading two-digit score codes from next-token probabilities, on real models.

The prompts continue an obvious pattern (``x: 3`` -> ``y: 33``) that the embedded 0.5B model
completes with near certainty, so the tests can check that the likeliest code is the right one.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.language_models import BaseChatModel

from tunesmith.core.errors import ConfigurationError, LLMDeadlineError
from tunesmith.llm import (
    N_CODES,
    _deadline,
    claim,
    code_distribution,
    deadline,
    load,
    score_reader,
)
from tunesmith.llm._deadline import CHUNK
from tunesmith.llm._llamacpp import LlamaCppChat
from tunesmith.llm._llamacpp_batch import plan_groups
from tunesmith.llm._scoring import digit_distribution
from tunesmith.llm._scoring_cache import PrefixStates
from tunesmith.llm._scoring_llamacpp import LlamaCppScoreReader, _digit_tokens
from tunesmith.llm._transformers import TransformersChat
from tunesmith.llm.testing import ScriptedChatModel

PREFIX = "".join(f"x: {d}\ny: {d}{d}\n" for d in (3, 5, 2, 8, 4, 6))
DIGITS = (7, 1, 9)
CONTINUATIONS = [f"x: {d}\ny: " for d in DIGITS]
EXTRA_LINE = "x: 0\ny: 00\n"


def first_digits(probs: np.ndarray) -> np.ndarray:
    return probs.reshape(len(probs), 10, 10).sum(axis=2).argmax(axis=1)


def test_code_distribution_reads_one_first_digit_and_spreads_the_others() -> None:
    p1 = np.array([0.1, 0.0, 0.6, 0.3, 0, 0, 0, 0, 0, 0])
    p2 = np.linspace(1, 10, 10) / 55
    codes = code_distribution(p1, 2, p2)
    assert codes.shape == (N_CODES,)
    assert codes.sum() == pytest.approx(1.0)
    assert codes[20:30] == pytest.approx(0.6 * p2)
    assert codes[0:10] == pytest.approx(np.full(10, 0.01))
    assert codes[30:40] == pytest.approx(np.full(10, 0.03))
    assert codes[10:20].sum() == 0


def test_code_distribution_refuses_a_wrong_shape() -> None:
    with pytest.raises(ConfigurationError, match=r"shape \(10,\)"):
        code_distribution(np.ones(100) / 100, 0, np.ones(10) / 10)


def test_prefix_states_keep_the_grown_history_and_the_recent_ones() -> None:
    states: PrefixStates[str] = PrefixStates(2)
    states.put([1, 2, 3], "a")
    states.put([1, 2, 3, 4], "a+")  # the grown history replaces its shorter self
    assert len(states) == 1
    entry, shared = states.best([1, 2, 3, 9])
    assert entry is not None
    assert (entry.state, shared) == ("a+", 3)
    states.put([7, 8], "b")
    assert states.holds([1, 2, 3, 4])
    assert not states.holds([1, 2, 3])
    states.put([5], "c")  # over capacity: the least recently used goes
    assert states.best([1, 2, 3]) == (None, 0)
    assert len(states) == 2


def test_plan_groups_respects_the_sequences_and_the_kv_room() -> None:
    lengths = [30, 30, 30, 5, 40]
    assert plan_groups(lengths, 100, n_seq_max=16, n_ctx=4096) == [[0, 1, 2, 3, 4]]
    assert plan_groups(lengths, 100, n_seq_max=3, n_ctx=4096) == [[0, 1], [2, 3], [4]]
    # 100 + 31 + 31 fits 170; the third continuation would need 31 more cells.
    assert plan_groups(lengths, 100, n_seq_max=16, n_ctx=170) == [[0, 1], [2, 3], [4]]
    with pytest.raises(ConfigurationError, match=r"n_seq_max=1"):
        plan_groups(lengths, 100, n_seq_max=1, n_ctx=4096)


def test_a_chat_model_without_logprobs_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"ScriptedChatModel .*openai:URL#MODEL"):
        score_reader(ScriptedChatModel(replies=["x"]))


def test_an_empty_continuation_is_refused() -> None:
    reader = score_reader(LlamaCppChat(model_path="/nonexistent.gguf"))
    with pytest.raises(ConfigurationError, match=r"\[1\] are empty"):
        reader.score_codes(PREFIX, ["x: 1\ny: ", ""])


@pytest.fixture(scope="module")
def llama_chat(embedded_chat: BaseChatModel) -> LlamaCppChat:
    assert isinstance(embedded_chat, LlamaCppChat)
    return embedded_chat


@pytest.fixture(scope="module")
def llama_probs(llama_chat: LlamaCppChat) -> np.ndarray:
    return score_reader(llama_chat).score_codes(PREFIX, CONTINUATIONS)


@pytest.mark.llm
def test_llamacpp_reads_the_obvious_codes(
    llama_chat: LlamaCppChat, llama_probs: np.ndarray
) -> None:
    assert llama_probs.shape == (len(CONTINUATIONS), N_CODES)
    assert np.allclose(llama_probs.sum(axis=1), 1.0)
    assert (llama_probs >= 0).all()
    assert list(llama_probs.argmax(axis=1)) == [11 * d for d in DIGITS]
    again = score_reader(llama_chat).score_codes(PREFIX, CONTINUATIONS)
    assert np.allclose(again, llama_probs, atol=1e-6)


def one_at_a_time(chat: LlamaCppChat, prefix: str, continuations: list[str]) -> np.ndarray:
    """The reference: each prompt evaluated alone, in sequence 0, from an empty KV cache."""
    import llama_cpp

    def digits_after(llama: Any, ids: list[int]) -> np.ndarray:
        llama.eval(ids)
        pointer = llama_cpp.llama_get_logits_ith(llama._ctx.ctx, -1)
        logits = np.ctypeslib.as_array(pointer, shape=(llama.n_vocab(),))
        return digit_distribution(logits, digits)

    rows = []
    with chat._lock:
        llama = chat.client
        digits = _digit_tokens(llama)
        for text in continuations:
            llama.reset()
            ids = llama.tokenize(prefix.encode()) + llama.tokenize(text.encode(), add_bos=False)
            p1 = digits_after(llama, ids)
            star = int(np.argmax(p1))
            rows.append(code_distribution(p1, star, digits_after(llama, [digits.exact[star]])))
        llama.reset()
    return np.array(rows)


def kv_sequences(chat: LlamaCppChat) -> list[tuple[int, int]]:
    """(first, last) position of each KV sequence that holds cells."""
    import llama_cpp

    llama = chat.client
    memory = llama._ctx.memory
    n_seq = llama_cpp.llama_n_seq_max(llama._ctx.ctx)
    spans = [
        (
            llama_cpp.llama_memory_seq_pos_min(memory, s),
            llama_cpp.llama_memory_seq_pos_max(memory, s),
        )
        for s in range(n_seq)
    ]
    return [span if span[1] >= 0 else (-1, -1) for span in spans]


# Different lengths (the last one holds two lines) and different answers (77, 11, 99, 66), so
# a distribution read from another sequence's logits would change the likeliest code.
MIXED = [*CONTINUATIONS, "x: 2\ny: 22\nx: 6\ny: "]


@pytest.mark.llm
def test_llamacpp_batched_codes_match_one_at_a_time(llama_chat: LlamaCppChat) -> None:
    reference = one_at_a_time(llama_chat, PREFIX, MIXED)
    assert list(reference.argmax(axis=1)) == [77, 11, 99, 66]
    reader = score_reader(llama_chat)
    batched = reader.score_codes(PREFIX, MIXED)
    assert list(batched.argmax(axis=1)) == list(reference.argmax(axis=1))
    # Quantised kernels differ slightly between batch sizes; another row is ~1 away.
    distance = 0.5 * np.abs(batched - reference).sum(axis=1)
    assert distance.max() < 0.02
    assert 0.5 * np.abs(batched - reference[::-1]).sum(axis=1).min() > 0.5
    # One decode for the prefix, one for every tail together, one for the second digits.
    assert reader.usage.requests == 3


@pytest.mark.llm
def test_llamacpp_leaves_exactly_the_prefix_in_the_kv_cache(llama_chat: LlamaCppChat) -> None:
    reader = score_reader(llama_chat)
    reader.score_codes(PREFIX, MIXED)
    llama = llama_chat.client
    ids = llama.tokenize(PREFIX.encode(), add_bos=True, special=False)
    assert llama.n_tokens == len(ids)
    assert list(llama.input_ids[: llama.n_tokens]) == ids
    spans = kv_sequences(llama_chat)
    assert spans[0] == (0, len(ids) - 1)
    assert set(spans[1:]) == {(-1, -1)}
    # A second call evaluates only the tails: the prefix is still live.
    before = reader.usage.prompt_tokens, reader.usage.requests
    reader.score_codes(PREFIX, MIXED[:2])
    tails = sum(len(llama.tokenize(t.encode(), add_bos=False)) for t in MIXED[:2])
    assert (reader.usage.prompt_tokens - before[0], reader.usage.requests - before[1]) == (
        tails,
        2,
    )
    assert reader.generate(PREFIX, "x: 4\ny: ", max_tokens=4, temperature=0) == "44"


@pytest.mark.llm
def test_llamacpp_splits_candidates_over_the_sequences_it_has(llama_chat: LlamaCppChat) -> None:
    small = LlamaCppChat(model_path=llama_chat.model_path, n_seq_max=3)
    reader = score_reader(small)
    probs = reader.score_codes(PREFIX, MIXED)
    assert reader.usage.requests == 1 + 2 * 2  # two groups of two sequences beside the prefix
    assert list(probs.argmax(axis=1)) == [77, 11, 99, 66]
    assert np.allclose(probs, score_reader(llama_chat).score_codes(PREFIX, MIXED), atol=0.02)
    assert set(kv_sequences(small)[1:]) == {(-1, -1)}


@pytest.mark.llm
def test_llamacpp_reuses_saved_prefixes_and_matches_a_cold_model(llama_chat: LlamaCppChat) -> None:
    def n_tokens(text: str) -> int:
        return len(llama_chat.client.tokenize(text.encode(), add_bos=False))

    continuations = CONTINUATIONS[:2]
    tails = sum(n_tokens(text) for text in continuations)
    reader = score_reader(llama_chat)
    reader.score_codes(PREFIX, continuations)
    assert reader.usage.prompt_tokens <= n_tokens(PREFIX) + tails
    # Another history in between, so the live KV cache no longer holds the first one.
    reader.score_codes("".join(f"x: {d}\ny: {d}{d}\n" for d in (9, 1)), CONTINUATIONS[:1])
    before = reader.usage.prompt_tokens, reader.usage.cached_tokens
    grown = reader.score_codes(PREFIX + EXTRA_LINE, continuations)
    assert reader.usage.prompt_tokens - before[0] == n_tokens(EXTRA_LINE) + tails
    # Each prompt's prefix counts as cached, less the appended line evaluated once.
    cached = len(continuations) * n_tokens(PREFIX + EXTRA_LINE) - n_tokens(EXTRA_LINE)
    assert reader.usage.cached_tokens - before[1] == cached
    assert reader.usage.completion_tokens == 2 * (2 * len(continuations) + 1)

    cold = score_reader(LlamaCppChat(model_path=llama_chat.model_path))
    cold_grown = cold.score_codes(PREFIX + EXTRA_LINE, continuations)
    assert cold.usage.prompt_tokens == n_tokens(PREFIX + EXTRA_LINE) + tails
    # Evaluated in two parts or in one, the prefix goes through different kernels: with
    # AVX-512 the probabilities differ by up to 0.008; leaving out the extra line moves them
    # by 0.046.
    assert np.allclose(grown, cold_grown, atol=0.02)


@pytest.mark.llm
def test_llamacpp_states_on_disk_carry_a_prefix_to_a_fresh_model(
    llama_chat: LlamaCppChat, tmp_path: Path
) -> None:
    def n_tokens(text: str) -> int:
        return len(llama_chat.client.tokenize(text.encode(), add_bos=False))

    continuations = CONTINUATIONS[:2]
    tails = sum(n_tokens(text) for text in continuations)
    first = score_reader(llama_chat, cache_dir=tmp_path)
    first.score_codes(PREFIX, continuations)
    (folder,) = tmp_path.iterdir()  # one folder for the model file
    assert len(list(folder.glob("*.state"))) == 1

    # A new process, as a resumed run: its own Llama, whose KV cache is empty.
    fresh = score_reader(LlamaCppChat(model_path=llama_chat.model_path), cache_dir=tmp_path)
    grown = fresh.score_codes(PREFIX + EXTRA_LINE, continuations)
    assert fresh.usage.prompt_tokens == n_tokens(EXTRA_LINE) + tails  # only the new line
    # The grown prefix supersedes the shorter one on disk.
    assert len(list(folder.glob("*.state"))) == 1

    cold = score_reader(LlamaCppChat(model_path=llama_chat.model_path))
    cold_grown = cold.score_codes(PREFIX + EXTRA_LINE, continuations)
    assert cold.usage.prompt_tokens == n_tokens(PREFIX + EXTRA_LINE) + tails
    assert np.allclose(grown, cold_grown, atol=0.02)  # as for the states kept in memory


@pytest.mark.llm
def test_llamacpp_does_not_write_again_a_state_it_read_from_disk(
    llama_chat: LlamaCppChat, tmp_path: Path
) -> None:
    score_reader(llama_chat, cache_dir=tmp_path).score_codes(PREFIX, CONTINUATIONS[:1])
    (state,) = tmp_path.glob("*/*.state")
    written = state.stat().st_ino  # a write replaces the file: a new inode
    fresh = score_reader(LlamaCppChat(model_path=llama_chat.model_path), cache_dir=tmp_path)
    fresh.score_codes(PREFIX, CONTINUATIONS[:1])
    fresh.score_codes(PREFIX, CONTINUATIONS[1:2])  # from the state it holds in memory now
    tails = [llama_chat.client.tokenize(t.encode(), add_bos=False) for t in CONTINUATIONS[:2]]
    assert fresh.usage.prompt_tokens == sum(map(len, tails))  # the prefix never evaluated
    assert [p.stat().st_ino for p in tmp_path.glob("*/*.state")] == [written]


def _cut_short(data: bytes) -> bytes:  # as by a full disk: the checksum no longer matches
    return data[:1000]


def _foreign(data: bytes) -> bytes:  # a good file llama.cpp will not read (another build's)
    state = bytes(len(data) // 2) + data[len(data) // 2 :]
    return hashlib.sha1(state).digest() + state


@pytest.mark.llm
@pytest.mark.parametrize(
    ("damage", "logged"), [(_cut_short, "damaged prefix state"), (_foreign, "did not load")]
)
def test_llamacpp_drops_a_bad_state_on_disk_and_evaluates_the_prompt(
    llama_chat: LlamaCppChat,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[bytes], bytes],
    logged: str,
) -> None:
    score_reader(llama_chat, cache_dir=tmp_path).score_codes(PREFIX, CONTINUATIONS[:1])
    (state,) = tmp_path.glob("*/*.state")
    state.write_bytes(damage(state.read_bytes()))
    fresh = score_reader(LlamaCppChat(model_path=llama_chat.model_path), cache_dir=tmp_path)
    probs = fresh.score_codes(PREFIX, CONTINUATIONS[:1])
    assert logged in caplog.text
    assert int(probs.argmax()) == 11 * DIGITS[0]
    tokenize = llama_chat.client.tokenize
    prompt = len(tokenize(PREFIX.encode(), add_bos=True)) + len(
        tokenize(CONTINUATIONS[0].encode(), add_bos=False)
    )
    assert fresh.usage.prompt_tokens == prompt  # the whole prompt evaluated again
    (again,) = tmp_path.glob("*/*.state")  # and its good state saved in the damaged one's place
    assert again.stat().st_size > 1000


def _cut_after_two_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The clock, faked (the model is real): the third chunk of a prompt meets the deadline."""
    checks: list[str] = []

    def passes_after_two_chunks(what: str) -> None:
        checks.append(what)
        if len(checks) == 3:
            raise LLMDeadlineError(f"stopped {what}")

    monkeypatch.setattr(_deadline, "check_deadline", passes_after_two_chunks)


@pytest.mark.llm
def test_llamacpp_stops_at_the_deadline_and_resumes_where_it_stopped(
    llama_chat: LlamaCppChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A history long enough for several chunks, on a model whose KV cache is empty.
    prefix = "".join(f"x: {d}\ny: {d}{d}\n" for d in [1, 9, 7, 0, 5, 2, 8, 4] * 6)
    n_prefix = len(llama_chat.client.tokenize(prefix.encode(), add_bos=True))
    fresh = LlamaCppChat(model_path=llama_chat.model_path)
    assert n_prefix > 3 * CHUNK
    _cut_after_two_chunks(monkeypatch)
    reader = score_reader(fresh)
    with deadline(time.monotonic() + 600), pytest.raises(LLMDeadlineError):
        reader.score_codes(prefix, CONTINUATIONS)
    assert reader.usage.prompt_tokens == 2 * CHUNK
    assert reader.usage.seconds > 0  # a cut step's time counts
    monkeypatch.undo()
    # Another prompt in between, so only the saved part of the cut one is left to resume.
    reader.score_codes(PREFIX, CONTINUATIONS[:1])
    before = reader.usage.prompt_tokens
    resumed = reader.score_codes(prefix, CONTINUATIONS)
    tails = sum(len(llama_chat.client.tokenize(c.encode(), add_bos=False)) for c in CONTINUATIONS)
    assert reader.usage.prompt_tokens - before == n_prefix - 2 * CHUNK + tails
    assert list(resumed.argmax(axis=1)) == [77, 11, 99]
    uncut = score_reader(llama_chat).score_codes(prefix, CONTINUATIONS)
    assert np.allclose(resumed, uncut, atol=0.02)


@pytest.mark.llm
def test_llamacpp_chat_model_stays_correct_after_scoring(llama_chat: LlamaCppChat) -> None:
    question = "What is 2 + 3? Reply with the number only."
    before = llama_chat.invoke(question, max_tokens=8).content
    score_reader(llama_chat).score_codes(PREFIX, CONTINUATIONS)
    # A raw prompt that starts like the scored one reuses the KV cells the reader left behind,
    # which is only right if the Llama's token record describes them.
    with llama_chat._lock:
        reply = llama_chat.client.create_completion(
            PREFIX + CONTINUATIONS[-1], max_tokens=2, temperature=0
        )
    assert reply["choices"][0]["text"] == "99"
    assert llama_chat.invoke(question, max_tokens=8).content == before
    assert "5" in str(before)


@pytest.mark.llm
def test_llamacpp_reader_writes_from_the_cached_prefix(llama_chat: LlamaCppChat) -> None:
    reader = score_reader(llama_chat)
    assert isinstance(reader, LlamaCppScoreReader)
    generate = reader.generate  # optional: the surrogate writes candidates with it
    assert generate(PREFIX, "x: 7\ny: ", max_tokens=6, temperature=0) == "77"
    sampled = [generate(PREFIX, "x: ", max_tokens=6, temperature=0.8, seed=s) for s in (0, 1)]
    assert sampled == [
        generate(PREFIX, "x: ", max_tokens=6, temperature=0.8, seed=s) for s in (0, 1)
    ]
    assert all("\n" not in text for text in sampled)
    assert reader.usage.completion_tokens >= 2
    assert reader.usage.cached_tokens > 0


@pytest.mark.llm
def test_llamacpp_writes_several_rows_side_by_side(llama_chat: LlamaCppChat) -> None:
    reader = score_reader(llama_chat)
    assert isinstance(reader, LlamaCppScoreReader)
    one = reader.generate(PREFIX, "x: 7\ny: ", max_tokens=6, temperature=0)
    before = reader.usage.requests
    greedy = reader.generate_many(PREFIX, "x: 7\ny: ", [0, 1, 2], max_tokens=6, temperature=0)
    assert greedy == [one] * 3 == ["77"] * 3  # the same text in each sequence
    # One decode for the three continuations, then one per step for all rows at once (a
    # stop or end-of-text sampled ends a row without another decode).
    assert reader.usage.requests - before <= 1 + len(one)
    sampled = reader.generate_many(PREFIX, "x: ", [0, 1, 2, 3], max_tokens=6, temperature=0.8)
    assert sampled == reader.generate_many(PREFIX, "x: ", [0, 1, 2, 3], max_tokens=6,
                                           temperature=0.8)  # fmt: skip
    assert all("\n" not in text for text in sampled)
    spans = kv_sequences(llama_chat)  # the rows' sequences are gone; the prefix stays
    assert set(spans[1:]) == {(-1, -1)}
    small = score_reader(LlamaCppChat(model_path=llama_chat.model_path, n_seq_max=3))
    grouped = small.generate_many(PREFIX, "x: 7\ny: ", [0] * 5, max_tokens=6, temperature=0)  # type: ignore[attr-defined]
    assert grouped == ["77"] * 5  # three groups of at most two rows beside the prefix


@pytest.mark.llm
@pytest.mark.slow
def test_openai_server_reader_agrees_with_llamacpp(
    server_url: str, llama_probs: np.ndarray
) -> None:
    reader = score_reader(load(f"openai:{server_url}"))
    probs = reader.score_codes(PREFIX, CONTINUATIONS)
    assert probs.shape == (len(CONTINUATIONS), N_CODES)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert list(first_digits(probs)) == list(first_digits(llama_probs))
    assert np.allclose(probs, llama_probs, atol=0.02)
    # llama_cpp.server takes one prompt per request: the reader noticed and sent them singly.
    assert getattr(reader, "batches_", None) is False
    assert reader.usage.requests == 1 + len(CONTINUATIONS)
    assert reader.usage.prompt_tokens > 0
    assert reader.usage.completion_tokens == 2 * len(CONTINUATIONS)


@pytest.mark.llm
@pytest.mark.slow
def test_openai_server_reader_stops_waiting_at_the_deadline(server_url: str) -> None:
    reader = score_reader(load(f"openai:{server_url}"))
    # A history the server has not seen: seconds of prompt processing on 2 cores.
    prefix = "".join(f"x: {d}\ny: {d}{d}\n" for d in [6, 2, 9, 4, 0, 7, 3, 1] * 8)
    with deadline(time.monotonic() + 0.3), pytest.raises(LLMDeadlineError, match="waiting"):
        reader.score_codes(prefix, CONTINUATIONS)
    sent = reader.usage.requests
    with deadline(time.monotonic() - 1.0), pytest.raises(LLMDeadlineError, match="before"):
        reader.score_codes(PREFIX, CONTINUATIONS)  # already past it: nothing is sent
    assert reader.usage.requests == sent
    assert reader.score_codes(PREFIX, CONTINUATIONS[:1]).argmax() == 77  # no deadline: read


@pytest.mark.llm
@pytest.mark.slow
def test_transformers_reader_agrees_and_reuses_its_cache(
    hf_checkpoint: Path, llama_probs: np.ndarray
) -> None:
    chat = load(f"hf:{hf_checkpoint}", device="cpu")
    reader = score_reader(chat)
    probs = reader.score_codes(PREFIX, CONTINUATIONS[:2])
    assert probs.shape == (2, N_CODES)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert list(first_digits(probs)) == list(first_digits(llama_probs[:2]))
    assert np.allclose(probs, llama_probs[:2], atol=0.02)

    assert isinstance(chat, TransformersChat)
    tokenizer = chat._load()[1]
    before = reader.usage.prompt_tokens
    grown = reader.score_codes(PREFIX + EXTRA_LINE, CONTINUATIONS[:1])
    new = len(tokenizer.encode(EXTRA_LINE + CONTINUATIONS[0], add_special_tokens=False))
    assert reader.usage.prompt_tokens - before == new
    cold = score_reader(chat).score_codes(PREFIX + EXTRA_LINE, CONTINUATIONS[:1])
    assert np.allclose(grown, cold, atol=1e-4)


@pytest.mark.llm
@pytest.mark.slow
def test_transformers_caches_on_disk_carry_a_prefix_to_a_fresh_model(
    hf_checkpoint: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chat = load(f"hf:{hf_checkpoint}", device="cpu")
    assert isinstance(chat, TransformersChat)
    tokenizer = chat._load()[1]

    def n_tokens(text: str, special: bool = False) -> int:
        return len(tokenizer.encode(text, add_special_tokens=special))

    continuations = CONTINUATIONS[:2]
    tails = sum(n_tokens(text) for text in continuations)
    score_reader(chat, cache_dir=tmp_path).score_codes(PREFIX, continuations)
    (state,) = tmp_path.glob("*/*.state")  # one folder for the checkpoint, one prefix
    # A new process, as a resumed run: its own model, whose caches are empty.
    fresh_chat = load(f"hf:{hf_checkpoint}", device="cpu")
    fresh = score_reader(fresh_chat, cache_dir=tmp_path)
    grown = fresh.score_codes(PREFIX + EXTRA_LINE, continuations)
    assert fresh.usage.prompt_tokens == n_tokens(EXTRA_LINE) + tails  # only the new line
    (longer,) = tmp_path.glob("*/*.state")  # the grown prefix supersedes the shorter one
    assert longer != state
    cold = score_reader(chat).score_codes(PREFIX + EXTRA_LINE, continuations)
    assert np.allclose(grown, cold, atol=1e-4)

    # A damaged state is dropped and the prompt evaluated again, from nothing.
    longer.write_bytes(longer.read_bytes()[:1000])
    again = score_reader(load(f"hf:{hf_checkpoint}", device="cpu"), cache_dir=tmp_path)
    assert np.allclose(again.score_codes(PREFIX + EXTRA_LINE, continuations), cold, atol=1e-4)
    assert "damaged prefix state" in caplog.text
    assert again.usage.prompt_tokens == n_tokens(PREFIX + EXTRA_LINE, special=True) + tails
    # So is one whose checksum holds but that torch cannot read (another version's).
    (saved,) = tmp_path.glob("*/*.state")
    saved.write_bytes(hashlib.sha1(b"junk").digest() + b"junk")
    last = score_reader(load(f"hf:{hf_checkpoint}", device="cpu"), cache_dir=tmp_path)
    probs = last.score_codes(PREFIX + EXTRA_LINE, continuations)
    assert "did not load" in caplog.text
    assert last.usage.prompt_tokens == n_tokens(PREFIX + EXTRA_LINE, special=True) + tails
    assert np.allclose(probs, cold, atol=1e-4)


@pytest.mark.llm
@pytest.mark.slow
def test_transformers_reader_stops_at_the_deadline_and_resumes_where_it_stopped(
    hf_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = load(f"hf:{hf_checkpoint}", device="cpu")
    assert isinstance(chat, TransformersChat)
    prefix = "".join(f"x: {d}\ny: {d}{d}\n" for d in [1, 9, 7, 0, 5, 2, 8, 4] * 6)
    n_prefix = len(chat._load()[1].encode(prefix, add_special_tokens=True))
    assert n_prefix > 3 * CHUNK
    _cut_after_two_chunks(monkeypatch)
    reader = score_reader(chat)
    with deadline(time.monotonic() + 600), pytest.raises(LLMDeadlineError):
        reader.score_codes(prefix, CONTINUATIONS[:1])
    assert reader.usage.prompt_tokens == 2 * CHUNK
    monkeypatch.undo()
    resumed = reader.score_codes(prefix, CONTINUATIONS[:1])
    tail = len(chat._load()[1].encode(CONTINUATIONS[0], add_special_tokens=False))
    assert reader.usage.prompt_tokens == n_prefix + tail  # the cut part was not run again
    assert np.allclose(resumed, score_reader(chat).score_codes(prefix, CONTINUATIONS[:1]))


@pytest.mark.llm
def test_a_claimed_model_serves_its_holder_and_refuses_other_threads(
    llama_chat: LlamaCppChat,
) -> None:
    answers: list[bool] = []
    with claim(llama_chat) as free:
        assert free
        # The holder's own calls re-enter the lock: chat and scoring both work.
        score_reader(llama_chat).score_codes(PREFIX, CONTINUATIONS[:1])
        assert llama_chat.invoke("Say OK.", max_tokens=4).content
        other = threading.Thread(target=lambda: answers.append(_claimed(llama_chat)))
        other.start()
        other.join(30)
    assert answers == [False]  # another thread did not get it, and did not wait for it
    assert _claimed(llama_chat)  # released at the end of the block
    with claim(object()) as free:  # no lock (a server's client): always free
        assert free


def _claimed(model: Any) -> bool:
    with claim(model) as free:
        return free


@pytest.mark.llm
@pytest.mark.parametrize(
    "row",
    ["2, .24, .39, .1", ".24, 2", "-.5, 3", "1.8e0, 1.7e-4", "gini, true", "entropy, 12"],
)
def test_the_shared_x_colon_splits_rows_where_the_tokenizer_does(
    llama_chat: LlamaCppChat, row: str
) -> None:
    # The LLM surrogate ends each prefix with "x:" and starts each candidate's continuation
    # with the space after it: the tokens must be those of the whole line.
    def ids(text: str, bos: bool) -> list[int]:
        return list(llama_chat.client.tokenize(text.encode(), add_bos=bos, special=False))

    prefix = "columns: a, b\nx: .3, 2\nq: 63\nx:"
    assert ids(prefix, True) + ids(f" {row}\nq: ", False) == ids(f"{prefix} {row}\nq: ", True)
