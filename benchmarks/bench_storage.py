"""Debits per second on memory, SQLite and PostgreSQL, each against the raw driver.

*Ours*: ``core.ledger.debit`` (one transaction per debit) and ``core.ledger.post_many``
(:data:`BATCH` debit requests per call, one transaction per call) on
``telcocore.connect(url)``: ``memory://``, ``sqlite:///<temporary file>`` (the default,
``synchronous=FULL``), ``sqlite:///<temporary file>?synchronous=normal``, and
``<TELCOCORE_BENCH_PG_DSN>?schema=bench_<random>``. Each debit is 0.01 USD with a fresh
idempotency key on an active account funded so that nothing is refused.

*Baseline*: :mod:`benchmarks.raw_ledger`, the same rows (transaction, customer entry,
system posting, balance) in tables with the same keys, UNIQUE constraints, foreign keys
and indexes, written by the fastest reasonable hand-written code with the same checks, in
its own file (same ``journal_mode``, ``synchronous`` and ``foreign_keys``), in-memory
database or schema.

After a SQLite row, the note gives each side's database file size (after a WAL
checkpoint) divided by the postings written (two per debit: the entry and the system
posting). Temporary files and schemas are removed afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import telcocore
from benchmarks.harness import (
    Benchmark,
    Case,
    Skip,
    pg_admin,
    postgres_dsn,
    schema_sql,
    with_schema,
)
from benchmarks.raw_ledger import ACCOUNT, CURRENCY, RawPostgres, RawSqlite
from telcocore.billing.ledger.services import LedgerRequest, Movement

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import psycopg


__all__ = ["BENCHMARKS"]

AMOUNT = Decimal("0.01")
FUNDS = Decimal(10) ** 12
"""Top-up and debit limit: far more than any run spends."""
BATCH = 100
"""Debit requests per ``post_many`` call, and per transaction of the batched baselines."""
POSTINGS_PER_DEBIT = 2
"""The customer's entry and the system posting."""
PREFILL = 10_000
"""Debits each side posts (in batches) before a PostgreSQL benchmark is timed."""

# -- ours -------------------------------------------------------------------------------


class Ours:
    """telcocore on one storage URL, with the benchmark account opened and funded."""

    def __init__(self, url: str) -> None:
        self.core = telcocore.connect(url)
        self.debits = 0
        self._keys = (f"ours-{i}" for i in itertools.count())
        try:
            self.core.accounts.open("Benchmark", CURRENCY, account_id=ACCOUNT, debit_limit=FUNDS)
            self.core.ledger.credit(ACCOUNT, FUNDS, idempotency_key="bench-top-up")
        except BaseException:
            self.core.close()
            raise

    def each(self, n: int) -> None:
        """``n`` calls of ``ledger.debit``."""
        debit = self.core.ledger.debit
        for key in itertools.islice(self._keys, n):
            debit(ACCOUNT, AMOUNT, idempotency_key=key)
        self.debits += n

    def batched(self, n: int) -> None:
        """``n`` debits through ``ledger.post_many``, :data:`BATCH` per call."""
        post_many = self.core.ledger.post_many
        left = n
        while left > 0:
            size = min(BATCH, left)
            left -= size
            requests = [
                LedgerRequest(Movement.DEBIT, ACCOUNT, AMOUNT, key)
                for key in itertools.islice(self._keys, size)
            ]
            result = post_many(requests)
            if result.refused:
                msg = f"post_many refused {result.refused}"
                raise RuntimeError(msg)
        self.debits += n

    def close(self) -> None:
        """Close the storage."""
        self.core.close()


# -- SQLite -----------------------------------------------------------------------------


