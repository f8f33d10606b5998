"""The unit of work and the storage base shared by the SQL adapters.

A unit of work takes a connection from its storage on ``__enter__``, begins a transaction,
and on ``__exit__`` rolls back whatever was not committed and gives the connection back.

One unit of work at a time per thread: a unit opened inside another one, on the same
thread, would wait forever for the one in-memory SQLite connection, fail deep in the
driver (a SQLite file) or commit on a second connection behind the outer unit's back
(PostgreSQL). Every storage refuses it up front, the same way. And a read-only unit never
commits (:data:`READ_ONLY_COMMIT`).
"""

from __future__ import annotations

import abc
import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs

from telcocore.kernel.errors import ConfigurationError, StorageError
from telcocore.kernel.validation import shown

from .dialect import C, Dialect, Session
from .migrations import ModuleMigrations, load_migrations

__all__ = [
    "READ_ONLY_COMMIT",
    "OneUnitPerThread",
    "RepositoryFactory",
    "SqlDomain",
    "SqlStorage",
    "SqlUnitOfWork",
    "migrations_to_run",
]

R = TypeVar("R")

RepositoryFactory = Callable[[Session[Any]], object]
"""Builds a repository working in one session (usually the repository class itself)."""


@attrs.frozen
class SqlDomain:
    """What a domain stores in a SQL database: its tables' migrations and its repositories.

    Each domain's ``sql`` module defines one as ``STORAGE``; :mod:`telcocore.domains` finds
    them there.
    """

    name: str
    """The domain's module path under ``telcocore``: ``accounts``, ``billing.ledger``.

    Also the module its migrations are recorded under in ``schema_migrations``.
    """
    repositories: Mapping[type[Any], RepositoryFactory]
    """The repository class (a factory taking the session) for each repository protocol."""
    after: tuple[str, ...] = attrs.field(default=(), kw_only=True)
    """The domains whose tables this one's refer to: their migrations run first."""
    baseline: int = attrs.field(default=0, kw_only=True)
    """How many of its migrations the earlier flat layout (schema version 5) had applied.

    Only domains that existed then have one; a new domain leaves it at 0.
    """
    package: str = attrs.field(kw_only=True)
    """The package whose ``migrations`` folder holds its migrations: ``telcocore.<name>``."""

    @package.default
    def _package(self) -> str:
        return f"telcocore.{self.name}"

    def migrations(self, dialect: Dialect[Any]) -> ModuleMigrations:
        """Its migrations, ready to run on the database of ``dialect``."""
        return ModuleMigrations(
            self.name, load_migrations(self.package, dialect), baseline=self.baseline
        )


READ_ONLY_COMMIT = "a read-only unit of work cannot commit; open one without read_only to write"
"""The message of the StorageError a read-only unit's ``commit()`` raises, on every storage."""
WRITES_NEED_A_SNAPSHOT = "only a read-only unit of work can go without a snapshot"
"""The message of the StorageError of ``unit_of_work(snapshot=False)`` without ``read_only``."""


def migrations_to_run(
    dialect: Dialect[Any],
    domains: Sequence[SqlDomain],
    migrations: Sequence[ModuleMigrations] | None,
) -> list[ModuleMigrations]:
    """The migrations of ``domains`` for the database of ``dialect``, or ``migrations`` if given.

    ``migrations`` stands in for the domains' own (the tests of the migration runner).
    """
    if migrations is not None:
        return list(migrations)
    return [domain.migrations(dialect) for domain in domains]


class OneUnitPerThread:
    """Tracks, per thread, whether a unit of work of one storage is open."""

    def __init__(self) -> None:
        self._open = threading.local()

    def enter(self) -> None:
        """Mark a unit open on this thread, or raise StorageError if one already is."""
        if getattr(self._open, "unit", False):
            msg = "a unit of work is already open on this thread; units of work do not nest"
            raise StorageError(msg)
        self._open.unit = True

    def leave(self) -> None:
        """Mark this thread's unit closed."""
        self._open.unit = False


class SqlStorage(abc.ABC, Generic[C]):
    """A SQL database: hands out connections to units of work."""

    dialect: Dialect[C]
    repositories: Mapping[type[Any], RepositoryFactory]
    """The repository factory for each repository protocol, from every registered domain."""
    schema_versions: Mapping[str, int]
    """The schema version of each module (domain) after migrating on open."""

    def _register(
        self, domains: Sequence[SqlDomain], migrations: Sequence[ModuleMigrations] | None
    ) -> list[ModuleMigrations]:
        """Take the domains' repositories; their migrations (or ``migrations``) to run."""
        self.repositories = {
            port: factory for domain in domains for port, factory in domain.repositories.items()
        }
        return migrations_to_run(self.dialect, domains, migrations)

    @functools.cached_property
    def units(self) -> OneUnitPerThread:
        """Refuses a unit of work opened inside another on the same thread."""
        return OneUnitPerThread()

    @abc.abstractmethod
    def acquire(self) -> C:
        """A connection for one unit of work, with no transaction open."""

    @abc.abstractmethod
    def release(self, conn: C) -> None:
        """Take back a connection a unit of work is done with."""

    @abc.abstractmethod
    def unit_of_work(self, *, read_only: bool = False, snapshot: bool = True) -> SqlUnitOfWork[C]:
        """A new unit of work; its arguments as in :meth:`.Storage.unit_of_work`."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release every connection and file."""


class SqlUnitOfWork(Generic[C]):
    """One database transaction, with the repositories that work inside it.

    Use it as a context manager; a statement run after :meth:`commit` begins the next
    transaction, which is rolled back on exit unless committed too.
    """

    def __init__(
        self, storage: SqlStorage[C], *, read_only: bool = False, snapshot: bool = True
    ) -> None:
        if not snapshot and not read_only:
            raise StorageError(WRITES_NEED_A_SNAPSHOT)
        self._storage = storage
        self._session: Session[C] = Session(storage.dialect, read_only=read_only, snapshot=snapshot)
        self._repositories: dict[type[Any], Any] = {}

    def get(self, port: type[R]) -> R:
        """The repository implementing ``port`` in this unit, built the first time it is asked."""
        try:
            return self._repositories[port]  # type: ignore[no-any-return]
        except KeyError:
            pass
        try:
            factory = self._storage.repositories[port]
        except (KeyError, TypeError):
            msg = f"the storage has no repository for {shown(port)}; is its domain registered?"
            raise ConfigurationError(msg) from None
        repository = self._repositories[port] = factory(self._session)
        return repository  # type: ignore[return-value]

    def __enter__(self) -> Self:
        self._storage.units.enter()
        try:
            self._session.bind(self._storage.acquire())
        except BaseException:
            self._storage.units.leave()
            raise
        try:
            self._session.begin()
        except BaseException:
            self._storage.release(self._session.unbind())
            self._storage.units.leave()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self._session.rollback()
        except Exception:
            if exc is None:  # never hide the error that is already on its way out
                raise
        finally:
            self._storage.release(self._session.unbind())
            self._storage.units.leave()

    def commit(self) -> None:
        """Make every change of this unit durable and visible to others."""
        if self._session.read_only:
            raise StorageError(READ_ONLY_COMMIT)
        self._session.commit()
