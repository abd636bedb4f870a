"""The report's figures, drawn with matplotlib's Agg canvas and inlined as base64 PNG ``<img>``.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot), so drawing a report changes no
global backend or state of a process that also plots (a notebook, the UI).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

_BLUE, _ORANGE, _RED = "#1f77b4", "#ff7f0e", "#d62728"


def _figure(width: float = 7.0, height: float = 3.6) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _img(figure: Any, alt: str) -> str:
    """The figure as an ``<img>`` with an inline PNG."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def convergence_plot(
    numbers: Sequence[int],
    scores: Sequence[float],
    metric: str,
    maximize: bool,
    failed: Sequence[int] = (),
) -> str:
    """Each complete trial's score by trial number, the best so far, and failed trials."""
    figure = _figure()
    ax = figure.add_subplot()
    best = np.maximum.accumulate(scores) if maximize else np.minimum.accumulate(scores)
    ax.scatter(numbers, scores, s=18, color=_BLUE, label="trial", zorder=3)
    ax.step(numbers, best, where="post", color=_ORANGE, label="best so far", linewidth=2)
    for number in failed:
        ax.axvline(number, color=_RED, alpha=0.25, linewidth=1)
    if failed:
        ax.plot([], [], color=_RED, alpha=0.4, label="failed trial")
    ax.set_xlabel("trial number")
    ax.set_ylabel(f"{metric} ({'higher' if maximize else 'lower'} is better)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return _img(figure, f"Convergence: {metric} of each trial and the best so far")


def learner_plot(scores: dict[str, Sequence[float]], metric: str) -> str:
    """A box and strip plot of the scores of each learner's complete trials."""
    names = list(scores)
    figure = _figure(width=max(4.0, 1.6 * len(names) + 1.5))
    ax = figure.add_subplot()
    data = [np.asarray(scores[n], dtype=float) for n in names]
    positions = np.arange(1, len(names) + 1)
    ax.boxplot(data, positions=positions, widths=0.5, showfliers=False)
    rng = np.random.default_rng(0)  # jitter only; fixed so a report is reproducible
    for position, values in zip(positions, data, strict=True):
        jitter = rng.uniform(-0.15, 0.15, size=len(values))
        ax.scatter(position + jitter, values, s=16, color=_BLUE, alpha=0.7, zorder=3)
    ax.set_xticks(positions)
    ax.set_xticklabels(names)
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3, axis="y")
    return _img(figure, f"{metric} of each learner's complete trials")


def importance_plot(importances: dict[str, float], title: str) -> str:
    """Horizontal bars of parameter importances, most important on top."""
    names = list(importances)[::-1]
    figure = _figure(height=max(2.0, 0.4 * len(names) + 1.2))
    ax = figure.add_subplot()
    ax.barh(names, [importances[n] for n in names], color=_BLUE)
    ax.set_xlabel("importance (fANOVA, sums to 1)")
    ax.set_xlim(0, 1)
    ax.set_title(title, fontsize="medium")
    ax.grid(alpha=0.3, axis="x")
    return _img(figure, title)
