"""The UI's run handlers: start, refresh, stop, resume. Each handler reads the tab's
:class:`Session`, calls the agent, and returns the components' new values (in the order
``_app._wire`` lists the outputs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tunesmith.core.errors import TunesmithError
from tunesmith.ui import _render as r
from tunesmith.ui._planning import PlanningHandlers, skip
from tunesmith.ui._session import Session

DOWNLOADS = {
    "submission": "Download submission.csv",
    "model": "Download model.joblib",
    "report": "Download report.html",
}
RANK_EVERY = 4
"""Complete trials between two computations of parameter importance (it opens the study)."""
LIVE_OUTPUTS = 11 + len(DOWNLOADS)
"""chat, status, trials, curve, learners, importance, note, timer, stop, resume, run, downloads."""


class Handlers(PlanningHandlers):
    """Every handler of one app: uploads and chat (:class:`PlanningHandlers`), and runs."""

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
        idle = (session, skip(), *self._idle(session))
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
            return (session, skip(), session.chat, *([skip()] * (LIVE_OUTPUTS - 1)))
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
            *([skip()] * 5),
            gr.Timer(active=True),
            gr.Button(interactive=True),
            gr.Button(interactive=False),
            gr.Button(interactive=False),
            *hidden,
        )

    def _idle(self, session: Session) -> tuple[Any, ...]:
        return (session.chat, *([skip()] * (LIVE_OUTPUTS - 1)))

    def tick(self, state: Session | None) -> tuple[Any, ...]:
        """The refresh timer: redraw the tables from the run directory; announce the end."""
        import gradio as gr

        from tunesmith.agent import importance_view, run_view

        session = state
        if session is None or session.live is None:
            return (*([skip()] * 7), gr.Timer(active=False), *([skip()] * 6))
        live, done = session.live, session.live.done
        out_dir = live.out_dir
        if out_dir is None or not (Path(out_dir) / "plan.json").exists():
            if done:
                return self._ended(session, None, str(live.error or "the run did not start"))
            return (skip(), "Starting...", *([skip()] * (LIVE_OUTPUTS - 2)))
        view = run_view(out_dir)
        previous, session.view = session.view, view
        changed = previous is None or not view.trials.equals(previous.trials) or done
        complete = int((view.trials["state"] == "complete").sum())
        importance: tuple[Any, Any] = (skip(), skip())
        if (changed and complete >= session.ranked_at + RANK_EVERY) or (done and complete > 0):
            session.ranked_at = complete
            table, note = importance_view(out_dir)
            importance = (r.importance_rows(table), note)
        tables = (
            (r.trial_rows(view), view.best_curve, r.learner_rows(view))
            if changed
            else (skip(),) * 3
        )
        if done:
            return self._ended(session, view, live.error, tables, importance)
        return (
            skip(),
            r.status_text(view),
            *tables,
            *importance,
            *([skip()] * 4),
            *([skip()] * len(DOWNLOADS)),
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
        tables = tables or (skip(),) * 3
        importance = importance or (skip(), skip())
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
            return skip(), skip()
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
            # Resume searches for the seconds asked, without the first session's trial limit.
            session.live = resume_live(
                self.assistant, session.out_dir, time_budget_s=seconds or 60.0, max_trials=None
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
            *([skip()] * 5),
            gr.Timer(active=False),
            gr.Button(interactive=False),
            gr.Button(interactive=False),
            gr.Button(interactive=True),
            *hidden,
        )
