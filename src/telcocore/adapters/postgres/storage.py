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
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from telcocore.adapters.sql import Migration, SqlStorage, SqlUnitOfWork, load_migrations, migrate
from telcocore.errors import ConfigurationError, StorageError

from .dialect import PostgresDialect

if TYPE_CHECKING:
    from psycopg import Connection
    from psycopg_pool import ConnectionPool

__all__ = ["PostgresStorage", "PostgresUnitOfWork"]

_OPTIONS = ("schema", "pool_min_size", "pool_max_size", "pool_timeout")


class PostgresUnitOfWork(SqlUnitOfWork["Connection[Any]"]):
    """One PostgreSQL transaction (READ COMMITTED) on a pooled connection."""


class PostgresStorage(SqlStorage["Connection[Any]"]):
    """A PostgreSQL database (and schema), migrated to the newest schema on open.

    ``conninfo`` is a libpq URL or ``key=value`` string. ``min_size``/``max_size`` size the
    connection pool; ``timeout`` is how long (seconds) a unit of work waits for a free
    connection. ``migrations`` replaces the shipped ones.
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
        migrations: Sequence[Migration] | None = None,
    ) -> None:
        self.dialect = PostgresDialect(schema)
        import psycopg  # noqa: PLC0415 - the optional driver, present once the dialect exists
        from psycopg_pool import ConnectionPool  # noqa: PLC0415

        if migrations is None:
            migrations = load_migrations(__package__ or "telcocore.adapters.postgres")
        # Migrate over a connection of its own first: a wrong address or database fails
        # here at once, with libpq's own explanation.
        try:
            conn = psycopg.connect(conninfo)
        except psycopg.Error as exc:
            msg = f"cannot connect to PostgreSQL: {exc}"
            raise StorageError(msg) from exc
        try:
            self._configure(conn)
            self.schema_version = migrate(self.dialect, conn, migrations)
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
        cls, url: str, *, migrations: Sequence[Migration] | None = None
    ) -> PostgresStorage:
        """Open ``postgresql://user@host:port/db`` (or ``postgres://``).

        The optional ``schema``, ``pool_min_size``, ``pool_max_size`` and ``pool_timeout``
        options are taken out; the rest of the URL goes to libpq.
        """
        parts = urlsplit(url)
        if parts.scheme not in {"postgresql", "postgres"}:
            msg = f"PostgreSQL URL {url!r} must start with postgresql:// or postgres://"
            raise ConfigurationError(msg)
        query = parse_qsl(parts.query, keep_blank_values=True)
        ours = {k: v for k, v in query if k in _OPTIONS}
        libpq = [(k, v) for k, v in query if k not in _OPTIONS]
        conninfo = urlunsplit(parts._replace(query=urlencode(libpq)))
        try:
            min_size = int(ours.get("pool_min_size", "1"))
            max_size = int(ours.get("pool_max_size", "10"))
            timeout = float(ours.get("pool_timeout", "30"))
        except ValueError as exc:
            msg = f"PostgreSQL URL {url!r} has an invalid pool option: {exc}"
            raise ConfigurationError(msg) from exc
        return cls(
            conninfo,
            schema=ours.get("schema"),
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            migrations=migrations,
        )

    def _configure(self, conn: Connection[Any]) -> None:
        """Every new connection: instants in UTC, tables in the storage's schema."""
        conn.execute(b"SET TIME ZONE 'UTC'")
        if self.dialect.schema is not None:
            conn.execute(f'SET search_path TO "{self.dialect.schema}"'.encode())
        conn.commit()

    def unit_of_work(self, *, read_only: bool = False) -> PostgresUnitOfWork:
        """A new unit of work (``read_only``: see :meth:`telcocore.ports.Storage.unit_of_work`)."""
        return PostgresUnitOfWork(self, read_only=read_only)

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
