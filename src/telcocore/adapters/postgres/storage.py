"""PostgreSQL storage: ``telcocore.connect("postgresql://user@host:5432/db")``.

Needs the ``postgres`` extra (``pip install 'telcocore[postgres]'``: psycopg 3 and
psycopg-pool); psycopg is imported only when a PostgreSQL storage is opened.

A unit of work borrows a connection from a :class:`psycopg_pool.ConnectionPool` and gives
it back on exit. Transactions run at READ COMMITTED: the balance move is one conditional
``UPDATE`` and idempotency keys are UNIQUE, so many processes on many hosts can share one
database. The URL may name a schema (``?schema=telco``), created if missing, and size the
pool (``?pool_min_size=1&pool_max_size=10&pool_timeout=30``); the rest of the URL goes to
libpq as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlunsplit

from telcocore.domains import SQL_DOMAINS
from telcocore.kernel.errors import ConfigurationError, StorageError
from telcocore.kernel.validation import passwords_in, shown, shown_url, without_passwords
from telcocore.platform.sql.migrations import (
    ModuleMigrations,
    SchemaStatus,
    migrate,
    schema_status,
)
from telcocore.platform.sql.options import seconds_setting, split_url, whole_setting
from telcocore.platform.sql.postgres import PostgresDialect
from telcocore.platform.sql.unit_of_work import (
    SqlDomain,
    SqlStorage,
    SqlUnitOfWork,
    migrations_to_run,
)

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

__all__ = ["PostgresStorage", "PostgresUnitOfWork"]

_OPTIONS = ("schema", "pool_min_size", "pool_max_size", "pool_timeout")
_MAX_POOL_SIZE = 10_000
_MAX_POOL_TIMEOUT = 86_400.0
"""A day, in seconds."""


def _parse_url(url: str) -> tuple[str, str | None, tuple[int, int, float]]:
    """The libpq part of a PostgreSQL URL, its schema, and its pool's sizes and timeout.

    telcocore's own options are taken out of the URL and checked.
    """
    parts, options = split_url(url, kind="PostgreSQL")
    if parts.scheme not in {"postgresql", "postgres"}:
        msg = f"PostgreSQL URL {shown_url(url)} must start with postgresql:// or postgres://"
        raise ConfigurationError(msg)
    libpq = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in _OPTIONS]
    min_size = whole_setting(
        options.get("pool_min_size", "1"),
        name="pool_min_size",
        minimum=1,
        maximum=_MAX_POOL_SIZE,
    )
    max_size = whole_setting(
        options.get("pool_max_size", "10"),
        name="pool_max_size",
        minimum=min_size,
        maximum=_MAX_POOL_SIZE,
    )
    timeout = seconds_setting(
        options.get("pool_timeout", "30"), name="pool_timeout", maximum=_MAX_POOL_TIMEOUT
    )
    conninfo = urlunsplit(parts._replace(query=urlencode(libpq)))
    return conninfo, options.get("schema"), (min_size, max_size, timeout)


class PostgresUnitOfWork(SqlUnitOfWork["Connection[Any]"]):
    """One PostgreSQL transaction (READ COMMITTED) on a pooled connection."""


def _configure(conn: Connection[Any], dialect: PostgresDialect) -> None:
    """A new connection: autocommit, instants in UTC, tables in the dialect's schema.

    In autocommit mode the dialect opens each transaction itself, with the first
    statement's round trip.
    """
    conn.autocommit = True
    conn.execute(b"SET TIME ZONE 'UTC'")
    if dialect.schema is not None:
        conn.execute(f'SET search_path TO "{dialect.schema}"'.encode())


def _connect(conninfo: str) -> Connection[Any]:
    """A connection, or a StorageError saying why not without the password."""
    import psycopg  # noqa: PLC0415 - the optional driver, present once the dialect exists

    try:
        return psycopg.connect(conninfo)
    except psycopg.Error as exc:
        failure = exc
    # Raised outside the except block, so the driver's error is not kept as its context.
    reason = without_passwords(str(failure), passwords_in(conninfo))
    error = StorageError(f"cannot connect to PostgreSQL: {reason}")
    # libpq quotes a URL it cannot parse whole: chain its error only without that.
    raise error from (failure if reason == str(failure) else None)


class PostgresStorage(SqlStorage["Connection[Any]"]):
    """A PostgreSQL database (and schema), migrated to the newest schema on open.

    ``conninfo`` is a libpq URL or ``key=value`` string. ``min_size``/``max_size`` size the
    connection pool; ``timeout`` is how long (seconds) a unit of work waits for a free
    connection. ``domains`` are what it stores (default: every registered domain), their
    migrations applied on open; ``migrations``, if given, run instead of the domains' own.
    No message or repr of the storage shows the password of ``conninfo``.
    """

    dialect: PostgresDialect

    def __init__(  # noqa: PLR0913 - the pool's settings, all keyword-only
        self,
        conninfo: str,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 30.0,
        domains: Sequence[SqlDomain] = SQL_DOMAINS,
        migrations: Sequence[ModuleMigrations] | None = None,
    ) -> None:
        if not isinstance(conninfo, str):
            msg = f"conninfo must be a PostgreSQL URL or key=value text, got {shown(conninfo)}"
            raise ConfigurationError(msg)
        min_size = whole_setting(min_size, name="min_size", minimum=1, maximum=_MAX_POOL_SIZE)
        max_size = whole_setting(
            max_size, name="max_size", minimum=min_size, maximum=_MAX_POOL_SIZE
        )
        timeout = seconds_setting(timeout, name="timeout", maximum=_MAX_POOL_TIMEOUT)
        self.dialect = PostgresDialect(schema)
        from psycopg_pool import ConnectionPool  # noqa: PLC0415

        modules = self._register(domains, migrations)
        # Migrate over a connection of its own first: a wrong address or database fails
        # here at once, with libpq's own explanation.
        conn = _connect(conninfo)
        try:
            self._configure(conn)
            self.schema_versions = migrate(self.dialect, conn, modules)
        finally:
            conn.close()
        self._pool: ConnectionPool[Connection[Any]] = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            configure=self._configure,
            name="telcocore",
            open=True,
        )

    @classmethod
    def from_url(
        cls, url: str, *, migrations: Sequence[ModuleMigrations] | None = None
    ) -> PostgresStorage:
        """Open ``postgresql://user@host:port/db`` (or ``postgres://``).

        The optional ``schema``, ``pool_min_size``, ``pool_max_size`` and ``pool_timeout``
        options are taken out; the rest of the URL goes to libpq.
        """
        conninfo, schema, (min_size, max_size, timeout) = _parse_url(url)
        return cls(
            conninfo,
            schema=schema,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            migrations=migrations,
        )

    @classmethod
    def schema_status(
        cls,
        url: str,
        *,
        domains: Sequence[SqlDomain] = SQL_DOMAINS,
        migrations: Sequence[ModuleMigrations] | None = None,
    ) -> SchemaStatus:
        """Where the database (and schema) of ``url`` stands, without migrating it.

        One connection, one read-only transaction, no lock and no pool: nothing is created
        or changed, not even a missing schema, which is a new database (``exists`` is
        ``False``). ``domains`` and ``migrations`` as for the constructor.
        """
        conninfo, schema, _ = _parse_url(url)  # its pool options checked, as connect checks them
        dialect = PostgresDialect(schema)
        modules = migrations_to_run(dialect, domains, migrations)
        conn = _connect(conninfo)
        try:
            _configure(conn, dialect)
            return schema_status(dialect, conn, modules)
        finally:
            conn.close()

    def _configure(self, conn: Connection[Any]) -> None:
        """Every new connection of the pool, set up as :func:`_configure` says."""
        _configure(conn, self.dialect)

    def unit_of_work(self, *, read_only: bool = False, snapshot: bool = True) -> PostgresUnitOfWork:
        """A new unit of work; its arguments as in :meth:`.Storage.unit_of_work`."""
        return PostgresUnitOfWork(self, read_only=read_only, snapshot=snapshot)

    def acquire(self) -> Connection[Any]:
        """A connection from the pool (waiting up to the pool timeout)."""
        import psycopg  # noqa: PLC0415 - the optional driver
        from psycopg_pool import PoolClosed  # noqa: PLC0415

        try:
            return self._pool.getconn()
        except PoolClosed as exc:
            msg = "the PostgreSQL storage is closed"
            raise StorageError(msg) from exc
        except psycopg.Error as exc:
            raise self.dialect.translate(exc) from exc

    def release(self, conn: Connection[Any]) -> None:
        """Give the connection back to the pool."""
        self._pool.putconn(conn)

    def close(self) -> None:
        """Close the pool and its connections."""
        self._pool.close()
