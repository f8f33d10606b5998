"""Holds (reservations): credit set aside on an account for usage in progress.

Modelled on pending transfers: a hold lowers what new usage may spend,
``available = balance + debit_limit - held``, without moving the balance. Placing one is
new usage: only on an active account, and only while ``balance - held - amount >=
-debit_limit``, checked where the held sum moves (the account's balance row, locked for
the statement on PostgreSQL; SQLite's write lock), so two holds placed at once on a nearly
empty account cannot both succeed.

A hold id is chosen by the caller (a call's id, say). Placing the same hold again holds it
once and returns it; the same id for another account or amount is a
:class:`~telcocore.HoldConflict`. Releasing a hold deletes it and returns it; releasing an
unknown or already released hold returns ``None`` and changes nothing. A released hold's
id may be used again.

:func:`hold_credit` and :func:`release_credit` do the same inside a unit of work another
service opened, so a hold can be placed or released with that service's own changes (a
call's channel, its posted usage).
"""

from __future__ import annotations

from datetime import datetime

from telcocore.accounts.model import Account, validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.ledger.errors import DebitLimitExceeded, HoldConflict
from telcocore.billing.ledger.model import MAX_DESCRIPTION_LENGTH, Hold, validate_hold_id
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services.batch import signed_amount
from telcocore.kernel.money import EXACT, AmountLike, Money, to_decimal
from telcocore.kernel.validation import validate_text
from telcocore.platform.context import ServiceContext, retrying_lost_races
from telcocore.platform.ports import UnitOfWork

__all__ = ["Holds", "hold_credit", "new_hold", "release_credit"]


def new_hold(
    account: Account,
    amount: object,
    *,
    hold_id: str,
    created_at: datetime,
    reason: str = "",
) -> Hold:
    """A hold of ``amount`` (positive, in the account's currency) on ``account``.

    ``hold_id`` and ``reason`` must be validated already.
    """
    number = None if isinstance(amount, Money) else to_decimal(amount, field="amount")
    checked = signed_amount(amount, number, account.currency, 1)
    return Hold(
        id=hold_id,
        account_id=account.id,
        amount=checked,
        created_at=created_at,
        reason=reason,
    )


def hold_credit(uow: UnitOfWork, account: Account, hold: Hold) -> Hold:
    """Place ``hold`` on ``account`` (read, and held, in ``uow``); the stored hold.

    The same hold placed before is returned as it was stored; the same id for another
    request is a :class:`~telcocore.HoldConflict`. Otherwise the account must be active
    (:class:`~telcocore.AccountNotActive`) and the hold must fit
    (:class:`~telcocore.DebitLimitExceeded`, with what is available net of the holds).
    A refusal raises before anything is written.
    """
    ledger = uow.get(LedgerRepository)
    existing = ledger.find_hold(hold.id)
    if existing is not None:
        difference = existing.difference(hold.account_id, hold.amount)
        if difference is not None:
            raise HoldConflict(hold.id, difference)
        return existing
    account.require_active("hold credit for new usage")
    if not ledger.place_hold(hold, floor=EXACT.minus(account.debit_limit.amount)):
        available = account.available(ledger.balance(account.id)) - ledger.held(account.id)
        raise DebitLimitExceeded(account.id, hold.amount, available)
    return hold


def release_credit(uow: UnitOfWork, hold_id: str, *, account_id: str | None = None) -> Hold | None:
    """Release the hold ``hold_id`` in ``uow``: the hold, or ``None`` if none was placed.

    With ``account_id``, only a hold on that account is released: usage charged to one
    account never frees the credit another holds.
    """
    return uow.get(LedgerRepository).release_hold(hold_id, account_id=account_id)


class Holds:
    """The holds part of :class:`~telcocore.billing.ledger.services.LedgerService`."""

    _ctx: ServiceContext

    def place_hold(
        self, account_id: str, amount: AmountLike, *, hold_id: str, reason: str = ""
    ) -> Hold:
        """Set ``amount`` of the account's available credit aside under ``hold_id``.

        New usage: only for an active account, and only while it fits,
        ``balance - held - amount >= -debit_limit``. Raises
        :class:`~telcocore.DebitLimitExceeded` or :class:`~telcocore.AccountNotActive`
        (nothing is held then). Placing the same hold again returns the first;
        the same ``hold_id`` with another account or amount raises
        :class:`~telcocore.HoldConflict`.
        """
        account_id = validate_account_id(account_id)
        hold_id = validate_hold_id(hold_id)
        reason = validate_text(reason, field="reason", max_length=MAX_DESCRIPTION_LENGTH)

        def attempt() -> Hold:
            with self._ctx.uow() as uow:
                account = uow.get(AccountRepository).hold(account_id)
                now = self._ctx.clock.now()
                hold = new_hold(account, amount, hold_id=hold_id, created_at=now, reason=reason)
                placed = hold_credit(uow, account, hold)
                uow.commit()
            return placed

        # Two writers placing one new id at once: the second insert is refused, and the
        # second attempt finds the first hold.
        return retrying_lost_races(attempt)

    def release_hold(self, hold_id: str) -> Hold | None:
        """Release a hold: its credit is available again. The hold, or ``None`` if none.

        Idempotent: releasing an unknown or already released hold changes nothing.
        """
        hold_id = validate_hold_id(hold_id)
        with self._ctx.uow() as uow:
            released = release_credit(uow, hold_id)
            uow.commit()
        return released

    def held(self, account_id: str) -> Money:
        """The sum of the account's holds."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(LedgerRepository).held(account_id)

    def holds(self, account_id: str) -> list[Hold]:
        """The account's holds, oldest first."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            uow.get(AccountRepository).get(account_id)
            return uow.get(LedgerRepository).holds(account_id)
