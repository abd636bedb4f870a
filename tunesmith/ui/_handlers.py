"""The UI's event handlers: each one reads the tab's :class:`Session`, calls the agent, and
returns the components' new values (in the order ``_app._wire`` lists the outputs)."""

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
DOWNLOADS = {
    "submission": "Download submission.csv",
    "model": "Download model.joblib",
    "report": "Download report.html",
}
RANK_EVERY = 4
"""Complete trials between two computations of parameter importance (it opens the study)."""
LIVE_OUTPUTS = 11 + len(DOWNLOADS)
"""chat, status, trials, curve, learners, importance, note, timer, stop, resume, run, downloads."""


def _skip() -> Any:
    import gradio as gr

    return gr.skip()


@dataclasses.dataclass
class Handlers:
    """The handlers of one app; ``model_lock`` keeps two tabs from loading the LLM twice."""

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
                return _skip(), session, _skip()
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
            return _skip(), session, session.chat

        return upload

    def send(self, text: str, state: Session | None) -> Iterator[tuple[Any, ...]]:
        """A chat message: a follow-up to the run, else a request to plan."""
        import gradio as gr

        from tunesmith.agent import check_request
        from tunesmith.tools import read_table

        session = self._session(state)
        text = (text or "").strip()
        if not text:
            yield "", session, *([_skip()] * 6)
            return
        session.chat.append(r.message("user", text))
        if session.live is not None:
            yield "", session, session.chat, *([_skip()] * 5)
            session.chat.append(r.message("assistant", self._follow_up(session, text)))
            yield "", session, session.chat, *([_skip()] * 5)
            return
        if "train" not in session.files:
            session.chat.append(
                r.message(
                    "assistant",
                    "Upload the training data first (the "
                    "**Training data** slot below), then send the task.",
                )
            )
            yield "", session, session.chat, *([_skip()] * 5)
            return
        yield "", session, session.chat, *([_skip()] * 4), "Planning..."
        try:
            table = read_table(session.files["train"], "training data")
            check_request(text, table)  # a question needs no LLM
            with self.model_lock:  # the first plan loads the LLM; only one tab may
                _ = self.assistant.model
            plan = self.assistant.plan(text, table)
        except ClarificationNeeded as exc:
            session.chat.append(r.message("assistant", r.question_text(exc)))
            yield "", session, session.chat, *([_skip()] * 4), "Waiting for your answer."
            return
        except TunesmithError as exc:
            session.chat.append(r.message("assistant", r.error_text(exc)))
            yield "", session, session.chat, *([_skip()] * 4), "Planning failed."
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

    # -- running -------------------------------------------------------------------------------

    def run(
        self,
        learners: list[str],
        budget: float | None,
        max_trials: float | None,
        state: Session | None,
    ) -> tuple[Any, ...]:
        """The Run button: start the (edited) plan in the background."""
        import gradio as gr

        from tunesmith.agent import edit_plan

        session = self._session(state)
        idle = (session, _skip(), *self._idle(session))
        if session.plan is None or session.request is None or session.running:
            return idle
        try:
            plan = edit_plan(
                session.plan,
                learners=list(learners or []),
                time_budget_s=budget or None,
                max_trials=int(max_trials) if max_trials else None,
            )
            files = session.files
            session.live = self.assistant.start(
                session.request,
                files["train"],
                plan=plan,
                test=files.get("test"),
                sample_submission=files.get("sample"),
                out=session.next_out_dir(),
                seed=0,
            )
        except TunesmithError as exc:
            session.chat.append(r.message("assistant", r.error_text(exc)))
            return (session, _skip(), session.chat, *([_skip()] * (LIVE_OUTPUTS - 1)))
        session.plan, session.announced, session.ranked_at, session.view = None, False, -1, None
        session.chat.append(
            r.message(
                "assistant",
                f"Running: {plan.stopping} Send follow-ups "
                "here (_try xgboost too_, _why did trial 2 fail?_).",
            )
        )
        return (session, gr.Group(visible=False), *self._started(session))

    def _started(self, session: Session) -> tuple[Any, ...]:
        import gradio as gr

        hidden = [gr.DownloadButton(visible=False) for _ in DOWNLOADS]
        return (
            session.chat,
            "Starting...",
            *([_skip()] * 5),
            gr.Timer(active=True),
            gr.Button(interactive=True),
            gr.Button(interactive=False),
            gr.Button(interactive=False),
            *hidden,
        )

    def _idle(self, session: Session) -> tuple[Any, ...]:
        return (session.chat, *([_skip()] * (LIVE_OUTPUTS - 1)))

    def tick(self, state: Session | None) -> tuple[Any, ...]:
        """The refresh timer: redraw the tables from the run directory; announce the end."""
        import gradio as gr

        from tunesmith.agent import importance_view, run_view

        session = state
        if session is None or session.live is None:
            return (*([_skip()] * 7), gr.Timer(active=False), *([_skip()] * 6))
        live, done = session.live, session.live.done
        out_dir = live.out_dir
        if out_dir is None or not (Path(out_dir) / "plan.json").exists():
            if done:
                return self._ended(session, None, str(live.error or "the run did not start"))
            return (_skip(), "Starting...", *([_skip()] * (LIVE_OUTPUTS - 2)))
        view = run_view(out_dir)
        previous, session.view = session.view, view
        changed = previous is None or not view.trials.equals(previous.trials) or done
        complete = int((view.trials["state"] == "complete").sum())
        importance: tuple[Any, Any] = (_skip(), _skip())
        if (changed and complete >= session.ranked_at + RANK_EVERY) or (done and complete > 0):
            session.ranked_at = complete
            table, note = importance_view(out_dir)
            importance = (r.importance_rows(table), note)
        tables = (
            (r.trial_rows(view), view.best_curve, r.learner_rows(view))
            if changed
            else (_skip(),) * 3
        )
        if done:
            return self._ended(session, view, live.error, tables, importance)
        return (
            _skip(),
            r.status_text(view),
            *tables,
            *importance,
            *([_skip()] * 4),
            *([_skip()] * len(DOWNLOADS)),
        )

    def _ended(
        self,
        session: Session,
        view: Any,
        error: Any,
        tables: tuple[Any, ...] = (),
        importance: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        import gradio as gr

        if not session.announced:
            session.announced = True
            text = r.finished_text(view) if error is None else r.error_text(error)
            session.chat.append(r.message("assistant", text))
        status = r.status_text(view) if view is not None else "The run failed."
        outputs = view.outputs if view is not None else {}
        downloads = [
            gr.DownloadButton(value=str(outputs[k]), visible=True)
            if k in outputs
            else gr.DownloadButton(visible=False)
            for k in DOWNLOADS
        ]
        tables = tables or (_skip(),) * 3
        importance = importance or (_skip(), _skip())
        return (
            session.chat,
            status,
            *tables,
            *importance,
            gr.Timer(active=False),
            gr.Button(interactive=False),
            gr.Button(interactive=view is not None),
            gr.Button(interactive=False),
            *downloads,
        )

    def stop(self, state: Session | None) -> tuple[Any, ...]:
        """The Stop button."""
        import gradio as gr

        if state is None or not state.running:
            return _skip(), _skip()
        assert state.live is not None
        state.live.stop()
        state.chat.append(
            r.message("assistant", "Stopping: running trials finish, then the best is refitted.")
        )
        return state.chat, gr.Button(interactive=False)

    def resume(self, seconds: float | None, state: Session | None) -> tuple[Any, ...]:
        """The Resume button: search the last run again, for ``seconds``."""
        from tunesmith.agent import resume_live

        session = self._session(state)
        if session.running or session.out_dir is None:
            return (session, *self._idle(session))
        try:
            session.live = resume_live(
                self.assistant, session.out_dir, time_budget_s=seconds or None
            )
        except TunesmithError as exc:
            session.chat.append(r.message("assistant", r.error_text(exc)))
            return (session, *self._idle(session))
        session.announced = False
        session.chat.append(
            r.message(
                "assistant", f"Resuming for {seconds or 60:g} s; the finished trials are kept."
            )
        )
        return (session, *self._started(session))

    def new_task(self, state: Session | None) -> tuple[Any, ...]:
        """The New task button: forget the plan and the run (a running one is stopped)."""
        import gradio as gr

        session = self._session(state)
        if session.running:
            assert session.live is not None
            session.live.stop()
        session.live, session.plan, session.request, session.view = None, None, None, None
        session.chat.append(
            r.message(
                "assistant",
                "Ready for a new task: send a request for "
                "the uploaded data, or upload other files.",
            )
        )
        hidden = [gr.DownloadButton(visible=False) for _ in DOWNLOADS]
        return (
            session,
            gr.Group(visible=False),
            session.chat,
            "Describe the task.",
            *([_skip()] * 5),
            gr.Timer(active=False),
            gr.Button(interactive=False),
            gr.Button(interactive=False),
            gr.Button(interactive=True),
            *hidden,
        )
