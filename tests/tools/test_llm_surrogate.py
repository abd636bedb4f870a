from __future__ import annotations

import json

import numpy as np
import pytest

from tests.tools._fake_reader import ScriptedReader
from tunesmith.core import FloatParam, IntParam, SearchSpace
from tunesmith.tools._gp_surrogate import GPSurrogate, gaussian_codes, loo_scale
from tunesmith.tools._llm_surrogate import LLMSurrogate, SurrogateContext
from tunesmith.tools._llm_text import Observation, ScoreCodes, format_row

SPACE = SearchSpace(
    params=(FloatParam(name="x", low=0.0, high=1.0), IntParam(name="depth", low=1, high=9))
)
CONTEXT = SurrogateContext(
    learner="random forest classifier",
    task="binary classification",
    metric="5-fold CV accuracy",
    n_rows=455,
    n_features=30,
    n_classes=2,
)


def _history(values: list[float]) -> list[Observation]:
    return [
        Observation(n, {"x": round(0.1 * n + 0.05, 2), "depth": n % 9 + 1}, v)
        for n, v in enumerate(values)
    ]


def test_prefix_tells_the_context_and_the_scale() -> None:
    reader = ScriptedReader(lambda c: 50.0)
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, direction="maximize", n_members=1)
    surrogate.predict(_history([0.90, 0.95, 0.93]), [{"x": 0.5, "depth": 3}])
    prefix = reader.prefixes[0]
    assert "random forest classifier" in prefix
    assert "455 rows" in prefix
    assert "higher is better" in prefix
    assert "- x: float in [0, 1]" in prefix
    assert "configuration (x: x,depth)" in prefix
    assert prefix.endswith("x: .25,3\nq: 58\nx:")  # 0.93 on the 10..90 scale
    assert reader.continuations == [" .5,3\nq: "]  # "x:", the same for all, is the prefix's


def test_prediction_reads_the_code_distribution_in_objective_units() -> None:
    # The stand-in LLM believes quality rises with x; scores are errors (lower is better).
    reader = ScriptedReader(lambda c: 10 + 80 * c["x"])
    history = _history([0.5, 0.4, 0.3])  # x = 0.05, 0.15, 0.25
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, direction="minimize", n_members=2)
    pred = surrogate.predict(history, [{"x": 0.1, "depth": 2}, {"x": 0.9, "depth": 2}])
    assert pred.probs.shape == (2, 100)
    assert np.allclose(pred.probs.sum(axis=1), 1.0)
    codes = pred.codes
    assert pred.mean() == pytest.approx(codes.value(np.array([18.0, 82.0])), abs=1e-6)
    assert pred.std() == pytest.approx(np.full(2, 3.0 / abs(codes.slope)), rel=0.05)
    ei = pred.expected_improvement(0.3)
    assert ei[1] > 10 * ei[0]
    assert pred.log_likelihood(1, float(codes.value(82))) > pred.log_likelihood(1, 0.5)


def test_each_member_prompt_only_grows_by_appended_lines() -> None:
    reader = ScriptedReader(lambda c: 50.0)
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, direction="minimize", n_members=3, seed=1)
    history = _history([0.5, 0.4, 0.45, 0.42, 0.48])
    surrogate.predict(history, [{"x": 0.5, "depth": 1}])
    surrogate.predict(
        [*history, Observation(5, {"x": 0.77, "depth": 4}, 0.44)], [{"x": 0.5, "depth": 1}]
    )
    first, second = reader.prefixes[:3], reader.prefixes[3:]
    for old, new in zip(first, second, strict=True):
        assert new.startswith(old)
        assert new[len(old) :] == " .77,4\nq: 58\nx:"
    assert len(set(first)) == 3  # the members show the history in different orders


