"""How the shared SQL code runs on SQLite (standard-library :mod:`sqlite3`).

Every unit of work starts with ``BEGIN IMMEDIATE``: it takes the database's write lock at
once (waiting up to the busy timeout), so writers in any number of threads and processes
run one after the other and a read-then-write inside a unit can never be overtaken.

Decimals are stored as TEXT (their exact ``str``), because SQLite's own arithmetic on them
would go through binary floats. So the debit-limit check is done in Python, on the exact
values, while the write lock is held (see
:attr:`~telcocore.platform.sql.dialect.Dialect.exact_decimals`); sums use a ``decimal_sum``
aggregate and additions a ``decimal_add`` function written in Python, both registered on
every connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType

from telcocore.kernel import entities
from telcocore.kernel.errors import AlreadyExists, StorageError, TelcoError
from telcocore.kernel.money import UNBOUNDED, fixed_point
from telcocore.platform.sql.dialect import Batch, Cursor, Dialect

__all__ = ["DecimalSum", "SqliteDialect", "decimal_add"]


def decimal_add(left: str | None, right: str | None) -> str | None:
    """``decimal_add(a, b)``: the exact sum of two decimals stored as text (``NULL`` if either is).

    The text is the one :meth:`SqliteDialect.decimal_to_db` writes for the sum; adding
    ``"0"`` returns ``a`` unchanged (the same text).
    """
    if left is None or right is None:
        return None
    if right == "0":
        return left
    total = UNBOUNDED.add(Decimal(left), Decimal(right))
    return format(total, "f") if total.is_finite() else fixed_point(total)


class DecimalSum:
    """``decimal_sum(x)``: the exact sum of decimals stored as text (``NULL`` if none)."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: str | None) -> None:
        """Add one value; NULL is skipped."""
        if value is not None:
            amount = Decimal(value)
            self.total = amount if self.total is None else UNBOUNDED.add(self.total, amount)

    def finalize(self) -> str | None:
        """The sum as fixed-point text."""
        return None if self.total is None else fixed_point(self.total)


