"""How the shared SQL code runs on PostgreSQL (psycopg 3).

Decimals are ``NUMERIC`` (exact in the database too), instants ``TIMESTAMPTZ``, documents
``JSONB``.

Connections are in autocommit mode and the dialect opens every transaction itself: the
first statement of a transaction goes in one pipeline with its ``BEGIN`` (a read-only
unit's too, with its own ``BEGIN``), and the rows
written last go in one pipeline with the ``COMMIT``, each a single round trip (psycopg on
its own sends ``BEGIN`` by itself and waits for it, and syncs a pipeline's ``COMMIT``
twice). A statement never runs outside a transaction.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

from telcocore.kernel import entities
from telcocore.kernel.errors import AlreadyExists, ConfigurationError, StorageError, TelcoError
from telcocore.kernel.validation import shown
from telcocore.platform.sql.dialect import Batch, Cursor, Dialect, Row, Statement

if TYPE_CHECKING:
    from psycopg import Connection

__all__ = ["PostgresDialect", "require_driver", "validate_schema"]

R = TypeVar("R")

_SCHEMA = re.compile(r"[a-z_][a-z0-9_]{0,62}")

_RETRY = "nothing was written; run the unit of work again"
_CONNECTION_STATES = ("08", "57P")
"""The SQLSTATE classes of a lost or refused connection: connection exceptions (``08``) and
the server shutting down or not accepting connections yet (``57P01``-``57P05``)."""

_BEGIN = b"BEGIN"
_BEGIN_READ = b"BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"


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
        from psycopg.pq import TransactionStatus  # noqa: PLC0415
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        self.driver_error = psycopg.Error
        self._jsonb = Jsonb
        self.schema = None if schema is None else validate_schema(schema)
        name = (schema or "public").encode()
        digest = hashlib.blake2b(b"telcocore-migrations:" + name, digest_size=8).digest()
        self.migration_lock = int.from_bytes(digest, "big", signed=True)
        self._queries: dict[str, bytes] = {}
        self._idle_status = TransactionStatus.IDLE
        self._opening: weakref.WeakKeyDictionary[Connection[Any], bytes | None] = (
            weakref.WeakKeyDictionary()
        )
        """What each connection's unit opens its transaction with, sent with its first
        statement: ``BEGIN`` (:meth:`begin`), the read-only one (:meth:`begin_read`), or
        ``None``, no transaction (:meth:`begin_statements`)."""

    def finite_decimals_in_rows(self, rows: list[Row], columns: Iterable[int]) -> list[Row]:  # noqa: ARG002 - none to convert
        """The rows as psycopg returns them, nothing converted or checked again.

        psycopg returns ``NUMERIC`` as ``Decimal`` (``NULL`` as ``None``), and the columns'
        ``CHECK`` keeps them finite.
        """
        return rows

    def _query(self, query: str) -> bytes:
        converted = self._queries.get(query)
        if converted is None:
            converted = query.replace("%", "%%").replace("?", "%s").encode()
            self._queries[query] = converted
        return converted

    def _idle(self, conn: Connection[Any]) -> bool:
        """Whether no transaction is open on ``conn``: the next statement begins one."""
        return conn.pgconn.transaction_status == self._idle_status

    def _opens(self, conn: Connection[Any]) -> bytes | None:
        """The ``BEGIN`` the next statement on ``conn`` goes with; ``None`` if it goes alone."""
        return self._opening.get(conn, _BEGIN) if self._idle(conn) else None

    def _pipelined(self, conn: Connection[Any], send: Callable[[], R]) -> R:
        """What ``send`` returns, its statements sent in one pipeline: one round trip.

        ``BEGIN`` goes first when no transaction is open (the read-only one after
        :meth:`begin_read`; none after :meth:`begin_statements`). A failing statement is
        raised as
        itself, after the pipeline has ended quietly: psycopg would otherwise log the
        aborted pipeline as a warning. The statements after it did not run; the
        transaction, if one was open or begun, is left for a rollback.
        """
        opening = self._opens(conn)
        failed: Exception | None = None
        sent: list[R] = []
        try:
            with conn.pipeline():
                try:
                    if opening is not None:
                        conn.execute(opening)
                    sent.append(send())
                except self.driver_error as error:
                    failed = error
        except self.driver_error:
            if failed is None:
                raise
        if failed is not None:
            raise failed
        return sent[0]

    def execute(self, conn: Connection[Any], query: str, params: Sequence[object]) -> Cursor:
        """Run one statement, its ``?`` placeholders turned into ``%s``.

        The first statement of a transaction goes with its ``BEGIN``, in one round trip.
        """
        if self._opens(conn) is None:
            return conn.execute(self._query(query), params)
        return self._pipelined(conn, lambda: conn.execute(self._query(query), params))

    def execute_all(self, conn: Connection[Any], statements: Iterable[Statement]) -> None:
        """Send the statements in one pipeline: one round trip for all of them."""

        def send() -> None:
            with conn.cursor() as cursor:
                for query, params in statements:
                    cursor.execute(self._query(query), params)

        self._pipelined(conn, send)

    def execute_and_commit(self, conn: Connection[Any], batches: Sequence[Batch]) -> None:
        """Send the batches' statements and ``COMMIT`` in one pipeline: one round trip for all.

        ``COMMIT`` goes as one more statement of the pipeline, so the pipeline's end is its
        only synchronisation. After a failing statement, nothing else ran: the
        transaction is not committed, and the failure is raised.
        """
        self._send_batches(conn, batches, commit=True)

    def execute_batches(self, conn: Connection[Any], batches: Iterable[Batch]) -> None:
        """One ``executemany`` per query, all in one pipeline: one round trip for them all."""
        self._send_batches(conn, batches, commit=False)

    def _send_batches(
        self, conn: Connection[Any], batches: Iterable[Batch], *, commit: bool
    ) -> None:
        """One ``executemany`` per query, then ``COMMIT`` if ``commit``, in one pipeline."""

        def send() -> None:
            with conn.cursor() as cursor:
                for query, rows in batches:
                    cursor.executemany(self._query(query), rows)
                if commit:
                    cursor.execute(b"COMMIT")

        self._pipelined(conn, send)

    def execute_after(
        self,
        conn: Connection[Any],
        batches: Sequence[Batch],
        reads: Sequence[Statement],
        last: Statement | None,
    ) -> tuple[list[list[Row]], Cursor | None]:
        """The batches, the reads and ``last`` in one pipeline: one round trip for them all."""

        def send() -> tuple[list[Cursor], Cursor | None]:
            with conn.cursor() as cursor:
                for query, rows in batches:
                    cursor.executemany(self._query(query), rows)
            sent: list[Cursor] = [conn.execute(self._query(q), params) for q, params in reads]
            return sent, None if last is None else conn.execute(self._query(last[0]), last[1])

        sent, cursor = self._pipelined(conn, send)
        return [list(read.fetchall()) for read in sent], cursor

    def run_script(self, conn: Connection[Any], script: str) -> None:
        """Run the whole script at once (no parameters, so several statements may go)."""
        if self._idle(conn):
            conn.execute(_BEGIN)
        conn.execute(script.encode())

    def begin(self, conn: Connection[Any]) -> None:
        """Nothing yet: the first statement carries the ``BEGIN``, in the same round trip."""
        self._opening[conn] = _BEGIN

    def begin_read(self, conn: Connection[Any]) -> None:
        """A ``REPEATABLE READ, READ ONLY`` transaction: every query sees one snapshot.

        Its ``BEGIN`` goes with the first statement too, in the same round trip; the
        snapshot is taken by that statement, as it would be after a ``BEGIN`` of its own.
        """
        self._opening[conn] = _BEGIN_READ

    def begin_statements(self, conn: Connection[Any]) -> None:
        """No ``BEGIN``: each query runs on its own (the connection is in autocommit mode).

        A query goes alone, one round trip, with no ``ROLLBACK`` after it.
        """
        self._opening[conn] = None

    def begin_migration(self, conn: Connection[Any]) -> None:
        """Begin, take the migration advisory lock, then create the schema if it is missing.

        The lock is held to the end of the transaction.
        """
        self._opening[conn] = _BEGIN
        conn.execute(_BEGIN)
        conn.execute(b"SELECT pg_advisory_xact_lock(%s)", (self.migration_lock,))
        if self.schema is not None:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'.encode())

    def commit(self, conn: Connection[Any]) -> None:
        """``COMMIT``."""
        conn.commit()

    def rollback(self, conn: Connection[Any]) -> None:
        """``ROLLBACK`` (nothing if no transaction is open).

        A read-only transaction ends with the statement itself. psycopg's ``rollback()``
        also forgets every statement it prepared on the connection (a rollback may undo
        the schema they were planned on) and deallocates them, one more round trip; a
        read-only transaction changed nothing, so the statements stay prepared, for the
        readers and for the writers that use the connection next.
        """
        if self._idle(conn):
            return
        if self._opening.get(conn) == _BEGIN_READ:
            conn.execute(b"ROLLBACK")
        else:
            conn.rollback()

    def translate(self, error: Exception) -> TelcoError:
        """The telcocore error for a psycopg error.

        Unique violations become :class:`~telcocore.AlreadyExists`; conflicts the
        server resolved by aborting, lost connections and anything else a
        :class:`~telcocore.StorageError`. Only a driver error with no SQLSTATE (the client
        lost the server) or of a connection's class (``08``, ``57P``: shut down, cannot
        connect now) says the connection failed; a limit or a resource the server ran out
        of (``53``, ``54``, also ``OperationalError`` in psycopg) says what the server said.
        """
        import psycopg  # noqa: PLC0415 - the optional driver
        from psycopg import errors  # noqa: PLC0415

        sqlstate = getattr(error, "sqlstate", None)
        state = sqlstate or type(error).__name__
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
        lost = sqlstate is None or sqlstate.startswith(_CONNECTION_STATES)
        if isinstance(error, psycopg.OperationalError) and lost:
            return StorageError(
                f"PostgreSQL is unreachable or the connection failed: {error} ({state})"
            )
        return StorageError(f"PostgreSQL failed: {error} ({state})")

    def whole_second(self, column: str) -> str:
        """The instant's seconds since the epoch, a ``BIGINT`` (exact on a whole second)."""
        return f"CAST(date_part('epoch', {column}) AS BIGINT)"

    def whole_second_from_db(self, value: object) -> datetime:
        """Seconds since the epoch back to the instant, in UTC."""
        if type(value) is not int:  # pragma: no cover - the column is a BIGINT
            msg = f"stored instant {value!r} is not a count of seconds"
            raise StorageError(msg)
        return datetime.fromtimestamp(value, UTC)

    def json_to_db(self, value: object) -> object:
        """Documents are JSONB."""
        return self._jsonb(value)
