"""The ledger's repository, written once for every SQL database.

Statements use ``?`` placeholders and only SQL that SQLite and PostgreSQL share; what
differs (decimals, instants, errors) is asked of the
:class:`~telcocore.platform.sql.dialect.Dialect`.

- A customer balance is one ``balances`` row. A transaction is one ``ledger_transactions``
  row (UNIQUE ``idempotency_key``, and ``reverses`` where it is set), its customer posting a
  ``ledger_entries`` row (with the balance after it, for the history), its other postings
  ``system_postings`` rows, whose sums are the system balances: no row is updated by every
  transaction.
- A balance moves in one conditional ``UPDATE`` where the database adds decimals exactly
  (PostgreSQL), else by a read, a check and a write under the unit's write lock (SQLite):
  see :attr:`~telcocore.platform.sql.dialect.Dialect.exact_decimals`.
- A balance row keeps the version of its account (``account_version``), written by the
  database itself (a trigger on ``accounts``, ledger migration 6) in the transaction of
  every change of the account, whoever makes it: a move given the version it judged by
  happens only while that version is still stored, and a change waits for a move's
  transaction to end (the balance row's lock), or the move for the change's.
- :meth:`~SqlLedgerRepository.record` inserts with ``ON CONFLICT DO NOTHING`` and counts
  the rows, so a taken key raises :class:`~telcocore.AlreadyExists` and the unit stays
  usable; ``add`` and ``record_batch`` (keys believed new) insert plainly: a taken key
  fails the unit, which the service rolls back before it looks the key up.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from telcocore.accounts.errors import AccountNotFound
from telcocore.billing.ledger._sql_balances import Move, move_in_database, move_in_python
from telcocore.billing.ledger._sql_holds import SqlHolds, memo_key
from telcocore.billing.ledger.errors import TransactionNotFound
from telcocore.billing.ledger.model import (
    BalanceChange,
    HeldBalance,
    LedgerEntry,
    Posting,
    Transaction,
    TransactionKind,
)
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.kernel.errors import AlreadyExists
from telcocore.kernel.money import Money
from telcocore.platform.sql.dialect import Dialect, Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlLedgerRepository"]

_BALANCE: Final = "balance"
"""What errors call an account's balance row."""
_IDEMPOTENCY_KEY: Final = f"{Transaction.ENTITY} with idempotency key"
_REVERSAL: Final = f"reversal of {Transaction.ENTITY}"


_money = Money._trusted  # noqa: SLF001 - values read back from a validated store


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


