"""Debits per second on memory, SQLite and PostgreSQL, each against the raw driver.

*Ours*: ``core.ledger.debit`` (one transaction per debit) on ``telcocore.connect("memory://")``,
on ``telcocore.connect("sqlite:///<temporary file>")`` and on
``telcocore.connect("<TELCOCORE_BENCH_PG_DSN>?schema=bench_<random>")``; and, on a SQLite
file, the ledger's batch API. Each debit is 0.01 USD with a fresh idempotency key on an
active account funded so that nothing is refused.

*Baseline*: the same debit written directly with ``sqlite3`` or ``psycopg``, in its own
file, in-memory database (next to ``memory://``) or schema: one transaction (``BEGIN
IMMEDIATE`` on SQLite) holding a conditional ``UPDATE accounts SET balance = balance - :x,
seq = seq + 1 WHERE id = :id AND status = 'active' AND currency = :cur AND balance - :x >=
-debit_limit RETURNING balance, seq``, an
``INSERT`` of the transaction row (its idempotency key under a unique constraint) and an
``executemany`` ``INSERT`` of its two postings, then ``COMMIT``. The batched baseline does
the same for 100 debits per transaction. The SQLite baseline uses the adapter's own
settings (journal mode, ``synchronous``, foreign keys) when they can be read from the
connections it opens, and otherwise WAL with ``synchronous=NORMAL`` and foreign keys on;
the row's note says which.

Issue 3 asks for at least half the raw baseline's throughput. Temporary files and schemas
are removed afterwards. Until the SQLite and PostgreSQL adapters exist, *ours* is reported
as skipped and the baseline is still measured.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from unittest import mock

import telcocore
from benchmarks.harness import (
    Benchmark,
    Case,
    Operation,
    Skip,
    pg_admin,
    postgres_dsn,
    schema_sql,
    with_schema,
)
from telcocore.billing.ledger.services import LedgerRequest, Movement

if TYPE_CHECKING:
    from collections.abc import Iterator


__all__ = ["BENCHMARKS"]

ACCOUNT = "bench"
CURRENCY = "USD"
AMOUNT = Decimal("0.01")
FUNDS = Decimal(10) ** 12
"""Top-up and debit limit: far more than any run spends."""
BATCH = 100
"""Debits per transaction in the batched rows."""
SCALE = 6
"""The SQLite baseline stores amounts as integers of 10**-SCALE units (exact, comparable in SQL)."""
TARGET = 0.50
"""Issue 3: at least 50 % of the raw baseline's throughput."""

_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}

# -- ours -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unavailable:
    """Why telcocore cannot run on a storage URL here (its adapter does not exist yet)."""

    reason: str
    """Short, for the table."""
    detail: str
    """The error ``connect`` raised, for the row's note."""


def _connect(url: str, what: str) -> telcocore.TelcoCore | Unavailable:
    """Telcocore on ``url``, with the benchmark account opened and funded; or why not."""
    try:
        core = telcocore.connect(url)
    except (ImportError, telcocore.ConfigurationError) as error:
        message = str(error).replace(repr(url), "<url>").replace(url, "<url>")
        return Unavailable(
            f"no {what} adapter ({type(error).__name__} from connect)",
            f"connect({what} URL) raised {type(error).__name__}: {message}",
        )
    try:
        core.accounts.open("Benchmark", CURRENCY, account_id=ACCOUNT, debit_limit=FUNDS)
        core.ledger.credit(ACCOUNT, FUNDS, idempotency_key="bench-top-up")
    except BaseException:
        core.close()
        raise
    return core


def _ours_each(core: telcocore.TelcoCore) -> Operation:
    keys = (f"ours-{i}" for i in itertools.count())
    debit = core.ledger.debit

    def run(n: int) -> None:
        for key in itertools.islice(keys, n):
            debit(ACCOUNT, AMOUNT, idempotency_key=key)

    return run


