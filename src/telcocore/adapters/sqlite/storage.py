"""SQLite storage: ``telcocore.connect("sqlite:///path/to/file.db")``.

Each thread gets its own connection, opened on its first unit of work and kept for the
next ones (opening a connection costs far more than a short unit of work). Connections run
in WAL mode, so readers do not block the writer, with ``foreign_keys=ON``, a busy timeout,
and ``synchronous=FULL`` (a committed transaction survives a power cut) unless the URL asks
for ``synchronous=normal``.

``sqlite:///:memory:`` is one private in-memory database: a single connection shared by
every thread, one unit of work at a time.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote
from urllib.request import pathname2url

from telcocore.domains import SQL_DOMAINS
from telcocore.kernel.errors import ConfigurationError, StorageError
from telcocore.kernel.validation import shown, shown_url
from telcocore.platform.sql.migrations import (
    ModuleMigrations,
    SchemaStatus,
    migrate,
    schema_status,
)
from telcocore.platform.sql.options import split_url, whole_setting
from telcocore.platform.sql.sqlite import DecimalSum, SqliteDialect, decimal_add
from telcocore.platform.sql.unit_of_work import (
    SqlDomain,
    SqlStorage,
    SqlUnitOfWork,
    migrations_to_run,
)

__all__ = ["SYNCHRONOUS_MODES", "SqliteStorage", "SqliteUnitOfWork"]

SYNCHRONOUS_MODES = ("full", "normal", "extra")
"""The ``synchronous=`` values a SQLite URL accepts; ``full`` is the default."""

_MEMORY = ":memory:"
_MAX_BUSY_TIMEOUT = 2**31 - 1
"""SQLite keeps the busy timeout in a C ``int`` of milliseconds."""


def _parse_url(url: str) -> tuple[str, str, int]:
    """The path, ``synchronous`` mode and busy timeout (ms) a SQLite URL names."""
    parts, options = split_url(url, kind="SQLite")
    path = unquote(parts.path[1:])
    if parts.scheme != "sqlite" or parts.netloc or not path:
        msg = (
            f"SQLite URL {shown_url(url)} must look like sqlite:///relative/file.db, "
            "sqlite:////absolute/file.db or sqlite:///:memory:"
        )
        raise ConfigurationError(msg)
    unknown = set(options) - {"synchronous", "busy_timeout"}
    if unknown:
        names = shown(sorted(unknown))
        msg = f"unknown SQLite URL option(s) {names}; use synchronous, busy_timeout"
        raise ConfigurationError(msg)
    timeout = whole_setting(
        options.get("busy_timeout", "30000"),
        name="busy_timeout",
        minimum=0,
        maximum=_MAX_BUSY_TIMEOUT,
    )
    return path, _synchronous(options.get("synchronous", "full").lower()), timeout


def _synchronous(mode: str) -> str:
    """``mode`` if it is one of :data:`SYNCHRONOUS_MODES`, else a ConfigurationError."""
    if mode not in SYNCHRONOUS_MODES:
        msg = f"synchronous={shown(mode)} must be one of {', '.join(SYNCHRONOUS_MODES)}"
        raise ConfigurationError(msg)
    return mode


_PATH_MAX = 4096
"""The longest path Linux takes: a path up to it is shown whole in a message."""


def _shown_path(path: str) -> str:
    """``path`` quoted for a message: whole, so that the user sees which file (to PATH_MAX)."""
    return repr(path) if len(path) <= _PATH_MAX else shown(path)


def _has_content(path: str) -> bool:
    """Whether ``path`` is a file with something in it (a database SQLite could read)."""
    try:
        return Path(path).stat().st_size > 0
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        msg = f"cannot open SQLite database {_shown_path(path)}: {exc}"
        raise StorageError(msg) from exc


class SqliteUnitOfWork(SqlUnitOfWork[sqlite3.Connection]):
    """One SQLite transaction, begun with ``BEGIN IMMEDIATE`` (read-only: ``BEGIN``)."""


class SqliteStorage(SqlStorage[sqlite3.Connection]):
    """A SQLite database file (or ``":memory:"``), migrated to the newest schema on open.

    ``busy_timeout_ms`` is how long a unit of work waits for another writer's lock before
    :class:`~telcocore.StorageError`. ``domains`` are what it stores (default: every
    registered domain), their migrations applied on open; ``migrations``, if given, run
    instead of the domains' own.
    """

    dialect: SqliteDialect

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: str = "full",
        busy_timeout_ms: int = 30_000,
        domains: Sequence[SqlDomain] = SQL_DOMAINS,
        migrations: Sequence[ModuleMigrations] | None = None,
    ) -> None:
        _synchronous(synchronous)
        busy_timeout_ms = whole_setting(
            busy_timeout_ms, name="busy_timeout_ms", minimum=0, maximum=_MAX_BUSY_TIMEOUT
        )
        self.path = _MEMORY if str(path) == _MEMORY else str(Path(path).absolute())
        self.synchronous = synchronous
        self.dialect = SqliteDialect(busy_timeout_ms=busy_timeout_ms)
        self._lock = threading.Lock()
        self._memory_lock = threading.Lock()
        self._connections: dict[int, tuple[threading.Thread, sqlite3.Connection]] = {}
        self._local = threading.local()
        self._pid = os.getpid()
        self._closed = False
        modules = self._register(domains, migrations)
        conn = self.acquire()
        try:
            self.schema_versions = migrate(self.dialect, conn, modules)
        except BaseException:
            self.release(conn)
            self.close()
            raise
        self.release(conn)

    @classmethod
    def from_url(
        cls, url: str, *, migrations: Sequence[ModuleMigrations] | None = None
    ) -> SqliteStorage:
        """Open ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or ``sqlite:///:memory:``.

        Options: ``?synchronous=normal`` (or ``full``, ``extra``) and ``?busy_timeout=<ms>``.
        """
        path, synchronous, timeout = _parse_url(url)
        return cls(path, synchronous=synchronous, busy_timeout_ms=timeout, migrations=migrations)

    @classmethod
    def schema_status(
        cls,
        url: str,
        *,
        domains: Sequence[SqlDomain] = SQL_DOMAINS,
        migrations: Sequence[ModuleMigrations] | None = None,
    ) -> SchemaStatus:
        """Where the database of ``url`` stands against this release, without migrating it.

        Only read: nothing is created or changed, not even a missing file, which (like an
        empty file or ``:memory:``) is a new database (``exists`` is ``False``). The file is
        opened without being created (``mode=rw``, so that closing the connection removes
        the write-ahead log files it found absent) and read in one read-only transaction.
        ``domains`` and ``migrations`` as for the constructor.
        """
        path, _, timeout = _parse_url(url)
        dialect = SqliteDialect(busy_timeout_ms=timeout)
        modules = migrations_to_run(dialect, domains, migrations)
        if path == _MEMORY or not _has_content(path):
            return SchemaStatus.new(modules)
        try:
            conn = sqlite3.connect(
                f"file:{pathname2url(str(Path(path).absolute()))}?mode=rw",
                uri=True,
                timeout=timeout / 1000,
                isolation_level=None,
            )
        except sqlite3.Error as exc:
            msg = f"cannot open SQLite database {_shown_path(path)}: {exc}"
            raise StorageError(msg) from exc
        try:
            return schema_status(dialect, conn, modules)
        except StorageError as error:  # a file that is not a database: say which file
            error.args = (f"cannot read SQLite database {_shown_path(path)}: {error}",)
            raise
        finally:
            conn.close()

    def unit_of_work(self, *, read_only: bool = False, snapshot: bool = True) -> SqliteUnitOfWork:
        """A new unit of work; its arguments as in :meth:`.Storage.unit_of_work`."""
        return SqliteUnitOfWork(self, read_only=read_only, snapshot=snapshot)

    def _open(self) -> sqlite3.Connection:
        dialect = self.dialect
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=dialect.busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except (sqlite3.Error, ValueError) as exc:  # ValueError: a NUL in the path
            msg = f"cannot open SQLite database {_shown_path(self.path)}: {exc}"
            raise StorageError(msg) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {dialect.busy_timeout_ms:d}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")
            # typeshed types aggregates as int -> int; this one sums text decimals
            conn.create_aggregate("decimal_sum", 1, cast("Any", DecimalSum))
            conn.create_function("decimal_add", 2, decimal_add, deterministic=True)
        except sqlite3.Error as exc:
            conn.close()
            error = dialect.translate(exc)
            error.args = (f"cannot open SQLite database {_shown_path(self.path)}: {error}",)
            raise error from exc
        return conn

    def _thread_connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        conn = self._open()
        with self._lock:
            for key, (thread, old) in list(self._connections.items()):
                if not thread.is_alive():  # its thread is gone: nobody else can use it
                    old.close()
                    del self._connections[key]
            self._connections[id(conn)] = (threading.current_thread(), conn)
        self._local.conn = conn
        return conn

    def acquire(self) -> sqlite3.Connection:
        """The calling thread's connection (for ``:memory:``, the one connection, once free)."""
        if self._closed:
            msg = f"the SQLite storage {self.path!r} is closed"
            raise StorageError(msg)
        if os.getpid() != self._pid:  # a forked child must not share its parent's handles
            self._pid = os.getpid()
            self._local = threading.local()
            self._connections = {}
        if self.path != _MEMORY:
            return self._thread_connection()
        self._memory_lock.acquire()
        try:
            with self._lock:
                if not self._connections:
                    conn = self._open()
                    self._connections[id(conn)] = (threading.current_thread(), conn)
                return next(iter(self._connections.values()))[1]
        except BaseException:
            self.release(conn=None)
            raise

    def release(self, conn: sqlite3.Connection | None) -> None:
        """Keep the connection for this thread's next unit of work."""
        del conn
        if self.path == _MEMORY:
            self._memory_lock.release()

    def close(self) -> None:
        """Close every connection; the storage cannot be used afterwards."""
        with self._lock:
            self._closed = True
            connections = [conn for _, conn in self._connections.values()]
            self._connections.clear()
        for conn in connections:
            conn.close()
