"""Write ``bench kaggle``'s results: rows (CSV and JSON lines), summary (JSON), tables (md)."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Sequence
from pathlib import Path

from tunesmith.evaluation.kaggle._bench_summary import (
    AgentSummary,
    CellRow,
    Versus,
    summarize_agent,
    versus,
)

_CSV_FIELDS = ("task", "agent", "seed", "budget_s", "metric", "status", "valid", "score",
               "medal", "normalised", "wall_s", "prompt_tokens", "completion_tokens",
               "constant", "best_baseline", "error")  # fmt: skip


def _num(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _tokens(row: CellRow) -> str:
    if row.prompt_tokens is None and row.completion_tokens is None:
        return "not recorded" if "llm" in row.settings else "-"
    return f"{row.prompt_tokens or 0}+{row.completion_tokens or 0}"


def _cell(row: CellRow | None) -> str:
    if row is None:
        return ""
    if row.status != "done":
        return "not installed" if "not installed" in (row.error or "") else "unavailable"
    if not row.valid:
        return "invalid"
    return f"{_num(row.score)} {row.medal or ''}".strip()


def side_by_side(rows: Sequence[CellRow], agents: Sequence[str]) -> str:
    """Per (task, seed): the baselines and every agent's score and medal."""
    head = ["task", "metric", "seed", "constant", "best baseline", *agents]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    keys = list(dict.fromkeys((r.task, r.seed) for r in rows))
    for task, seed in keys:
        mine = {r.agent: r for r in rows if (r.task, r.seed) == (task, seed)}
        first = next(iter(mine.values()))
        direction = "max" if first.greater_is_better else "min"
        cells = [task, f"{first.metric} ({direction})", str(seed), _num(first.constant),
                 _num(first.best_baseline), *(_cell(mine.get(a)) for a in agents)]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def cell_table(rows: Sequence[CellRow]) -> str:
    """One line per cell: score, medal, normalised score, wall time, LLM tokens, notes."""
    head = ["task", "agent", "seed", "valid", "score", "medal", "norm.", "wall s",
            "LLM tokens (prompt+completion)", "note"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        note = (r.error or "").replace("|", "/").replace("\n", " ")[:160]
        cells = [
            r.task,
            r.agent,
            str(r.seed),
            "yes" if r.valid else "no",
            _num(r.score),
            r.medal or "-",
            _num(r.normalised, 3),
            _num(r.wall_s, 1),
            _tokens(r),
            note,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def summary_table(summaries: Sequence[AgentSummary]) -> str:
    """One line per agent: medals, any-medal rate, mean normalised score, wall, tokens."""
    head = ["agent", "cells", "valid", "gold / silver / bronze", "any medal",
            "mean normalised score", "mean wall s", "LLM tokens"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in summaries:
        if s.unavailable is not None and s.cells == 0:
            lines.append(f"| {s.agent} | 0 | - | - | - | - | - | {s.unavailable[:80]} |")
            continue
        m = s.medals
        rate = "-" if s.any_medal_rate is None else f"{100 * s.any_medal_rate:.0f}%"
        tokens = str(s.tokens) if s.tokens is not None else "not recorded" if s.uses_llm else "-"
        cells = [s.agent, str(s.cells), str(s.valid),
                 f"{m.get('gold', 0)} / {m.get('silver', 0)} / {m.get('bronze', 0)}", rate,
                 _num(s.mean_normalised, 3), _num(s.mean_wall_s, 1), tokens]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def versus_table(matches: Sequence[Versus]) -> str:
    """Wins, ties and losses of the first agent against each other agent."""
    lines = ["| agent | against | wins | ties | losses |", "|---|---|---|---|---|"]
    for v in matches:
        lines.append(f"| {v.agent} | {v.other} | {v.wins} | {v.ties} | {v.losses} |")
    return "\n".join(lines) + "\n"


def markdown(rows: Sequence[CellRow], agents: Sequence[str]) -> str:
    """The whole report: side by side, summary, wins, and every cell."""
    summaries = [summarize_agent(a, rows) for a in agents]
    ran = {s.agent for s in summaries if s.cells}
    matches = [versus(agents[0], o, rows) for o in agents[1:] if {agents[0], o} <= ran]
    parts = ["## Scores (medal)\n", side_by_side(rows, agents), "\n## Summary\n",
             summary_table(summaries)]  # fmt: skip
    if matches:
        parts += ["\n## Wins\n", versus_table(matches)]
    parts += ["\n## Cells\n", cell_table(rows)]
    return "\n".join(parts)


def _replace(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


def write_report(out: Path, rows: Sequence[CellRow], agents: Sequence[str]) -> list[Path]:
    """Write results.csv, results.jsonl, summary.json and table.md into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "results.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=_CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in rows:
            writer.writerow(r.model_dump())
    _replace(out / "results.jsonl", "".join(r.model_dump_json() + "\n" for r in rows))
    summary = {
        "agents": [summarize_agent(a, rows).model_dump() for a in agents],
        "versus": [versus(agents[0], o, rows).model_dump() for o in agents[1:]],
    }
    _replace(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    _replace(out / "table.md", markdown(rows, agents))
    return [csv_path, out / "results.jsonl", out / "summary.json", out / "table.md"]
