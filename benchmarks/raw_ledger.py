"""The ledger's debit written by hand: the baselines of ``bench_storage.py``.

Each baseline writes the rows telcocore's ledger writes for a debit, into tables with the
same keys, uniqueness constraints, foreign keys and indexes (and, on SQLite, WITHOUT ROWID
tables), as the migrations in ``telcocore/billing/ledger/migrations`` make them: a
``ledger_transactions`` row (its ``idempotency_key`` UNIQUE, and ``reverses`` where it is
not NULL), the customer's ``ledger_entries`` row (with ``balance_after``, keyed by account
and ``seq``), one ``system_postings`` row
(``@revenue``), and the new balance in ``balances``. Decimals are exact: TEXT holding the
fixed-point string on SQLite (as the adapter stores them), ``NUMERIC`` on PostgreSQL;
instants are fixed-width UTC TEXT on SQLite and ``timestamptz`` on PostgreSQL.

The code is the fastest reasonable way to do that work with those checks (the account is
active, ``balance - amount >= -debit_limit``): on SQLite one read of the balance and the
account under the write lock of ``BEGIN IMMEDIATE``, the check in Python with
:class:`~decimal.Decimal`, the inserts, one ``UPDATE`` of the balance and ``COMMIT``; a
batch does one read and one ``UPDATE`` per account and ``executemany`` for the inserts. On
PostgreSQL, the conditional ``UPDATE ... RETURNING`` locks, checks and moves the balance
in one statement, and the inserts and ``COMMIT`` follow in one pipeline. A taken
idempotency key is refused by the UNIQUE constraint (the transaction rolls back), which is
the guarantee telcocore gives too; the raw code does not look the key up first.
"""

from __future__ import annotations

import itertools
import sqlite3
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import psycopg

__all__ = ["RawPostgres", "RawSqlite", "Refused"]

ACCOUNT: Final = "bench"
CURRENCY: Final = "USD"
KIND: Final = "purchase"
SYSTEM_ACCOUNT: Final = "@revenue"


class Refused(RuntimeError):
    """The raw debit was refused (inactive account, over the limit): a benchmark failure."""


