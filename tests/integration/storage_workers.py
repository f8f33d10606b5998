"""What the integration tests' child processes run, and raw looks at the databases.

Child processes are started with the "spawn" method, which imports this module by name in
a fresh interpreter: so everything they run lives here, at module level.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from multiprocessing.context import SpawnContext
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs

import telcocore
from telcocore.adapters.postgres import PostgresStorage
from telcocore.adapters.sqlite import SqliteStorage
from telcocore.billing.ledger.errors import DebitLimitExceeded
from telcocore.billing.ledger.model import Transaction, TransactionKind
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services import LedgerRequest, Movement
from telcocore.core import open_storage
from telcocore.domains import SQL_DOMAINS
from telcocore.kernel.money import Money
from telcocore.platform.ports import Storage
from telcocore.platform.sql.dialect import Dialect
from telcocore.platform.sql.migrations import Migration, ModuleMigrations
from telcocore.platform.sql.postgres import PostgresDialect
from telcocore.platform.sql.sqlite import SqliteDialect

SPAWN: SpawnContext = multiprocessing.get_context("spawn")
"""Fresh interpreters: no state inherited from the test process."""

AT = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def run_at_once(target: Any, each: Sequence[tuple[Any, ...]]) -> list[Any]:  # noqa: ANN401
    """Start ``target`` in a process per arguments of ``each``, at once; their reports.

    Each process gets its arguments, then a Barrier that all of them pass together and the
    Queue it reports on; all must exit with status 0.
    """
    start = SPAWN.Barrier(len(each))
    results = SPAWN.Queue()
    workers = [SPAWN.Process(target=target, args=(*args, start, results)) for args in each]
    for process in workers:
        process.start()
    reports = [results.get(timeout=300) for _ in workers]
    for process in workers:
        process.join(timeout=60)
    assert [0] * len(workers) == [p.exitcode for p in workers]
    return reports


def dialect_of(url: str) -> Dialect[Any]:
    """The dialect of the database of ``url``."""
    if url.startswith("sqlite:"):
        return SqliteDialect(busy_timeout_ms=0)
    return PostgresDialect(None)


def shipped(url: str) -> list[ModuleMigrations]:
    """The migrations every registered domain ships, for the database of ``url``."""
    dialect = dialect_of(url)
    return [domain.migrations(dialect) for domain in SQL_DOMAINS]


def shipped_version(url: str, module: str) -> int:
    """The version of ``module`` this release ships (its number of migrations)."""
    return next(len(m.migrations) for m in shipped(url) if m.module == module)


def with_later_accounts(url: str, script: str = "SELECT 1;\n") -> list[ModuleMigrations]:
    """The shipped migrations and a next one of ``accounts``, ``later``, running ``script``.

    As a later release would ship them: its number follows the shipped ones.
    """
    later = Migration(shipped_version(url, "accounts") + 1, "later", script)
    return [
        attrs.evolve(m, migrations=(*m.migrations, later)) if m.module == "accounts" else m
        for m in shipped(url)
    ]


def shipped_before(url: str, module: str, name: str) -> list[ModuleMigrations]:
    """The shipped migrations, those of ``module`` stopping before the one named ``name``.

    As the release before that migration shipped them.
    """
    cut = next(m for m in shipped(url) if m.module == module).migrations
    kept = cut[: next(i for i, m in enumerate(cut) if m.name == name)]
    return [attrs.evolve(m, migrations=kept) if m.module == module else m for m in shipped(url)]


def open_with(url: str, migrations: Sequence[ModuleMigrations] | None = None) -> Storage:
    """Open the SQLite or PostgreSQL storage of ``url`` with these ``migrations``."""
    if url.startswith("sqlite:"):
        return SqliteStorage.from_url(url, migrations=migrations)
    return PostgresStorage.from_url(url, migrations=migrations)


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` run straight on the database of ``url`` (no telcocore code)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        with sqlite3.connect(parts.path[1:]) as conn:
            rows = list(conn.execute(sql).fetchall())
        conn.close()
        return rows
    import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

    schema = dict(parse_qsl(parts.query))["schema"]
    dsn = url.split("?", 1)[0]
    with psycopg.connect(dsn, autocommit=True) as pg:
        pg.execute(f'SET search_path TO "{schema}"'.encode())
        return list(pg.execute(sql.encode()).fetchall())


def applied(url: str, module: str) -> set[str]:
    """The names of the migrations of ``module`` the database of ``url`` records as applied."""
    sql = f"SELECT name FROM schema_migrations WHERE module = '{module}'"  # noqa: S608 - ours
    return {name for (name,) in query(url, sql)}


def execute(url: str, sql: str) -> None:
    """Run ``sql`` straight on the database of ``url``, committed."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        conn = sqlite3.connect(parts.path[1:], isolation_level=None)
        conn.executescript(sql)
        conn.close()
        return
    import psycopg  # noqa: PLC0415 - only the PostgreSQL tests need the driver

    schema = dict(parse_qsl(parts.query))["schema"]
    with psycopg.connect(url.split("?", 1)[0], autocommit=True) as pg:
        pg.execute(
            f'CREATE SCHEMA IF NOT EXISTS "{schema}"; SET search_path TO "{schema}"'.encode()
        )
        pg.execute(sql.encode())


