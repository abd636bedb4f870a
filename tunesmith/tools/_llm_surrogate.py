"""The LLM as a discriminative surrogate: a predictive distribution per candidate, in one pass.

The history is written once into a text prefix; each candidate is a short continuation, and the
model's next-token probabilities over the two-digit quality code are its predictive
distribution (:func:`tunesmith.llm.score_reader`). ``n_members`` prefixes that hold the history
in different orders form an ensemble (LLAMBO's shuffled prompts); their distributions are
averaged. Each member's order only ever grows by appending new points, so the backend's KV
cache of that prefix stays valid from one iteration to the next, and the score scale is kept
until a point leaves it, so new lines do not rewrite old ones. Past the history cap, the
window (``_llm_window``) drops rows after each prompt's head, not in it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tunesmith.core import SearchSpace
from tunesmith.prompts import render
from tunesmith.tools._llm_text import (
    N_CODES,
    Direction,
    Observation,
    ScoreCodes,
    describe_param,
    format_row,
    parse_row,
    short_name,
)
from tunesmith.tools._llm_window import HistoryWindow

if TYPE_CHECKING:
    from tunesmith.llm import ScoreReader

_CODES = np.arange(N_CODES, dtype=float)
_STICKY = (3, 96)  # keep the score scale while every shown value codes inside this range


@dataclass(frozen=True)
class SurrogateContext:
    """What the LLM is told about the model being tuned and its data.

    Attributes:
        learner: The model family, e.g. ``"random forest classifier"``.
        task: E.g. ``"binary classification"``.
        metric: The objective as people name it, e.g. ``"5-fold CV accuracy"``.
        n_rows: Training rows, if known.
        n_features: Feature columns, if known.
        n_classes: Classes of a classification target, if known.
        notes: Anything else worth a sentence (feature types, imbalance).
    """

    learner: str
    task: str
    metric: str
    n_rows: int | None = None
    n_features: int | None = None
    n_classes: int | None = None
    notes: str = ""

    def describe(self, direction: Direction) -> str:
        return render(
            "surrogate_context",
            learner=self.learner,
            task=self.task,
            metric=self.metric,
            n_rows=self.n_rows,
            n_features=self.n_features,
            n_classes=self.n_classes,
            notes=self.notes,
            direction=direction,
        )


@dataclass(frozen=True)
class Prediction:
    """Predictive distributions of candidates' quality codes, and the scale they live on."""

    probs: np.ndarray  # (n_candidates, 100), rows sum to 1
    codes: ScoreCodes

    @property
    def mean_code(self) -> np.ndarray:
        return np.asarray(self.probs @ _CODES)

    @property
    def std_code(self) -> np.ndarray:
        var = self.probs @ (_CODES**2) - self.mean_code**2
        return np.sqrt(np.maximum(var, 0.0))

    def mean(self) -> np.ndarray:
        """Predicted objective values."""
        return np.asarray(self.codes.value(self.mean_code))

    def std(self) -> np.ndarray:
        """Predicted standard deviation, in objective units."""
        return np.asarray(self.std_code / abs(self.codes.slope))

    def expected_improvement(self, best_value: float) -> np.ndarray:
        """EI over the incumbent, in code units, from the full discrete distribution."""
        best = self.codes.slope * best_value + self.codes.offset
        return np.asarray(self.probs @ np.maximum(_CODES - best, 0.0))

    @classmethod
    def average(cls, predictions: Sequence[Prediction]) -> Prediction:
        """The mixture of predictions on one scale (an ensemble's members')."""
        return cls(np.mean([p.probs for p in predictions], axis=0), predictions[0].codes)

    def log_likelihood(self, index: int, value: float, floor: float = 1e-3) -> float:
        """Log-probability of the code bin that ``value`` falls in, for candidate ``index``."""
        code = self.codes.code(value)
        return float(np.log(max(float(self.probs[index, code]), floor)))


@dataclass
class _Member:
    order: list[int] = field(default_factory=list)
    layout: int = 0  # the history window's layout the order was built for


