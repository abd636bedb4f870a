"""``tunesmith ui``'s options: bad ones stop with one message and exit code 2."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from tunesmith._cli_ui import parse_auth
from tunesmith.cli import app
from tunesmith.core import ConfigurationError


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(app, ["ui", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--auth", "--llm", "--max-upload-mb", "--runs-dir"):
        assert option in result.output


def test_auth_is_user_colon_password() -> None:
    assert parse_auth("alice:s3:cret") == ("alice", "s3:cret")
    assert parse_auth(None) is None
    for bad in ("alice", ":pw", "alice:"):
        with pytest.raises(ConfigurationError, match="USER:PASSWORD"):
            parse_auth(bad)


@pytest.mark.parametrize(
    ("args", "words"),
    [(["--auth", "alice"], "--auth must be USER:PASSWORD"), (["--llm", "bogus:x"], "bogus")],
)
def test_bad_options_exit_2_with_one_message(args: list[str], words: str) -> None:
    result = CliRunner().invoke(app, ["ui", *args])
    assert result.exit_code == 2
    assert words in result.output


def test_a_taken_port_is_a_clear_error(tmp_path: object) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app, ["ui", "--port", str(port), "--runs-dir", str(tmp_path), "--llm", "embedded"]
        )
    assert result.exit_code == 2, result.output
    assert f"Cannot serve on 127.0.0.1:{port}" in result.output