def _ours_batched(core: telcocore.TelcoCore) -> Operation:
    """``ledger.post_many`` with :data:`BATCH` debits per call (one transaction each)."""
    keys = (f"ours-batched-{i}" for i in itertools.count())
    post_many = core.ledger.post_many

    def run(n: int) -> None:
        left = n
        while left > 0:
            size = min(BATCH, left)
            left -= size
            requests = [
                LedgerRequest(Movement.DEBIT, ACCOUNT, AMOUNT, key)
                for key in itertools.islice(keys, size)
            ]
            result = post_many(requests)
            assert not result.refused, result.refused

    return run


# -- SQLite -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SqliteSettings:
    """The per-connection and per-file settings the baseline copies from the adapter."""

    journal_mode: str = "wal"
    synchronous: int = 1
    foreign_keys: bool = True
    source: str = "not observed; defaults"

    def describe(self) -> str:
        """For the row's note."""
        level = _SYNCHRONOUS.get(self.synchronous, str(self.synchronous))
        return (
            f"SQLite journal_mode={self.journal_mode}, synchronous={level}, "
            f"foreign_keys={'on' if self.foreign_keys else 'off'} ({self.source})"
        )


_PRAGMA = re.compile(
    r"PRAGMA\s+(?:\w+\.)?(journal_mode|synchronous|foreign_keys)\s*=\s*['\"]?(\w+)", re.IGNORECASE
)


def _settings_from(statements: list[str], connections: list[sqlite3.Connection]) -> SqliteSettings:
    """The adapter's SQLite settings, as far as they can be seen.

    Read from one of its still open connections, else parsed from the PRAGMA statements it
    ran, else the defaults.
    """
    for connection in connections:
        try:
            journal = str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            synchronous = int(connection.execute("PRAGMA synchronous").fetchone()[0])
            foreign = bool(connection.execute("PRAGMA foreign_keys").fetchone()[0])
        except sqlite3.Error:  # closed, or owned by another thread
            continue
        return SqliteSettings(journal, synchronous, foreign, "read from the adapter's connection")
    seen = {
        m.group(1).lower(): m.group(2).upper()
        for statement in statements
        for m in _PRAGMA.finditer(statement)
    }
    if not seen:
        return SqliteSettings()
    levels = {name: number for number, name in _SYNCHRONOUS.items()}
    level = seen.get("synchronous", "FULL")  # SQLite's own default
    return SqliteSettings(
        journal_mode=seen.get("journal_mode", "delete").lower(),
        synchronous=levels.get(level, int(level) if level.isdigit() else 2),
        foreign_keys=seen.get("foreign_keys", "OFF") in {"ON", "1", "TRUE", "YES"},
        source="from the PRAGMA statements the adapter ran",
    )


@contextlib.contextmanager
def _watch_sqlite() -> Iterator[tuple[list[str], list[sqlite3.Connection]]]:
    """Record the SQL run on every ``sqlite3`` connection opened inside the block."""
    statements: list[str] = []
    connections: list[sqlite3.Connection] = []
    original = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:  # noqa: ANN401 - passes through
        connection: sqlite3.Connection = original(*args, **kwargs)
        connection.set_trace_callback(statements.append)
        connections.append(connection)
        return connection

    with mock.patch.object(sqlite3, "connect", side_effect=connect):
        yield statements, connections
    for connection in connections:
        with contextlib.suppress(sqlite3.Error):
            connection.set_trace_callback(None)


_SQLITE_SCHEMA: Final = """
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    debit_limit INTEGER NOT NULL,
    balance INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE postings (
    transaction_id TEXT NOT NULL REFERENCES transactions (id),
    ledger_account TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    seq INTEGER,
    balance_after INTEGER
);
CREATE INDEX postings_by_transaction ON postings (transaction_id);
"""

