"""What a benchmark is, for the runner (``run.py``) and the ``bench_*.py`` modules.

A benchmark compares two ways of doing the same work, measured in the same run: *ours*,
through telcocore's public API, and a *baseline*, the same work written directly against
the standard library or the database driver. Each ``bench_*.py`` module exposes
``BENCHMARKS: list[Benchmark]``.

A :class:`Benchmark` names a ``setup``: a context manager factory that builds both sides
(accounts, files, schemas), yields a :class:`Case`, and removes everything on exit. A side
is an :data:`Operation`, a callable doing ``n`` operations (``n`` debits, say); the runner
times calls to it. When a side cannot run here (no adapter yet, no database server), setup
raises :class:`Skip` for the whole benchmark, or puts the reason (a ``str``) in place of
``Case.ours`` so that the baseline is still measured.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, LiteralString
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    import psycopg
    import psycopg.sql

__all__ = [
    "Benchmark",
    "Case",
    "Operation",
    "Skip",
    "pg_admin",
    "postgres_dsn",
    "schema_sql",
    "with_schema",
]

Operation = Callable[[int], None]
"""Does ``n`` operations, raising on any failure (a refused debit is a failure here)."""


class Skip(Exception):
    """Raised by a benchmark's setup when it cannot run here; the message says why."""


@dataclass(frozen=True)
class Case:
    """The two sides of one benchmark, ready to be timed."""

    ours: Operation | str
    """telcocore doing the work, or why it cannot (shown as ``skipped: <reason>``)."""
    baseline: Operation
    """The same work without telcocore."""
    note: str = ""
    """Something the reader of the results should know (e.g. the SQLite settings used)."""
    report: Callable[[], str] | None = None
    """Called once both sides were timed, before cleanup: a note measured afterwards
    (the bytes each side's database file takes per posting, say)."""


@dataclass(frozen=True)
class Benchmark:
    """One row of the results table."""

    name: str
    """Dotted and unique across the suite, e.g. ``ledger.debit.memory``; ``-k`` matches it."""
    measures: str
    """What *ours* does, one line."""
    baseline: str
    """What the baseline does, one line."""
    setup: Callable[[], AbstractContextManager[Case]]
    """Builds both sides, yields a :class:`Case`, and cleans up on exit."""
    ops: int
    """Operations per timed repetition in a default run."""
    quick_ops: int
    """Operations per timed repetition with ``--quick``."""
    repeats: int = 7
    """Timed repetitions of each side in a default run (the median is reported)."""
    quick_repeats: int = 2
    """Timed repetitions with ``--quick``."""
    target: float | None = None
    """The lowest ``ours / baseline`` ratio an issue asks for, if it names one."""
    unit: str = "ops/s"
    """What is counted per second, for the README and the JSON output."""


def postgres_dsn() -> str | None:
    """The PostgreSQL server to benchmark against, or ``None``.

    ``TELCOCORE_BENCH_PG_DSN``, else ``TELCOCORE_TEST_PG_DSN``; without either, the
    PostgreSQL benchmarks are skipped.
    """
    for variable in ("TELCOCORE_BENCH_PG_DSN", "TELCOCORE_TEST_PG_DSN"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    return None


# -- PostgreSQL helpers shared by the benchmarks -------------------------------------------


def with_schema(dsn: str, schema: str) -> str | None:
    """``dsn`` with ``schema=<schema>`` added to its query, or ``None`` if it is no URL."""
    if "://" not in dsn:
        return None
    parts = urlsplit(dsn)
    query = [*parse_qsl(parts.query), ("schema", schema)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def schema_sql(template: LiteralString, schema: str) -> psycopg.sql.Composed:
    """``template`` with ``{}`` replaced by the quoted ``schema`` name."""
    from psycopg import sql  # noqa: PLC0415 - optional; only when PostgreSQL is benchmarked

    return sql.SQL(template).format(sql.Identifier(schema))


def pg_admin(dsn: str) -> psycopg.Connection[tuple[Any, ...]]:
    """A connection for creating and dropping schemas, or :class:`Skip` why not."""
    try:
        import psycopg  # noqa: PLC0415 - optional; only when PostgreSQL is benchmarked
    except ImportError:
        msg = "no PostgreSQL driver (pip install 'telcocore[postgres]')"
        raise Skip(msg) from None
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        msg = f"no PostgreSQL (unreachable: {first_line.rsplit(': ', 1)[-1]})"
        raise Skip(msg) from None
