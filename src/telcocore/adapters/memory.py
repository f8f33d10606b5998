"""In-memory storage, for tests and quick scripts (``telcocore.connect("memory://")``).

Units of work run one at a time (a lock held from ``__enter__`` to ``__exit__``), which makes
them serializable. Every change is logged with its undo step, so leaving a unit without a
commit restores exactly what was there. Stored objects are copies: changing an object you
got from a repository changes nothing until you pass it back. An account is validated when it
is stored (and on every attribute change), so reads hand out plain shallow copies: its fields
are immutable values.
"""

from __future__ import annotations

import bisect
import copy
import itertools
import threading
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Self, TypeVar

import attrs

from telcocore.accounts.account import Account, AccountStatus
from telcocore.accounts.contacts import Contact, email_key
from telcocore.adapters import entities
from telcocore.adapters.nesting import READ_ONLY_COMMIT, OneUnitPerThread
from telcocore.audit.entry import GENESIS_HASH, AuditEntry, AuditQuery
from telcocore.billing.ledger import (
    BalanceChange,
    LedgerEntry,
    Transaction,
    TransactionKind,
    balance_allowed,
)
from telcocore.errors import (
    AccountNotFound,
    AlreadyExists,
    BlockListEntryNotFound,
    ConcurrencyError,
    ContactNotFound,
    DidNotFound,
    ExtensionNotFound,
    NotFoundError,
    NumberBlockNotFound,
    StorageError,
    TransactionNotFound,
)
from telcocore.money import UNBOUNDED, Money
from telcocore.notifications.message import Message, OutboxCounts, OutboxItem
from telcocore.numbering.blocklist import BlockListEntry
from telcocore.numbering.blocks import Extension, NumberBlock, RangeState
from telcocore.numbering.dids import Did
from telcocore.ports import (
    AccountRepository,
    AuditRepository,
    ContactRepository,
    LedgerRepository,
    NumberingRepository,
    OutboxRepository,
)

__all__ = ["MemoryStorage", "MemoryUnitOfWork"]

Undo = Callable[[], object]
K = TypeVar("K")
V = TypeVar("V")


@attrs.define
class _Balance:
    amount: Decimal
    currency: str
    seq: int = 0


@attrs.define
class _State:
    accounts: dict[str, Account] = attrs.Factory(dict)
    realms: dict[str, str] = attrs.Factory(dict)
    """Lower-cased realm to the account that has it."""
    contacts: dict[str, Contact] = attrs.Factory(dict)
    contact_emails: dict[str, str] = attrs.Factory(dict)
    """Lower-cased email to contact id."""
    balances: dict[str, _Balance] = attrs.Factory(dict)
    transactions: dict[str, Transaction] = attrs.Factory(dict)
    by_key: dict[str, str] = attrs.Factory(dict)
    reversals: dict[str, str] = attrs.Factory(dict)
    entries: dict[str, list[LedgerEntry]] = attrs.Factory(dict)
    system: dict[tuple[str, str], Decimal] = attrs.Factory(dict)
    outbox: dict[str, OutboxItem] = attrs.Factory(dict)
    audit: list[AuditEntry] = attrs.Factory(list)
    audit_ids: dict[str, AuditEntry] = attrs.Factory(dict)
    audit_head: tuple[int, str] = (0, GENESIS_HASH)
    """The newest entry's ``(seq, hash)``, kept apart from the entries as the SQL adapters
    keep it in ``audit_head``, so entries removed from the end are detected."""
    numbering: _NumberingState = attrs.Factory(lambda: _NumberingState())  # noqa: PLW0108 - defined below


def _put(table: dict[K, V], key: K, value: V, undo: list[Undo]) -> None:
    if key in table:
        old = table[key]
        undo.append(lambda: table.__setitem__(key, old))
    else:
        undo.append(lambda: table.pop(key))
    table[key] = value


