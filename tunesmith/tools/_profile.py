"""Data profiling: column kinds, missingness, target candidates, task type, meta-features.

On large tables the per-value work (kinds, cardinality) runs on a seeded row sample; counts that
are cheap on the whole table (rows, missing values, class counts) use every row.
"""

from __future__ import annotations

import os
import re
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from tunesmith.core.errors import DataError, close_matches
from tunesmith.tools._column_kinds import ColumnKind, column_kind
from tunesmith.tools._table import read_table

TaskType = Literal["binary", "multiclass", "regression"]

SAMPLE_ROWS = 100_000  # rows used for kinds and cardinality on larger tables
MAX_CLASSES = 20  # an integer target with at most this many values is read as classes
MAX_SHOWN_CLASSES = 50  # class_counts keeps the most frequent classes only
_LABEL_NAMES = {
    "target", "label", "labels", "class", "y", "outcome", "response", "survived", "churn",
    "default", "diagnosis", "species", "price", "saleprice", "quality", "income", "fraud",
    "is_fraud", "loan_status", "result", "rating", "grade", "transported", "exited",
}  # fmt: skip
_LABEL_WORDS = {"target", "label", "class", "outcome", "response"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnProfile(_Frozen):
    """One column: its kind, missing values and cardinality.

    ``n_unique`` and ``unique_fraction`` come from the row sample when ``DataProfile.sampled``.
    """

    name: str
    kind: ColumnKind
    dtype: str
    missing: int
    missing_fraction: float
    n_unique: int
    unique_fraction: float
    examples: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None


class TargetCandidate(_Frozen):
    """A column that may be the prediction target, with the reasons it was picked."""

    name: str
    score: float
    reasons: tuple[str, ...]


class MetaFeatures(_Frozen):
    """Data-set meta-features, as LLAMBO's prompts use them (plus imbalance and missingness).

    Features are all columns but the target; ``cat_feats`` counts categorical and boolean
    columns, ``num_feats`` numeric ones (datetime, text and id columns count only in
    ``tot_feats``). ``num_samples`` counts rows with a known target.
    """

    num_samples: int
    tot_feats: int
    num_feats: int
    cat_feats: int
    n_classes: int | None
    class_imbalance_ratio: float | None
    missing_fraction: float

    def llambo(self) -> dict[str, int]:
        """The keys LLAMBO's ``task_context`` carries (``n_classes`` is 0 for regression)."""
        return {
            "num_samples": self.num_samples,
            "tot_feats": self.tot_feats,
            "cat_feats": self.cat_feats,
            "num_feats": self.num_feats,
            "n_classes": self.n_classes or 0,
        }


class DataProfile(_Frozen):
    """What the planner needs to know about a table before choosing a pipeline.

    Attributes:
        n_rows: Rows in the whole table.
        n_columns: Columns in the whole table (the target included).
        columns: One profile per column, in table order.
        target: The given target, or the inferred one when it is obvious, else None.
        target_inferred: True when ``target`` was inferred rather than given.
        target_candidates: Up to five columns that may be the target, best first, with reasons.
        task_type: binary, multiclass or regression; None without a (learnable) target.
        task_type_reason: Why ``task_type`` was chosen, in words.
        class_counts: Rows per class (the ``MAX_SHOWN_CLASSES`` most frequent) for classification.
        meta: Meta-features (LLAMBO's and a few more).
        sampled: True when kinds and cardinalities come from a row sample.
        sample_rows: Rows used for kinds and cardinalities.
        warnings: Things the planner should act on (identifiers, constant or sparse columns).
    """

    n_rows: int
    n_columns: int
    columns: tuple[ColumnProfile, ...]
    target: str | None
    target_inferred: bool
    target_candidates: tuple[TargetCandidate, ...]
    task_type: TaskType | None
    task_type_reason: str
    class_counts: dict[str, int] | None
    meta: MetaFeatures
    sampled: bool
    sample_rows: int
    warnings: tuple[str, ...]

    def column(self, name: str) -> ColumnProfile:
        """Return the profile of column ``name`` (DataError with close matches if absent)."""
        for col in self.columns:
            if col.name == name:
                return col
        raise _missing_column(name, [c.name for c in self.columns])

    def to_text(self, max_columns: int = 60) -> str:
        """A compact plain-text summary for prompts and logs."""
        lines = [f"{self.n_rows} rows, {self.n_columns} columns."]
        if self.target is not None:
            how = "inferred" if self.target_inferred else "given"
            lines.append(f"Target: {self.target} ({how}); task: {self.task_type or 'unknown'}.")
            if self.class_counts:
                counts = ", ".join(f"{k}: {v}" for k, v in list(self.class_counts.items())[:10])
                lines.append(f"Classes: {counts}.")
        elif self.target_candidates:
            names = ", ".join(c.name for c in self.target_candidates)
            lines.append(f"No target given. Candidates: {names}.")
        for col in self.columns[:max_columns]:
            line = f"- {col.name}: {col.kind}, {col.missing_fraction:.0%} missing, "
            line += f"{col.n_unique} unique"
            if col.min is not None:
                line += f", range {col.min:.4g} to {col.max:.4g}"
            if col.examples:
                line += f", e.g. {', '.join(col.examples)}"
            lines.append(line)
        if len(self.columns) > max_columns:
            lines.append(f"... and {len(self.columns) - max_columns} more columns.")
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _missing_column(name: str, columns: list[str]) -> DataError:
    hint = close_matches(name, columns)
    shown = ", ".join(columns[:30]) + (", ..." if len(columns) > 30 else "")
    fix = f" Did you mean '{hint[0]}'?" if hint else " Pass one of the columns as target."
    return DataError(f"Column '{name}' is not in the data. Columns: {shown}.{fix}")


def _column_profile(name: str, full: pd.Series, sample: pd.Series) -> ColumnProfile:
    missing = int(full.isna().sum())
    values = sample.dropna()
    n_unique = int(values.nunique())
    kind = column_kind(name, values, n_unique)
    lo = hi = None
    examples: tuple[str, ...] = ()
    if kind == "numeric" and len(values):
        lo, hi = float(values.min()), float(values.max())
    elif kind in ("categorical", "boolean"):
        examples = tuple(str(v)[:40] for v in values.value_counts().index[:3])
    elif len(values):
        examples = tuple(str(v)[:40] for v in values.head(2))
    return ColumnProfile(
        name=name,
        kind=kind,
        dtype=str(full.dtype),
        missing=missing,
        missing_fraction=missing / max(len(full), 1),
        n_unique=n_unique,
        unique_fraction=n_unique / max(len(values), 1),
        examples=examples,
        min=lo,
        max=hi,
    )


# --- target and task -------------------------------------------------------------------------


def _label_named(name: str) -> bool:
    lower = name.strip().lower()
    tokens = set(re.split(r"[_\s.-]+|(?<=[a-z])(?=[A-Z])", name.strip()))
    return lower in _LABEL_NAMES or bool({t.lower() for t in tokens} & _LABEL_WORDS)


def _target_candidates(columns: tuple[ColumnProfile, ...]) -> tuple[TargetCandidate, ...]:
    found = []
    for i, col in enumerate(columns):
        if col.kind in ("id", "text", "datetime") or col.n_unique < 2:
            continue
        reasons, score = [], 0.0
        if _label_named(col.name):
            reasons.append("named like a label")
            score += 3.0
        if i == len(columns) - 1 and len(columns) > 1:
            reasons.append("last column")
            score += 1.0
        if col.kind in ("categorical", "boolean") and col.n_unique <= MAX_CLASSES:
            reasons.append(f"low cardinality ({col.n_unique} values)")
            score += 0.5
        if reasons:
            found.append(TargetCandidate(name=col.name, score=score, reasons=tuple(reasons)))
    found.sort(key=lambda c: -c.score)
    return tuple(found[:5])


def _obvious_target(candidates: tuple[TargetCandidate, ...]) -> str | None:
    """The top candidate if it is named like a label and clearly ahead of the next one."""
    if not candidates or "named like a label" not in candidates[0].reasons:
        return None
    if len(candidates) > 1 and candidates[1].score >= candidates[0].score:
        return None
    return candidates[0].name


def _task_type(col: ColumnProfile, values: pd.Series) -> tuple[TaskType | None, str]:
    n = col.n_unique
    if n < 2:
        return None, f"the target has {n} distinct value(s); nothing to learn"
    if col.kind in ("id", "text", "datetime"):
        return None, f"the target looks like {col.kind} values, not something to predict"
    if n == 2:
        return "binary", "the target has two distinct values"
    if col.kind in ("categorical", "boolean"):
        return "multiclass", f"the target is categorical with {n} values"
    integral = pd.api.types.is_integer_dtype(values.dtype) or bool(
        pd.api.types.is_float_dtype(values.dtype)
        and np.all(np.mod(values.to_numpy(dtype=float), 1) == 0)
    )
    if col.kind == "numeric" and integral and n <= MAX_CLASSES:
        return "multiclass", f"the target is integer-valued with {n} values (<= {MAX_CLASSES})"
    return "regression", f"the target is numeric with {n} distinct values"


def _class_counts(target: pd.Series, task: TaskType | None) -> pd.Series | None:
    if task not in ("binary", "multiclass"):
        return None
    return target.value_counts(dropna=True)


def _meta(
    columns: tuple[ColumnProfile, ...],
    target: str | None,
    n_rows: int,
    counts: pd.Series | None,
) -> MetaFeatures:
    features = [c for c in columns if c.name != target]
    known = n_rows - next((c.missing for c in columns if c.name == target), 0)
    cells = max(len(features) * n_rows, 1)
    imbalance = float(counts.max() / counts.min()) if counts is not None else None
    return MetaFeatures(
        num_samples=known,
        tot_feats=len(features),
        num_feats=sum(c.kind == "numeric" for c in features),
        cat_feats=sum(c.kind in ("categorical", "boolean") for c in features),
        n_classes=len(counts) if counts is not None else None,
        class_imbalance_ratio=imbalance,
        missing_fraction=sum(c.missing for c in features) / cells,
    )


def _warnings(columns: tuple[ColumnProfile, ...], target: str | None) -> list[str]:
    out = []
    for col in columns:
        if col.name == target:
            if col.missing:
                out.append(f"target '{col.name}' is missing in {col.missing} rows; drop them")
            continue
        if col.kind == "id":
            out.append(f"'{col.name}' looks like an identifier; do not use it as a feature")
        elif col.n_unique <= 1:
            out.append(f"'{col.name}' is constant; it carries no information")
        elif col.missing_fraction > 0.5:
            out.append(f"'{col.name}' is {col.missing_fraction:.0%} missing")
    return out


# --- entry point -----------------------------------------------------------------------------


def profile(
    df: pd.DataFrame | str | os.PathLike[str], target: str | None = None, *, seed: int | None = 0
) -> DataProfile:
    """Profile a table: column kinds, missingness, cardinality, target, task type, meta-features.

    Args:
        df: The training table, or a path to a CSV/TSV/Parquet file.
        target: The column to predict. When None, the most label-like column is used if it is
            obvious (see ``target_candidates`` for all of them).
        seed: Seed of the row sample used on tables longer than ``SAMPLE_ROWS``.

    Returns:
        A frozen DataProfile.

    Raises:
        DataError: Empty or unreadable data, repeated column names, or a ``target`` that is not
            a column (the message suggests close matches).
    """
    frame = read_table(df)
    if target is not None and target not in frame.columns:
        raise _missing_column(target, list(frame.columns))
    n_rows = len(frame)
    sampled = n_rows > SAMPLE_ROWS
    if sampled:
        rows = np.sort(np.random.default_rng(seed).choice(n_rows, SAMPLE_ROWS, replace=False))
        sample = frame.iloc[rows]
    else:
        sample = frame
    columns = tuple(_column_profile(c, frame[c], sample[c]) for c in frame.columns)
    candidates = _target_candidates(columns)
    chosen = target if target is not None else _obvious_target(candidates)
    task: TaskType | None = None
    reason = "no target given or obvious"
    counts = None
    if chosen is not None:
        col = next(c for c in columns if c.name == chosen)
        task, reason = _task_type(col, sample[chosen].dropna())
        counts = _class_counts(frame[chosen], task)
    return DataProfile(
        n_rows=n_rows,
        n_columns=frame.shape[1],
        columns=columns,
        target=chosen,
        target_inferred=target is None and chosen is not None,
        target_candidates=candidates,
        task_type=task,
        task_type_reason=reason,
        class_counts=(
            {str(k): int(v) for k, v in counts.head(MAX_SHOWN_CLASSES).items()}
            if counts is not None
            else None
        ),
        meta=_meta(columns, chosen, n_rows, counts),
        sampled=sampled,
        sample_rows=len(sample),
        warnings=tuple(_warnings(columns, chosen)),
    )
