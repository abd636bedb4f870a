"""What a hybrid search has learnt, kept in its study so that it survives the process.

Two kinds of study system attribute:

- ``tunesmith:llm-mixture``: the LLM/GP mixture's evidence (the log-likelihoods of the last
  trials), so a resumed search keeps the weight the LLM earned;
- ``tunesmith:llm-surrogate:<branch as JSON>``: one branch's prompt state (the history kept,
  the score scale, the prompts' orders), so a resumed search writes the prompts the last
  process would have, and a reader with a prefix cache on disk finds their KV states.

A saved state that does not fit (another space, a damaged attribute) is logged and skipped:
the search starts that part anew rather than fail.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optuna.study import Study

    from tunesmith.tools._llm_surrogate import LLMSurrogate
    from tunesmith.tools._mixture import Mixture

logger = logging.getLogger(__name__)
MIXTURE_ATTR = "tunesmith:llm-mixture"
SURROGATE_ATTR = "tunesmith:llm-surrogate:"


def save_mixture(study: Study, mixture: Mixture) -> None:
    _save(study, MIXTURE_ATTR, mixture.state())


def restore_mixture(study: Study, mixture: Mixture) -> None:
    """Take up the evidence saved in ``study``, unless ``mixture`` already holds some."""
    saved = _saved(study, MIXTURE_ATTR)
    if saved is None or mixture.evidence():
        return
    try:
        mixture.restore(saved)
    except ValueError as exc:
        logger.warning("The LLM/GP mixture starts anew: %s", exc)


def save_surrogate(study: Study, key: Any, surrogate: LLMSurrogate) -> None:
    _save(study, _surrogate_attr(key), surrogate.state())


def restore_surrogate(study: Study, key: Any, surrogate: LLMSurrogate) -> None:
    """Take up branch ``key``'s prompt state saved in ``study``, if a search saved one."""
    saved = _saved(study, _surrogate_attr(key))
    if saved is None:
        return
    try:
        surrogate.restore(saved)
    except ValueError as exc:
        logger.warning("Branch %r starts new prompts: %s", key, exc)


def _surrogate_attr(key: Any) -> str:
    return SURROGATE_ATTR + json.dumps(key)


def _saved(study: Study, name: str) -> Any:
    return study._storage.get_study_system_attrs(study._study_id).get(name)


def _save(study: Study, name: str, value: Any) -> None:
    study._storage.set_study_system_attr(study._study_id, name, value)