def test_a_new_best_outside_the_scale_rescales_the_history() -> None:
    reader = ScriptedReader(lambda c: 50.0)
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, direction="minimize", n_members=1)
    history = _history([0.5, 0.4])
    surrogate.predict(history, [{"x": 0.5, "depth": 1}])
    surrogate.predict(
        [*history, Observation(2, {"x": 0.3, "depth": 2}, 0.1)], [{"x": 0.5, "depth": 1}]
    )
    assert reader.prefixes[1].count("q: 90") == 1
    assert "x: .3,2\nq: 90" in reader.prefixes[1]


def test_permuted_control_shows_the_same_configurations_with_shuffled_scores() -> None:
    history = _history([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    prompts = []
    for permute in (False, True):
        reader = ScriptedReader(lambda c: 50.0)
        LLMSurrogate(reader, SPACE, CONTEXT, n_members=1, permute_scores=permute, seed=3).predict(
            history, [{"x": 0.5, "depth": 1}]
        )
        prompts.append(reader.prefixes[0])
    plain, permuted = (p.splitlines() for p in prompts)
    assert [line for line in plain if line.startswith("x:")] == [
        line for line in permuted if line.startswith("x:")
    ]
    scores = [[line for line in p if line.startswith("q:")] for p in (plain, permuted)]
    assert sorted(scores[0]) == sorted(scores[1])
    assert scores[0] != scores[1]


def test_gp_prediction_as_codes_is_a_discretised_gaussian() -> None:
    history = [Observation(n, {"x": x, "depth": 3}, (x - 0.3) ** 2) for n, x in
               enumerate([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])]  # fmt: skip
    mean, std = GPSurrogate(SPACE, seed=0).predict(history, [{"x": 0.3, "depth": 3}])
    assert mean[0] == pytest.approx(0.0, abs=0.02)
    codes = ScoreCodes([o.value for o in history], "minimize")
    pred = gaussian_codes(mean, std, codes)
    assert np.allclose(pred.probs.sum(axis=1), 1.0)
    assert pred.mean_code[0] == pytest.approx(codes.slope * mean[0] + codes.offset, abs=0.6)


def test_loo_scale_matches_refitting_without_each_point() -> None:
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import Matern, WhiteKernel

    rng = np.random.default_rng(0)
    x = rng.uniform(size=(12, 2))
    y = np.sin(6 * x[:, 0]) + 0.3 * rng.normal(size=12)
    kernel = Matern(length_scale=1.0, length_scale_bounds="fixed") + WhiteKernel(
        1e-4, "fixed"
    )  # smooth and quiet: over-confident about noisy data
    gp = GaussianProcessRegressor(kernel=kernel, optimizer=None).fit(x, y)
    z = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        part = GaussianProcessRegressor(kernel=gp.kernel_, optimizer=None).fit(x[keep], y[keep])
        mean, std = part.predict(x[i : i + 1], return_std=True)
        z.append((y[i] - mean[0]) / std[0])
    expected = float(np.clip(np.sqrt(np.mean(np.square(z))), 1.0, 10.0))
    assert expected > 1.0  # the case the factor is for
    assert loo_scale(gp) == pytest.approx(expected, rel=1e-6)


def test_calibrated_gp_widens_the_spread_and_keeps_the_mean() -> None:
    history = [Observation(n, {"x": x, "depth": 3}, (x - 0.3) ** 2 + 0.05 * np.sin(40 * x))
               for n, x in enumerate(np.linspace(0, 1, 9))]  # fmt: skip
    test = [{"x": 0.33, "depth": 3}, {"x": 0.9, "depth": 3}]
    raw = GPSurrogate(SPACE, seed=0, calibrate=False).predict(history, test)
    calibrated_gp = GPSurrogate(SPACE, seed=0)
    calibrated = calibrated_gp.predict(history, test)
    assert calibrated_gp.scale_ >= 1.0
    assert np.allclose(calibrated[0], raw[0])
    assert np.allclose(calibrated[1], calibrated_gp.scale_ * raw[1])


def test_past_the_cap_the_prompt_is_cut_once_then_appended_to() -> None:
    reader = ScriptedReader(lambda c: 50.0)
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, n_members=1, history_cap=8)
    values = [0.5, 0.1, 0.9, 0.8, 0.7, 0.6, 0.55, 0.65, 0.75, 0.85, 0.95]
    history = [Observation(n, {"x": 0.01 * n, "depth": 1}, v) for n, v in enumerate(values)]
    lines = []
    for n in range(8, 12):
        surrogate.predict(history[:n], [{"x": 0.5, "depth": 1}])
        lines.append(reader.prefixes[-1].count("\nq: "))
    assert lines == [8, 6, 7, 8]  # cut to 6 at the 9th point, then appended to
    assert reader.prefixes[2].startswith(reader.prefixes[1])
    assert "x: .01,1\n" in reader.prefixes[1]  # the best point (0.1) is kept


class _OrderReader:
    """Puts all mass on a code set by the prefix's first history line, so members differ."""

    def __init__(self) -> None:
        self.prefixes: list[str] = []

    def score_codes(self, prefix: str, continuations: list[str]) -> np.ndarray:
        self.prefixes.append(prefix)
        first = prefix.split("\nx: ", 1)[1].split(",", 1)[0]
        row = np.zeros((len(continuations), 100))
        row[:, round(20 + 60 * float(first))] = 1.0
        return row


def test_members_are_averaged_and_member_zero_is_the_one_prompt_surrogate() -> None:
    history = _history([0.5, 0.4, 0.3, 0.45, 0.35, 0.6])
    candidates = [{"x": 0.1, "depth": 2}, {"x": 0.9, "depth": 2}]
    two = LLMSurrogate(_OrderReader(), SPACE, CONTEXT, n_members=2, seed=3)
    members = two.predict_members(history, candidates)
    assert len(members) == 2
    assert not np.allclose(members[0].probs, members[1].probs)  # the orders differ
    one = LLMSurrogate(_OrderReader(), SPACE, CONTEXT, n_members=1, seed=3)
    assert np.allclose(one.predict(history, candidates).probs, members[0].probs)
    averaged = two.predict(history, candidates).probs
    assert np.allclose(averaged, (members[0].probs + members[1].probs) / 2)
    assert two.predict_members(history, [])[0].probs.shape == (0, 100)


def _past_the_cap(n: int) -> list[Observation]:
    """``n`` points on one score scale: the best (0.1) and worst (0.9) come first, a point
    that ranks second best (0.15) comes 10th, the others lie in between."""
    rng = np.random.default_rng(5)
    values = [0.1, 0.9, *rng.uniform(0.3, 0.8, size=max(0, n - 2))]
    if n > 9:
        values[9] = 0.15
    return [Observation(i, {"x": round(0.01 * (i + 1), 2), "depth": 1 + i % 9}, float(v))
            for i, v in enumerate(values[:n])]  # fmt: skip


def _rows(prefix: str) -> list[str]:
    return [line for line in prefix.splitlines() if line.startswith("x: ") and "," in line]


def _through_example(prefix: str, k: int) -> str:
    """The prompt's text up to and including its ``k``-th example (its ``x`` and ``q`` lines)."""
    at = prefix.index("\nx: ")  # the header ends where the first example starts
    for _ in range(k):
        at = prefix.index("\nq: ", at + 1) + len("\nq: 00")
    return prefix[: at + 1]


def test_later_cuts_keep_the_header_and_the_best_at_the_first_cut_at_the_head() -> None:
    reader = ScriptedReader(lambda c: 50.0)
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, n_members=2, history_cap=8, seed=1)
    history = _past_the_cap(24)
    prompts = []  # per call, the two members' prefixes
    for n in range(8, 25):
        surrogate.predict(history[:n], [{"x": 0.5, "depth": 1}])
        prompts.append(reader.prefixes[-2:])
    sizes = [len(_rows(p[0])) for p in prompts]
    assert sizes == [8, 6, 7, 8, 6, 7, 8, 6, 7, 8, 6, 7, 8, 6, 7, 8, 6]
    best_two = sorted(history[:9], key=lambda o: o.value)[:2]
    anchor = sorted(f"x: {format_row(SPACE, o.params)}" for o in best_two)
    for k in range(2):
        # The first cut (9 points) lays the prompts out again: the best two of the nine
        # first, in each member's own order; every later cut keeps that head as it was.
        head = _through_example(prompts[1][k], 2)
        assert sorted(_rows(head)) == anchor
        assert all(p[k].startswith(head) for p in prompts[2:])
    assert prompts[1][0] != prompts[1][1]  # the members' orders still differ
    # The 10th point (0.15, second best) outlives its age: every prompt still shows it.
    assert all("x: .1,1\n" in p[0] for p in prompts[2:])


