"""Running ``%askdb`` in the test shell the way a notebook user does, and reading what it shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError


def connect(shell, db: Path) -> None:
    """``%askdb connect sqlite:///<db>``."""
    shell.run_line_magic("askdb", f"connect sqlite:///{db}")


def printed(shell, capsys: pytest.CaptureFixture, line: str) -> str:
    """What ``%askdb <line>`` prints (and nothing printed before it)."""
    capsys.readouterr()
    shell.run_line_magic("askdb", line)
    return capsys.readouterr().out


def user_error(shell, source: str, capsys: pytest.CaptureFixture) -> str:
    """Run ``source`` as a cell; assert it failed with a UsageError shown without a traceback."""
    result = shell.run_cell(source)
    assert isinstance(result.error_in_exec, UsageError), result.error_in_exec
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert "UsageError" in out.err
    return str(result.error_in_exec)
