"""The UI's upload and chat handlers. Each handler reads the tab's :class:`Session`, calls the
agent, and returns the components' new values (in the order ``_app._wire`` lists the outputs).
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.core.errors import ClarificationNeeded, TunesmithError
from tunesmith.ui import _render as r
from tunesmith.ui._session import Session

if TYPE_CHECKING:
    from tunesmith.agent import Assistant

SLOT_LABELS = {
    "train": "Training data (CSV)",
    "test": "Test data (optional)",
    "sample": "Sample submission (optional)",
}


def skip() -> Any:
    """Gradio's "leave this component as it is"."""
    import gradio as gr

    return gr.skip()


@dataclasses.dataclass
class PlanningHandlers:
    """Uploads and chat messages; ``model_lock`` keeps two tabs from loading the LLM twice."""

    assistant: Assistant
    runs_dir: Path
    max_upload_mb: float
    model_lock: threading.Lock

    def _session(self, state: Session | None) -> Session:
        return state if state is not None else Session.new(self.runs_dir)

    # -- uploads and planning ------------------------------------------------------------------

    def uploader(self, slot: str) -> Callable[[str | None, Session | None], tuple[Any, ...]]:
        """The change handler of one upload slot: check the file, say what it holds."""
        from tunesmith.tools import read_table

        def upload(path: str | None, state: Session | None) -> tuple[Any, ...]:
            session = self._session(state)
            if path is None:
                session.files.pop(slot, None)
                return skip(), session, skip()
            name = Path(path).name
            size = os.path.getsize(path)
            if size > self.max_upload_mb * 1e6:
                session.chat.append(
                    r.message("assistant", r.too_large_text(name, size, self.max_upload_mb))
                )
                return None, session, session.chat
            try:
                table = read_table(path, r.FILE_SLOTS[slot])
            except TunesmithError as exc:
                # the user knows the file by its name, not by Gradio's upload folder
                shown = str(exc).replace(str(path), name)
                session.chat.append(r.message("assistant", r.error_text(shown)))
                return None, session, session.chat
            session.files[slot] = path
            if slot == "train":
                session.rows = len(table)
            session.chat.append(r.message("assistant", r.file_text(slot, name, table)))
            return skip(), session, session.chat

        return upload

    def send(self, text: str, state: Session | None) -> Iterator[tuple[Any, ...]]:
        """A chat message: a follow-up to the run, else a request to plan."""
        import gradio as gr

        from tunesmith.agent import check_request
        from tunesmith.tools import read_table

        session = self._session(state)
        text = (text or "").strip()
        if not text:
            yield "", session, *([skip()] * 6)
            return
        session.chat.append(r.message("user", text))
        if session.live is not None:
            yield "", session, session.chat, *([skip()] * 5)
            session.chat.append(r.message("assistant", self._follow_up(session, text)))
            yield "", session, session.chat, *([skip()] * 5)
            return
        if "train" not in session.files:
            session.chat.append(
                r.message(
                    "assistant",
                    "Upload the training data first (the "
                    "**Training data** slot below), then send the task.",
                )
            )
            yield "", session, session.chat, *([skip()] * 5)
            return
        yield "", session, session.chat, *([skip()] * 4), "Planning..."
        try:
            table = read_table(session.files["train"], "training data")
            check_request(text, table)  # a question needs no LLM
            with self.model_lock:  # the first plan loads the LLM; only one tab may
                _ = self.assistant.model
            plan = self.assistant.plan(text, table)
        except ClarificationNeeded as exc:
            session.chat.append(r.message("assistant", r.question_text(exc)))
            yield "", session, session.chat, *([skip()] * 4), "Waiting for your answer."
            return
        except TunesmithError as exc:
            session.chat.append(r.message("assistant", r.error_text(exc)))
            yield "", session, session.chat, *([skip()] * 4), "Planning failed."
            return
        session.request, session.plan = text, plan
        session.chat.append(r.message("assistant", r.plan_text(plan, session.rows)))
        from tunesmith.learners import list_learners

        choices = [learner.name for learner in list_learners(plan.task_type)]
        yield (
            "",
            session,
            session.chat,
            gr.Group(visible=True),
            gr.CheckboxGroup(choices=choices, value=list(plan.learners)),
            plan.time_budget_s,
            plan.max_trials,
            "Plan ready: edit it or press Run.",
        )

    def _follow_up(self, session: Session, text: str) -> str:
        assert session.live is not None
        try:
            return session.live.send(text)
        except TunesmithError as exc:
            return r.error_text(exc)
        except TimeoutError:
            return "The run did not take the change in time; try again in a moment."
