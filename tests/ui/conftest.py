"""A real ``tunesmith ui`` process on a free localhost port, and headless Debian Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MAX_UPLOAD_MB = 1
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tunesmith ui exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"tunesmith ui did not answer at {url} within 180 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``tunesmith ui --llm embedded --max-upload-mb 1``; yields its URL and runs folder."""
    root = tmp_path_factory.mktemp("ui")
    runs, log = root / "runs", root / "server.log"
    port = _free_port()
    command = [sys.executable, "-m", "tunesmith", "ui", "--port", str(port), "--runs-dir",
               str(runs), "--max-upload-mb", str(MAX_UPLOAD_MB), "--llm", "embedded"]  # fmt: skip
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=root, stdout=sink, stderr=subprocess.STDOUT,
                                   env=env)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, process, log)
        yield {"url": url, "runs": runs, "log": log}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing. Fix: apt-get install chromium chromium-driver (the test "
            "set-up, scripts/_setup_venv.sh, does it)."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (``artifacts/ui/``, git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
