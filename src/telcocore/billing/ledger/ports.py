"""What the ledger needs from storage."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from telcocore.billing.ledger.model import (
    BalanceChange,
    HeldBalance,
    Hold,
    LedgerEntry,
    Transaction,
    TransactionKind,
)
from telcocore.kernel.money import Money

__all__ = ["LedgerRepository"]


class LedgerRepository(Protocol):
    """Stores ledger transactions and the customer balances they move."""

    def open_balance(self, account_id: str, currency: str) -> None:
        """Create the zero balance of a stored customer account.

        :class:`~telcocore.AccountNotFound` if the account is not stored,
        :class:`~telcocore.AlreadyExists` if it already has a balance.
        """
        ...

    def move_balance(
        self,
        account_id: str,
        delta: Decimal,
        *,
        floor: Decimal | None,
        account_version: int | None = None,
    ) -> BalanceChange | None:
        """Add ``delta`` to the account's balance, atomically with respect to every writer.

        Refuse (return ``None``, change nothing) when the new balance less the account's
        holds would be below a ``floor`` given, or the new balance out of the ledger's
        bounds (:func:`~telcocore.billing.ledger.model.balance_allowed`), or an
        ``account_version`` is given and the balance holds another one: the account
        changed since that version was read, and the move would judge by its old rules.

        The balance holds its account's version, kept by the storage itself whoever
        changes the account: written in the transaction of every change of its version,
        which no move of the balance passes (PostgreSQL: the balance row's lock, which
        every move takes; SQLite: the write lock).
        """
        ...

    def find_hold(self, hold_id: str) -> Hold | None:
        """The hold placed under ``hold_id`` and not released, if any."""
        ...

    def place_hold(self, hold: Hold, *, floor: Decimal) -> bool:
        """Store ``hold`` and add its amount to its account's held sum, atomically.

        Refuse (return ``False``, change nothing) when ``balance - held - amount`` would be
        below ``floor``. :class:`~telcocore.AlreadyExists` if its id is taken (the unit of
        work must then be rolled back).
        """
        ...

    def release_hold(self, hold_id: str, *, account_id: str | None = None) -> Hold | None:
        """Delete the hold and take its amount off its account's held sum; ``None`` if none.

        With ``account_id``, only a hold on that account (``None`` for another's).
        """
        ...

    def held(self, account_id: str) -> Money:
        """The sum of the account's holds now."""
        ...

    def holds(self, account_id: str) -> list[Hold]:
        """The account's holds, oldest first."""
        ...

    def balance(self, account_id: str) -> Money:
        """The account's balance now."""
        ...

    def record(self, transaction: Transaction, change: BalanceChange) -> None:
        """Store ``transaction``, whose customer posting made ``change``.

        :class:`~telcocore.AlreadyExists` if its idempotency key, its id, or (for a
        reversal) the transaction it reverses is taken.
        """
        ...

    def add(self, transaction: Transaction, change: BalanceChange) -> None:
        """Store a new ``transaction`` (its key believed unused) without looking anything up.

        :class:`~telcocore.AlreadyExists` if its idempotency key, its id, or (for a
        reversal) the transaction it reverses is taken, raised here or by the next
        statement or the commit of the unit of work, which must then be rolled back.
        """
        ...

    def hold_balances(self, account_ids: Collection[str]) -> dict[str, HeldBalance]:
        """The balances of ``account_ids``, by account, locked until the transaction ends.

        Each with the sum of the account's holds and the version of its account it holds
        (see :meth:`move_balance`).

        No other writer can move them before then (PostgreSQL: ``SELECT ... FOR UPDATE``,
        in account order by code point, the same in every batch, so two batches do not
        wait on each other's balances; SQLite: the write lock the unit of work holds from
        its start). An account without a balance is left out.
        """
        ...

    def record_batch(self, recorded: Sequence[tuple[Transaction, Decimal, int]]) -> None:
        """Store each transaction with its account's balance after it and its ``seq``.

        In order. Every balance is left as its last transaction in ``recorded`` left it;
        the balances must be held (:meth:`hold_balances`) and the changes follow on from
        them (each ``seq`` one more than the last). The
        rows go in one batch per table, possibly with the unit's next statement or its
        commit. :class:`~telcocore.AlreadyExists` if an idempotency key or an id is taken,
        raised here or there; the unit of work must then be rolled back.
        """
        ...

    def by_idempotency_key(self, key: str) -> Transaction | None:
        """The transaction posted with ``key``, if any."""
        ...

    def by_idempotency_keys(self, keys: Collection[str]) -> dict[str, Transaction]:
        """The transactions posted with any of ``keys``, by key (one look-up for a batch)."""
        ...

    def by_idempotency_keys_later(
        self, keys: Collection[str]
    ) -> Callable[[], dict[str, Transaction]]:
        """:meth:`by_idempotency_keys`, looked up with the next statement the unit runs.

        Nothing is sent yet (on PostgreSQL the look-up goes in that statement's round
        trip); call the result for the transactions.
        """
        ...

    def get(self, transaction_id: str) -> Transaction:
        """The transaction, or :class:`~telcocore.TransactionNotFound`."""
        ...

    def reversal_of(self, transaction_id: str) -> Transaction | None:
        """The transaction that reverses ``transaction_id``, if any."""
        ...

    def entries(  # noqa: PLR0913 - the filters and the page, all keyword-only
        self,
        account_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        kinds: frozenset[TransactionKind] | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> list[LedgerEntry]:
        """The account's postings in ``seq`` order, each with the balance after it.

        Only those after ``after_seq``, created in ``[start, end)`` and of ``kinds``, where
        given; at most ``limit`` of them.
        """
        ...

    def system_balance(self, ledger_account: str, currency: str) -> Decimal:
        """The balance of a system account (``@revenue``, ...) in ``currency``."""
        ...

    def totals(self) -> dict[str, Decimal]:
        """The sum of every balance, customers' and system's, per currency (always zero)."""
        ...
