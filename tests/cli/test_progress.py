"""The progress bar of ``telcocore import``: drawn on a terminal, absent in a pipe.

The command runs as a process (``python -m telcocore``), once with a pseudo-terminal as
its standard output and error, as a user at a shell sees it, and once with pipes, as cron
runs it.
"""

from __future__ import annotations

import os
import re
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

if sys.platform == "win32":  # pragma: no cover - pseudo-terminals are POSIX
    pytest.skip("pseudo-terminals are POSIX", allow_module_level=True)

import fcntl
import pty
import termios

from tests.cli.cdrs import master_csv, prepare

import telcocore

ROWS = 3000
"""Calls in the file: a few thousand, imported in about a second."""

SUMMARY = f"imported {ROWS}, duplicates 0, unrated 0, refused 0, rejected 0"

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")
"""Terminal control sequences (colours, cursor moves, hidden cursor) and carriage returns."""

PATIENCE = 60.0
"""Seconds the command may take before the test gives up on it (it takes about one)."""


def environment() -> dict[str, str]:
    """The environment of the test, with this checkout's package first and a real terminal."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"COLUMNS", "LINES", "NO_COLOR", "TTY_INTERACTIVE", "TTY_COMPATIBLE"}
        and not name.startswith("TELCOCORE_")
    }
    env["PYTHONPATH"] = str(Path(telcocore.__file__).resolve().parents[1])
    env["TERM"] = "xterm-256color"
    return env


@pytest.fixture
def command(tmp_path: Path) -> list[str]:
    """The import of a Master.csv of ROWS calls into a prepared SQLite file, as argv."""
    prepare(f"sqlite:///{tmp_path / 'telco.db'}")
    master_csv(tmp_path / "Master.csv", ROWS)
    return [
        sys.executable,
        "-m",
        "telcocore",
        "import",
        "asterisk",
        "Master.csv",
        "--db",
        "telco.db",
    ]


def run_in_terminal(argv: list[str], folder: Path) -> tuple[int, str]:
    """Run ``argv`` with a 120-column pseudo-terminal as its output; its status and text."""
    main, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    try:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, arguments of the test
            argv,
            cwd=folder,
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=terminal,
        )
    finally:
        os.close(terminal)
    printed = bytearray()
    deadline = time.monotonic() + PATIENCE
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal closed: the process has ended
                break
            if not chunk:
                break
            printed += chunk
        code = process.wait(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    return code, printed.decode("utf-8", errors="replace")


class TestProgressBar:
    """The bar is drawn on a terminal's standard error, and never into a pipe."""

    def test_a_terminal_sees_the_bar_and_the_summary(
        self, command: list[str], tmp_path: Path
    ) -> None:
        """A terminal sees the bar: the file's name, the rows, 100 %, bar characters."""
        code, printed = run_in_terminal(command, tmp_path)
        text = ANSI.sub("", printed)
        assert code == 0, text
        assert "importing Master.csv" in text
        assert f"{ROWS:,} rows" in text
        assert "100%" in text
        assert "━" in text  # the bar itself
        assert SUMMARY in text
        assert "\x1b[" in printed  # drawn with the terminal's control sequences

    def test_a_pipe_gets_no_progress_at_all(self, command: list[str], tmp_path: Path) -> None:
        """A pipe gets no progress at all: standard error is empty, standard output one line."""
        done = subprocess.run(  # noqa: S603 - this interpreter, arguments of the test
            command,
            cwd=tmp_path,
            env=environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=PATIENCE,
            check=False,
        )
        assert (done.returncode, done.stdout, done.stderr) == (0, SUMMARY + "\n", "")
