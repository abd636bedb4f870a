"""The Gradio app: layout and wiring. Each handler calls the agent and renders what it returns.

Per-tab state lives in a ``gr.State`` (a :class:`Session`); one :class:`Assistant` (one LLM)
is shared by every tab. Handlers have no concurrency limit, so one tab's planning or run never
waits for another's; the LLM backend serialises its own calls.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunesmith.ui import _handlers as hd
from tunesmith.ui import _planning as pl
from tunesmith.ui import _render as r
from tunesmith.ui._handlers import Handlers

if TYPE_CHECKING:
    import gradio as gr

    from tunesmith.agent import Assistant

CSS = "#status {min-height: 2.5em} footer {display: none !important}"
PLACEHOLDER = "e.g. Predict `species`; optimise accuracy; one minute."


def build_app(
    assistant: Assistant,
    *,
    runs_dir: str | Path = "tunesmith-runs/ui",
    max_upload_mb: float = 50.0,
    refresh_s: float = 1.0,
) -> gr.Blocks:
    """Build the UI (not launched).

    Args:
        assistant: Plans and runs for every tab.
        runs_dir: Each tab's runs go to ``runs_dir/session-XXXXXXXX/run-N``.
        max_upload_mb: Uploads larger than this are refused with a message in the chat.
        refresh_s: Seconds between refreshes of a running search's tables.
    """
    import gradio as gr

    handlers = Handlers(assistant, Path(runs_dir), max_upload_mb, threading.Lock())
    with gr.Blocks(title="tunesmith") as app:
        c = _layout(gr, refresh_s)
        _wire(gr, c, handlers)
    return app


def _layout(gr: Any, refresh_s: float) -> dict[str, Any]:
    c: dict[str, Any] = {"state": gr.State(None), "timer": gr.Timer(refresh_s, active=False)}
    empty = r.empty_tables()
    gr.Markdown("## tunesmith - describe an ML task, watch the search, steer it")
    with gr.Row():
        with gr.Column(scale=3):
            c["chat"] = gr.Chatbot(elem_id="chat", label="Chat", height=480)
            with gr.Row():
                c["request"] = gr.Textbox(
                    elem_id="request", show_label=False, scale=5, placeholder=PLACEHOLDER
                )
                c["send"] = gr.Button("Send", elem_id="send", scale=1)
            with gr.Row():
                for slot, label in pl.SLOT_LABELS.items():
                    c[f"file_{slot}"] = gr.File(
                        label=label,
                        elem_id=f"file-{slot}",
                        type="filepath",
                        height=120,
                        file_types=[".csv", ".tsv", ".parquet"],
                    )
        with gr.Column(scale=2):
            with gr.Group(visible=False) as c["editor"]:
                c["learners"] = gr.CheckboxGroup(
                    label="Learners (one to four)", elem_id="learners"
                )
                c["budget"] = gr.Number(label="Time budget (s)", elem_id="budget", minimum=1)
                c["max_trials"] = gr.Number(
                    label="Max trials (empty: no limit)",
                    precision=0,
                    elem_id="max-trials",
                    minimum=1,
                )
                c["run"] = gr.Button("Run", variant="primary", elem_id="run")
            c["status"] = gr.Markdown(
                "Upload the training data and describe the task.", elem_id="status"
            )
            with gr.Row():
                c["stop"] = gr.Button("Stop", elem_id="stop", interactive=False)
                c["resume"] = gr.Button("Resume", elem_id="resume", interactive=False)
                c["resume_s"] = gr.Number(
                    60, label="Resume for (s)", minimum=1, elem_id="resume-s"
                )
            c["new"] = gr.Button("New task", elem_id="new-task", size="sm")
            for key, label in hd.DOWNLOADS.items():
                c[f"dl_{key}"] = gr.DownloadButton(label, visible=False, elem_id=f"dl-{key}")
    with gr.Row():
        c["trials"] = gr.Dataframe(
            empty["trials"], label="Trials", elem_id="trials", interactive=False, max_height=360
        )
        c["curve"] = gr.LinePlot(
            empty["curve"],
            x="trial",
            y="best",
            title="Best score so far",
            elem_id="curve",
            height=320,
        )
    with gr.Row():
        c["learner_table"] = gr.Dataframe(
            empty["learners"], label="Learners", elem_id="learner-table", interactive=False
        )
        with gr.Column():
            c["importance_note"] = gr.Markdown(elem_id="importance-note")
            c["importance"] = gr.Dataframe(
                empty["importance"],
                label="Parameter importance",
                elem_id="importance",
                interactive=False,
            )
    return c


def _wire(gr: Any, c: dict[str, Any], h: Handlers) -> None:
    def out(*names: str) -> list[Any]:
        return [c[n] for n in names]

    free = {"concurrency_limit": None}  # no tab waits for another
    for slot in pl.SLOT_LABELS:
        component = c[f"file_{slot}"]
        component.change(
            h.uploader(slot), [component, c["state"]], [component, c["state"], c["chat"]], **free
        )
    live = out(
        "chat",
        "status",
        "trials",
        "curve",
        "learner_table",
        "importance",
        "importance_note",
        "timer",
        "stop",
        "resume",
        "run",
        *(f"dl_{k}" for k in hd.DOWNLOADS),
    )
    sent = [
        c["request"],
        c["state"],
        c["chat"],
        c["editor"],
        c["learners"],
        c["budget"],
        c["max_trials"],
        c["status"],
    ]
    for trigger in (c["request"].submit, c["send"].click):
        trigger(h.send, [c["request"], c["state"]], sent, **free)
    c["run"].click(
        h.run,
        out("learners", "budget", "max_trials", "state"),
        [c["state"], c["editor"], *live],
        **free,
    )
    c["timer"].tick(h.tick, [c["state"]], live, **free)
    c["stop"].click(h.stop, [c["state"]], out("chat", "stop"), **free)
    c["resume"].click(h.resume, out("resume_s", "state"), [c["state"], *live], **free)
    c["new"].click(h.new_task, [c["state"]], [c["state"], c["editor"], *live], **free)


def launch(
    app: gr.Blocks,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    max_upload_mb: float = 50.0,
    runs_dir: str | Path = "tunesmith-runs/ui",
) -> None:
    """Serve ``app`` until interrupted (sharing off).

    Gradio itself refuses files over four times ``max_upload_mb`` (a guard for the disk); the
    app refuses those over ``max_upload_mb`` with a message in the chat.
    """
    app.queue(default_concurrency_limit=None)
    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        auth=auth,
        max_file_size=f"{int(max_upload_mb * 4) + 1}mb",
        allowed_paths=[str(runs_dir)],
        show_error=True,
        css=CSS,
        footer_links=[],
    )
