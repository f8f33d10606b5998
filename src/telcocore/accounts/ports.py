"""What the accounts need from storage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from telcocore.accounts.model import Account, AccountStatus

__all__ = ["AccountRepository"]


class AccountRepository(Protocol):
    """Stores accounts."""

    def add(self, account: Account) -> None:
        """Store a new account; :class:`~telcocore.AlreadyExists` if its id is taken."""
        ...

    def get(self, account_id: str) -> Account:
        """The account, or :class:`~telcocore.AccountNotFound`."""
        ...

    def hold(self, account_id: str) -> Account:
        """The account, which no other unit of work can change until this one ends.

        Read this way where a status or debit limit committed by another process must be
        either seen or wait until this unit ends: placing a hold, starting a call, the
        ledger's careful posting.
        """
        ...

    def get_later(self, account_id: str) -> Callable[[], Account]:
        """:meth:`get`, read with the next statement the unit of work runs.

        Nothing is sent yet: the query goes with that statement (on PostgreSQL in the same
        round trip). Call the result for the account, or
        :class:`~telcocore.AccountNotFound`.
        """
        ...

    def list(self, *, status: AccountStatus | None = None) -> list[Account]:
        """All accounts (with ``status``, if given), ordered by id."""
        ...

    def update(self, account: Account) -> None:
        """Store changes to ``account`` if nobody stored another change since it was read.

        The stored version must still be ``account.version``; it is then incremented.
        Otherwise :class:`~telcocore.ConcurrencyError`. A realm another account
        has (compared lower-cased) is :class:`~telcocore.AlreadyExists`. A storage that
        keeps the ledger's balances writes the new version on the account's balance in
        the same transaction.
        """
        ...
