"""How the ledger repository moves a customer balance, on each kind of SQL database.

:func:`move_in_database` where the database adds decimals exactly (PostgreSQL), else
:func:`move_in_python` (SQLite): see
:attr:`~telcocore.platform.sql.dialect.Dialect.exact_decimals`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from telcocore.billing.ledger._sql_holds import memo_key
from telcocore.billing.ledger.model import balance_allowed
from telcocore.kernel.money import AMOUNT_LIMIT, UNBOUNDED
from telcocore.platform.sql.dialect import Session

__all__ = ["Move", "Moved", "move_in_database", "move_in_python"]


class Move(NamedTuple):
    """A move asked of a customer balance: add ``delta`` if the conditions hold.

    ``floor``: the new balance less the account's holds must not be below it;
    ``account_version``: the balance must hold this version of its account.
    """

    account_id: str
    delta: Decimal
    floor: Decimal | None
    account_version: int | None


class Moved(NamedTuple):
    """A customer balance before and after a move, with its new posting sequence number.

    ``held`` and ``account_version`` are the row's as :func:`move_in_python` read them,
    remembered for the next move in the transaction; :func:`move_in_database` reads
    neither and leaves them zero.
    """

    before: Decimal
    after: Decimal
    currency: str
    seq: int
    held: Decimal
    account_version: int


def move_in_database(session: Session[Any], move: Move) -> Moved | None:
    """One conditional ``UPDATE ... RETURNING``: the check and the change are atomic.

    .. code-block:: sql

        UPDATE balances SET amount = amount + :delta, seq = seq + 1
        WHERE account_id = :id AND abs(amount + :delta) < :limit
          AND amount + :delta - held >= :floor AND account_version = :account_version
        RETURNING amount - :delta, amount, currency, seq

    is correct under READ COMMITTED with any number of processes on any number of hosts:
    a concurrent writer of the same row waits for the row lock, then checks the condition
    again on the row as that writer left it. The condition is
    :func:`~telcocore.billing.ledger.model.balance_allowed`'s, so no balance out of the
    ledger's bounds is ever written; with an ``account_version``, it also holds only while
    no change of the account committed since that version was read (a change writes it
    on the row, and one in progress holds the row until it commits).
    """
    account_id, delta, floor, account_version = move
    to_db = session.dialect.decimal_to_db
    condition, params = "", [to_db(delta), account_id, to_db(delta), AMOUNT_LIMIT]
    if floor is not None:
        condition = " AND amount + ? - held >= ?"
        params += [to_db(delta), to_db(floor)]
    if account_version is not None:
        condition += " AND account_version = ?"
        params.append(account_version)
    row = session.one(
        "UPDATE balances SET amount = amount + ?, seq = seq + 1 "  # noqa: S608 - constant
        f"WHERE account_id = ? AND abs(amount + ?) < ?{condition} "
        "RETURNING amount - ?, amount, currency, seq",
        [*params, to_db(delta)],
    )
    if row is None:
        return None
    before, after, currency, seq = row
    from_db = session.dialect.decimal_from_db
    return Moved(from_db(before), from_db(after), currency, seq, Decimal(0), 0)


def move_in_python(session: Session[Any], move: Move) -> Moved | None:
    """Read, check and write the balance in Python, exactly.

    For a database whose arithmetic on decimals is not exact; its write transaction holds
    the write lock, so nobody can move the balance in between. Once it has moved a
    balance, the transaction remembers the row and the next move of the same balance (a
    batch) skips the read.
    """
    account_id, delta, floor, account_version = move
    key = memo_key(account_id)
    known: Moved | None = session.memo.get(key)
    if known is None:
        row = session.one(
            "SELECT amount, currency, seq, held, account_version FROM balances "
            "WHERE account_id = ?",
            (account_id,),
        )
        if row is None:
            return None
        amount, currency, seq, on_hold, version = row
        before, held = Decimal(amount), Decimal(on_hold)
    else:
        before, currency, seq, held = known.after, known.currency, known.seq, known.held
        version = known.account_version
    if account_version not in {None, version}:
        return None
    after = UNBOUNDED.add(before, delta)
    if not balance_allowed(after, None if floor is None else UNBOUNDED.add(floor, held)):
        return None
    session.run(
        "UPDATE balances SET amount = ?, seq = ? WHERE account_id = ?",
        (session.dialect.decimal_to_db(after), seq + 1, account_id),
    )
    moved = Moved(before, after, currency, seq + 1, held, version)
    session.memo[key] = moved
    return moved