# -- child processes --------------------------------------------------------------------


def post_debits(  # noqa: PLR0913 - the worker's whole assignment
    *,
    url: str,
    worker: int,
    count: int,
    amount: str,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Debit ``acme`` ``count`` times; report (worker, accepted, refused, other errors)."""
    accepted = refused = 0
    other: list[str] = []
    with telcocore.connect(url) as core:
        start.wait()
        for number in range(count):
            try:
                core.ledger.debit("acme", amount, idempotency_key=f"w{worker}-{number}")
            except DebitLimitExceeded:
                refused += 1
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                other.append(repr(exc))
            else:
                accepted += 1
    results.put((worker, accepted, refused, other))


def post_same_keys(
    url: str,
    keys: Sequence[str],
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Credit ``acme`` 1.00 under each key; report the transaction ids in key order."""
    with telcocore.connect(url) as core:
        start.wait()
        ids = [core.ledger.credit("acme", "1.00", idempotency_key=key).id for key in keys]
    results.put(ids)


def post_same_batches(
    url: str,
    keys: Sequence[str],
    batch_size: int,
    start: Any,  # noqa: ANN401 - a multiprocessing Barrier
    results: Any,  # noqa: ANN401 - a multiprocessing Queue
) -> None:
    """Credit 1.00 under each key through ``post_many``, ``batch_size`` keys per batch.

    Even keys go to ``acme``, odd ones to ``beta``. Report ``(key, transaction id or
    error)`` for every request.
    """
    outcomes: list[tuple[str, str]] = []
    with telcocore.connect(url) as core:
        start.wait()
        for first in range(0, len(keys), batch_size):
            chunk = keys[first : first + batch_size]
            requests = [
                LedgerRequest(Movement.CREDIT, ("acme", "beta")[int(key[2:]) % 2], "1.00", key)
                for key in chunk
            ]
            try:
                result = core.ledger.post_many(requests)
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                outcomes.extend((key, repr(exc)) for key in chunk)
                continue
            outcomes.extend(
                (key, o.id if isinstance(o, Transaction) else repr(o))
                for key, o in zip(chunk, result.outcomes, strict=True)
            )
    results.put(outcomes)


def post_batches(url: str, batch_size: int, progress: Any) -> None:  # noqa: ANN401 - a Queue
    """Post batches of ``batch_size`` charges, one unit each, until killed.

    Each committed batch's number is reported on ``progress``.
    """
    storage = open_storage(url)
    batch = 0
    while True:
        with storage.unit_of_work() as uow:
            for number in range(batch_size):
                transaction = Transaction.between(
                    id=f"b{batch}-{number}",
                    kind=TransactionKind.USAGE,
                    account_id="acme",
                    amount=Money("-0.01", "USD"),
                    idempotency_key=f"b{batch}-{number}",
                    created_at=AT,
                )
                change = uow.get(LedgerRepository).move_balance(
                    "acme", transaction.amount.amount, floor=None
                )
                if change is None:  # pragma: no cover - there is no floor
                    raise AssertionError
                uow.get(LedgerRepository).record(transaction, change)
            uow.commit()
        progress.put(batch)
        batch += 1


def open_storage_once(url: str, results: Any) -> None:  # noqa: ANN401 - a Queue
    """Open (and so migrate) the storage, then report its schema versions or the error."""
    try:
        storage = open_storage(url)
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        results.put(repr(exc))
        return
    results.put(dict(getattr(storage, "schema_versions", {})))
    storage.close()