def _bytes_per_posting(path: Path, debits: int) -> str:
    """The file's size after a WAL checkpoint, per posting written (``n/a`` before any)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    size = path.stat().st_size
    postings = debits * POSTINGS_PER_DEBIT
    return "n/a" if not postings else f"{size / postings:,.0f}"


@contextlib.contextmanager
def _sqlite(*, batched: bool, synchronous: str) -> Iterator[Case]:
    """Telcocore and the raw code on a SQLite file each, at the same ``synchronous``."""
    with tempfile.TemporaryDirectory(prefix="telcocore-bench-") as directory:
        ours_path, raw_path = Path(directory, "ours.db"), Path(directory, "raw.db")
        query = "" if synchronous == "FULL" else f"?synchronous={synchronous.lower()}"
        ours = Ours(f"sqlite:///{ours_path}{query}")
        raw = RawSqlite(raw_path, synchronous=synchronous, funds=FUNDS)

        def report() -> str:
            mine = _bytes_per_posting(ours_path, ours.debits)
            theirs = _bytes_per_posting(raw_path, raw.debits)
            return f"bytes per posting (file after checkpoint): ours {mine}, baseline {theirs}"

        note = f"both sides: WAL, synchronous={synchronous}, foreign_keys=on"
        if batched:
            note += f"; {BATCH} debits per transaction"
        try:
            yield Case(
                ours=ours.batched if batched else ours.each,
                baseline=(
                    (lambda n: raw.batched(n, AMOUNT, BATCH))
                    if batched
                    else (lambda n: raw.each(n, AMOUNT))
                ),
                note=note,
                report=report,
            )
        finally:
            raw.close()
            ours.close()


def _sqlite_setup(
    *, batched: bool, synchronous: str
) -> Callable[[], contextlib.AbstractContextManager[Case]]:
    return lambda: _sqlite(batched=batched, synchronous=synchronous)


@contextlib.contextmanager
def _memory() -> Iterator[Case]:
    """``memory://`` against the raw code on a private ``:memory:`` database."""
    ours = Ours("memory://")
    raw = RawSqlite(":memory:", synchronous="FULL", funds=FUNDS)
    try:
        yield Case(
            ours=ours.each,
            baseline=lambda n: raw.each(n, AMOUNT),
            note="both sides in memory (no disk); foreign_keys=on",
        )
    finally:
        raw.close()
        ours.close()


# -- PostgreSQL -------------------------------------------------------------------------


@contextlib.contextmanager
def _postgres(*, batched: bool) -> Iterator[Case]:
    dsn = postgres_dsn()
    if dsn is None:
        msg = "no PostgreSQL (set TELCOCORE_BENCH_PG_DSN or TELCOCORE_TEST_PG_DSN)"
        raise Skip(msg)
    tag = uuid.uuid4().hex[:12]
    ours_schema, raw_schema = f"bench_{tag}", f"bench_raw_{tag}"
    url = with_schema(dsn, ours_schema)
    if url is None:
        msg = "the DSN must be a postgresql:// URL to add ?schema= to it"
        raise Skip(msg)
    admin = pg_admin(dsn)
    ours: Ours | None = None
    raw: RawPostgres | None = None
    try:
        for schema in (ours_schema, raw_schema):
            admin.execute(schema_sql("CREATE SCHEMA IF NOT EXISTS {}", schema))
        ours = Ours(url)
        raw = RawPostgres(dsn, raw_schema, funds=FUNDS)
        # A steady state, the same for both sides: rows already there, and the planner's
        # statistics taken. Otherwise each side's speed depends on when autovacuum first
        # analyzes its young tables (until then the key look-up scans the whole table),
        # which depends on what ran before.
        ours.batched(PREFILL)
        raw.batched(PREFILL, AMOUNT, BATCH)
        for schema in (ours_schema, raw_schema):
            _analyze(admin, schema)
        note = (
            "schemas bench_<random> (ours) and bench_raw_<random> (baseline), dropped "
            f"afterwards; {PREFILL:,} debits posted and the tables analyzed before timing"
        )
        if batched:
            note += f"; {BATCH} debits per transaction"
        side = raw
        yield Case(
            ours=ours.batched if batched else ours.each,
            baseline=(
                (lambda n: side.batched(n, AMOUNT, BATCH))
                if batched
                else (lambda n: side.each(n, AMOUNT))
            ),
            note=note,
        )
    finally:
        if raw is not None:
            raw.close()
        if ours is not None:
            ours.close()
        for schema in (ours_schema, raw_schema):
            admin.execute(schema_sql("DROP SCHEMA IF EXISTS {} CASCADE", schema))
        admin.close()


