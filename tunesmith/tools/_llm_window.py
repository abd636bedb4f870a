"""Which history points the surrogate's prompts show past the cap, and in which layout.

A backend's KV cache holds a prompt's prefix, so a prompt stays cheap only while its first
lines stay the same. Until the history first passes the cap, the prompts only grow. At the
first cut the window lays them out in two blocks: the *anchor* (the best quarter of the cap
at that moment) first, then the points that came after, in the order they arrive. Later cuts
drop the oldest points of the second block, except those among the best quarter now, so the
header and the anchor keep their cached states and only the second block is evaluated again.
The layout is made anew only when the prompts are rewritten anyway (the score scale changed).

Before this, a cut kept the best third and the most recent points in their old order; the
dropped points were spread through every prompt, so each cut evaluated whole prompts again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tunesmith.tools._llm_text import Direction, Observation


@dataclass
class HistoryWindow:
    """The history points shown, kept between calls so that cuts are rare and cheap.

    Args:
        cap: Most points shown. Past it, the window is cut to three quarters of the cap.

    Attributes:
        kept: Trial numbers shown at the last call.
        anchor: Trial numbers of the anchor block (empty until the first cut).
        layout: Counts the layouts made; a prompt built for another layout starts again.
    """

    cap: int
    kept: set[int] = field(default_factory=set)
    anchor: list[int] = field(default_factory=list)
    layout: int = 0
    _last: list[Observation] = field(default_factory=list, repr=False)

    @property
    def n_best(self) -> int:
        return max(1, self.cap // 4)

    def shown(self, history: Sequence[Observation], direction: Direction) -> list[Observation]:
        """The points to show: the anchor's first, then the others in trial order."""
        last = max(self.kept, default=-1)
        shown = [o for o in history if o.number in self.kept or o.number > last]
        if len(shown) > self.cap:
            if not self.anchor:
                self._lay_out(shown, direction)
            shown = self._cut(shown, direction)
        self.kept = {o.number for o in shown}
        self._last = shown
        anchor = set(self.anchor)
        return [o for o in shown if o.number in anchor] + [
            o for o in shown if o.number not in anchor
        ]

    def rewritten(self, direction: Direction) -> None:
        """Every line of the prompts changes (a new score scale): once the window has been
        cut, the anchor becomes the best of the points shown last (by their own scores, also
        when the prompts show them permuted)."""
        if self.anchor:
            self._lay_out(self._last, direction)

    def is_anchor(self, number: int) -> bool:
        return number in set(self.anchor)

    def state(self) -> dict[str, Any]:
        return {"kept": sorted(self.kept), "anchor": list(self.anchor)}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Take up a :meth:`state` (an older state without an anchor starts without one)."""
        self.kept = {int(n) for n in state["kept"]}
        self.anchor = [int(n) for n in state.get("anchor", [])]
        self.layout += 1

    def _lay_out(self, shown: Sequence[Observation], direction: Direction) -> None:
        self.anchor = sorted(_best(shown, direction, self.n_best))
        self.layout += 1

    def _cut(self, shown: list[Observation], direction: Direction) -> list[Observation]:
        anchor = set(self.anchor)
        best = _best(shown, direction, self.n_best)
        rest = [o for o in shown if o.number not in anchor]
        room = max(0, self.cap - self.cap // 4 - len(anchor))
        keep = {o.number for o in rest if o.number in best}
        for o in reversed(rest):  # the most recent others fill the room left
            if len(keep) >= room:
                break
            keep.add(o.number)
        return [o for o in shown if o.number in anchor or o.number in keep]


def _best(shown: Sequence[Observation], direction: Direction, n: int) -> set[int]:
    sign = 1.0 if direction == "minimize" else -1.0
    return {o.number for o in sorted(shown, key=lambda o: (sign * o.value, o.number))[:n]}
