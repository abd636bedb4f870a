"""A score reader that stands in for an LLM's next-token probabilities (the LLM edge only).

It reads each continuation's ``x: ...`` row (columns named in the prefix) and puts a peaked
distribution on a code: either ``to_code(config)``, or, with ``true_value``, the code a
perfect LLM would write: the true objective mapped onto the prompt's own scale (fitted to the
example lines of the prefix).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tunesmith.llm._deadline import check_deadline


@dataclass
class Usage:
    requests: int = 0
    prompt_tokens: int = 0
    cached_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


@dataclass
class ScriptedReader:
    to_code: Callable[[dict[str, float]], float] | None = None
    true_value: Callable[[dict[str, float]], float] | None = None
    width: float = 3.0
    usage: Usage = field(default_factory=Usage)
    prefixes: list[str] = field(default_factory=list)
    fail: bool = False
    columns: list[str] = field(default_factory=list)
    continuations: list[str] = field(default_factory=list)  # the last call's

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        if self.fail:
            raise RuntimeError("the LLM server went away")
        self.prefixes.append(prefix)
        self.continuations = list(continuations)
        self.usage.requests += len(continuations)
        self.usage.prompt_tokens += len(prefix) // 4 + sum(len(c) // 4 for c in continuations)
        codes = np.arange(100, dtype=float)
        header = re.search(r"configuration \(x: (.*?)\)", prefix)
        assert header is not None, prefix
        self.columns = header.group(1).split(",")
        to_code = self.to_code or self._fit_scale(prefix)
        rows = []
        for text in continuations:
            # The candidate's line: what the prefix's last line starts, the continuation ends.
            line = re.search(r"x: (.*)\n", prefix[prefix.rfind("\n") + 1 :] + text)
            assert line is not None, text
            centre = to_code(self._config(line.group(1)))
            row = np.exp(-0.5 * ((codes - centre) / self.width) ** 2) + 1e-12
            rows.append(row / row.sum())
        return np.array(rows)

    def _fit_scale(self, prefix: str) -> Callable[[dict[str, float]], float]:
        assert self.true_value is not None
        pairs = re.findall(r"x: (.*)\nq: (\d\d)\n", prefix)
        f = np.array([self.true_value(self._config(x)) for x, _ in pairs])
        q = np.array([float(code) for _, code in pairs])
        slope, offset = np.polyfit(f, q, 1) if np.ptp(f) > 0 else (0.0, float(q.mean()))
        true_value = self.true_value
        return lambda c: float(np.clip(slope * true_value(c) + offset, 0, 99))

    def _config(self, row: str) -> dict[str, float]:
        values = row.split(",")
        return {k: _number(v) for k, v in zip(self.columns, values, strict=True)}


@dataclass
class WritingReader(ScriptedReader):
    """Also continues text: writes the rows of ``rows`` in turn (a stand-in for sampling)."""

    rows: list[str] = field(default_factory=list)
    generated: list[tuple[str, str]] = field(default_factory=list)

    def generate(
        self,
        prefix: str,
        continuation: str,
        *,
        max_tokens: int,
        stop: Sequence[str],
        temperature: float,
        seed: int,
    ) -> str:
        self.generated.append((prefix, continuation))
        self.usage.requests += 1
        row = self.rows[(len(self.generated) - 1) % len(self.rows)]
        self.usage.completion_tokens += len(row) // 3
        return row


@dataclass
class CostlyReader(ScriptedReader):
    """Counts ``seconds`` of LLM time per call without waiting for them: what a scoring step
    costs on a slow machine, for tests of the time share."""

    seconds: float = 5.0

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        self.usage.seconds += self.seconds
        return super().score_codes(prefix, continuations)


@dataclass
class DeadlineReader(ScriptedReader):
    """Takes ``seconds`` of real time per call, checking the deadline as it goes, as the
    in-process readers do between chunks of a prompt."""

    seconds: float = 2.0

    def score_codes(self, prefix: str, continuations: Sequence[str]) -> np.ndarray:
        start = time.monotonic()
        try:
            while time.monotonic() - start < self.seconds:
                check_deadline("in the middle of a prompt")
                time.sleep(0.02)
        finally:
            self.usage.seconds += time.monotonic() - start
        return super().score_codes(prefix, continuations)


def _number(text: str) -> float:
    """A row's value; a category counts as the sum of its text's bytes (``l1`` != ``l2``)."""
    try:
        return float(text)
    except ValueError:
        return float(sum(text.strip().encode()))