def _analyze(admin: psycopg.Connection[tuple[Any, ...]], schema: str) -> None:
    """Take the planner's statistics of every table in ``schema`` (and only there)."""
    from psycopg import sql  # noqa: PLC0415 - optional; only when PostgreSQL is benchmarked

    rows = admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))
    tables = [sql.Identifier(schema, name) for (name,) in rows.fetchall()]
    admin.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(tables)))


def _postgres_setup(*, batched: bool) -> Callable[[], contextlib.AbstractContextManager[Case]]:
    return lambda: _postgres(batched=batched)


_SINGLE_RAW = "BEGIN IMMEDIATE, read balance+account, Decimal check, 3 INSERTs, UPDATE, COMMIT"
_BATCH_RAW = (
    f"one transaction per {BATCH}: one read, Decimal checks, executemany INSERTs, one UPDATE"
)

BENCHMARKS = [
    Benchmark(
        name="ledger.debit.memory",
        measures="core.ledger.debit on memory://, one transaction per debit",
        baseline=f"sqlite3 :memory:: {_SINGLE_RAW}",
        setup=_memory,
        ops=10_000,
        quick_ops=1_000,
        repeats=7,
        quick_repeats=3,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.sqlite.debit.full",
        measures="core.ledger.debit on sqlite:///file (synchronous=FULL, the default)",
        baseline=f"sqlite3, synchronous=FULL: {_SINGLE_RAW}",
        setup=_sqlite_setup(batched=False, synchronous="FULL"),
        ops=1_000,
        quick_ops=100,
        repeats=7,
        quick_repeats=3,
        target=0.80,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.sqlite.debit.normal",
        measures="core.ledger.debit on sqlite:///file?synchronous=normal",
        baseline=f"sqlite3, synchronous=NORMAL: {_SINGLE_RAW}",
        setup=_sqlite_setup(batched=False, synchronous="NORMAL"),
        ops=3_000,
        quick_ops=300,
        repeats=7,
        quick_repeats=3,
        target=0.50,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.sqlite.post_many.full",
        measures=f"core.ledger.post_many, {BATCH} debits per call, on sqlite:///file (FULL)",
        baseline=f"sqlite3, synchronous=FULL: {_BATCH_RAW}",
        setup=_sqlite_setup(batched=True, synchronous="FULL"),
        ops=10_000,
        quick_ops=1_000,
        repeats=7,
        quick_repeats=3,
        target=0.50,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.sqlite.post_many.normal",
        measures=f"core.ledger.post_many, {BATCH} debits per call, on ...?synchronous=normal",
        baseline=f"sqlite3, synchronous=NORMAL: {_BATCH_RAW}",
        setup=_sqlite_setup(batched=True, synchronous="NORMAL"),
        ops=10_000,
        quick_ops=1_000,
        repeats=7,
        quick_repeats=3,
        target=0.50,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.postgres.debit",
        measures="core.ledger.debit on postgresql://...?schema=, one transaction per debit",
        baseline="psycopg: pipeline [BEGIN, conditional UPDATE ... RETURNING], [3 INSERTs, COMMIT]",
        setup=_postgres_setup(batched=False),
        ops=500,
        quick_ops=100,
        repeats=15,
        quick_repeats=3,
        target=0.70,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.postgres.post_many",
        measures=f"core.ledger.post_many, {BATCH} debits per call, on postgresql://...?schema=",
        baseline=f"psycopg: SELECT ... FOR UPDATE, then {_BATCH_RAW} in a pipeline",
        setup=_postgres_setup(batched=True),
        ops=5_000,
        quick_ops=500,
        repeats=11,
        quick_repeats=3,
        target=0.50,
        unit="debits/s",
    ),
]