class MemoryAccountRepository:
    """Accounts in a dict."""

    def __init__(self, state: _State, undo: list[Undo]) -> None:
        self._state = state
        self._undo = undo

    def add(self, account: Account) -> None:
        if account.id in self._state.accounts:
            raise AlreadyExists(entities.ACCOUNT, account.id)
        self._claim_realm(account, None)
        _put(self._state.accounts, account.id, attrs.evolve(account), self._undo)

    def _claim_realm(self, account: Account, old: str | None) -> None:
        realms = self._state.realms
        new = None if account.realm is None else account.realm.lower()
        if new == old:
            return
        if new is not None:
            if realms.get(new, account.id) != account.id:
                raise AlreadyExists(entities.REALM, account.realm)
            _put(realms, new, account.id, self._undo)
        if old is not None:
            _drop(realms, old, self._undo)

    def get(self, account_id: str) -> Account:
        try:
            return copy.copy(self._state.accounts[account_id])
        except KeyError:
            raise AccountNotFound(account_id) from None

    # One unit of work runs at a time: nobody else can change the account meanwhile.
    hold = get

    def list(self, *, status: AccountStatus | None = None) -> list[Account]:
        return [
            copy.copy(a)
            for _, a in sorted(self._state.accounts.items())
            if status is None or a.status is status
        ]

    def update(self, account: Account) -> None:
        stored = self._state.accounts.get(account.id)
        if stored is None:
            raise AccountNotFound(account.id)
        if stored.version != account.version:
            raise ConcurrencyError(entities.ACCOUNT, account.id, account.version)
        self._claim_realm(account, None if stored.realm is None else stored.realm.lower())
        account.version += 1
        _put(self._state.accounts, account.id, attrs.evolve(account), self._undo)


class MemoryContactRepository:
    """Contacts in a dict, with an index of lower-cased emails."""

    def __init__(self, state: _State, undo: list[Undo]) -> None:
        self._state = state
        self._undo = undo

    def add(self, contact: Contact) -> None:
        """Store a new contact, unique by id and lower-cased email."""
        if contact.id in self._state.contacts:
            raise AlreadyExists(entities.CONTACT, contact.id)
        if contact.email_key in self._state.contact_emails:
            raise AlreadyExists(entities.CONTACT_EMAIL, contact.email)
        _put(self._state.contact_emails, contact.email_key, contact.id, self._undo)
        _put(self._state.contacts, contact.id, attrs.evolve(contact), self._undo)

    def get(self, contact_id: str) -> Contact:
        """A copy of the contact."""
        try:
            return attrs.evolve(self._state.contacts[contact_id])
        except KeyError:
            raise ContactNotFound(contact_id) from None

    def by_email(self, email: str) -> Contact | None:
        """The contact with this email in any case, if any."""
        contact_id = self._state.contact_emails.get(email_key(email))
        return None if contact_id is None else self.get(contact_id)

    def list(self, account_id: str) -> list[Contact]:
        """The account's contacts, by lower-cased email."""
        found = (c for c in self._state.contacts.values() if c.account_id == account_id)
        return [attrs.evolve(c) for c in sorted(found, key=lambda c: (c.email_key, c.id))]

    def update(self, contact: Contact) -> None:
        """Store changes if the version is still the stored one."""
        stored = self._state.contacts.get(contact.id)
        if stored is None:
            raise ContactNotFound(contact.id)
        if stored.version != contact.version:
            raise ConcurrencyError(entities.CONTACT, contact.id, contact.version)
        if contact.email_key != stored.email_key:
            if contact.email_key in self._state.contact_emails:
                raise AlreadyExists(entities.CONTACT_EMAIL, contact.email)
            _drop(self._state.contact_emails, stored.email_key, self._undo)
            _put(self._state.contact_emails, contact.email_key, contact.id, self._undo)
        contact.version += 1
        _put(self._state.contacts, contact.id, attrs.evolve(contact), self._undo)

    def remove(self, contact_id: str) -> None:
        """Forget a contact."""
        stored = self._state.contacts.get(contact_id)
        if stored is None:
            raise ContactNotFound(contact_id)
        _drop(self._state.contact_emails, stored.email_key, self._undo)
        _drop(self._state.contacts, contact_id, self._undo)