def _require(condition: bool, message: str) -> None:  # noqa: FBT001 - a condition
    """Raise :class:`Refused` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise Refused(message)


def _found(row: tuple[Any, ...] | None, message: str) -> tuple[Any, ...]:
    """``row``, or :class:`Refused` with ``message`` when there is none."""
    if row is None:
        raise Refused(message)
    return row


def _fixed(value: Decimal) -> str:
    """The exact fixed-point text SQLite stores (never ``1E+12``)."""
    return format(value, "f")


def _sqlite_now() -> str:
    """Fixed-width UTC text, as the SQLite adapter writes instants."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_SQLITE_SCHEMA: Final = """
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    debit_limit TEXT NOT NULL
);
CREATE TABLE balances (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE TABLE ledger_transactions (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    reverses TEXT REFERENCES ledger_transactions (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX ledger_transactions_reverses ON ledger_transactions (reverses)
    WHERE reverses IS NOT NULL;
CREATE TABLE ledger_entries (
    account_id TEXT NOT NULL REFERENCES balances (account_id),
    seq INTEGER NOT NULL,
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    balance_after TEXT NOT NULL,
    description TEXT NOT NULL,
    reverses TEXT,
    PRIMARY KEY (account_id, seq)
) WITHOUT ROWID;
CREATE INDEX ledger_entries_by_time ON ledger_entries (account_id, created_at);
CREATE TABLE system_postings (
    transaction_id TEXT NOT NULL REFERENCES ledger_transactions (id),
    position INTEGER NOT NULL,
    ledger_account TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    PRIMARY KEY (transaction_id, position)
) WITHOUT ROWID;
CREATE INDEX system_postings_by_account ON system_postings (ledger_account, currency, amount);
"""

_READ: Final = (
    "SELECT a.status, a.debit_limit, b.amount, b.currency, b.seq "
    "FROM balances AS b JOIN accounts AS a ON a.id = b.account_id WHERE b.account_id = ?"
)
_INSERT_TRANSACTION: Final = (
    "INSERT INTO ledger_transactions "
    "(id, idempotency_key, reverses, account_id, kind, created_at, seq) "
    "VALUES (?, ?, NULL, ?, ?, ?, ?)"
)
_INSERT_ENTRY: Final = (
    "INSERT INTO ledger_entries (account_id, seq, transaction_id, kind, created_at, currency, "
    "amount, balance_after, description, reverses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', NULL)"
)
_INSERT_POSTING: Final = (
    "INSERT INTO system_postings (transaction_id, position, ledger_account, currency, amount) "
    "VALUES (?, 1, ?, ?, ?)"
)
_UPDATE_BALANCE: Final = "UPDATE balances SET amount = ?, seq = ? WHERE account_id = ?"


class RawSqlite:
    """The ledger's tables and its debit, with :mod:`sqlite3` alone.

    ``synchronous`` is ``"FULL"`` or ``"NORMAL"``; WAL and foreign keys are on, as in the
    adapter.
    """

    def __init__(self, path: Path | str, *, synchronous: str, funds: Decimal) -> None:
        self.path = path
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.keys = (f"raw-{i}" for i in itertools.count())
        self.debits = 0
        execute = self.connection.execute
        execute("PRAGMA busy_timeout = 5000")
        execute("PRAGMA journal_mode = WAL")
        execute("PRAGMA foreign_keys = ON")
        execute(f"PRAGMA synchronous = {synchronous}")
        self.connection.executescript(_SQLITE_SCHEMA)
        execute(
            "INSERT INTO accounts VALUES (?, 'active', ?, ?)", (ACCOUNT, CURRENCY, _fixed(funds))
        )
        execute("INSERT INTO balances VALUES (?, ?, ?, 0)", (ACCOUNT, CURRENCY, _fixed(funds)))

    def _read(self) -> tuple[Decimal, Decimal, str, int]:
        """Floor, balance, currency and seq of the account, checking that it is active."""
        row = self.connection.execute(_READ, (ACCOUNT,)).fetchone()
        if row is None:
            msg = f"no account {ACCOUNT}"
            raise Refused(msg)
        status, limit, amount, currency, seq = row
        _require(status == "active", f"account {ACCOUNT} is {status}")
        return -Decimal(limit), Decimal(amount), currency, seq

    def each(self, n: int, amount: Decimal) -> None:
        """``n`` debits of ``amount``, one transaction each."""
        execute = self.connection.execute
        text, negative = _fixed(amount), _fixed(-amount)
        for key in itertools.islice(self.keys, n):
            execute("BEGIN IMMEDIATE")
            try:
                floor, balance, currency, seq = self._read()
                after = balance - amount
                _require(after >= floor, f"debit {key} over the limit")
                seq += 1
                transaction_id, now = uuid.uuid4().hex, _sqlite_now()
                execute(_INSERT_TRANSACTION, (transaction_id, key, ACCOUNT, KIND, now, seq))
                execute(
                    _INSERT_ENTRY,
                    (ACCOUNT, seq, transaction_id, KIND, now, currency, negative, _fixed(after)),
                )
                execute(_INSERT_POSTING, (transaction_id, SYSTEM_ACCOUNT, currency, text))
                execute(_UPDATE_BALANCE, (_fixed(after), seq, ACCOUNT))
            except BaseException:
                execute("ROLLBACK")
                raise
            execute("COMMIT")
            self.debits += 1

    def batch(self, keys: list[str], amount: Decimal) -> None:
        """One transaction debiting ``amount`` once per key."""
        connection = self.connection
        execute, executemany = connection.execute, connection.executemany
        text, negative = _fixed(amount), _fixed(-amount)
        execute("BEGIN IMMEDIATE")
        try:
            floor, balance, currency, seq = self._read()
            # 28 random hex digits per batch and the row number: 32 characters, like a uuid4 hex
            prefix, now = uuid.uuid4().hex[:28], _sqlite_now()
            transactions, entries, postings = [], [], []
            for i, key in enumerate(keys):
                balance -= amount
                _require(balance >= floor, f"debit {key} over the limit")
                seq += 1
                transaction_id = f"{prefix}{i:04x}"
                transactions.append((transaction_id, key, ACCOUNT, KIND, now, seq))
                entries.append(
                    (ACCOUNT, seq, transaction_id, KIND, now, currency, negative, _fixed(balance))
                )
                postings.append((transaction_id, SYSTEM_ACCOUNT, currency, text))
            executemany(_INSERT_TRANSACTION, transactions)
            executemany(_INSERT_ENTRY, entries)
            executemany(_INSERT_POSTING, postings)
            execute(_UPDATE_BALANCE, (_fixed(balance), seq, ACCOUNT))
        except BaseException:
            execute("ROLLBACK")
            raise
        execute("COMMIT")
        self.debits += len(keys)

    def batched(self, n: int, amount: Decimal, size: int) -> None:
        """``n`` debits of ``amount``, ``size`` per transaction."""
        left = n
        while left > 0:
            count = min(size, left)
            left -= count
            self.batch(list(itertools.islice(self.keys, count)), amount)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


_PG_SCHEMA: Final = """
CREATE TABLE accounts (
    id text PRIMARY KEY,
    status text NOT NULL,
    currency text NOT NULL,
    debit_limit numeric NOT NULL
);
CREATE TABLE balances (
    account_id text PRIMARY KEY REFERENCES accounts (id),
    currency text NOT NULL,
    amount numeric NOT NULL,
    seq bigint NOT NULL
);
CREATE TABLE ledger_transactions (
    id text PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    reverses text REFERENCES ledger_transactions (id),
    account_id text NOT NULL REFERENCES accounts (id),
    kind text NOT NULL,
    created_at timestamptz NOT NULL,
    seq bigint NOT NULL
);
CREATE UNIQUE INDEX ledger_transactions_reverses ON ledger_transactions (reverses)
    WHERE reverses IS NOT NULL;
CREATE TABLE ledger_entries (
    account_id text NOT NULL REFERENCES balances (account_id),
    seq bigint NOT NULL,
    transaction_id text NOT NULL REFERENCES ledger_transactions (id),
    kind text NOT NULL,
    created_at timestamptz NOT NULL,
    currency text NOT NULL,
    amount numeric NOT NULL,
    balance_after numeric NOT NULL,
    description text NOT NULL,
    reverses text,
    PRIMARY KEY (account_id, seq)
);
CREATE INDEX ledger_entries_by_time ON ledger_entries (account_id, created_at);
CREATE TABLE system_postings (
    transaction_id text NOT NULL REFERENCES ledger_transactions (id),
    position integer NOT NULL,
    ledger_account text NOT NULL,
    currency text NOT NULL,
    amount numeric NOT NULL,
    PRIMARY KEY (transaction_id, position)
);
CREATE INDEX system_postings_by_account ON system_postings (ledger_account, currency)
    INCLUDE (amount);
"""

_PG_MOVE: Final = (
    "UPDATE balances AS b SET amount = b.amount - %(amount)s, seq = b.seq + 1 "
    "FROM accounts AS a WHERE b.account_id = %(account)s AND a.id = b.account_id "
    "AND a.status = 'active' AND b.amount - %(amount)s >= -a.debit_limit "
    "RETURNING b.amount, b.currency, b.seq"
)
_PG_LOCK: Final = (
    "SELECT a.status, a.debit_limit, b.amount, b.currency, b.seq "
    "FROM balances AS b JOIN accounts AS a ON a.id = b.account_id "
    "WHERE b.account_id = %s FOR UPDATE OF b"
)
_PG_INSERT_TRANSACTION: Final = _INSERT_TRANSACTION.replace("?", "%s")
_PG_INSERT_ENTRY: Final = _INSERT_ENTRY.replace("?", "%s")
_PG_INSERT_POSTING: Final = _INSERT_POSTING.replace("?", "%s")
_PG_UPDATE_BALANCE: Final = _UPDATE_BALANCE.replace("?", "%s")


class RawPostgres:
    """The ledger's tables in their own schema, and its debit, with :mod:`psycopg` alone."""

    def __init__(self, dsn: str, schema: str, *, funds: Decimal) -> None:
        import psycopg  # noqa: PLC0415 - optional; only when PostgreSQL is benchmarked
        from psycopg import sql  # noqa: PLC0415

        # Autocommit: the code sends BEGIN and COMMIT itself, each in the pipeline of its
        # neighbours (psycopg's own BEGIN waits for the server, and a pipeline's commit()
        # synchronises twice).
        self.connection: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(dsn, autocommit=True)
        self.keys = (f"raw-{i}" for i in itertools.count())
        execute = self.connection.execute
        execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        execute(_PG_SCHEMA)  # no parameters: several statements in one go
        execute("INSERT INTO accounts VALUES (%s, 'active', %s, %s)", (ACCOUNT, CURRENCY, funds))
        execute("INSERT INTO balances VALUES (%s, %s, %s, 0)", (ACCOUNT, CURRENCY, funds))

    def each(self, n: int, amount: Decimal) -> None:
        """``n`` debits of ``amount``, one transaction each, in two round trips.

        ``BEGIN`` and the conditional ``UPDATE`` go in one pipeline sync; the three inserts
        and ``COMMIT`` in the next (the end of the pipeline).
        """
        connection = self.connection
        params = {"amount": amount, "account": ACCOUNT}
        for key in itertools.islice(self.keys, n):
            try:
                with connection.pipeline() as pipeline, connection.cursor() as cursor:
                    cursor.execute(b"BEGIN")
                    cursor.execute(_PG_MOVE, params)
                    pipeline.sync()
                    after, currency, seq = _found(cursor.fetchone(), f"debit {key} refused")
                    transaction_id, now = uuid.uuid4().hex, datetime.now(UTC)
                    cursor.execute(
                        _PG_INSERT_TRANSACTION, (transaction_id, key, ACCOUNT, KIND, now, seq)
                    )
                    cursor.execute(
                        _PG_INSERT_ENTRY,
                        (ACCOUNT, seq, transaction_id, KIND, now, currency, -amount, after),
                    )
                    cursor.execute(
                        _PG_INSERT_POSTING, (transaction_id, SYSTEM_ACCOUNT, currency, amount)
                    )
                    cursor.execute(b"COMMIT")
            except BaseException:
                connection.rollback()
                raise

    def batch(self, keys: list[str], amount: Decimal) -> None:
        """One transaction debiting ``amount`` once per key.

        The balance row is locked and read once (``SELECT ... FOR UPDATE``), checked in
        Python with :class:`~decimal.Decimal` (``BEGIN`` and the lock in one pipeline
        sync); the inserts (``executemany``), the balance's ``UPDATE`` and ``COMMIT`` go in
        the next (the end of the pipeline): two round trips.
        """
        connection = self.connection
        try:
            with connection.pipeline() as pipeline, connection.cursor() as cursor:
                cursor.execute(b"BEGIN")
                cursor.execute(_PG_LOCK, (ACCOUNT,))
                pipeline.sync()
                status, limit, balance, currency, seq = _found(
                    cursor.fetchone(), f"no account {ACCOUNT}"
                )
                _require(status == "active", f"account {ACCOUNT} is {status}")
                floor = -limit
                prefix, now = uuid.uuid4().hex[:28], datetime.now(UTC)
                transactions, entries, postings = [], [], []
                for i, key in enumerate(keys):
                    balance -= amount
                    _require(balance >= floor, f"debit {key} over the limit")
                    seq += 1
                    transaction_id = f"{prefix}{i:04x}"
                    transactions.append((transaction_id, key, ACCOUNT, KIND, now, seq))
                    entries.append(
                        (ACCOUNT, seq, transaction_id, KIND, now, currency, -amount, balance)
                    )
                    postings.append((transaction_id, SYSTEM_ACCOUNT, currency, amount))
                cursor.executemany(_PG_INSERT_TRANSACTION, transactions)
                cursor.executemany(_PG_INSERT_ENTRY, entries)
                cursor.executemany(_PG_INSERT_POSTING, postings)
                cursor.execute(_PG_UPDATE_BALANCE, (balance, seq, ACCOUNT))
                cursor.execute(b"COMMIT")
        except BaseException:
            connection.rollback()
            raise

    def batched(self, n: int, amount: Decimal, size: int) -> None:
        """``n`` debits of ``amount``, ``size`` per transaction."""
        left = n
        while left > 0:
            count = min(size, left)
            left -= count
            self.batch(list(itertools.islice(self.keys, count)), amount)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()
