"""How much LLM work a step does while the LLM has a say, kept under a time target.

A step with a say writes ``n_llm_candidates`` rows and scores the pool on ``n_members``
prompts (the others only the first's best). Its wall time is mostly the model's, and the
machine decides it: 4.5 s on a 2-core AVX-512 machine and 8.9 s on a 2-core AVX2 one with the
embedded model (docs/benchmarks.md), and far more with a larger model on a CPU. With a target,
the sampler steps down when two steps with a say in a row exceed it: first it writes no rows, then
it also scores with the first prompt alone, then it scores half the pool (the GP's best half,
as the mixture picks the pool's candidates for the LLM). It steps back up when two steps in a
row leave room for the level above. Steps without a say (the LLM scores the GP's choice and three
others) are cheap and not adjusted. A time-driven level makes trials depend on the machine,
so the sampler has no target unless asked (the agent sets one).
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("full", "no rows", "one prompt", "half the pool")
# A level costs up to this many times the one below it: measured 1.4-1.7x for two written
# rows against none (8.9/6.5 s on AVX2, 4.5/2.7 s on AVX-512).
_STEP_UP = 1.7


@dataclass
class StepEffort:
    """The effort level of steps with a say (an index into :data:`LEVELS`).

    Attributes:
        target: Seconds a step with a say should take at most (None: always the full step).
        level: 0 (as configured), 1 (no LLM-written rows), 2 (no rows, one prompt) or 3
            (no rows, one prompt, half the pool).
    """

    target: float | None = None
    level: int = 0
    _over: int = 0
    _room: int = 0

    def rows(self, n_llm_candidates: int) -> int:
        """LLM-written candidates a step with a say writes at this level."""
        return n_llm_candidates if self.level == 0 else 0

    def prompts(self, n_members: int) -> int:
        """Prompts a step with a say scores with at this level."""
        return n_members if self.level < 2 else 1

    def pool(self, n_candidates: int) -> int:
        """Candidates the LLM scores in a step with a say at this level."""
        return n_candidates if self.level < 3 else max(2, n_candidates // 2)

    def took(self, seconds: float) -> None:
        """Note what a step with a say took, and change the level after two steps in a row
        over the target, or with room for the level above."""
        if self.target is None:
            return
        over = seconds > self.target
        room = self.level > 0 and seconds * _STEP_UP <= self.target
        self._over = self._over + 1 if over else 0
        self._room = self._room + 1 if room else 0
        if self._over >= 2 and self.level < len(LEVELS) - 1:
            self.level, self._over = self.level + 1, 0
        elif self._room >= 2:
            self.level, self._room = self.level - 1, 0
