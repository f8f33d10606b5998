"""The platform's ports: clocks, storages and their units of work.

Services depend on these protocols, and on the repository protocols of their own domain
(``telcocore.<domain>.ports``); the storages of :mod:`telcocore.adapters` implement them.
Anyone who writes another storage implements them too: :class:`~telcocore.TelcoCore` takes
any object that fits.

A :class:`UnitOfWork` is one transaction. Use it as a context manager, change things
through the repositories it hands out, then call :meth:`~UnitOfWork.commit`; leaving the
block without a commit (or by an exception) rolls everything back::

    with uow_factory() as uow:
        accounts = uow.get(AccountRepository)
        account = accounts.get("acme")
        account.name = "Acme Ltd"
        accounts.update(account)
        uow.commit()
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar

__all__ = ["Clock", "Storage", "UnitOfWork", "UnitOfWorkFactory"]

R = TypeVar("R")
"""A repository protocol."""


class Clock(Protocol):
    """Tells the time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class UnitOfWork(Protocol):
    """One storage transaction, with the repositories that work inside it."""

    def get(self, port: type[R]) -> R:
        """The repository implementing ``port`` (a domain's repository protocol) in this unit.

        Built the first time a unit asks for it, then kept for the rest of the unit.
        :class:`~telcocore.ConfigurationError` if the storage has no
        repository for ``port``.
        """
        ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End the transaction, rolling back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Make every change of this unit durable and visible to others."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a new, not yet begun, unit of work (``Storage.unit_of_work``)."""

    def __call__(self, *, read_only: bool = False, snapshot: bool = True) -> UnitOfWork:
        """A new unit of work; see :meth:`Storage.unit_of_work`."""
        ...


class Storage(Protocol):
    """A storage backend: makes units of work, and is closed when done."""

    def unit_of_work(self, *, read_only: bool = False, snapshot: bool = True) -> UnitOfWork:
        """A new unit of work.

        A ``read_only`` unit only reads: it cannot commit
        (:class:`~telcocore.StorageError`), and on SQL storages a statement that
        would write is refused before it runs. Every query in it sees the same snapshot
        (PostgreSQL: ``REPEATABLE READ``), and it takes no write lock, so on SQLite it
        neither waits for a writer nor holds one up.

        A read-only unit without a ``snapshot`` opens no transaction: each query sees what
        was committed when it began, as a query of its own would. A read of one query needs
        no more, and on PostgreSQL it is then one round trip instead of two (no ``BEGIN``
        sent with it, no ``ROLLBACK`` after it). ``snapshot=False`` without ``read_only`` is
        a :class:`~telcocore.StorageError`: changes need their transaction.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
