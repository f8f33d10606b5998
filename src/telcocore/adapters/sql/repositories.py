"""The repositories of :mod:`telcocore.ports`, written once for every SQL database.

Statements use ``?`` placeholders and only SQL that SQLite and PostgreSQL share; what
differs (decimals, instants, JSON, the balance move, errors) is asked of the
:class:`~telcocore.adapters.sql.dialect.Dialect`.

- Accounts are stored as a JSON document made by :data:`telcocore.serialization.converter`,
  next to the columns queries need (``id``, ``version``, ``status``).
- A customer balance is one row (``balances``: currency, amount, seq). A transaction is one
  row with a UNIQUE ``idempotency_key``, a UNIQUE nullable ``reverses`` and the ``seq`` of
  its customer posting, which is a ``ledger_entries`` row (with ``balance_after``, for the
  history); its other postings are ``system_postings`` rows. A transaction is read back
  from these rows. System balances are sums of the postings: no row is updated by every
  transaction.
- Inserts use ``ON CONFLICT DO NOTHING`` and count the rows inserted, so a taken key raises
  :class:`~telcocore.errors.AlreadyExists` and the transaction stays usable.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import operator
from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from cattrs import transform_error
from cattrs.errors import BaseValidationError

from telcocore.accounts.account import Account, AccountStatus
from telcocore.adapters import entities
from telcocore.billing.ledger import (
    BalanceChange,
    LedgerEntry,
    Posting,
    Transaction,
    TransactionKind,
)
from telcocore.errors import (
    AccountNotFound,
    AlreadyExists,
    ConcurrencyError,
    NotFoundError,
    StorageError,
    TransactionNotFound,
)
from telcocore.money import Money
from telcocore.notifications.message import Message, OutboxCounts, OutboxItem
from telcocore.serialization import converter

from .dialect import Dialect, Row, Session

__all__ = ["SqlAccountRepository", "SqlLedgerRepository", "SqlOutboxRepository"]

_money = Money._trusted  # noqa: SLF001 - values read back from a validated store


def _json_key(dialect: Dialect[Any], stored: object) -> str:
    """A document the driver decoded itself, as canonical JSON text (``True`` is not ``1``)."""
    return json.dumps(
        dialect.json_from_db(stored), separators=(",", ":"), sort_keys=True, ensure_ascii=False
    )


T = TypeVar("T")


def from_document(document: object, cls: type[T]) -> T:
    """The ``cls`` a stored JSON document holds.

    A document no ``cls`` can be built from was damaged in the database, or written by
    something else: a :class:`~telcocore.errors.StorageError` naming the kind, never a
    raw conversion error.
    """
    try:
        return converter.structure(document, cls)
    except Exception as damaged:
        where = (
            "; ".join(transform_error(damaged))
            if isinstance(damaged, BaseValidationError)
            else damaged
        )
        msg = f"a stored {cls.__name__} cannot be read: {where}"
        raise StorageError(msg) from damaged


@functools.lru_cache(maxsize=1024)
def _structured_account(document: str) -> Account:
    """The account a stored JSON document holds; the same text always gives an equal account.

    Structuring an account runs every converter and validator on every field, and the
    ledger reads the account on each posting while the document rarely changes, so the
    result is kept per document text. Callers get a shallow copy (:func:`copy.copy`) to
    change as they like: every field of an account is an immutable value. The document is
    still read from the database in the caller's own transaction each time; only turning
    the same text into an object again is saved.
    """
    return from_document(json.loads(document), Account)


def _realm_key(account: Account) -> str | None:
    return None if account.realm is None else account.realm.lower()


class SqlAccountRepository:
    """Accounts as JSON documents with their id, version and status as columns."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _document(self, account: Account, version: int) -> object:
        document = converter.unstructure(account)
        document["version"] = version
        return self._s.dialect.json_to_db(document)

    def _account(self, row: Row) -> Account:
        stored = row[0]
        # The key is the stored document itself, exactly (as text, whatever the driver
        # hands back), so a cached account is one structured from the very same document.
        key = stored if isinstance(stored, str) else _json_key(self._s.dialect, stored)
        return copy.copy(_structured_account(key))

    def add(self, account: Account) -> None:
        """Store a new account; :class:`~telcocore.errors.AlreadyExists` if its id or realm is."""
        inserted = self._s.run(
            "INSERT INTO accounts (id, version, status, realm, document) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (
                account.id,
                account.version,
                account.status.value,
                _realm_key(account),
                self._document(account, account.version),
            ),
        )
        if not inserted:
            if self._s.one("SELECT 1 FROM accounts WHERE id = ?", (account.id,)) is None:
                raise AlreadyExists(entities.REALM, account.realm)
            raise AlreadyExists(entities.ACCOUNT, account.id)

    def get(self, account_id: str) -> Account:
        """The account, or :class:`~telcocore.errors.AccountNotFound`."""
        return self._read(account_id, "")

    def hold(self, account_id: str) -> Account:
        """The account, share-locked until the transaction ends (see the dialect)."""
        return self._read(account_id, self._s.dialect.share_lock)

    def _read(self, account_id: str, lock: str) -> Account:
        row = self._s.one(f"SELECT document FROM accounts WHERE id = ?{lock}", (account_id,))  # noqa: S608 - constant
        if row is None:
            raise AccountNotFound(account_id)
        return self._account(row)

    def list(self, *, status: AccountStatus | None = None) -> list[Account]:
        """All accounts (with ``status``, if given), ordered by id."""
        if status is None:
            rows = self._s.all("SELECT document FROM accounts ORDER BY id")
        else:
            rows = self._s.all(
                "SELECT document FROM accounts WHERE status = ? ORDER BY id", (status.value,)
            )
        return [self._account(row) for row in rows]

    def update(self, account: Account) -> None:
        """Store ``account`` if its version is still the stored one, and bump the version.

        Else :class:`~telcocore.errors.ConcurrencyError` (or
        :class:`~telcocore.errors.AccountNotFound`).
        """
        version = account.version + 1
        try:
            updated = self._s.run(
                "UPDATE accounts SET version = ?, status = ?, realm = ?, document = ? "
                "WHERE id = ? AND version = ?",
                (
                    version,
                    account.status.value,
                    _realm_key(account),
                    self._document(account, version),
                    account.id,
                    account.version,
                ),
            )
        except AlreadyExists:
            raise AlreadyExists(entities.REALM, account.realm) from None
        if not updated:
            if self._s.one("SELECT 1 FROM accounts WHERE id = ?", (account.id,)) is None:
                raise AccountNotFound(account.id)
            raise ConcurrencyError(entities.ACCOUNT, account.id, account.version)
        account.version = version


