"""Optimisers of other libraries (SMAC3, HEBO) as ``bench hpo`` methods.

A peer speaks ``suggest()`` / ``observe(params, loss)``; :class:`PeerOptimizer` wraps it in
the ask/tell the runner drives, so a peer gets the same shared initial points as every other
method: the runner enqueues them, ``ask()`` hands them out first, and ``tell()`` passes each
result to the peer as an observation it did not suggest. From then on the peer suggests.

Peers run one trial at a time (Bayesmark's protocol here). Each is built with the cell's seed
and sees the problem's space as it is: log-scale floats and integers on a log scale, linear ones
linearly, integers as integers, categoricals (and booleans) as unordered choices. Spaces with
conditional parameters are refused (no Bayesmark problem has one).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from tunesmith.core import (
    BoolParam,
    CategoricalParam,
    IntParam,
    OptimizerError,
    SearchSpace,
    TrialResult,
    TrialSpec,
)
from tunesmith.core._params import index

if TYPE_CHECKING:
    from tunesmith.evaluation.bayesmark._methods import Method


class Peer(Protocol):
    """What a peer optimiser offers :class:`PeerOptimizer`."""

    def suggest(self) -> dict[str, Any]:
        """The next configuration to evaluate."""
        ...

    def observe(self, params: dict[str, Any], loss: float | None, *, suggested: bool) -> None:
        """Record a result: ``loss`` None for a failed evaluation; ``suggested`` when
        ``params`` is the peer's latest suggestion (not an enqueued initial point)."""
        ...


class PeerOptimizer:
    """The runner's ask/tell (``enqueue``, ``ask``, ``tell``) over a :class:`Peer`.

    Args:
        space: The problem's search space (suggestions are clipped into it).
        peer: The peer, built for ``space``.
    """

    def __init__(self, space: SearchSpace, peer: Peer) -> None:
        self.space = space
        self.peer = peer
        self._queue: deque[dict[str, Any]] = deque()
        self._running: dict[int, tuple[dict[str, Any], bool]] = {}
        self._number = 0

    def enqueue(self, config: Mapping[str, Any]) -> None:
        """Queue a configuration (validated) for a later ``ask()``, before any suggestion."""
        self.space.validate(config)
        self._queue.append(dict(config))

    def ask(self) -> TrialSpec:
        """The next enqueued configuration, else the peer's suggestion."""
        if self._running:
            raise OptimizerError(
                f"Peer optimisers run one trial at a time; trial {next(iter(self._running))} "
                "is still running. Fix: tell() its result before the next ask()."
            )
        suggested = not self._queue
        params = self.space.clip(self.peer.suggest()) if suggested else self._queue.popleft()
        spec = TrialSpec(number=self._number, params=params)
        self._running[spec.number] = (params, suggested)
        self._number += 1
        return spec

    def tell(self, result: TrialResult) -> None:
        """Pass a running trial's result to the peer (a failed or pruned one as ``None``)."""
        if result.number not in self._running:
            raise OptimizerError(
                f"Trial {result.number} is not running: each asked trial is told exactly once."
            )
        params, suggested = self._running.pop(result.number)
        loss = result.value if result.state == "complete" else None
        self.peer.observe(params, loss, suggested=suggested)


def flat_params(space: SearchSpace, peer: str) -> SearchSpace:
    """``space`` itself, after checking it has no conditional parameters."""
    if space.conditions:
        raise OptimizerError(
            f"The {peer} peer takes flat spaces only; this one has conditional parameters "
            f"{sorted(space.conditions)}. Fix: benchmark {peer} on Bayesmark's flat spaces."
        )
    return space


def to_peer(space: SearchSpace, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` as peers take them: plain numbers, a choice as its position (``"0"``...)."""
    out: dict[str, Any] = {}
    for p in space.params:
        value = params[p.name]
        if isinstance(p, CategoricalParam | BoolParam):
            out[p.name] = str(index(p.choices, value))
        else:
            out[p.name] = int(value) if isinstance(p, IntParam) else float(value)
    return out


def from_peer(space: SearchSpace, values: Mapping[str, Any]) -> dict[str, Any]:
    """A peer's configuration (numpy scalars, choice positions) as ``space`` takes it."""
    out: dict[str, Any] = {}
    for p in space.params:
        value = values[p.name]
        if isinstance(p, CategoricalParam | BoolParam):
            out[p.name] = p.choices[int(value)]
        else:
            out[p.name] = round(float(value)) if isinstance(p, IntParam) else float(value)
    return out


def peer_methods() -> list[Method]:
    """The ``smac`` and ``hebo`` methods (they say why when their package is missing)."""
    from tunesmith.evaluation.bayesmark._methods import Method
    from tunesmith.evaluation.bayesmark._peer_hebo import build_hebo, hebo_unavailable
    from tunesmith.evaluation.bayesmark._peer_smac import build_smac, smac_unavailable

    return [
        Method(
            "smac", "SMAC3's HPO facade (random forest, log EI, 20% random configurations)",
            build_smac, unavailable=smac_unavailable,
        ),
        Method(
            "hebo", "HEBO 0.3.6 (warped GP, MACE acquisition), from its own environment",
            build_hebo, unavailable=hebo_unavailable,
        ),
    ]  # fmt: skip