def test_a_later_cut_rewrites_only_the_rows_after_the_head() -> None:
    reader = ScriptedReader(lambda c: 50.0)
    surrogate = LLMSurrogate(reader, SPACE, CONTEXT, n_members=1, history_cap=8, seed=1)
    history = _past_the_cap(17)
    for n in range(8, 13):  # cuts at 9 and at 12 points (each to 6, then 7, 8 and 9 > 8)
        surrogate.predict(history[:n], [{"x": 0.5, "depth": 1}])
    before, after = reader.prefixes[-2:]
    assert len(_rows(before)) == 8
    assert len(_rows(after)) == 6
    # Member 0 keeps trial order after the head, so the cut drops the oldest rows after the
    # anchor, and the text the two prompts share is the header and the anchor.
    assert after.startswith(_through_example(before, 2))
    assert not after.startswith(_through_example(before, 3))


def test_a_restored_surrogate_past_the_cap_writes_the_same_prompts() -> None:
    history = _past_the_cap(20)
    first = LLMSurrogate(ScriptedReader(lambda c: 50.0), SPACE, CONTEXT, history_cap=8, seed=2)
    for n in range(8, 15):
        first.predict(history[:n], [{"x": 0.5, "depth": 1}])
    state = json.loads(json.dumps(first.state()))
    assert state["anchor"] == [0, 6]  # the best two of the first nine points
    second = LLMSurrogate(ScriptedReader(lambda c: 50.0), SPACE, CONTEXT, history_cap=8, seed=2)
    second.restore(state)
    for n in range(15, 21):
        first.predict(history[:n], [{"x": 0.5, "depth": 1}])
        second.predict(history[:n], [{"x": 0.5, "depth": 1}])
    assert first.reader.prefixes[-12:] == second.reader.prefixes  # type: ignore[attr-defined]
    # A state saved before the window had an anchor still restores; its first cut lays out.
    old = {k: v for k, v in state.items() if k != "anchor"}
    third = LLMSurrogate(ScriptedReader(lambda c: 50.0), SPACE, CONTEXT, history_cap=8, seed=2)
    third.restore(old)
    third.predict(history, [{"x": 0.5, "depth": 1}])
    assert third.state()["anchor"] == [0, 9]  # the best two when it first cut


def test_the_permuted_control_lays_out_the_same_configurations_as_the_plain_surrogate() -> None:
    history = _past_the_cap(14)
    history.append(Observation(14, {"x": 0.5, "depth": 5}, 0.01))  # a new best: a new scale
    surrogates = [
        LLMSurrogate(ScriptedReader(lambda c: 50.0), SPACE, CONTEXT, n_members=1,
                     history_cap=8, permute_scores=permute, seed=4)
        for permute in (False, True)
    ]  # fmt: skip
    for n in range(8, 16):
        for surrogate in surrogates:
            surrogate.predict(history[:n], [{"x": 0.5, "depth": 1}])
    plain, permuted = (s.reader.prefixes for s in surrogates)  # type: ignore[attr-defined]
    assert plain[-1].count("q: ") == permuted[-1].count("q: ")
    # The anchor is the true best two after the new scale, in both: the same rows, in the
    # same order; only the scores differ.
    assert surrogates[0].state()["anchor"] == surrogates[1].state()["anchor"] == [0, 14]
    assert _rows(plain[-1]) == _rows(permuted[-1])
    assert plain[-1] != permuted[-1]