_ENTRY_COLUMNS = (
    "seq, transaction_id, kind, created_at, currency, amount, balance_after, description, reverses"
)


_INSERT_POSTING = (
    "INSERT INTO system_postings (transaction_id, position, ledger_account, currency, amount) "
    "VALUES (?, ?, ?, ?, ?)"
)
_INSERT_ENTRY = (
    f"INSERT INTO ledger_entries (account_id, {_ENTRY_COLUMNS}) "  # noqa: S608 - constant
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


_SELECT_TRANSACTIONS = (
    "SELECT t.id, t.kind, t.account_id, t.idempotency_key, t.created_at, t.reverses, "
    "e.currency, e.amount, e.description, p.position, p.ledger_account, p.currency, p.amount "
    "FROM ledger_transactions AS t "
    "JOIN ledger_entries AS e ON e.account_id = t.account_id AND e.seq = t.seq "
    "JOIN system_postings AS p ON p.transaction_id = t.id"
)
"""A transaction's row, its entry and its system postings: one row per system posting."""

_KEYS_PER_QUERY = 500
"""Idempotency keys looked up per statement (SQLite allows 32,766 parameters)."""


class SqlLedgerRepository:
    """Balances, transactions, the customers' entries and the system postings."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _transactions(self, column: str, values: Sequence[str]) -> list[Transaction]:
        """The transactions whose ``column`` is one of ``values``, rebuilt from their rows.

        One row per system posting, in position order; the customer posting (the entry)
        takes the one position the system postings leave free.
        """
        rows = self._s.all(
            f"{_SELECT_TRANSACTIONS} WHERE t.{column} IN ({', '.join('?' * len(values))}) "
            "ORDER BY t.id, p.position",
            values,
        )
        d = self._s.dialect
        built: list[Transaction] = []
        for _id, group in itertools.groupby(rows, key=operator.itemgetter(0)):
            parts = list(group)
            first = parts[0]
            postings = [Posting(r[10], _money(d.decimal_from_db(r[12]), r[11])) for r in parts]
            mine = Posting(first[2], _money(d.decimal_from_db(first[7]), first[6]))
            positions = (r[9] for r in parts)  # sorted: the first gap is the entry's place
            free = next((i for i, p in enumerate(positions) if p != i), len(parts))
            postings.insert(free, mine)
            built.append(
                Transaction(
                    id=first[0],
                    kind=TransactionKind(first[1]),
                    account_id=first[2],
                    postings=postings,
                    idempotency_key=first[3],
                    created_at=d.time_from_db(first[4]),
                    description=first[8],
                    reverses=first[5],
                )
            )
        return built

    def _transaction(self, column: str, value: str) -> Transaction | None:
        found = self._transactions(column, [value])
        return found[0] if found else None

    def _require_balance(self, account_id: str) -> Row:
        row = self._s.one(
            "SELECT amount, currency FROM balances WHERE account_id = ?", (account_id,)
        )
        if row is None:
            raise AccountNotFound(account_id)
        return row

    def open_balance(self, account_id: str, currency: str) -> None:
        """Create the zero balance of a stored account.

        :class:`~telcocore.errors.AccountNotFound` without the account,
        :class:`~telcocore.errors.AlreadyExists` if it has one.
        """
        inserted = self._s.run(
            "INSERT INTO balances (account_id, currency, amount, seq) "
            "SELECT id, ?, ?, 0 FROM accounts WHERE id = ? ON CONFLICT DO NOTHING",
            (currency, self._s.dialect.decimal_to_db(Decimal(0)), account_id),
        )
        if not inserted:
            if self._s.one("SELECT 1 FROM balances WHERE account_id = ?", (account_id,)):
                raise AlreadyExists(entities.BALANCE, account_id)
            raise AccountNotFound(account_id)

    def move_balance(
        self, account_id: str, delta: Decimal, *, floor: Decimal | None
    ) -> BalanceChange | None:
        """Add ``delta`` to the balance atomically.

        ``None`` (nothing changed) when a ``floor`` is given and the new balance would be
        below it.
        """
        moved = self._s.dialect.move_balance(self._s, account_id, delta, floor)
        if moved is None:
            self._require_balance(account_id)
            return None
        return BalanceChange(
            _money(moved.before, moved.currency), _money(moved.after, moved.currency), moved.seq
        )

    def balance(self, account_id: str) -> Money:
        """The account's balance now."""
        amount, currency = self._require_balance(account_id)
        return _money(self._s.dialect.decimal_from_db(amount), currency)

    def record(self, transaction: Transaction, change: BalanceChange) -> None:
        """Store ``transaction`` and its postings.

        :class:`~telcocore.errors.AlreadyExists` if its id, its idempotency key or the
        transaction it reverses is taken.
        """
        d = self._s.dialect
        created_at = d.time_to_db(transaction.created_at)
        inserted = self._s.run(
            "INSERT INTO ledger_transactions "
            "(id, idempotency_key, reverses, account_id, kind, created_at, seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                transaction.id,
                transaction.idempotency_key,
                transaction.reverses,
                transaction.account_id,
                transaction.kind.value,
                created_at,
                change.seq,
            ),
        )
        if not inserted:
            raise self._taken(transaction)
        postings = [
            (
                _INSERT_POSTING,
                (
                    transaction.id,
                    i,
                    p.ledger_account,
                    p.amount.currency,
                    d.decimal_to_db(p.amount.amount),
                ),
            )
            for i, p in enumerate(transaction.postings)
            if p.ledger_account != transaction.account_id
        ]
        entry = (
            transaction.account_id,
            change.seq,
            transaction.id,
            transaction.kind.value,
            created_at,
            change.after.currency,
            d.decimal_to_db(transaction.amount.amount),  # after - before, written as given
            d.decimal_to_db(change.after.amount),
            transaction.description,
            transaction.reverses,
        )
        self._s.run_all([*postings, (_INSERT_ENTRY, entry)])

    def _taken(self, transaction: Transaction) -> AlreadyExists:
        if self.by_idempotency_key(transaction.idempotency_key) is not None:
            return AlreadyExists(entities.IDEMPOTENCY_KEY, transaction.idempotency_key)
        if transaction.reverses is not None and self.reversal_of(transaction.reverses) is not None:
            return AlreadyExists(entities.REVERSAL, transaction.reverses)
        return AlreadyExists(entities.TRANSACTION, transaction.id)

    def by_idempotency_key(self, key: str) -> Transaction | None:
        """The transaction posted with ``key``, if any."""
        return self._transaction("idempotency_key", key)

    def by_idempotency_keys(self, keys: Collection[str]) -> dict[str, Transaction]:
        """The transactions posted with any of ``keys``, by key."""
        found: dict[str, Transaction] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _KEYS_PER_QUERY):
            chunk = unique[start : start + _KEYS_PER_QUERY]
            for transaction in self._transactions("idempotency_key", chunk):
                found[transaction.idempotency_key] = transaction
        return found

    def get(self, transaction_id: str) -> Transaction:
        """The transaction, or :class:`~telcocore.errors.TransactionNotFound`."""
        found = self._transaction("id", transaction_id)
        if found is None:
            raise TransactionNotFound(transaction_id)
        return found

    def reversal_of(self, transaction_id: str) -> Transaction | None:
        """The transaction that reverses ``transaction_id``, if any."""
        return self._transaction("reverses", transaction_id)

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
        """The account's postings after ``after_seq`` in ``seq`` order, at most ``limit``.

        Only those created in ``[start, end)`` and of ``kinds``, where given.
        """
        d = self._s.dialect
        where = ["account_id = ?", "seq > ?"]
        params: list[object] = [account_id, after_seq]
        if start is not None:
            where.append("created_at >= ?")
            params.append(d.time_to_db(start))
        if end is not None:
            where.append("created_at < ?")
            params.append(d.time_to_db(end))
        if kinds is not None:
            if not kinds:
                return []
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            params.extend(sorted(k.value for k in kinds))
        page = ""
        if limit is not None:
            page = " LIMIT ?"
            params.append(limit)
        rows = self._s.all(
            f"SELECT {_ENTRY_COLUMNS} FROM ledger_entries "  # noqa: S608 - constant fragments
            f"WHERE {' AND '.join(where)} ORDER BY seq{page}",
            params,
        )
        return [
            LedgerEntry(
                seq=seq,
                transaction_id=transaction_id,
                kind=TransactionKind(kind),
                created_at=d.time_from_db(created_at),
                amount=_money(d.decimal_from_db(amount), currency),
                balance=_money(d.decimal_from_db(balance), currency),
                description=description,
                reverses=reverses,
            )
            for (
                seq,
                transaction_id,
                kind,
                created_at,
                currency,
                amount,
                balance,
                description,
                reverses,
            ) in rows
        ]

    def system_balance(self, ledger_account: str, currency: str) -> Decimal:
        """The sum of a system account's postings in ``currency``."""
        d = self._s.dialect
        row = self._s.one(
            f"SELECT {d.sum_function}(amount) FROM system_postings "  # noqa: S608 - constant
            "WHERE ledger_account = ? AND currency = ?",
            (ledger_account, currency),
        )
        return Decimal(0) if row is None or row[0] is None else d.decimal_from_db(row[0])

    def totals(self) -> dict[str, Decimal]:
        """The sum of every balance, customers' and system's, per currency."""
        d = self._s.dialect
        rows = self._s.all(
            f"SELECT currency, {d.sum_function}(amount) FROM ("  # noqa: S608 - constant
            "SELECT currency, amount FROM balances "
            "UNION ALL SELECT currency, amount FROM system_postings"
            ") AS everything GROUP BY currency"
        )
        return {currency: d.decimal_from_db(total) for currency, total in rows}


