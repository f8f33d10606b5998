"""The command group, its shared options, and how results and errors are printed.

Every command takes ``--db URL`` (a storage URL as :func:`telcocore.connect` takes it, or a
plain path, which names an SQLite file); its default is ``TELCOCORE_DB`` from the
environment, else :data:`DEFAULT_DB`. Commands whose output a script would read take
``--json``. A refusal from the library (a :class:`~telcocore.TelcoError`), a file that
cannot be used and a command line that cannot be parsed print one line on standard error,
``telcocore: error: ...``, and exit 1 (2 for the command line); never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

import telcocore
from telcocore.calls.importers import ImportProgress
from telcocore.core import TelcoCore, schema_status
from telcocore.kernel.errors import TelcoError
from telcocore.kernel.serialization import converter
from telcocore.kernel.validation import without_passwords

__all__ = [
    "DEFAULT_DB",
    "ENV_DB",
    "CommandFailed",
    "db_option",
    "group",
    "json_option",
    "open_core",
    "print_json",
    "progress",
    "run",
    "show_table",
    "storage_file",
    "storage_url",
    "warn",
]

F = TypeVar("F", bound=Callable[..., Any])

ENV_DB = "TELCOCORE_DB"
"""The environment variable naming the storage when ``--db`` is not given."""

DEFAULT_DB = "sqlite:///telcocore.db"
"""The storage without ``--db`` or ``TELCOCORE_DB``: ``telcocore.db`` in the current folder."""

PROGRAM = "telcocore"


class CommandFailed(click.ClickException):
    """A command could not do what was asked: printed as one line, exit status 1."""


def storage_url(value: str) -> str:
    """The storage URL ``--db`` names: a URL as it is, a plain path as an SQLite file.

    >>> storage_url("calls.db")
    'sqlite:///calls.db'
    >>> storage_url("/var/lib/telco/calls.db")
    'sqlite:////var/lib/telco/calls.db'
    >>> storage_url("postgresql://telco@db1/telco")
    'postgresql://telco@db1/telco'
    """
    if "://" in value:
        return value
    if not value.strip():
        msg = "--db is empty: give a storage URL or an SQLite file's path"
        raise CommandFailed(msg)
    return f"sqlite:///{value}"


STORAGE_FILE = "the storage's database file"
"""What :func:`storage_file` is, as a command refusing to write over it says."""


def storage_file(db: str) -> Path | None:
    """The SQLite file ``--db`` names (``None`` for other storage and ``:memory:``).

    >>> storage_file("calls.db"), storage_file("sqlite:///:memory:"), storage_file("memory://")
    (PosixPath('calls.db'), None, None)
    """
    parts = urlsplit(storage_url(db))
    if parts.scheme != "sqlite":
        return None
    path = unquote(parts.path[1:])
    return None if path in {"", ":memory:"} else Path(path)


def open_core(db: str, *, create: bool = False, **options: Any) -> TelcoCore:  # noqa: ANN401
    """The library on the storage ``db`` names (see :func:`storage_url`), migrated.

    Unless ``create``, the storage must exist already (a SQLite file or PostgreSQL schema
    holding telcocore's tables): a mistyped ``--db`` is refused instead of becoming a new,
    empty database. The other ``options`` go to :func:`telcocore.connect`.
    """
    url = storage_url(db)
    if not create and not schema_status(url).exists:
        msg = (
            f"no database at {without_passwords(url)}: check --db, or create it with "
            "`telcocore db migrate`"
        )
        raise CommandFailed(msg)
    return telcocore.connect(url, **options)


def db_option(command: F) -> F:
    """Add ``--db URL`` to ``command``, read from ``TELCOCORE_DB`` when not given."""
    return click.option(
        "--db",
        "db",
        envvar=ENV_DB,
        default=DEFAULT_DB,
        show_default=True,
        metavar="URL",
        help=(
            "Storage: sqlite:///file.db, postgresql://user@host/db, memory://, or a path "
            f"to an SQLite file. Default: ${ENV_DB}, else telcocore.db here."
        ),
    )(command)


def json_option(command: F) -> F:
    """Add ``--json`` to ``command``: print the result as JSON for a script to read."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print the result as JSON, for scripts."
    )(command)