_SQLITE_DEBIT: Final = """
UPDATE accounts SET balance = balance - ?1, seq = seq + 1
WHERE id = ?2 AND status = 'active' AND currency = ?3 AND balance - ?1 >= -debit_limit
RETURNING balance, seq
"""
_SQLITE_TRANSACTION: Final = (
    "INSERT INTO transactions (id, kind, account_id, idempotency_key, created_at, description)"
    " VALUES (?, 'purchase', ?, ?, ?, '')"
)
_SQLITE_POSTING: Final = (
    "INSERT INTO postings (transaction_id, ledger_account, amount, currency, seq, balance_after)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)

_Row = tuple[str, str, int, str, int | None, int | None]


class RawSqlite:
    """The SQLite baseline: the ledger's tables and its debit, written by hand."""

    def __init__(self, path: Path | str, settings: SqliteSettings) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.keys = (f"raw-{i}" for i in itertools.count())
        execute = self.connection.execute
        execute(f"PRAGMA journal_mode={settings.journal_mode}")
        execute(f"PRAGMA synchronous={settings.synchronous}")
        execute(f"PRAGMA foreign_keys={'ON' if settings.foreign_keys else 'OFF'}")
        execute("PRAGMA busy_timeout=5000")
        self.connection.executescript(_SQLITE_SCHEMA)
        funds = int(FUNDS.scaleb(SCALE))
        execute(
            "INSERT INTO accounts VALUES (?, ?, 'active', ?, ?, 0)",
            (ACCOUNT, CURRENCY, funds, funds),
        )

    def _debit(self, key: str) -> tuple[tuple[str, str, str, str], list[_Row]]:
        units = int(AMOUNT.scaleb(SCALE))
        row = self.connection.execute(_SQLITE_DEBIT, (units, ACCOUNT, CURRENCY)).fetchone()
        if row is None:
            msg = f"raw debit {key} refused"
            raise RuntimeError(msg)
        balance, seq = row
        transaction_id = uuid.uuid4().hex
        transaction = (transaction_id, ACCOUNT, key, datetime.now(UTC).isoformat())
        postings: list[_Row] = [
            (transaction_id, ACCOUNT, -units, CURRENCY, seq, balance),
            (transaction_id, "@revenue", units, CURRENCY, None, None),
        ]
        return transaction, postings

    def each(self, n: int) -> None:
        """``n`` debits, one transaction each."""
        execute, executemany = self.connection.execute, self.connection.executemany
        for key in itertools.islice(self.keys, n):
            execute("BEGIN IMMEDIATE")
            try:
                transaction, postings = self._debit(key)
                execute(_SQLITE_TRANSACTION, transaction)
                executemany(_SQLITE_POSTING, postings)
            except BaseException:
                execute("ROLLBACK")
                raise
            execute("COMMIT")

    def batched(self, n: int) -> None:
        """``n`` debits, :data:`BATCH` per transaction."""
        execute, executemany = self.connection.execute, self.connection.executemany
        left = n
        while left > 0:
            size = min(BATCH, left)
            left -= size
            execute("BEGIN IMMEDIATE")
            try:
                transactions, postings = [], []
                for key in itertools.islice(self.keys, size):
                    transaction, rows = self._debit(key)
                    transactions.append(transaction)
                    postings.extend(rows)
                executemany(_SQLITE_TRANSACTION, transactions)
                executemany(_SQLITE_POSTING, postings)
            except BaseException:
                execute("ROLLBACK")
                raise
            execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


@contextlib.contextmanager
def _sqlite(*, batched: bool, memory: bool = False) -> Iterator[Case]:
    """A SQLite file each (``memory``: ``memory://`` and a private in-memory database)."""
    with tempfile.TemporaryDirectory(prefix="telcocore-bench-") as directory:
        # Four slashes: an absolute path whether the adapter strips one slash or none.
        url = "memory://" if memory else f"sqlite:///{Path(directory, 'ours.db')}"
        with _watch_sqlite() as (statements, connections):
            core = _connect(url, "memory" if memory else "SQLite")
        notes = []
        if isinstance(core, Unavailable):
            settings = SqliteSettings()
            ours: Operation | str = core.reason
            notes.append(core.detail)
        else:
            settings = _settings_from(statements, connections)
            ours = _ours_batched(core) if batched else _ours_each(core)
        notes.append(f"baseline: {settings.describe()}")
        if batched:
            notes.append(f"{BATCH} debits per transaction")
        raw = RawSqlite(":memory:" if memory else Path(directory, "raw.db"), settings)
        try:
            yield Case(
                ours=ours, baseline=raw.batched if batched else raw.each, note="; ".join(notes)
            )
        finally:
            raw.close()
            if not isinstance(core, Unavailable):
                core.close()


def _sqlite_each() -> contextlib.AbstractContextManager[Case]:
    return _sqlite(batched=False)


def _sqlite_batched() -> contextlib.AbstractContextManager[Case]:
    return _sqlite(batched=True)


def _memory() -> contextlib.AbstractContextManager[Case]:
    return _sqlite(batched=False, memory=True)


# -- PostgreSQL -------------------------------------------------------------------------

_PG_SCHEMA: Final = """
CREATE TABLE accounts (
    id text PRIMARY KEY,
    currency text NOT NULL,
    status text NOT NULL,
    debit_limit numeric NOT NULL,
    balance numeric NOT NULL,
    seq bigint NOT NULL
);
CREATE TABLE transactions (
    id text PRIMARY KEY,
    kind text NOT NULL,
    account_id text NOT NULL REFERENCES accounts (id),
    idempotency_key text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    description text NOT NULL
);
CREATE TABLE postings (
    transaction_id text NOT NULL REFERENCES transactions (id),
    ledger_account text NOT NULL,
    amount numeric NOT NULL,
    currency text NOT NULL,
    seq bigint,
    balance_after numeric
);
CREATE INDEX postings_by_transaction ON postings (transaction_id);
"""

_PG_DEBIT: Final = """
UPDATE accounts SET balance = balance - %(amount)s, seq = seq + 1
WHERE id = %(account)s AND status = 'active' AND currency = %(currency)s
  AND balance - %(amount)s >= -debit_limit
RETURNING balance, seq
"""
_PG_TRANSACTION: Final = (
    "INSERT INTO transactions (id, kind, account_id, idempotency_key, created_at, description)"
    " VALUES (%s, 'purchase', %s, %s, %s, '')"
)
_PG_POSTING: Final = (
    "INSERT INTO postings (transaction_id, ledger_account, amount, currency, seq, balance_after)"
    " VALUES (%s, %s, %s, %s, %s, %s)"
)


class RawPostgres:
    """The PostgreSQL baseline: the ledger's tables in their own schema, debit by hand."""

    def __init__(self, dsn: str, schema: str) -> None:
        import psycopg  # noqa: PLC0415 - optional; only when PostgreSQL is benchmarked
        from psycopg import sql  # noqa: PLC0415

        self.connection = psycopg.connect(dsn, autocommit=True)
        self.keys = (f"raw-{i}" for i in itertools.count())
        execute = self.connection.execute
        execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        execute(_PG_SCHEMA)  # no parameters: several statements in one go
        execute(
            "INSERT INTO accounts VALUES (%s, %s, 'active', %s, %s, 0)",
            (ACCOUNT, CURRENCY, FUNDS, FUNDS),
        )

    def each(self, n: int) -> None:
        """``n`` debits, one transaction each."""
        connection = self.connection
        for key in itertools.islice(self.keys, n):
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute(
                    _PG_DEBIT, {"amount": AMOUNT, "account": ACCOUNT, "currency": CURRENCY}
                )
                row = cursor.fetchone()
                if row is None:
                    msg = f"raw debit {key} refused"
                    raise RuntimeError(msg)
                balance, seq = row
                transaction_id = uuid.uuid4().hex
                cursor.execute(_PG_TRANSACTION, (transaction_id, ACCOUNT, key, datetime.now(UTC)))
                cursor.executemany(
                    _PG_POSTING,
                    [
                        (transaction_id, ACCOUNT, -AMOUNT, CURRENCY, seq, balance),
                        (transaction_id, "@revenue", AMOUNT, CURRENCY, None, None),
                    ],
                )

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


@contextlib.contextmanager
def _postgres() -> Iterator[Case]:
    dsn = postgres_dsn()
    if dsn is None:
        msg = "no PostgreSQL (set TELCOCORE_BENCH_PG_DSN or TELCOCORE_TEST_PG_DSN)"
        raise Skip(msg)
    tag = uuid.uuid4().hex[:12]
    ours_schema, raw_schema = f"bench_{tag}", f"bench_raw_{tag}"
    admin = pg_admin(dsn)
    core: telcocore.TelcoCore | Unavailable = Unavailable("not opened", "")
    raw: RawPostgres | None = None
    try:
        for schema in (ours_schema, raw_schema):
            admin.execute(schema_sql("CREATE SCHEMA IF NOT EXISTS {}", schema))
        url = with_schema(dsn, ours_schema)
        if url is None:
            reason = "the DSN must be a postgresql:// URL to add ?schema= to it"
            core = Unavailable(reason, reason)
        else:
            core = _connect(url, "PostgreSQL")
        raw = RawPostgres(dsn, raw_schema)
        notes = [f"schemas {ours_schema} (ours) and {raw_schema} (baseline), dropped afterwards"]
        if isinstance(core, Unavailable):
            notes.insert(0, core.detail)
        yield Case(
            ours=core.reason if isinstance(core, Unavailable) else _ours_each(core),
            baseline=raw.each,
            note="; ".join(notes),
        )
    finally:
        if raw is not None:
            raw.close()
        if not isinstance(core, Unavailable):
            core.close()
        for schema in (ours_schema, raw_schema):
            admin.execute(schema_sql("DROP SCHEMA IF EXISTS {} CASCADE", schema))
        admin.close()


BENCHMARKS = [
    Benchmark(
        name="ledger.debit.memory",
        measures="core.ledger.debit on memory://, one transaction per debit",
        baseline="sqlite3 :memory:: BEGIN IMMEDIATE, conditional UPDATE, 3 INSERTs, COMMIT",
        setup=_memory,
        ops=20_000,
        quick_ops=2_000,
        repeats=7,
        quick_repeats=3,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.sqlite.debit",
        measures="core.ledger.debit on sqlite:///file, one durable transaction per debit",
        baseline="sqlite3: BEGIN IMMEDIATE, conditional UPDATE ... RETURNING, 3 INSERTs, COMMIT",
        setup=_sqlite_each,
        ops=5_000,
        quick_ops=200,
        repeats=5,
        quick_repeats=2,
        target=TARGET,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.sqlite.debit_batched",
        measures=f"the ledger's batch API on sqlite:///file, {BATCH} debits per transaction",
        baseline=f"sqlite3: as above, {BATCH} debits per transaction (executemany INSERTs)",
        setup=_sqlite_batched,
        ops=10_000,
        quick_ops=500,
        repeats=5,
        quick_repeats=2,
        target=TARGET,
        unit="debits/s",
    ),
    Benchmark(
        name="storage.postgres.debit",
        measures="core.ledger.debit on postgresql://...?schema=, one transaction per debit",
        baseline="psycopg: BEGIN, conditional UPDATE ... RETURNING, 3 INSERTs, COMMIT",
        setup=_postgres,
        ops=400,
        quick_ops=100,
        repeats=15,
        quick_repeats=2,
        target=TARGET,
        unit="debits/s",
    ),
]
