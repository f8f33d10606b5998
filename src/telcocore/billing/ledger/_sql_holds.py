"""The ledger repository's holds, written once for every SQL database.

A hold is one ``ledger_holds`` row; the sum of an account's holds is kept in the ``held``
column of its ``balances`` row, changed with the hold in the same transaction, so a debit
checks ``balance - held - cost >= floor`` in the statement that moves the balance and a
posting reads no hold.

On PostgreSQL the held sum moves in one conditional ``UPDATE`` (the row lock orders
concurrent writers, each checking the condition on the row as the last one left it); on
SQLite by a read, a check and a write under the unit's write lock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from telcocore.accounts.errors import AccountNotFound
from telcocore.billing.ledger.model import Hold
from telcocore.kernel.errors import AlreadyExists
from telcocore.kernel.money import AMOUNT_LIMIT, UNBOUNDED, Money
from telcocore.platform.sql.dialect import Row, Session

__all__ = ["SqlHolds", "memo_key"]

_money = Money._trusted  # noqa: SLF001 - values read back from a validated store

_HOLD_COLUMNS: Final = "id, account_id, currency, amount, created_at, reason"


def memo_key(account_id: str) -> tuple[str, str]:
    """Where the SQLite write path remembers a balance row in the session's memo."""
    return ("balance", account_id)


class SqlHolds:
    """The holds part of :class:`~telcocore.billing.ledger.sql.SqlLedgerRepository`."""

    _s: Session[Any]

    def _hold(self, row: Row) -> Hold:
        hold_id, account_id, currency, amount, created_at, reason = row
        d = self._s.dialect
        return Hold(
            id=hold_id,
            account_id=account_id,
            amount=_money(d.decimal_from_db(amount), currency),
            created_at=d.time_from_db(created_at),
            reason=reason,
        )

    def find_hold(self, hold_id: str) -> Hold | None:
        """The hold placed under ``hold_id`` and not released, if any."""
        row = self._s.one(
            f"SELECT {_HOLD_COLUMNS} FROM ledger_holds WHERE id = ?",  # noqa: S608 - constant
            (hold_id,),
        )
        return None if row is None else self._hold(row)

    def place_hold(self, hold: Hold, *, floor: Decimal) -> bool:
        """Raise the account's held sum by the hold's amount if it fits, then store the hold.

        ``False`` (nothing changed) when ``balance - held - amount`` would be below
        ``floor``. :class:`~telcocore.AlreadyExists` if the id is taken.
        """
        s, d = self._s, self._s.dialect
        amount = hold.amount.amount
        if d.exact_decimals:
            row = s.one(
                "UPDATE balances SET held = held + ? "
                "WHERE account_id = ? AND held + ? < ? AND amount - held - ? >= ? "
                "RETURNING held",
                (
                    d.decimal_to_db(amount),
                    hold.account_id,
                    d.decimal_to_db(amount),
                    AMOUNT_LIMIT,
                    d.decimal_to_db(amount),
                    d.decimal_to_db(floor),
                ),
            )
            if row is None:
                self._require_row(hold.account_id)
                return False
        else:
            balance, held = self._read(hold.account_id)
            after = UNBOUNDED.add(held, amount)
            if UNBOUNDED.subtract(balance, after) < floor or after >= AMOUNT_LIMIT:
                return False
            self._write_held(hold.account_id, after)
        inserted = s.run(
            f"INSERT INTO ledger_holds ({_HOLD_COLUMNS}) "  # noqa: S608 - constant
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                hold.id,
                hold.account_id,
                hold.amount.currency,
                d.decimal_to_db(amount),
                d.time_to_db(hold.created_at),
                hold.reason,
            ),
        )
        if not inserted:
            raise AlreadyExists(Hold.ENTITY, hold.id)
        return True

    def release_hold(self, hold_id: str, *, account_id: str | None = None) -> Hold | None:
        """Delete the hold and take its amount off the held sum; ``None`` if there is none.

        With ``account_id``, only a hold on that account is released (``None`` otherwise).

        The account's balance row is locked before the hold is deleted: starting, ending
        and reaping calls lock them in that order too, so none of them waits for another
        while holding what the other needs (PostgreSQL).
        """
        s, d = self._s, self._s.dialect
        found = s.one("SELECT account_id FROM ledger_holds WHERE id = ?", (hold_id,))
        if found is None or account_id not in {None, found[0]}:
            return None
        lock = f"SELECT held FROM balances WHERE account_id = ?{d.update_lock}"  # noqa: S608
        s.one(lock, (found[0],))
        row = s.one(
            f"DELETE FROM ledger_holds WHERE id = ? AND account_id = ? "  # noqa: S608
            f"RETURNING {_HOLD_COLUMNS}",
            (hold_id, found[0]),
        )
        if row is None:
            return None
        hold = self._hold(row)
        amount = hold.amount.amount
        if d.exact_decimals:
            s.run(
                "UPDATE balances SET held = held - ? WHERE account_id = ?",
                (d.decimal_to_db(amount), hold.account_id),
            )
        else:
            _balance, held = self._read(hold.account_id)
            self._write_held(hold.account_id, UNBOUNDED.subtract(held, amount))
        return hold

    def held(self, account_id: str) -> Money:
        """The sum of the account's holds now."""
        row = self._require_row(account_id)
        return _money(self._s.dialect.decimal_from_db(row[0]), row[1])

    def holds(self, account_id: str) -> list[Hold]:
        """The account's holds, oldest first."""
        rows = self._s.all(
            f"SELECT {_HOLD_COLUMNS} FROM ledger_holds "  # noqa: S608 - constant
            f"WHERE account_id = ? ORDER BY created_at, id{self._s.dialect.code_point_order}",
            (account_id,),
        )
        return [self._hold(row) for row in rows]

    def _require_row(self, account_id: str) -> Row:
        row = self._s.one("SELECT held, currency FROM balances WHERE account_id = ?", (account_id,))
        if row is None:
            raise AccountNotFound(account_id)
        return row

    def _read(self, account_id: str) -> tuple[Decimal, Decimal]:
        """The balance and the held sum, read under the write lock (SQLite)."""
        row = self._s.one("SELECT amount, held FROM balances WHERE account_id = ?", (account_id,))
        if row is None:
            raise AccountNotFound(account_id)
        from_db = self._s.dialect.decimal_from_db
        return from_db(row[0]), from_db(row[1])

    def _write_held(self, account_id: str, held: Decimal) -> None:
        self._s.memo.pop(memo_key(account_id), None)  # the next move reads the row again
        self._s.run(
            "UPDATE balances SET held = ? WHERE account_id = ?",
            (self._s.dialect.decimal_to_db(held), account_id),
        )
