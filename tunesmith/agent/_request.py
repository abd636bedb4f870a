"""What a request says outright: the metric, the budget, the optimiser and the target column.

These are read with plain rules, not by the LLM: a 0.5B model misreads "mean absolute error"
or "ten minutes" often enough to matter, and when a request states a thing outright the plan
must follow it. The LLM decides what the request leaves open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Longest phrases first, so "root mean squared error" wins over "mean squared error".
_METRIC_PHRASES: tuple[tuple[str, str], ...] = (
    (r"area under the (?:roc )?(?:receiver operating characteristic )?curve", "roc_auc"),
    (r"\bauc\b|\broc[ _-]?auc\b|\bauroc\b|\broc\b", "roc_auc"),
    (r"root[ -]mean[ -]squared?[ -]error|\brmse\b", "rmse"),
    (r"mean[ -]squared?[ -]error|\bmse\b", "rmse"),
    (r"mean[ -]absolute[ -]error|\bmae\b", "mae"),
    (r"\br2\b|\br\^2\b|\br²|r-squared|coefficient of determination|explained variance", "r2"),
    (r"log[ -]?loss|cross[ -]entropy|logarithmic loss|\bnll\b", "log_loss"),
    (r"\bf1\b|f1[ -]score|f-score|f-measure", "f1"),
    (r"accuracy|error rate|share of correct|fraction correct|percent correct", "accuracy"),
)

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "hundred": 100,
}  # fmt: skip
_WORD_NUMBER = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# Digits may touch their unit ("90s"); a number word needs a space ("as" is not "a s").
_NUMBER = rf"(?:(\d+(?:\.\d+)?)[ -]?|({_WORD_NUMBER})[ -])"
_UNITS = {"second": 1.0, "sec": 1.0, "s": 1.0, "minute": 60.0, "min": 60.0, "hour": 3600.0}
_UNIT = r"(seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h)\b"
_MORE = r"(?:(?:more|extra|additional|further)\s+)?"  # "five more minutes"

_OPTIMIZER_PHRASES: tuple[tuple[str, str], ...] = (
    (r"random search|randomly", "random"),
    (r"gaussian process|\bgp\b|bayesian optimi[sz]ation with a gp", "gp"),
    (r"sobol|quasi-random", "sobol"),
    (r"\btpe\b|tree[ -]structured parzen", "tpe"),
)

_PREDICT_VERBS = (
    r"predict(?:s|ing)?|forecast|estimate|classify|model|target|label|regress|"
    r"guess|tell|whether|which|how many|how much|what"
)
CONVENTIONAL_TARGETS = ("target", "label", "y", "class", "outcome")


def metric_from_request(request: str) -> str | None:
    """The metric a request names outright (e.g. "mean absolute error" -> ``mae``), or None."""
    text = request.lower()
    found = [(m.start(), metric) for phrase, metric in _METRIC_PHRASES
             for m in [re.search(phrase, text)] if m]  # fmt: skip
    # A request that names several (e.g. "accuracy ... log loss") is read by its first.
    return min(found)[1] if found else None


def _number(token: str) -> float:
    return float(_NUMBER_WORDS[token]) if token in _NUMBER_WORDS else float(token)


def time_budget_from_request(request: str) -> float | None:
    """Seconds of search a request asks for ("ten minutes", "90 s", "1.5 hours"), or None."""
    text = request.lower()
    match = re.search(rf"\b{_NUMBER}{_MORE}{_UNIT}", text)
    if match is None:
        return None
    unit = match.group(3)
    unit = unit if unit == "s" else unit.rstrip("s")
    unit = {"hr": "hour", "h": "hour"}.get(unit, unit)
    return _number(match.group(1) or match.group(2)) * _UNITS.get(unit, 1.0)


def max_trials_from_request(request: str) -> int | None:
    """Trials a request asks for ("50 trials", "twenty evaluations"), or None."""
    match = re.search(rf"\b{_NUMBER}\s*{_MORE}(?:trials?|evaluations?|configurations?)\b",
                      request.lower())  # fmt: skip
    if match is None:
        return None
    return max(int(_number(match.group(1) or match.group(2))), 1)


def optimizer_from_request(request: str) -> str | None:
    """The search method a request names ("random search", "a GP"), or None."""
    text = request.lower()
    for phrase, name in _OPTIMIZER_PHRASES:
        if re.search(phrase, text):
            return name
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9_]+", text.lower())


def _mentions(column: str, words: Sequence[str], text: str) -> int | None:
    """Where ``column`` is named in the request (word index), or None.

    Matches the exact name, the name with underscores as spaces, and simple inflections
    ("survived" for ``Survived``, "defaults" for ``default``, "prices" for ``price``).
    """
    name = column.lower()
    spaced = name.replace("_", " ")
    if len(spaced) > 2 and " " in spaced and spaced in text:
        return len(_words(text[: text.index(spaced)]))
    for index, word in enumerate(words):
        longer = word.startswith(name) and len(word) - len(name) <= 2  # "prices", "defaults"
        shorter = name.startswith(word) and len(name) - len(word) <= 1  # "survive"
        if word == name or (len(name) >= 4 and len(word) >= 4 and (longer or shorter)):
            return index
    return None


def target_from_request(request: str, columns: Sequence[str]) -> tuple[str | None, list[str]]:
    """The target column a request names, and every column it mentions.

    A column in backticks or quotes, or right after a verb like "predict", is the target. If
    neither, the target is None and the caller decides (the LLM's pick among the mentioned
    columns, or a clarifying question).

    Returns:
        (target or None, the mentioned columns in the order they appear).
    """
    text = request.lower()
    quoted = re.findall(r"[`'\"]([^`'\"]+)[`'\"]", request)
    for name in quoted:
        exact = [c for c in columns if c == name.strip()] or [
            c for c in columns if c.lower() == name.strip().lower()
        ]
        if exact:
            mentioned = [exact[0]] + [c for c in _mentioned(text, columns) if c != exact[0]]
            return exact[0], mentioned
    mentioned = _mentioned(text, columns)
    words = _words(text)
    verbs = [i for i, w in enumerate(words) if re.fullmatch(_PREDICT_VERBS, w)]
    for verb in verbs:
        positions = [(_mentions(c, words, text), c) for c in mentioned]
        after = [(pos, c) for pos, c in positions if pos is not None and 0 < pos - verb <= 4]
        if after:
            return min(after)[1], mentioned
    return None, mentioned


def _mentioned(text: str, columns: Sequence[str]) -> list[str]:
    words = _words(text)
    found = [(pos, c) for c in columns if (pos := _mentions(c, words, text)) is not None]
    return [c for _, c in sorted(found)]