class SqlOutboxRepository:
    """The outbox, in the order messages were added."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def add(self, message: Message) -> None:
        """Queue ``message``; :class:`~telcocore.errors.AlreadyExists` if its id is taken."""
        inserted = self._s.run(
            "INSERT INTO outbox (id, message, attempts) VALUES (?, ?, 0) ON CONFLICT DO NOTHING",
            (message.id, self._s.dialect.json_to_db(converter.unstructure(message))),
        )
        if not inserted:
            raise AlreadyExists(entities.MESSAGE, message.id)

    def pending(self, *, limit: int, now: datetime | None = None) -> Sequence[OutboxItem]:
        """Messages not yet sent, oldest first; with ``now``, only those due by then."""
        d = self._s.dialect
        columns = "SELECT message, attempts, last_error, next_attempt_at FROM outbox "
        if now is None:
            rows = self._s.all(
                f"{columns}WHERE sent_at IS NULL ORDER BY position LIMIT ?",
                (limit,),
            )
        else:
            rows = self._s.all(
                f"{columns}WHERE sent_at IS NULL "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY position LIMIT ?",
                (d.time_to_db(now), limit),
            )
        return [
            OutboxItem(
                from_document(d.json_from_db(message), Message),
                attempts=attempts,
                last_error=last_error,
                next_attempt_at=None if due is None else d.time_from_db(due),
            )
            for message, attempts, last_error, due in rows
        ]

    def counts(self, *, now: datetime) -> OutboxCounts:
        """How many messages not yet sent are due at ``now``, and how many are deferred."""
        row = self._s.one(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN next_attempt_at IS NULL "
            "OR next_attempt_at <= ? THEN 1 ELSE 0 END), 0) FROM outbox WHERE sent_at IS NULL",
            (self._s.dialect.time_to_db(now),),
        )
        unsent, due = (0, 0) if row is None else (int(row[0]), int(row[1]))
        return OutboxCounts(due=due, deferred=unsent - due)

    def _change(self, query: str, params: Sequence[object]) -> None:
        if not self._s.run(query, params):
            raise NotFoundError(params[-1])

    def mark_sent(self, message_id: str, *, at: datetime) -> None:
        """Record that the message was delivered, and erase its secrets."""
        d = self._s.dialect
        row = self._s.one("SELECT message FROM outbox WHERE id = ?", (message_id,))
        if row is None:
            raise NotFoundError(message_id)
        erased = from_document(d.json_from_db(row[0]), Message).erased()
        self._change(
            "UPDATE outbox SET attempts = attempts + 1, sent_at = ?, last_error = NULL, "
            "next_attempt_at = NULL, message = ? WHERE id = ?",
            (d.time_to_db(at), d.json_to_db(converter.unstructure(erased)), message_id),
        )

    def mark_failed(self, message_id: str, *, error: str, retry_at: datetime | None = None) -> None:
        """Record a failed attempt; the message stays pending, due again at ``retry_at``."""
        d = self._s.dialect
        self._change(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
            "WHERE id = ?",
            (error, None if retry_at is None else d.time_to_db(retry_at), message_id),
        )
