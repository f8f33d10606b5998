"""The command as a whole: help, version, ``--db``, one-line errors and exit statuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from tests.cli.harness import Cli

import telcocore
from telcocore.cli import MISSING_EXTRA, main
from telcocore.cli.app import group, run
from telcocore.cli.commands import register


def every_command() -> list[tuple[str, click.Command]]:
    """Every command and subcommand, by its full name (``invoice generate``)."""
    register(group)
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, command: click.Command) -> None:
        if isinstance(command, click.Group):
            own = getattr(command, "trail", None)  # `audit ACCOUNT`: the group's own command
            if isinstance(own, click.Command):
                found.append((prefix, own))
            for name, sub in sorted(command.commands.items()):
                walk(f"{prefix} {name}".strip(), sub)
        else:
            found.append((prefix, command))

    walk("", group)
    return found


class TestTheCommand:
    """The group: its help, version, and how it refuses a command line."""

    def test_help_lists_the_commands(self, cli: Cli) -> None:
        """Help lists the commands."""
        ran = cli("--help")
        assert ran.code == 0
        assert "Usage: telcocore" in ran.out
        for name in {path.split()[0] for path, _ in every_command()}:
            assert f"  {name} " in ran.out

    def test_version_is_the_package_version(self, cli: Cli) -> None:
        """Version is the package version."""
        ran = cli("--version")
        assert (ran.code, ran.out.strip()) == (0, f"telcocore, version {telcocore.__version__}")

    @pytest.mark.parametrize(("path", "command"), every_command(), ids=str)
    def test_every_command_has_help_and_takes_db(self, path: str, command: click.Command) -> None:
        """Every command has help and takes db."""
        options = {name for param in command.params for name in param.opts}
        assert command.help, f"telcocore {path} has no help text"
        assert "--db" in options, f"telcocore {path} takes no --db"

    def test_an_unknown_command_is_one_line_and_status_2(self, cli: Cli) -> None:
        """An unknown command is one line and status 2."""
        ran = cli("frobnicate")
        assert ran.code == 2
        assert ran.err == "telcocore: error: No such command 'frobnicate'.\n"

    @pytest.mark.parametrize("args", [(), ("invoice",), ("audit",)], ids=str)
    def test_no_command_shows_the_help_as_it_is(self, cli: Cli, args: tuple[str, ...]) -> None:
        """Without a command, a group shows its help on standard error, lines and all: status 2."""
        ran = cli(*args)
        assert ran.code == 2
        assert ran.out == ""
        assert ran.err.startswith(f"Usage: {' '.join(('telcocore', *args))} ")
        assert "\nCommands:\n" in ran.err
        assert "telcocore: error" not in ran.err

    def test_an_unknown_option_is_one_line_and_status_2(self, cli: Cli) -> None:
        """An unknown option is one line and status 2."""
        ran = cli("db", "migrate", "--bogus")
        assert ran.code == 2
        assert ran.err.count("\n") == 1
        assert "--bogus" in ran.err


class TestDb:
    """``telcocore db migrate`` and the choice of storage: ``--db``, ``TELCOCORE_DB``, default."""

    def test_the_default_is_telcocore_db_in_the_current_folder(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        """The default is telcocore db in the current folder."""
        ran = cli("db", "migrate")
        assert ran.code == 0, ran.err
        assert (tmp_path / "telcocore.db").is_file()
        assert "billing.ledger" in ran.out

    def test_the_environment_names_the_storage(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The environment names the storage."""
        monkeypatch.setenv("TELCOCORE_DB", "elsewhere.db")
        assert cli("db", "migrate").code == 0
        assert (tmp_path / "elsewhere.db").is_file()
        assert not (tmp_path / "telcocore.db").exists()

    def test_db_overrides_the_environment(
        self, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Db overrides the environment."""
        monkeypatch.setenv("TELCOCORE_DB", "elsewhere.db")
        assert cli("db", "migrate", "--db", f"sqlite:///{tmp_path / 'given.db'}").code == 0
        assert (tmp_path / "given.db").is_file()
        assert not (tmp_path / "elsewhere.db").exists()

    def test_migrate_prints_json(self, cli: Cli, db_url: str) -> None:
        """Migrate prints json."""
        import json  # noqa: PLC0415

        ran = cli("db", "migrate", "--db", db_url, "--json")
        assert ran.code == 0, ran.err
        versions = json.loads(ran.out)["schema_versions"]
        assert versions["billing.ledger"] >= 1
        assert set(versions) >= {"accounts", "calls", "reporting", "media"}

    @pytest.mark.parametrize(
        ("url", "says"),
        [
            ("mysql://x@y/z", "unknown storage URL"),
            ("sqlite:///no/such/folder/x.db", "no/such/folder"),
            ("postgresql://nobody@127.0.0.1:1/x", "cannot connect to PostgreSQL"),
            (" ", "--db is empty"),
        ],
    )
    def test_a_bad_url_is_one_line_and_status_1(self, cli: Cli, url: str, says: str) -> None:
        """A bad url is one line and status 1."""
        ran = cli("db", "migrate", "--db", url)
        assert ran.code == 1
        assert ran.err.startswith("telcocore: error: ")
        assert ran.err.count("\n") == 1
        assert says in ran.err
        assert "Traceback" not in ran.err


CREATING = frozenset({"db migrate", "demo", "db status"})
"""Commands that create their storage (``db migrate``, ``demo``) or report it missing."""

ARGUMENTS = {
    "audit": ("acme",),
    "audit verify": (),
    "bills": ("acme",),
    "import": ("asterisk", "Master.csv", "--account", "acme"),
    "invoice generate": ("acme", "--month", "2026-03"),
    "invoice list": (),
    "invoice show": ("INV-2026-000001",),
    "ledger": ("acme",),
    "outbox deliver": ("--smtp", "smtp://127.0.0.1:1?from=billing@example.com"),
    "rate": ("+442071234567", "60", "--deck", "retail"),
    "rates load": ("retail.csv", "--deck", "retail", "--currency", "USD"),
    "summary": ("acme", "--daily"),
}
"""What each command that needs an existing storage is given besides ``--db``."""


class TestAMissingStorage:
    """Only ``db migrate`` and ``demo`` create a storage: a mistyped ``--db`` is refused."""

    def test_every_other_command_is_listed(self) -> None:
        """Each command is in ARGUMENTS or creates its storage, so none escapes the test."""
        assert {path for path, _ in every_command()} == set(ARGUMENTS) | CREATING

    @pytest.mark.parametrize("path", sorted(ARGUMENTS))
    def test_is_refused_and_not_created(self, cli: Cli, tmp_path: Path, path: str) -> None:
        """The command exits 1 naming the missing database, and creates no file."""
        (tmp_path / "Master.csv").write_text("", encoding="utf-8")
        (tmp_path / "retail.csv").write_text("prefix,rate\n44,0.06\n", encoding="utf-8")
        ran = cli(*path.split(), *ARGUMENTS[path], "--db", "typo.db")
        assert ran.code == 1, ran.err
        assert ran.err.startswith("telcocore: error: no database at sqlite:///typo.db: ")
        assert "telcocore db migrate" in ran.err
        assert not (tmp_path / "typo.db").exists()

    def test_an_empty_postgresql_schema_is_refused(self, cli: Cli, pg_url: str) -> None:
        """A PostgreSQL schema without telcocore's tables is no database either."""
        ran = cli("ledger", "acme", "--db", pg_url)
        assert ran.code == 1
        assert "no database at postgresql://" in ran.err


class TestWithoutTheExtra:
    """Installed without the ``cli`` extra, the command says what to install."""

    def test_a_missing_extra_is_named(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A missing extra is named."""
        monkeypatch.setitem(sys.modules, "rich.console", None)
        monkeypatch.delitem(sys.modules, "telcocore.cli.app")
        assert main(["--help"]) == 1
        assert capsys.readouterr().err == MISSING_EXTRA + "\n"


class TestInstalled:
    """The command as a process starts it."""

    def test_python_dash_m_runs_the_command(self, tmp_path: Path) -> None:
        """Python dash m runs the command."""
        done = subprocess.run(
            [sys.executable, "-m", "telcocore", "db", "migrate", "--db", "x.db"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "x.db").is_file()

    def test_a_status_given_to_ctx_exit_is_returned(self) -> None:
        """A command that ends with ``ctx.exit(3)`` makes the command exit 3."""

        @click.command(name="exit-three")
        @click.pass_context
        def three(ctx: click.Context) -> None:
            ctx.exit(3)

        group.add_command(three)
        try:
            assert run(["exit-three"]) == 3
        finally:
            group.commands.pop("exit-three")

    def test_run_returns_the_status_instead_of_exiting(self) -> None:
        """Run returns the status instead of exiting."""
        assert run(["db", "--help"]) == 0
