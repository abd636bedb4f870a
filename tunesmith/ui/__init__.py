"""Gradio chat UI: a thin view over the event stream (see the UI issue)."""
