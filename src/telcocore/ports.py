"""The ports: every interface the services need from the outside world.

Services depend on these protocols only; adapters (:mod:`telcocore.adapters`) implement
them for SQLite (a file or memory) and PostgreSQL storage, for clocks and for notifiers.
Anyone who writes another storage implements them too: :class:`~telcocore.TelcoCore` takes
any object that fits.

A :class:`UnitOfWork` is one transaction. Use it as a context manager, change things
through its repositories, then call :meth:`~UnitOfWork.commit`; leaving the block without
a commit (or by an exception) rolls everything back::

    with uow_factory() as uow:
        account = uow.accounts.get("acme")
        account.name = "Acme Ltd"
        uow.accounts.update(account)
        uow.commit()
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from telcocore.accounts.account import Account, AccountStatus
from telcocore.accounts.contacts import Contact
from telcocore.audit.entry import AuditEntry, AuditQuery
from telcocore.billing.ledger import BalanceChange, LedgerEntry, Transaction, TransactionKind
from telcocore.money import Money
from telcocore.notifications.message import Message, OutboxCounts, OutboxItem
from telcocore.numbering.blocklist import BlockListEntry
from telcocore.numbering.blocks import Extension, NumberBlock, RangeState
from telcocore.numbering.dids import Did

__all__ = [
    "AccountRepository",
    "AuditRepository",
    "Clock",
    "ContactRepository",
    "DescribedNotifier",
    "LedgerRepository",
    "Notifier",
    "NumberingRepository",
    "OutboxRepository",
    "PasswordHasher",
    "Storage",
    "UnitOfWork",
    "UnitOfWorkFactory",
]


class Clock(Protocol):
    """Tells the time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class Notifier(Protocol):
    """Delivers a message (email, SMS). Raising means "not delivered, try again later"."""

    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise."""
        ...


@runtime_checkable
class DescribedNotifier(Notifier, Protocol):
    """A notifier that can say where it delivers, for the outbox's log lines.

    Optional: the outbox names any other notifier by its type.
    """

    def destination(self, message: Message) -> str:
        """Where ``message`` goes, without credentials: e.g. ``smtp mail.example.com:587``."""
        ...


class PasswordHasher(Protocol):
    """Makes and checks slow, salted password hashes that carry their own parameters."""

    def hash(self, password: str) -> str:
        """A new stored hash of ``password``."""
        ...

    def verify(self, password: str, stored: str) -> bool:
        """Whether ``password`` matches ``stored``, compared in constant time."""
        ...

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with weaker parameters than new hashes get."""
        ...


class AccountRepository(Protocol):
    """Stores accounts."""

    def add(self, account: Account) -> None:
        """Store a new account; :class:`~telcocore.errors.AlreadyExists` if its id is taken."""
        ...

    def get(self, account_id: str) -> Account:
        """The account, or :class:`~telcocore.errors.AccountNotFound`."""
        ...

    def hold(self, account_id: str) -> Account:
        """The account, which no other unit of work can change until this one ends.

        The ledger reads an account this way before it moves the account's balance, so a
        status or debit limit committed by another process is either seen or waits.
        """
        ...

    def list(self, *, status: AccountStatus | None = None) -> list[Account]:
        """All accounts (with ``status``, if given), ordered by id."""
        ...

    def update(self, account: Account) -> None:
        """Store changes to ``account`` if nobody stored another change since it was read.

        The stored version must still be ``account.version``; it is then incremented.
        Otherwise :class:`~telcocore.errors.ConcurrencyError`. A realm another account
        has (compared lower-cased) is :class:`~telcocore.errors.AlreadyExists`.
        """
        ...


class ContactRepository(Protocol):
    """Stores contacts; the lower-cased login email is unique across every account."""

    def add(self, contact: Contact) -> None:
        """Store a new contact; :class:`~telcocore.errors.AlreadyExists` if its id or email is."""
        ...

    def get(self, contact_id: str) -> Contact:
        """The contact, or :class:`~telcocore.errors.ContactNotFound`."""
        ...

    def by_email(self, email: str) -> Contact | None:
        """The contact whose email is ``email`` in any case, if any."""
        ...

    def list(self, account_id: str) -> list[Contact]:
        """The account's contacts, by lower-cased email."""
        ...

    def update(self, contact: Contact) -> None:
        """Store changes if the stored version is still ``contact.version``, and bump it.

        Else :class:`~telcocore.errors.ConcurrencyError`;
        :class:`~telcocore.errors.AlreadyExists` if the new email is another contact's.
        """
        ...

    def remove(self, contact_id: str) -> None:
        """Forget a contact (:class:`~telcocore.errors.ContactNotFound`)."""
        ...


