"""Run the ``telcocore`` command in this process, as a shell would, and read what it printed.

A pytest plugin (listed in tests/conftest.py's ``pytest_plugins``): its fixtures serve
every test of the command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

from telcocore.cli import main


@attrs.frozen
class Ran:
    """What one run of the command did: its exit status and what it printed."""

    code: int
    out: str
    err: str


Cli = Callable[..., Ran]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    """``cli("summary", "acme", "--daily")``: run ``telcocore`` with those arguments.

    It runs in the test's temporary folder (so the default ``telcocore.db`` lands there),
    without ``TELCOCORE_DB`` unless the test sets it, and with standard output and error
    captured: not terminals, as under cron.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELCOCORE_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # tables as wide as they need, no folding

    def run(*args: str) -> Ran:
        capsys.readouterr()  # what came before is not this run's
        code = main(list(args))
        printed = capsys.readouterr()
        return Ran(code, printed.out, printed.err)

    return run


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh storage a command can open again and again: an SQLite file, a PostgreSQL schema."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))
