"""The KV states of a few recent prompt prefixes, found again by their longest common prefix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

S = TypeVar("S")


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """The number of leading tokens ``a`` and ``b`` share."""
    n = min(len(a), len(b))
    if n == 0:
        return 0
    differ = np.flatnonzero(np.asarray(a[:n]) != np.asarray(b[:n]))
    return int(differ[0]) if differ.size else n


def _is_prefix(a: Sequence[int], b: Sequence[int]) -> bool:
    return len(a) <= len(b) and common_prefix(a, b) == len(a)


@dataclass(eq=False)  # entries are found by identity, not by comparing states
class PrefixEntry(Generic[S]):
    """A backend's saved state after evaluating exactly ``tokens``."""

    tokens: list[int]
    state: S


class PrefixStates(Generic[S]):
    """Up to ``capacity`` saved prefix states, least recently used first out.

    A history that grows by appended lines supersedes its shorter self, so a surrogate with K
    prefixes that each grow between iterations keeps K entries, not one per iteration.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: list[PrefixEntry[S]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def best(self, tokens: Sequence[int]) -> tuple[PrefixEntry[S] | None, int]:
        """The entry sharing the most leading tokens with ``tokens``, and how many it shares."""
        best: PrefixEntry[S] | None = None
        shared = 0
        for entry in self._entries:
            n = common_prefix(entry.tokens, tokens)
            if n > shared:
                best, shared = entry, n
        return best, shared

    def holds(self, tokens: Sequence[int]) -> bool:
        """Whether a state of exactly ``tokens`` is kept."""
        tokens = list(tokens)
        return any(entry.tokens == tokens for entry in self._entries)

    def put(self, tokens: Sequence[int], state: S) -> None:
        """Save ``state`` for ``tokens``, dropping entries that are a prefix of ``tokens``."""
        tokens = list(tokens)
        self._entries = [e for e in self._entries if not _is_prefix(e.tokens, tokens)]
        self._entries.append(PrefixEntry(tokens, state))
        del self._entries[: max(0, len(self._entries) - self.capacity)]

    def touch(self, entry: PrefixEntry[S]) -> None:
        """Mark ``entry`` as the most recently used."""
        if entry in self._entries:
            self._entries.remove(entry)
            self._entries.append(entry)