class SqliteDialect(Dialect[sqlite3.Connection]):
    """SQLite through :mod:`sqlite3`, used with ``isolation_level=None``.

    So the driver starts no transaction of its own: this dialect issues ``BEGIN IMMEDIATE``,
    ``COMMIT`` and ``ROLLBACK``.
    """

    name = "SQLite"
    sum_function = "decimal_sum"
    add_function = "decimal_add"
    exact_decimals = False
    driver_error = sqlite3.Error
    migration_suffix = "sqlite"
    type_macros: Mapping[str, str] = MappingProxyType(
        {
            "decimal": "TEXT",  # the exact string: SQLite has no exact decimal type
            "instant": "TEXT",  # fixed-width UTC text: comparing it compares the time
            "json": "TEXT",
            "bigint": "INTEGER",  # 64 bits; INTEGER PRIMARY KEY is the rowid
            "boolean": "INTEGER",
            "sorted_text": "TEXT",  # SQLite compares text by code point anyway
            "serial": "INTEGER",  # as INTEGER PRIMARY KEY, numbered by SQLite
        }
    )
    table_exists_query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"

    def __init__(self, *, busy_timeout_ms: int) -> None:
        self.busy_timeout_ms = busy_timeout_ms

    def execute(self, conn: sqlite3.Connection, query: str, params: Sequence[object]) -> Cursor:
        """Run one statement (SQLite understands ``?`` itself)."""
        return conn.execute(query, params)

    def execute_batches(self, conn: sqlite3.Connection, batches: Iterable[Batch]) -> None:
        """One ``executemany`` per query."""
        for query, rows in batches:
            conn.executemany(query, rows)

    def run_script(self, conn: sqlite3.Connection, script: str) -> None:
        """Run the script statement by statement, inside the open transaction.

        (``executescript`` would commit first.)
        """
        statement = ""
        for line in script.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                conn.execute(statement)
                statement = ""
        rest = [
            ln for ln in statement.splitlines() if ln.strip() and not ln.strip().startswith("--")
        ]
        if rest:
            msg = f"a migration script ends with an incomplete statement: {statement.strip()!r}"
            raise StorageError(msg)

    def begin(self, conn: sqlite3.Connection) -> None:
        """``BEGIN IMMEDIATE``: take the write lock now."""
        self._require_idle(conn)
        conn.execute("BEGIN IMMEDIATE")

    @staticmethod
    def _require_idle(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            msg = (
                "a unit of work is already open on this thread's SQLite connection; "
                "units of work do not nest"
            )
            raise StorageError(msg)

    def begin_read(self, conn: sqlite3.Connection) -> None:
        """``BEGIN`` (deferred): in WAL mode a reader neither waits for nor blocks a writer."""
        self._require_idle(conn)
        conn.execute("BEGIN")

    def begin_statements(self, conn: sqlite3.Connection) -> None:
        """Nothing to send: each query runs as its own (autocommit) read."""
        self._require_idle(conn)

    def begin_migration(self, conn: sqlite3.Connection) -> None:
        """The write lock of ``BEGIN IMMEDIATE`` also keeps other migrations out.

        Foreign keys are not enforced during the migrations, so one can rebuild a table
        that others refer to (create the new table, copy the rows, drop the old one,
        rename the new one: SQLite cannot change a table's constraints in place);
        :meth:`check_migrated` checks them all before the commit.
        """
        self._require_idle(conn)
        conn.execute("PRAGMA foreign_keys = OFF")  # only outside a transaction
        conn.execute("BEGIN IMMEDIATE")

    def check_migrated(self, conn: sqlite3.Connection) -> None:
        """A StorageError naming the first row whose foreign key refers to nothing."""
        broken = conn.execute("PRAGMA foreign_key_check").fetchone()
        if broken is not None:
            table, rowid, parent, _ = broken
            msg = (
                f"the migrations left a row of {table} (rowid {rowid}) referring to a "
                f"missing row of {parent}; nothing was changed"
            )
            raise StorageError(msg)

    def end_migration(self, conn: sqlite3.Connection) -> None:
        """Enforce foreign keys again, as on every connection of the SQLite storage."""
        conn.execute("PRAGMA foreign_keys = ON")

    def commit(self, conn: sqlite3.Connection) -> None:
        """``COMMIT``."""
        conn.execute("COMMIT")

    def rollback(self, conn: sqlite3.Connection) -> None:
        """``ROLLBACK``, if SQLite has not already ended the transaction."""
        if conn.in_transaction:
            conn.execute("ROLLBACK")

    def translate(self, error: Exception) -> TelcoError:
        """The telcocore error for a sqlite3 error.

        Unique violations become :class:`~telcocore.AlreadyExists`, anything else a
        :class:`~telcocore.StorageError` saying what happened.
        """
        name = getattr(error, "sqlite_errorname", "")
        if name in {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}:
            return AlreadyExists(entities.RECORD, str(error))
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return StorageError(
                f"the SQLite database stayed locked by another writer for longer than the "
                f"busy timeout ({self.busy_timeout_ms} ms); try again later"
            )
        return StorageError(f"SQLite failed: {error} ({name or type(error).__name__})")

    def exact_sum(self, left: str, right: str) -> str:
        """``decimal_add(left, right)``, or ``left`` itself when ``right`` is the text ``0``.

        Sums that stay zero (the cost of calls no provider deck prices) then cost no call
        into Python; the text is the one ``decimal_add`` returns.
        """
        return f"CASE WHEN {right} = '0' THEN {left} ELSE {self.add_function}({left}, {right}) END"

    def decimal_to_db(self, value: Decimal) -> object:
        """Decimals are stored as their exact fixed-point text (``0.000000001``, ``1000``).

        That is ``format(value, "f")`` for a finite value (as :func:`fixed_point` with no
        places asked for, without its look at the exponent); NaN and infinities are refused.
        """
        if value.is_finite():
            return format(value, "f")
        return fixed_point(value)

    def time_to_db(self, value: datetime) -> object:
        """Fixed-width UTC text, e.g. ``2026-03-14T15:09:26.000000Z``."""
        text = value.astimezone(UTC).isoformat(timespec="microseconds")
        return f"{text[:-6]}Z"  # "+00:00" (always, in UTC) becomes "Z"

    def time_from_db(self, value: object) -> datetime:
        """Stored text back to a UTC datetime."""
        return datetime.fromisoformat(str(value))