_INSERT_TRANSACTION = (
    "INSERT INTO ledger_transactions "
    "(id, idempotency_key, reverses, account_id, kind, created_at, seq) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
"""A transaction's row, without ``ON CONFLICT``: a taken key fails the statement."""


_SELECT_TRANSACTIONS = (
    "SELECT t.id, t.kind, t.account_id, t.idempotency_key, t.created_at, t.reverses, "
    "e.currency, e.amount, e.description, p.position, p.ledger_account, p.currency, p.amount "
    "FROM ledger_transactions AS t "
    "JOIN ledger_entries AS e ON e.account_id = t.account_id AND e.seq = t.seq "
    "JOIN system_postings AS p ON p.transaction_id = t.id"
)


"""A transaction's row, its entry and its system postings: one row per system posting."""


def _select_transactions(column: str, count: int) -> str:
    """The query of the transactions whose ``column`` is one of ``count`` values."""
    return (
        f"{_SELECT_TRANSACTIONS} WHERE t.{column} IN ({', '.join('?' * count)}) "
        "ORDER BY t.id, p.position"
    )


_KEYS_PER_QUERY = 500


"""Idempotency keys looked up per statement (SQLite allows 32,766 parameters)."""


class SqlLedgerRepository(SqlHolds):
    """Balances, transactions, the customers' entries, the system postings and the holds."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _transactions(self, column: str, values: Sequence[str]) -> list[Transaction]:
        """The transactions whose ``column`` is one of ``values``, rebuilt from their rows."""
        return self._built(self._s.all(_select_transactions(column, len(values)), values))

    def _built(self, rows: Sequence[Row]) -> list[Transaction]:
        """Transactions rebuilt from the rows of :func:`_select_transactions`.

        One row per system posting, in position order; the customer posting (the entry)
        takes the one position the system postings leave free.
        """
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

        :class:`~telcocore.AccountNotFound` without the account,
        :class:`~telcocore.AlreadyExists` if it has one.
        """
        inserted = self._s.run(
            "INSERT INTO balances (account_id, currency, amount, seq, account_version) "
            "SELECT id, ?, ?, 0, version FROM accounts WHERE id = ? ON CONFLICT DO NOTHING",
            (currency, self._s.dialect.decimal_to_db(Decimal(0)), account_id),
        )
        if not inserted:
            if self._s.one("SELECT 1 FROM balances WHERE account_id = ?", (account_id,)):
                raise AlreadyExists(_BALANCE, account_id)
            raise AccountNotFound(account_id)

    def move_balance(
        self,
        account_id: str,
        delta: Decimal,
        *,
        floor: Decimal | None,
        account_version: int | None = None,
    ) -> BalanceChange | None:
        """Add ``delta`` to the balance atomically.

        ``None`` (nothing changed) when a ``floor`` is given and the new balance less the
        account's holds would be below it, or an ``account_version`` is given and the
        balance row holds another.
        """
        session, move = self._s, Move(account_id, delta, floor, account_version)
        mover = move_in_database if session.dialect.exact_decimals else move_in_python
        moved = mover(session, move)
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

        :class:`~telcocore.AlreadyExists` if its id, its idempotency key or the
        transaction it reverses is taken.
        """
        d = self._s.dialect
        row, postings, entry = _rows(
            d, transaction, change.after.amount, change.seq, d.decimal_to_db
        )
        inserted = self._s.run(f"{_INSERT_TRANSACTION} ON CONFLICT DO NOTHING", row)
        if not inserted:
            raise self._taken(transaction)
        self._s.run_all(
            [*((_INSERT_POSTING, posting) for posting in postings), (_INSERT_ENTRY, entry)]
        )

    def add(self, transaction: Transaction, change: BalanceChange) -> None:
        """Store a new ``transaction`` and its postings, every row in one batch of statements.

        For a key believed new: nothing is looked up first, and the rows go with the next
        statement or the commit (on PostgreSQL, the rows and the ``COMMIT`` in one round
        trip). A taken id, idempotency key or reversal raises
        :class:`~telcocore.AlreadyExists` there and leaves the unit of work unusable
        (PostgreSQL aborts it): roll it back, then look the key up.
        """
        d = self._s.dialect
        row, postings, entry = _rows(
            d, transaction, change.after.amount, change.seq, d.decimal_to_db
        )
        statements: list[tuple[str, Sequence[object]]] = [(_INSERT_TRANSACTION, row)]
        statements += [(_INSERT_POSTING, posting) for posting in postings]
        statements.append((_INSERT_ENTRY, entry))
        self._s.run_later(statements)

    def hold_balances(self, account_ids: Collection[str]) -> dict[str, HeldBalance]:
        """The balances of ``account_ids``, locked until the transaction ends.

        Each with the version of its account it holds. One ``SELECT`` (per
        :data:`_KEYS_PER_QUERY` accounts), in account order by code
        point in Python and in the database alike
        (:attr:`~telcocore.platform.sql.dialect.Dialect.code_point_order`), with the
        dialect's :attr:`~telcocore.platform.sql.dialect.Dialect.update_lock`.
        """
        d = self._s.dialect
        held: dict[str, HeldBalance] = {}
        ordered = sorted(set(account_ids))
        for start in range(0, len(ordered), _KEYS_PER_QUERY):
            chunk = ordered[start : start + _KEYS_PER_QUERY]
            rows = self._s.all(
                "SELECT account_id, amount, currency, seq, held, account_version "  # noqa: S608
                "FROM balances "
                f"WHERE account_id IN ({', '.join('?' * len(chunk))}) "
                f"ORDER BY account_id{d.code_point_order}{d.update_lock}",
                chunk,
            )
            for account_id, amount, currency, seq, on_hold, version in rows:
                held[account_id] = HeldBalance(
                    _money(d.decimal_from_db(amount), currency),
                    seq,
                    d.decimal_from_db(on_hold),
                    account_version=version,
                )
        return held

    def record_batch(self, recorded: Sequence[tuple[Transaction, Decimal, int]]) -> None:
        """Store the transactions and set each balance to its last one's, in one batch.

        One ``executemany`` per table and one ``UPDATE`` per balance, sent with the next
        statement or the commit (PostgreSQL: all in one pipeline, with the ``COMMIT`` if
        nothing runs before it). The transactions are inserted without ``ON CONFLICT``, in
        idempotency key order: a taken key or id fails the batch with
        :class:`~telcocore.AlreadyExists`, raised there; the unit must then be rolled back.
        """
        d = self._s.dialect
        transactions: list[tuple[object, ...]] = []
        postings: list[tuple[object, ...]] = []
        entries: list[tuple[object, ...]] = []
        last: dict[str, tuple[Decimal, int]] = {}
        # A batch posts the same few amounts again and again: each is converted once. By
        # the object, not its value (0.01 and 0.010 are equal, and stored as given); the
        # transactions keep every one alive until the end.
        stored: dict[int, object] = {}

        def to_db(value: Decimal) -> object:
            converted = stored.get(id(value))
            if converted is None:
                converted = stored[id(value)] = d.decimal_to_db(value)
            return converted

        for transaction, after, seq in recorded:
            row, rows, entry = _rows(d, transaction, after, seq, to_db)
            transactions.append(row)
            postings += rows
            entries.append(entry)
            last[transaction.account_id] = (after, seq)
        balances = [
            (d.decimal_to_db(after), seq, account_id) for account_id, (after, seq) in last.items()
        ]
        # By idempotency key: two batches sharing keys insert them in one order, so neither
        # waits for the other's key while holding one it needs (PostgreSQL).
        transactions.sort(key=operator.itemgetter(1))
        for account_id in last:  # a later move in this transaction reads the row again
            self._s.memo.pop(memo_key(account_id), None)
        self._s.run_batches_later(
            [
                (_INSERT_TRANSACTION, transactions),
                (_INSERT_POSTING, postings),
                (_INSERT_ENTRY, entries),
                ("UPDATE balances SET amount = ?, seq = ? WHERE account_id = ?", balances),
            ]
        )

    def _taken(self, transaction: Transaction) -> AlreadyExists:
        if self.by_idempotency_key(transaction.idempotency_key) is not None:
            return AlreadyExists(_IDEMPOTENCY_KEY, transaction.idempotency_key)
        if transaction.reverses is not None and self.reversal_of(transaction.reverses) is not None:
            return AlreadyExists(_REVERSAL, transaction.reverses)
        return AlreadyExists(Transaction.ENTITY, transaction.id)

    def by_idempotency_key(self, key: str) -> Transaction | None:
        """The transaction posted with ``key``, if any."""
        return self._transaction("idempotency_key", key)

    def by_idempotency_keys(self, keys: Collection[str]) -> dict[str, Transaction]:
        """The transactions posted with any of ``keys``, by key."""
        return self.by_idempotency_keys_later(keys)()

    def by_idempotency_keys_later(
        self, keys: Collection[str]
    ) -> Callable[[], dict[str, Transaction]]:
        """:meth:`by_idempotency_keys`, its queries sent with the next statement run."""
        unique = list(dict.fromkeys(keys))
        pending = [
            self._s.read_later(_select_transactions("idempotency_key", len(chunk)), chunk)
            for chunk in (
                unique[start : start + _KEYS_PER_QUERY]
                for start in range(0, len(unique), _KEYS_PER_QUERY)
            )
        ]

        def found() -> dict[str, Transaction]:
            built = (self._built(rows.rows()) for rows in pending)
            return {t.idempotency_key: t for transactions in built for t in transactions}

        return found

    def get(self, transaction_id: str) -> Transaction:
        """The transaction, or :class:`~telcocore.TransactionNotFound`."""
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


def _rows(
    dialect: Dialect[Any],
    transaction: Transaction,
    after: Decimal,
    seq: int,
    to_db: Callable[[Decimal], object],
) -> tuple[tuple[object, ...], list[tuple[object, ...]], tuple[object, ...]]:
    """A new transaction's rows: its own, its system postings', and its customer entry's.

    ``after`` is the customer balance after it and ``seq`` its posting's number; ``to_db``
    writes a decimal (a batch remembers the ones it wrote).
    """
    transaction_id, account_id = transaction.id, transaction.account_id
    created_at = dialect.time_to_db(transaction.created_at)
    kind, reverses = transaction.kind.value, transaction.reverses
    postings: list[tuple[object, ...]] = []
    mine: object = None
    currency = ""
    for position, posting in enumerate(transaction.postings):
        amount = posting.amount
        value = to_db(amount.amount)
        if posting.ledger_account == account_id:
            mine, currency = value, amount.currency  # after - before, written as given
        else:
            postings.append(
                (transaction_id, position, posting.ledger_account, amount.currency, value)
            )
    row = (transaction_id, transaction.idempotency_key, reverses, account_id, kind, created_at, seq)
    entry = (
        account_id,
        seq,
        transaction_id,
        kind,
        created_at,
        currency,
        mine,
        to_db(after),
        transaction.description,
        reverses,
    )
    return row, postings, entry


STORAGE = SqlDomain(
    "billing.ledger", {LedgerRepository: SqlLedgerRepository}, after=("accounts",), baseline=2
)
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
