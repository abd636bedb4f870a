"""Write a run's results: records (CSV), summary (JSON/CSV), markdown table, regret curves."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from tunesmith.evaluation.bayesmark._run import Evaluation
from tunesmith.evaluation.bayesmark._summary import BenchmarkSummary

_RECORD_FIELDS = (
    "problem", "method", "seed", "index", "initial", "loss", "generalization", "duration_s",
    "error", "source", "llm_weight", "params",
)  # fmt: skip


def markdown_table(summary: BenchmarkSummary) -> str:
    """The results table: one row per optimiser, means with 95% bootstrap intervals."""
    regret = [f"regret@{c}" for c in summary.checkpoints]
    last = summary.n_trials
    head = ["optimiser", *regret, f"Bayesmark score@{last}", f"rank@{last}",
            f"holdout regret@{last}", "failed"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in summary.rows:
        cells = [
            row.method,
            *(str(row.regret[c]) for c in summary.checkpoints),
            f"{row.bayesmark.mean:.1f} [{row.bayesmark.low:.1f}, {row.bayesmark.high:.1f}]",
            f"{row.rank.mean:.2f} [{row.rank.low:.2f}, {row.rank.high:.2f}]",
            str(row.holdout_regret),
            str(row.n_failed),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def sampler_table(rows: Sequence[Evaluation]) -> str:
    """Where the LLM methods' configurations came from, under that heading: per method, the
    evaluations each source gave and how many were chosen while the LLM had a say (weight
    > 0); "" if no method recorded a source."""
    by_method: dict[str, Counter[str]] = {}
    say: Counter[str] = Counter()
    for r in rows:
        if r.source is None:
            continue
        by_method.setdefault(r.method, Counter())[r.source] += 1
        say[r.method] += bool(r.llm_weight)
    if not by_method:
        return ""
    lines = ["Where the LLM methods' configurations came from:", ""]
    sources = sorted({s for counts in by_method.values() for s in counts})
    head = ["method", *sources, "LLM had a say"]
    lines += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for name, counts in by_method.items():
        cells = [name, *(str(counts[s]) for s in sources), f"{say[name]} of {counts.total()}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def table_notes(summary: BenchmarkSummary) -> str:
    """What the table's columns mean, for the markdown file."""
    return (
        f"{len(summary.problems)} problems x {len(summary.seeds)} seeds "
        f"({', '.join(map(str, summary.seeds))}); {summary.n_init} shared initial points, "
        f"{summary.n_trials} evaluations in all. Regret: HPO-B's normalised regret of the best "
        "CV loss so far (per problem, min and max over all evaluations of all methods in this "
        "run), lower is better. Bayesmark score: 100 x (1 - normalised mean score), the "
        f"random-search median from {summary.clip_source}, higher is better. Rank: average rank "
        "of the best CV loss among the methods. Holdout regret: normalised holdout loss of the "
        "final incumbent. Brackets: 95% bootstrap intervals over seeds.\n"
    )


def write_records(path: Path, rows: Sequence[Evaluation]) -> None:
    """Every evaluation as one CSV row (``params`` as JSON)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_RECORD_FIELDS)
        for r in rows:
            d = r.model_dump()
            d["params"] = json.dumps(r.params, sort_keys=True)
            writer.writerow(["" if d[f] is None else d[f] for f in _RECORD_FIELDS])


def write_summary_csv(path: Path, summary: BenchmarkSummary) -> None:
    """One row per method: each column's mean, low and high."""
    fields = ["method"]
    for c in summary.checkpoints:
        fields += [f"regret{c}", f"regret{c}_low", f"regret{c}_high"]
    for name in ("bayesmark", "score", "rank", "holdout_regret"):
        fields += [name, f"{name}_low", f"{name}_high"]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*fields, "n_failed"])
        for row in summary.rows:
            values: list[object] = [row.method]
            for c in summary.checkpoints:
                values += [row.regret[c].mean, row.regret[c].low, row.regret[c].high]
            for iv in (row.bayesmark, row.score, row.rank, row.holdout_regret):
                values += [iv.mean, iv.low, iv.high]
            writer.writerow([*values, row.n_failed])


def plot_curves(summary: BenchmarkSummary, path: Path) -> None:
    """Mean normalised regret against evaluations, one line per method with its 95% band."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    x = list(range(1, summary.n_trials + 1))
    for m in summary.methods:
        ax.plot(x, summary.curve[m], label=m)
        ax.fill_between(x, summary.curve_low[m], summary.curve_high[m], alpha=0.2)
    ax.axvline(summary.n_init + 0.5, color="grey", lw=0.8, ls=":")
    title = f"Bayesmark, {len(summary.problems)} problems x {len(summary.seeds)} seeds"
    ax.set(xlabel="evaluations", ylabel="normalised regret (mean over problems)", title=title)
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_problem_curves(summary: BenchmarkSummary, path: Path) -> None:
    """One small panel per problem: mean normalised regret over seeds, per method."""
    plt = _pyplot()
    n = len(summary.problems)
    cols = min(5, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.4 * rows), squeeze=False)
    x = list(range(1, summary.n_trials + 1))
    for ax, problem in zip(axes.flat, summary.problems, strict=False):
        for m in summary.methods:
            ax.plot(x, summary.problem_curves[problem][m], label=m, lw=1)
        ax.set_title(problem, fontsize=8)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on benchmark machines
    import matplotlib.pyplot as plt

    return plt


def write_report(out: Path, rows: Sequence[Evaluation], summary: BenchmarkSummary) -> list[Path]:
    """Write every result file into ``out`` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "records": out / "evaluations.csv",
        "summary": out / "summary.json",
        "summary_csv": out / "summary.csv",
        "per_problem": out / "per_problem.csv",
        "table": out / "table.md",
        "curve": out / "regret.png",
        "problems": out / "regret_by_problem.png",
    }
    write_records(paths["records"], rows)
    paths["summary"].write_text(summary.model_dump_json(indent=2) + "\n")
    write_summary_csv(paths["summary_csv"], summary)
    with paths["per_problem"].open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["problem", *summary.methods])
        for p, by_method in summary.per_problem.items():
            writer.writerow([p, *(by_method[m] for m in summary.methods)])
    sources = sampler_table(rows)
    notes = table_notes(summary) + (f"\n{sources}" if sources else "")
    paths["table"].write_text(markdown_table(summary) + "\n" + notes)
    plot_curves(summary, paths["curve"])
    plot_problem_curves(summary, paths["problems"])
    return list(paths.values())
