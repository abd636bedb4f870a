"""``tunesmith ui``: serve the Gradio chat on localhost."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tunesmith.core.errors import ConfigurationError, TunesmithError

DEFAULT_RUNS_DIR = Path("tunesmith-runs") / "ui"


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``"user:password"`` -> ``("user", "password")``.

    Raises:
        ConfigurationError: The value has no colon, or an empty user or password.
    """
    if auth is None:
        return None
    user, colon, password = auth.partition(":")
    if not colon or not user or not password:
        raise ConfigurationError(
            f"--auth must be USER:PASSWORD; got {auth!r}. Fix: e.g. --auth alice:s3cret."
        )
    return user, password


def ui(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1)] = 7860,
    auth: Annotated[
        str | None, typer.Option("--auth", help="Require a login: USER:PASSWORD.")
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm",
            help="LLM backend: embedded (default), gguf:PATH, openai:URL#MODEL or hf:PATH. "
            "Also read from TUNESMITH_LLM.",
        ),
    ] = None,
    max_upload_mb: Annotated[
        float, typer.Option("--max-upload-mb", help="Largest upload accepted, in MB.", min=0.001)
    ] = 50.0,
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", help="Each browser tab's runs go under this folder.")
    ] = DEFAULT_RUNS_DIR,
    workers: Annotated[int, typer.Option("--workers", help="Trials at once, per run.", min=1)] = 1,
) -> None:
    """Serve the chat UI: upload data, describe the task, watch and steer the search.

    Sharing is off; the app listens on HOST:PORT only. Exit code 2 on bad options.
    """
    import optuna

    from tunesmith.agent import Assistant
    from tunesmith.cli import _fail
    from tunesmith.llm import parse_spec

    # Parameter importance builds throw-away studies; each would log its creation at INFO.
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    try:
        credentials = parse_auth(auth)
        if llm is not None:
            parse_spec(llm)  # a malformed spec fails now, not at the first request
        from tunesmith.ui import build_app, launch

        runs_dir.mkdir(parents=True, exist_ok=True)
        app = build_app(
            Assistant(llm, n_workers=workers), runs_dir=runs_dir, max_upload_mb=max_upload_mb
        )
        typer.echo(f"tunesmith ui on http://{host}:{port} (runs under {runs_dir})")
        launch(app, host=host, port=port, auth=credentials, max_upload_mb=max_upload_mb,
               runs_dir=runs_dir)  # fmt: skip
    except TunesmithError as exc:
        raise _fail(exc) from None
    except OSError as exc:  # e.g. the port is taken
        raise _fail(
            ConfigurationError(f"Cannot serve on {host}:{port}: {exc}. Fix: pass another --port.")
        ) from None