class LedgerRepository(Protocol):
    """Stores ledger transactions and the customer balances they move."""

    def open_balance(self, account_id: str, currency: str) -> None:
        """Create the zero balance of a stored customer account.

        :class:`~telcocore.errors.AccountNotFound` if the account is not stored,
        :class:`~telcocore.errors.AlreadyExists` if it already has a balance.
        """
        ...

    def move_balance(
        self, account_id: str, delta: Decimal, *, floor: Decimal | None
    ) -> BalanceChange | None:
        """Add ``delta`` to the account's balance, atomically with respect to every writer.

        Refuse (return ``None``, change nothing) when the new balance would be below a
        ``floor`` given, or out of the ledger's bounds
        (:func:`~telcocore.billing.ledger.balance_allowed`).
        """
        ...

    def balance(self, account_id: str) -> Money:
        """The account's balance now."""
        ...

    def record(self, transaction: Transaction, change: BalanceChange) -> None:
        """Store ``transaction``, whose customer posting made ``change``.

        :class:`~telcocore.errors.AlreadyExists` if its idempotency key, its id, or (for a
        reversal) the transaction it reverses is taken.
        """
        ...

    def by_idempotency_key(self, key: str) -> Transaction | None:
        """The transaction posted with ``key``, if any."""
        ...

    def by_idempotency_keys(self, keys: Collection[str]) -> dict[str, Transaction]:
        """The transactions posted with any of ``keys``, by key (one look-up for a batch)."""
        ...

    def get(self, transaction_id: str) -> Transaction:
        """The transaction, or :class:`~telcocore.errors.TransactionNotFound`."""
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


class OutboxRepository(Protocol):
    """The transactional outbox: messages written with the change that causes them."""

    def add(self, message: Message) -> None:
        """Queue ``message``; it is visible to delivery only once the unit commits."""
        ...

    def pending(self, *, limit: int, now: datetime | None = None) -> Sequence[OutboxItem]:
        """Messages not yet sent, oldest first; with ``now``, only those due by then."""
        ...

    def counts(self, *, now: datetime) -> OutboxCounts:
        """How many messages not yet sent are due at ``now``, and how many are deferred."""
        ...

    def mark_sent(self, message_id: str, *, at: datetime) -> None:
        """Record that the message was delivered, and erase its secrets.

        The stored message keeps its kind, address and other data; the values of
        :data:`~telcocore.notifications.message.SECRET_DATA` (a generated password, a
        verification code) become :data:`~telcocore.audit.entry.REDACTED`.
        """
        ...

    def mark_failed(self, message_id: str, *, error: str, retry_at: datetime | None = None) -> None:
        """Record a failed attempt; the message stays pending, due again at ``retry_at``."""
        ...


class AuditRepository(Protocol):
    """The audit log: a hash chain of entries, numbered from 1 without gaps."""

    def lock_head(self) -> tuple[int, str]:
        """The newest entry's ``(seq, hash)``, locked until this unit ends.

        ``(0, GENESIS_HASH)`` when the log is empty. Holding the lock makes writers append
        one after the other, so the chain never forks.
        """
        ...

    def head(self) -> tuple[int, str]:
        """The newest entry's ``(seq, hash)``, without locking it."""
        ...

    def add(self, entry: AuditEntry) -> None:
        """Append ``entry``, which must follow the head locked by :meth:`lock_head`."""
        ...

    def get(self, entry_id: str) -> AuditEntry | None:
        """The entry with this id, if any."""
        ...

    def find(self, query: AuditQuery, *, limit: int, before_seq: int | None) -> list[AuditEntry]:
        """Entries matching ``query`` with ``seq < before_seq`` (if given), newest first."""
        ...

    def of_entity(self, entity_type: str, entity_key: str) -> list[AuditEntry]:
        """Every entry of one entity, oldest first."""
        ...

    def chain(self, *, after_seq: int, limit: int) -> list[AuditEntry]:
        """Up to ``limit`` entries with ``seq > after_seq``, in ``seq`` order."""
        ...