PIPE_WIDTH = 1000
"""How wide tables may be when standard output is not a terminal and ``COLUMNS`` is unset."""


def out() -> Console:
    """A console on standard output (plain text when it is not a terminal).

    Not on a terminal (a pipe, a file, cron) and without ``COLUMNS``, it is
    :data:`PIPE_WIDTH` wide, so a table's values are never cut short to fit 80 columns.
    """
    console = Console(soft_wrap=True, highlight=False)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = PIPE_WIDTH
    return console


def err() -> Console:
    """A console on standard error, for progress and warnings."""
    return Console(stderr=True, soft_wrap=True, highlight=False)


def print_json(data: object) -> None:
    """Print ``data`` as JSON: the library's values through its one converter.

    Decimals are fixed-point strings, times ISO 8601 in UTC, money
    ``{"amount": ..., "currency": ...}`` — as the library stores and exports them.
    """
    click.echo(json.dumps(converter.unstructure(data), indent=2, ensure_ascii=False))


def show_table(
    title: str | None,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    right: Iterable[int] = (),
) -> None:
    """Print a table: ``headers``, then ``rows`` (each value shown with ``str``).

    Columns whose index is in ``right`` (amounts, counts) are aligned right.
    """
    aligned = set(right)
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    for index, header in enumerate(headers):
        table.add_column(header, justify="right" if index in aligned else "left", no_wrap=True)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row))
    out().print(table)


@contextmanager
def progress(description: str) -> Iterator[Callable[[ImportProgress], None] | None]:
    """A progress bar on standard error while the block runs; none when not a terminal.

    Yields the ``progress`` callback of :meth:`~telcocore.calls.services.CallService.import_file`
    (rows read, bytes read of the total), or ``None`` (no callback) off a terminal.
    """
    console = err()
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rows]:>9,} rows"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(description, total=None, rows=0)

        def update(done: ImportProgress) -> None:
            bar.update(task, completed=done.bytes_read, total=done.bytes_total, rows=done.rows)

        yield update


@click.group(
    name=PROGRAM,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(telcocore.__version__, prog_name=PROGRAM)
def group() -> None:
    """telcocore: accounts, rating, call records, summaries, invoices and audit of a PBX.

    Each command works on the storage --db names (default: $TELCOCORE_DB, else the SQLite
    file telcocore.db in the current folder). Start with `telcocore demo`.
    """


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(message: str) -> None:
    click.echo(f"{PROGRAM}: error: {_one_line(message)}", err=True)


def warn(message: str) -> None:
    """Print ``telcocore: warning: ...`` on standard error, on one line."""
    click.echo(f"{PROGRAM}: warning: {_one_line(message)}", err=True)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` and return its exit status (see :func:`telcocore.cli.main`)."""
    from telcocore.cli import commands  # noqa: PLC0415 - registers every command once

    commands.register(group)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        status = group.main(args=args, prog_name=PROGRAM, standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        _fail("interrupted")
        return 130
    except click.ClickException as refused:
        if isinstance(refused, click.exceptions.NoArgsIsHelpError):  # `telcocore invoice`
            refused.show()  # the group's help as it is, not squeezed into one line
        else:
            _fail(refused.format_message())
        return refused.exit_code
    except TelcoError as refused:
        _fail(str(refused))
        return 1
    except OSError as failed:
        where = f": {os.fsdecode(failed.filename)}" if failed.filename is not None else ""
        _fail(f"{failed.strerror or failed}{where}")
        return 1
    # Without standalone mode, click returns the status a command gave ctx.exit().
    return status if isinstance(status, int) else 0
