"""How the shared SQL code runs on PostgreSQL (psycopg 3).

Decimals are ``NUMERIC`` (exact in the database too), instants ``TIMESTAMPTZ``, documents
``JSONB``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from telcocore.kernel import entities
from telcocore.kernel.errors import AlreadyExists, ConfigurationError, StorageError, TelcoError
from telcocore.kernel.validation import shown
from telcocore.platform.sql.dialect import Batch, Cursor, Dialect, Statement

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = ["PostgresDialect", "require_driver", "validate_schema"]

_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")

_RETRY = "nothing was written; run the unit of work again"


def require_driver() -> None:
    """Import psycopg and psycopg-pool, or explain how to install them."""
    try:
        import psycopg  # noqa: F401, PLC0415 - the optional driver, imported when used
        import psycopg_pool  # noqa: F401, PLC0415
    except ImportError as exc:
        msg = (
            "PostgreSQL storage needs psycopg 3 and psycopg-pool, which are not installed: "
            "pip install 'telcocore[postgres]'"
        )
        raise ConfigurationError(msg) from exc


def validate_schema(value: str) -> str:
    """A valid schema name, or ConfigurationError.

    Lower-case letters, digits and ``_``, at most 63, not starting with a digit: such a
    name never needs quoting rules of its own.
    """
    if not isinstance(value, str) or not _SCHEMA.fullmatch(value):
        msg = (
            f"PostgreSQL schema {shown(value)} must be 1-63 lower-case letters, digits or '_', "
            "not starting with a digit"
        )
        raise ConfigurationError(msg)
    return value


class PostgresDialect(Dialect["Connection[Any]"]):
    """PostgreSQL through psycopg 3.

    ``schema`` is where the tables live (``None``: the connection's default ``search_path``).
    """

    name = "PostgreSQL"
    share_lock = " FOR SHARE"
    code_point_order = ' COLLATE "C"'
    update_lock = " FOR UPDATE"
    migration_suffix = "postgresql"
    type_macros: Mapping[str, str] = MappingProxyType(
        {
            "decimal": "NUMERIC",
            "instant": "TIMESTAMPTZ",
            "json": "JSONB",
            "bigint": "BIGINT",
            "boolean": "BOOLEAN",
            "sorted_text": 'TEXT COLLATE "C"',  # code point order, whatever the locale
            "serial": "BIGINT GENERATED ALWAYS AS IDENTITY",
        }
    )
    table_exists_query = (
        "SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_name = ?"
    )

    def __init__(self, schema: str | None) -> None:
        require_driver()
        import psycopg  # noqa: PLC0415 - the optional driver
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        self.driver_error = psycopg.Error
        self._jsonb = Jsonb
        self.schema = None if schema is None else validate_schema(schema)
        name = (schema or "public").encode()
        digest = hashlib.blake2b(b"telcocore-migrations:" + name, digest_size=8).digest()
        self.migration_lock = int.from_bytes(digest, "big", signed=True)
        self._queries: dict[str, bytes] = {}

    def _query(self, query: str) -> bytes:
        converted = self._queries.get(query)
        if converted is None:
            converted = query.replace("%", "%%").replace("?", "%s").encode()
            self._queries[query] = converted
        return converted

    def execute(self, conn: Connection[Any], query: str, params: Sequence[object]) -> Cursor:
        """Run one statement, its ``?`` placeholders turned into ``%s``."""
        return conn.execute(self._query(query), params)

    def execute_all(self, conn: Connection[Any], statements: Iterable[Statement]) -> None:
        """Send the statements in one pipeline: one round trip for all of them."""
        with conn.pipeline():
            for query, params in statements:
                conn.execute(self._query(query), params)

    def execute_and_commit(self, conn: Connection[Any], statements: Sequence[Statement]) -> None:
        """Send the statements and ``COMMIT`` in one pipeline: one round trip for all.

        A failing statement (a taken key) is raised as itself, after the pipeline has
        ended quietly: psycopg would otherwise log the aborted pipeline as a warning.
        """
        failed: Exception | None = None
        try:
            with conn.pipeline():
                try:
                    for query, params in statements:
                        conn.execute(self._query(query), params)
                    conn.commit()
                except self.driver_error as error:
                    failed = error
        except self.driver_error:
            if failed is None:
                raise
        if failed is not None:
            raise failed

    def execute_batches(self, conn: Connection[Any], batches: Iterable[Batch]) -> None:
        """One ``executemany`` per query, all in one pipeline: one round trip for them all."""
        with conn.pipeline(), conn.cursor() as cursor:
            for query, rows in batches:
                cursor.executemany(self._query(query), rows)

    def run_script(self, conn: Connection[Any], script: str) -> None:
        """Run the whole script at once (no parameters, so several statements may go)."""
        conn.execute(script.encode())

    def begin(self, conn: Connection[Any]) -> None:
        """Psycopg begins the transaction with the first statement."""
        del conn

    def begin_read(self, conn: Connection[Any]) -> None:
        """A ``REPEATABLE READ, READ ONLY`` transaction: every query sees one snapshot."""
        conn.execute(b"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def begin_migration(self, conn: Connection[Any]) -> None:
        """Take the migration advisory lock, then create the schema if it is missing.

        The lock is held to the end of the transaction.
        """
        conn.execute(b"SELECT pg_advisory_xact_lock(%s)", (self.migration_lock,))
        if self.schema is not None:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'.encode())

    def commit(self, conn: Connection[Any]) -> None:
        """``COMMIT``."""
        conn.commit()

    def rollback(self, conn: Connection[Any]) -> None:
        """``ROLLBACK`` (nothing if no transaction is open)."""
        conn.rollback()

    def translate(self, error: Exception) -> TelcoError:
        """The telcocore error for a psycopg error.

        Unique violations become :class:`~telcocore.AlreadyExists`; conflicts the
        server resolved by aborting, lost connections and anything else a
        :class:`~telcocore.StorageError`.
        """
        import psycopg  # noqa: PLC0415 - the optional driver
        from psycopg import errors  # noqa: PLC0415

        state = getattr(error, "sqlstate", None) or type(error).__name__
        if isinstance(error, errors.UniqueViolation):
            return AlreadyExists(entities.RECORD, error.diag.constraint_name or str(error))
        if isinstance(error, errors.DeadlockDetected):
            return StorageError(
                f"PostgreSQL broke a deadlock by aborting this transaction; {_RETRY}"
            )
        if isinstance(error, errors.SerializationFailure):
            return StorageError(
                f"PostgreSQL could not serialize this transaction with a concurrent one; {_RETRY}"
            )
        if isinstance(error, psycopg.OperationalError):
            return StorageError(
                f"PostgreSQL is unreachable or the connection failed: {error} ({state})"
            )
        return StorageError(f"PostgreSQL failed: {error} ({state})")

    def json_to_db(self, value: object) -> object:
        """Documents are JSONB."""
        return self._jsonb(value)