class LLMSurrogate:
    """Predict candidates' scores with an LLM, as an ensemble of differently ordered prompts.

    Args:
        reader: The backend's score reader (``tunesmith.llm.score_reader(model)``).
        space: The (flat) space the candidates come from.
        context: What the model and data are.
        direction: Whether the objective is minimised or maximised.
        n_members: Prompts with the history in different orders.
        history_cap: Most examples shown. Past it, the history is cut to three quarters of
            the cap, then appended to until the cap: the best quarter of the cap at the first
            cut stays at the head of every prompt, and later cuts drop the oldest of the
            points after it, except those among the best quarter now
            (:class:`~tunesmith.tools._llm_window.HistoryWindow`), so a cut keeps the cached
            head of each prompt.
        permute_scores: A control: shuffle the scores across the shown configurations, so the
            LLM sees the right configurations with the wrong scores.
        seed: Seed of the orders and of the permutation.
    """

    def __init__(
        self,
        reader: ScoreReader,
        space: SearchSpace,
        context: SurrogateContext,
        *,
        direction: Direction = "minimize",
        n_members: int = 2,
        history_cap: int = 40,
        permute_scores: bool = False,
        seed: int | None = 0,
    ) -> None:
        self.reader = reader
        self.space = space
        self.context = context
        self.direction = direction
        self.n_members = n_members
        self.history_cap = history_cap
        self.permute_scores = permute_scores
        self.seed = seed
        self._members = [_Member() for _ in range(n_members)]
        self._writer = _Member()  # the prompt candidates are generated from (trial order)
        self._codes: ScoreCodes | None = None
        self._window = HistoryWindow(history_cap)

    def state(self) -> dict[str, Any]:
        """What the prompts were built from (JSON-able): the history points kept (and the
        anchor block), the score scale and each prompt's order. A surrogate given it by
        :meth:`restore` in another process writes the prompts this one would next, so a cache
        of their states (on disk, ``score_reader(cache_dir=...)``) still holds them."""
        codes = self._codes
        return {
            **self._window.state(),
            "scale": None if codes is None else [codes.slope, codes.offset],
            "members": [m.order for m in self._members],
            "writer": self._writer.order,
        }

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take up a :meth:`state` (from a study's attributes).

        Raises:
            ValueError: ``state`` is not one that :meth:`state` wrote.
        """
        window = HistoryWindow(self.history_cap, layout=self._window.layout)
        try:
            window.restore(state)
            scale = state["scale"]
            codes = None if scale is None else ScoreCodes.affine(*(float(x) for x in scale))
            orders = [[int(n) for n in order] for order in state["members"]]
            writer = [int(n) for n in state["writer"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"Not an LLM surrogate's state: {exc!r}") from exc
        self._window, self._codes = window, codes
        self._writer.order, self._writer.layout = writer, window.layout
        for member, order in zip(self._members, orders, strict=False):
            # a member that the state lacks starts empty, as new
            member.order, member.layout = order, window.layout

    @property
    def can_generate(self) -> bool:
        """Whether the reader also generates text (then :meth:`propose` is cheap)."""
        return callable(getattr(self.reader, "generate", None))

    def propose(
        self, history: Sequence[Observation], k: int, *, alpha: float = 0.1, seed: int = 0
    ) -> list[dict[str, Any]]:
        """Up to ``k`` configurations the LLM writes for a quality past the best seen.

        LLAMBO's target-conditioned sampling (target ``90 + alpha * 80`` on the code scale),
        from a prompt of ``q`` then ``x`` lines that shares this surrogate's header and scale
        and, like the scoring prompts, only grows; rows that do not parse are dropped.
        """
        shown = self._shown(history)
        codes = self._scale(shown)
        by_number = {o.number: o for o in shown}
        self._writer.order = self._order(self._writer, shown)
        rows = [by_number[n] for n in self._writer.order]
        prefix = self._header() + "".join(
            f"q: {codes.text(o.value)}\nx: {format_row(self.space, o.params)}\n" for o in rows
        )
        target = min(N_CODES - 1, round(90 + alpha * 80))
        return self._write_rows(prefix, f"q: {target}\nx: ", k, seed)

    def _write_rows(
        self, prefix: str, continuation: str, k: int, seed: int
    ) -> list[dict[str, Any]]:
        options: dict[str, Any] = {
            "max_tokens": 12 * len(self.space) + 4, "stop": ["\n"], "temperature": 0.8,
        }  # fmt: skip
        many = getattr(self.reader, "generate_many", None)
        if callable(many):  # the rows side by side, in one decode per token
            texts = many(prefix, continuation, [seed + i for i in range(k)], **options)
        else:
            texts = [self.reader.generate(prefix, continuation, seed=seed + i, **options)  # type: ignore[attr-defined]
                     for i in range(k)]  # fmt: skip
        configs = (parse_row(self.space, text) for text in texts)
        return [config for config in configs if config is not None]

    def predict(
        self, history: Sequence[Observation], candidates: Sequence[Mapping[str, Any]]
    ) -> Prediction:
        """Predictive distributions for ``candidates`` given the observed ``history``: the
        average of the members' (:meth:`predict_members`)."""
        return Prediction.average(self.predict_members(history, candidates))

    def predict_members(
        self,
        history: Sequence[Observation],
        candidates: Sequence[Mapping[str, Any]],
        members: Sequence[int] | None = None,
    ) -> list[Prediction]:
        """Each member's predictive distributions, in member order (member 0 holds the history
        in trial order, after the window's anchor past the cap, so it predicts what a
        one-member surrogate would); ``members``: only those members' (a member left out
        appends the new points next time it is asked)."""
        if not history:
            raise ValueError("The LLM surrogate needs at least one observation.")
        shown = self._shown(history)
        codes = self._scale(shown)
        header = self._header()
        # Every candidate's line starts "x:", so that goes in the shared prefix: 2 tokens fewer
        # per candidate, the same tokens (":" and the space after it never merge).
        continuations = [f" {format_row(self.space, c)}\nq: " for c in candidates]
        chosen = range(len(self._members)) if members is None else members
        if not candidates:
            return [Prediction(np.zeros((0, N_CODES)), codes) for _ in chosen]
        out = []
        for k in chosen:
            member = self._members[k]
            prefix = header + "".join(self._lines(member, k, shown, codes)) + "x:"
            probs = np.asarray(self.reader.score_codes(prefix, continuations), dtype=float)
            out.append(Prediction(probs, codes))
        return out

    def codes(self, history: Sequence[Observation]) -> ScoreCodes:
        """The score scale :meth:`predict` uses for ``history`` (the same on a repeat call)."""
        return self._scale(self._shown(history))

    def _shown(self, history: Sequence[Observation]) -> list[Observation]:
        # Past the cap, cut to three quarters of it and then append again until the cap: the
        # prompts are cut once per cap/4 new points, and a cut keeps their cached heads.
        shown = self._window.shown(history, self.direction)
        if not self.permute_scores:
            return shown
        rng = np.random.default_rng(None if self.seed is None else [self.seed, len(shown)])
        values = rng.permutation([o.value for o in shown])
        return [
            Observation(o.number, o.params, float(v)) for o, v in zip(shown, values, strict=True)
        ]

    def _scale(self, shown: Sequence[Observation]) -> ScoreCodes:
        values = [o.value for o in shown]
        old = self._codes
        if old is not None:
            raw = [old.slope * v + old.offset for v in values]
            if _STICKY[0] <= min(raw) and max(raw) <= _STICKY[1]:
                return old
            self._window.rewritten(self.direction)  # every line changes anyway
        self._codes = ScoreCodes(values, self.direction)
        return self._codes

    def _header(self) -> str:
        return (
            render(
                "surrogate_prefix",
                context=self.context.describe(self.direction),
                params=[describe_param(p) for p in self.space.params],
                columns=",".join(short_name(p.name) for p in self.space.params),
                metric=self.context.metric,
            )
            + "\n"
        )

    def _lines(
        self, member: _Member, k: int, shown: Sequence[Observation], codes: ScoreCodes
    ) -> list[str]:
        by_number = {o.number: o for o in shown}
        # member 0 keeps trial order (within the window's blocks); the others append new
        # points shuffled
        member.order = self._order(member, shown, shuffle=k > 0, key=k)
        return [
            f"x: {format_row(self.space, by_number[n].params)}\n"
            f"q: {codes.text(by_number[n].value)}\n"
            for n in member.order
        ]

    def _order(
        self, member: _Member, shown: Sequence[Observation], *, shuffle: bool = False, key: int = 0
    ) -> list[int]:
        """``member``'s order for ``shown``: the points it holds, in its order, then the new
        ones (the anchor's first; each part shuffled if ``shuffle``, seeded by ``key`` and
        the points held). A prompt made for another layout of the window starts again."""
        if member.layout != self._window.layout:
            member.order, member.layout = [], self._window.layout
        numbers = {o.number for o in shown}
        kept = [n for n in member.order if n in numbers]
        held = set(kept)
        new = [o.number for o in shown if o.number not in held]
        parts = [
            [n for n in new if self._window.is_anchor(n)],
            [n for n in new if not self._window.is_anchor(n)],
        ]
        if shuffle:
            rng = np.random.default_rng(None if self.seed is None else [self.seed, key, len(kept)])
            parts = [list(rng.permutation(part)) if part else [] for part in parts]
        return kept + [int(n) for part in parts for n in part]