class NumberingRepository(Protocol):
    """Stores the number range, internal blocks, extensions, block lists and DIDs.

    Block assignment is serialized by :meth:`lock_range`: every unit that assigns or
    releases blocks, or changes the parameters, locks the range first.
    """

    def lock_range(self) -> RangeState:
        """The range state, locked until this unit ends (parameters ``None`` if never set)."""
        ...

    def read_range(self) -> RangeState:
        """The range state as last committed, without waiting for or taking the lock."""
        ...

    def save_range(self, state: RangeState) -> None:
        """Store the range state; the unit must hold the lock of :meth:`lock_range`."""
        ...

    def pop_free(self) -> int | None:
        """Take the lowest released block start off the free list (``None`` if empty)."""
        ...

    def add_free(self, first: int) -> None:
        """Put a block start on the free list."""
        ...

    def clear_free(self) -> None:
        """Empty the free list (the parameters changed)."""
        ...

    def add_block(self, block: NumberBlock) -> None:
        """Store an assigned block; :class:`~telcocore.errors.AlreadyExists` if its start is."""
        ...

    def remove_block(self, first: int) -> None:
        """Forget the block starting at ``first`` (:class:`~telcocore.errors.NotFoundError`)."""
        ...

    def block_at(self, first: int) -> NumberBlock | None:
        """The block starting at ``first``, if any."""
        ...

    def block_overlapping(self, first: int, last: int) -> NumberBlock | None:
        """A block sharing a number with ``first``-``last``, if any (an indexed lookup).

        Blocks never overlap, so the block with the greatest start at or below ``last`` is
        the one to check.
        """
        ...

    def blocks(self, account_id: str | None = None) -> list[NumberBlock]:
        """Every block (of ``account_id``, if given), by first number."""
        ...

    def has_blocks(self, account_id: str) -> bool:
        """Whether the account holds at least one block."""
        ...

    def add_extension(self, extension: Extension) -> None:
        """Store an extension; :class:`~telcocore.errors.AlreadyExists` if its name is taken."""
        ...

    def get_extension(self, name: str) -> Extension | None:
        """The extension with this name, if any."""
        ...

    def remove_extension(self, name: str) -> None:
        """Forget an extension (:class:`~telcocore.errors.ExtensionNotFound`)."""
        ...

    def extensions(self, account_id: str) -> list[Extension]:
        """The account's extensions, by name."""
        ...

    def add_blocked(self, entry: BlockListEntry) -> None:
        """Store a block list entry; :class:`~telcocore.errors.AlreadyExists` if present."""
        ...

    def remove_blocked(self, account_id: str, pattern: str) -> BlockListEntry:
        """Remove and return an entry (:class:`~telcocore.errors.BlockListEntryNotFound`)."""
        ...

    def blocked(self, account_id: str) -> list[BlockListEntry]:
        """The account's block list, by pattern."""
        ...

    def find_blocked(self, account_id: str, patterns: Sequence[str]) -> list[BlockListEntry]:
        """The account's entries whose pattern is one of ``patterns`` (exact lookups)."""
        ...

    def add_did(self, did: Did) -> None:
        """Store a DID; :class:`~telcocore.errors.AlreadyExists` if its number is taken."""
        ...

    def get_did(self, number: str) -> Did | None:
        """The DID with this number, if any."""
        ...

    def update_did(self, did: Did) -> None:
        """Store changes to a DID (:class:`~telcocore.errors.DidNotFound`)."""
        ...

    def remove_did(self, number: str) -> None:
        """Forget a DID (:class:`~telcocore.errors.DidNotFound`)."""
        ...

    def dids(self, account_id: str) -> list[Did]:
        """The account's DIDs, by number."""
        ...


class UnitOfWork(Protocol):
    """One storage transaction, with the repositories that work inside it."""

    accounts: AccountRepository
    contacts: ContactRepository
    ledger: LedgerRepository
    outbox: OutboxRepository
    audit: AuditRepository
    numbering: NumberingRepository

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

    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; see :meth:`Storage.unit_of_work`."""
        ...


class Storage(Protocol):
    """A storage backend: makes units of work, and is closed when done."""

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work.

        A ``read_only`` unit only reads: it cannot commit
        (:class:`~telcocore.errors.StorageError`), and on SQL storages a statement that
        would write is refused before it runs. Every query in it sees the same snapshot
        (PostgreSQL: ``REPEATABLE READ``), and it takes no write lock, so on SQLite it
        neither waits for a writer nor holds one up.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