class MemoryLedgerRepository:
    """Transactions and balances in dicts."""

    def __init__(self, state: _State, undo: list[Undo]) -> None:
        self._state = state
        self._undo = undo

    def _balance_of(self, account_id: str) -> _Balance:
        try:
            return self._state.balances[account_id]
        except KeyError:
            raise AccountNotFound(account_id) from None

    def open_balance(self, account_id: str, currency: str) -> None:
        if account_id in self._state.balances:
            raise AlreadyExists(entities.BALANCE, account_id)
        if account_id not in self._state.accounts:
            raise AccountNotFound(account_id)
        _put(self._state.balances, account_id, _Balance(Decimal(0), currency), self._undo)

    def move_balance(
        self, account_id: str, delta: Decimal, *, floor: Decimal | None
    ) -> BalanceChange | None:
        row = self._balance_of(account_id)
        after = UNBOUNDED.add(row.amount, delta)
        if not balance_allowed(after, floor):
            return None
        _put(
            self._state.balances,
            account_id,
            _Balance(after, row.currency, row.seq + 1),
            self._undo,
        )
        return BalanceChange(
            Money._trusted(row.amount, row.currency),  # noqa: SLF001
            Money._trusted(after, row.currency),  # noqa: SLF001
            row.seq + 1,
        )

    def balance(self, account_id: str) -> Money:
        row = self._balance_of(account_id)
        return Money._trusted(row.amount, row.currency)  # noqa: SLF001

    def record(self, transaction: Transaction, change: BalanceChange) -> None:
        state = self._state
        if transaction.idempotency_key in state.by_key:
            raise AlreadyExists(entities.IDEMPOTENCY_KEY, transaction.idempotency_key)
        if transaction.reverses is not None and transaction.reverses in state.reversals:
            raise AlreadyExists(entities.REVERSAL, transaction.reverses)
        if transaction.id in state.transactions:
            raise AlreadyExists(entities.TRANSACTION, transaction.id)
        _put(state.transactions, transaction.id, transaction, self._undo)
        _put(state.by_key, transaction.idempotency_key, transaction.id, self._undo)
        if transaction.reverses is not None:
            _put(state.reversals, transaction.reverses, transaction.id, self._undo)
        for posting in transaction.postings:
            if posting.ledger_account == transaction.account_id:
                continue
            key = (posting.ledger_account, posting.amount.currency)
            total = UNBOUNDED.add(state.system.get(key, Decimal(0)), posting.amount.amount)
            _put(state.system, key, total, self._undo)
        entries = state.entries.setdefault(transaction.account_id, [])
        entries.append(
            LedgerEntry(
                seq=change.seq,
                transaction_id=transaction.id,
                kind=transaction.kind,
                created_at=transaction.created_at,
                amount=transaction.amount,  # as given, as the SQL storages keep it
                balance=change.after,
                description=transaction.description,
                reverses=transaction.reverses,
            )
        )
        self._undo.append(entries.pop)

    def by_idempotency_key(self, key: str) -> Transaction | None:
        transaction_id = self._state.by_key.get(key)
        return None if transaction_id is None else self._state.transactions[transaction_id]

    def by_idempotency_keys(self, keys: Collection[str]) -> dict[str, Transaction]:
        found = ((key, self._state.by_key.get(key)) for key in keys)
        return {key: self._state.transactions[t] for key, t in found if t is not None}

    def get(self, transaction_id: str) -> Transaction:
        try:
            return self._state.transactions[transaction_id]
        except KeyError:
            raise TransactionNotFound(transaction_id) from None

    def reversal_of(self, transaction_id: str) -> Transaction | None:
        reversal = self._state.reversals.get(transaction_id)
        return None if reversal is None else self._state.transactions[reversal]

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
        # An account's entries are numbered from 1: seq n is at index n - 1.
        found = (
            e
            for e in self._state.entries.get(account_id, [])[after_seq:]
            if (start is None or e.created_at >= start)
            and (end is None or e.created_at < end)
            and (kinds is None or e.kind in kinds)
        )
        return list(itertools.islice(found, limit))

    def system_balance(self, ledger_account: str, currency: str) -> Decimal:
        return self._state.system.get((ledger_account, currency), Decimal(0))

    def totals(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for row in self._state.balances.values():
            totals[row.currency] = UNBOUNDED.add(totals.get(row.currency, Decimal(0)), row.amount)
        for (_, currency), amount in self._state.system.items():
            totals[currency] = UNBOUNDED.add(totals.get(currency, Decimal(0)), amount)
        return totals


class MemoryOutboxRepository:
    """The outbox in a dict, in insertion order."""

    def __init__(self, state: _State, undo: list[Undo]) -> None:
        self._state = state
        self._undo = undo

    def add(self, message: Message) -> None:
        if message.id in self._state.outbox:
            raise AlreadyExists(entities.MESSAGE, message.id)
        _put(self._state.outbox, message.id, OutboxItem(message), self._undo)

    def pending(self, *, limit: int, now: datetime | None = None) -> Sequence[OutboxItem]:
        items = (
            i
            for i in self._state.outbox.values()
            if i.sent_at is None and (now is None or i.due_by(now))
        )
        return [item for _, item in zip(range(limit), items, strict=False)]

    def counts(self, *, now: datetime) -> OutboxCounts:
        unsent = [i for i in self._state.outbox.values() if i.sent_at is None]
        due = sum(1 for i in unsent if i.due_by(now))
        return OutboxCounts(due=due, deferred=len(unsent) - due)

    def _item(self, message_id: str) -> OutboxItem:
        try:
            return self._state.outbox[message_id]
        except KeyError:
            raise NotFoundError(message_id) from None

    def mark_sent(self, message_id: str, *, at: datetime) -> None:
        item = self._item(message_id)
        sent = attrs.evolve(
            item,
            message=item.message.erased(),
            attempts=item.attempts + 1,
            sent_at=at,
            last_error=None,
            next_attempt_at=None,
        )
        _put(self._state.outbox, message_id, sent, self._undo)

    def mark_failed(self, message_id: str, *, error: str, retry_at: datetime | None = None) -> None:
        item = self._item(message_id)
        failed = attrs.evolve(
            item, attempts=item.attempts + 1, last_error=error, next_attempt_at=retry_at
        )
        _put(self._state.outbox, message_id, failed, self._undo)


class MemoryAuditRepository:
    """The audit chain as a list in ``seq`` order."""

    def __init__(self, state: _State, undo: list[Undo]) -> None:
        self._state = state
        self._undo = undo

    def head(self) -> tuple[int, str]:
        """The newest entry's ``(seq, hash)``."""
        return self._state.audit_head

    def lock_head(self) -> tuple[int, str]:
        """The head; units of work already run one at a time."""
        return self.head()

    def add(self, entry: AuditEntry) -> None:
        """Append ``entry`` after the head."""
        if (entry.seq - 1, entry.prev_hash) != self.head():
            raise ConcurrencyError(entities.AUDIT_LOG, entry.seq, entry.seq - 1)
        if entry.id in self._state.audit_ids:
            raise AlreadyExists(entities.AUDIT_ENTRY, entry.id)
        state = self._state
        state.audit.append(entry)
        self._undo.append(state.audit.pop)
        _put(state.audit_ids, entry.id, entry, self._undo)
        previous = state.audit_head
        state.audit_head = (entry.seq, entry.hash)
        self._undo.append(lambda: setattr(state, "audit_head", previous))

    def get(self, entry_id: str) -> AuditEntry | None:
        """The entry with this id, if any."""
        return self._state.audit_ids.get(entry_id)

    def find(self, query: AuditQuery, *, limit: int, before_seq: int | None) -> list[AuditEntry]:
        """Matching entries, newest first."""
        found = (
            e
            for e in reversed(self._state.audit)
            if (before_seq is None or e.seq < before_seq) and query.matches(e)
        )
        return list(itertools.islice(found, limit))

    def of_entity(self, entity_type: str, entity_key: str) -> list[AuditEntry]:
        """Every entry of one entity, oldest first."""
        query = AuditQuery(entity_type=entity_type, entity_key=entity_key)
        return [e for e in self._state.audit if query.matches(e)]

    def chain(self, *, after_seq: int, limit: int) -> list[AuditEntry]:
        """Entries after ``after_seq``, in order (``seq`` n is at index n - 1)."""
        return self._state.audit[after_seq : after_seq + limit]


class MemoryUnitOfWork:
    """One transaction over a :class:`MemoryStorage`; units run one at a time."""

    def __init__(self, storage: MemoryStorage, *, read_only: bool = False) -> None:
        self._storage = storage
        self._read_only = read_only
        self._undo: list[Undo] = []
        state = storage.state
        self.accounts: AccountRepository = MemoryAccountRepository(state, self._undo)
        self.contacts: ContactRepository = MemoryContactRepository(state, self._undo)
        self.ledger: LedgerRepository = MemoryLedgerRepository(state, self._undo)
        self.outbox: OutboxRepository = MemoryOutboxRepository(state, self._undo)
        self.audit: AuditRepository = MemoryAuditRepository(state, self._undo)
        self.numbering: NumberingRepository = MemoryNumberingRepository(state, self._undo)

    def __enter__(self) -> Self:
        self._storage.units.enter()
        self._storage.lock.acquire()
        self._undo.clear()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            while self._undo:
                self._undo.pop()()
        finally:
            self._storage.lock.release()
            self._storage.units.leave()

    def commit(self) -> None:
        """Keep every change made so far: forget how to undo it."""
        if self._read_only:  # whatever it changed is undone on exit
            raise StorageError(READ_ONLY_COMMIT)
        self._undo.clear()


class MemoryStorage:
    """Everything in one process's memory; gone when the process ends."""

    def __init__(self) -> None:
        self.state = _State()
        self.lock = threading.Lock()
        self.units = OneUnitPerThread()
        self.closed = False

    def unit_of_work(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        """A new unit of work (``read_only``: see :meth:`telcocore.ports.Storage.unit_of_work`).

        Units run one at a time here, read-only ones too. A closed storage refuses them
        with :class:`~telcocore.errors.StorageError`, as SQLite and PostgreSQL do.
        """
        if self.closed:
            msg = "the memory storage is closed"
            raise StorageError(msg)
        return MemoryUnitOfWork(self, read_only=read_only)

    def close(self) -> None:
        """Refuse further units of work; what is stored is dropped with the object."""
        self.closed = True


# -- numbering ------------------------------------------------------------------------------


@attrs.define
class _NumberingState:
    range: RangeState = attrs.Factory(lambda: RangeState(None))
    free: list[int] = attrs.Factory(list)
    """Released block starts, sorted: the lowest is ``free[0]``."""
    blocks: dict[int, NumberBlock] = attrs.Factory(dict)
    starts: list[int] = attrs.Factory(list)
    """The blocks' first numbers, sorted, for bisecting."""
    held: dict[str, int] = attrs.Factory(dict)
    """Blocks per account."""
    extensions: dict[str, Extension] = attrs.Factory(dict)
    blocked: dict[tuple[str, str], BlockListEntry] = attrs.Factory(dict)
    dids: dict[str, Did] = attrs.Factory(dict)


def _insort(values: list[int], value: int, undo: list[Undo]) -> None:
    bisect.insort(values, value)
    undo.append(lambda: values.remove(value))


def _remove_sorted(values: list[int], value: int, undo: list[Undo]) -> None:
    values.remove(value)
    undo.append(lambda: bisect.insort(values, value))


def _drop(table: dict[K, V], key: K, undo: list[Undo]) -> V:
    old = table.pop(key)
    undo.append(lambda: table.__setitem__(key, old))
    return old


class MemoryNumberingRepository:
    """The number range, blocks (with a sorted list of starts), block lists and DIDs."""

    def __init__(self, state: _State, undo: list[Undo]) -> None:
        self._n = state.numbering
        self._undo = undo

    def lock_range(self) -> RangeState:
        """The range state; units of work already run one at a time."""
        return self._n.range

    read_range = lock_range

    def save_range(self, state: RangeState) -> None:
        """Store the range state."""
        old = self._n.range
        self._undo.append(lambda: setattr(self._n, "range", old))
        self._n.range = state

    def pop_free(self) -> int | None:
        """The lowest free block start, taken off the list."""
        if not self._n.free:
            return None
        first = self._n.free[0]
        _remove_sorted(self._n.free, first, self._undo)
        return first

    def add_free(self, first: int) -> None:
        """Put ``first`` on the free list."""
        if first in self._n.free:
            raise AlreadyExists(entities.FREE_BLOCK, first)
        _insort(self._n.free, first, self._undo)

    def clear_free(self) -> None:
        """Empty the free list."""
        free = self._n.free
        old = list(free)
        free.clear()
        self._undo.append(lambda: free.extend(old))

    def add_block(self, block: NumberBlock) -> None:
        """Store an assigned block."""
        if block.first in self._n.blocks:
            raise AlreadyExists(entities.NUMBER_BLOCK, block.first)
        _put(self._n.blocks, block.first, block, self._undo)
        _insort(self._n.starts, block.first, self._undo)
        _put(self._n.held, block.account_id, self._n.held.get(block.account_id, 0) + 1, self._undo)

    def remove_block(self, first: int) -> None:
        """Forget the block starting at ``first``."""
        if first not in self._n.blocks:
            raise NumberBlockNotFound(first)
        block = _drop(self._n.blocks, first, self._undo)
        _remove_sorted(self._n.starts, first, self._undo)
        _put(self._n.held, block.account_id, self._n.held[block.account_id] - 1, self._undo)

    def block_at(self, first: int) -> NumberBlock | None:
        """The block starting at ``first``, if any."""
        return self._n.blocks.get(first)

    def block_overlapping(self, first: int, last: int) -> NumberBlock | None:
        """The block with the greatest start at or below ``last``, if it reaches ``first``."""
        position = bisect.bisect_right(self._n.starts, last)
        if position == 0:
            return None
        block = self._n.blocks[self._n.starts[position - 1]]
        return block if block.last >= first else None

    def blocks(self, account_id: str | None = None) -> list[NumberBlock]:
        """Every block (of ``account_id``), by first number."""
        found = (self._n.blocks[first] for first in self._n.starts)
        return [b for b in found if account_id is None or b.account_id == account_id]

    def has_blocks(self, account_id: str) -> bool:
        """Whether the account holds a block."""
        return self._n.held.get(account_id, 0) > 0

    def add_extension(self, extension: Extension) -> None:
        """Store an extension, unique by name."""
        if extension.name in self._n.extensions:
            raise AlreadyExists(entities.EXTENSION, extension.name)
        _put(self._n.extensions, extension.name, extension, self._undo)

    def get_extension(self, name: str) -> Extension | None:
        """The extension with this name, if any."""
        return self._n.extensions.get(name)

    def remove_extension(self, name: str) -> None:
        """Forget an extension."""
        if name not in self._n.extensions:
            raise ExtensionNotFound(name)
        _drop(self._n.extensions, name, self._undo)

    def extensions(self, account_id: str) -> list[Extension]:
        """The account's extensions, by name."""
        return sorted(
            (e for e in self._n.extensions.values() if e.account_id == account_id),
            key=lambda e: e.name,
        )

    def add_blocked(self, entry: BlockListEntry) -> None:
        """Store a block list entry, unique per account and pattern."""
        key = (entry.account_id, entry.pattern)
        if key in self._n.blocked:
            raise AlreadyExists(entities.BLOCK_LIST_ENTRY, entry.pattern)
        _put(self._n.blocked, key, entry, self._undo)

    def remove_blocked(self, account_id: str, pattern: str) -> BlockListEntry:
        """Remove and return an entry."""
        if (account_id, pattern) not in self._n.blocked:
            raise BlockListEntryNotFound(pattern)
        return _drop(self._n.blocked, (account_id, pattern), self._undo)

    def blocked(self, account_id: str) -> list[BlockListEntry]:
        """The account's block list, by pattern."""
        return [e for (owner, _), e in sorted(self._n.blocked.items()) if owner == account_id]

    def find_blocked(self, account_id: str, patterns: Sequence[str]) -> list[BlockListEntry]:
        """The account's entries with one of ``patterns``."""
        found = (self._n.blocked.get((account_id, p)) for p in sorted(set(patterns)))
        return [e for e in found if e is not None]

    def add_did(self, did: Did) -> None:
        """Store a DID, unique by number."""
        if did.number in self._n.dids:
            raise AlreadyExists(entities.DID, did.number)
        _put(self._n.dids, did.number, did, self._undo)

    def get_did(self, number: str) -> Did | None:
        """The DID with this number, if any."""
        return self._n.dids.get(number)

    def update_did(self, did: Did) -> None:
        """Store changes to a DID."""
        if did.number not in self._n.dids:
            raise DidNotFound(did.number)
        _put(self._n.dids, did.number, did, self._undo)

    def remove_did(self, number: str) -> None:
        """Forget a DID."""
        if number not in self._n.dids:
            raise DidNotFound(number)
        _drop(self._n.dids, number, self._undo)

    def dids(self, account_id: str) -> list[Did]:
        """The account's DIDs, by number."""
        return [d for _, d in sorted(self._n.dids.items()) if d.account_id == account_id]
