"""Seats: quoting, buying and removing an account's users.

Buying charges the ledger a ``purchase`` debit (idempotency key ``seats:`` and the
caller's key) and adds the users in the same unit of work, under the account's held
assignment row: either both happen or neither. The seat change is stored under the
caller's key, so a retry returns the first change and charges nothing more.

Refund policy: removing users refunds nothing. The month already charged stays paid;
the users removed are no longer charged from the next recurring run on.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.billing.ledger.errors import IdempotencyConflict
from telcocore.billing.ledger.model import TransactionKind
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services import LedgerRequest, Movement, post_in
from telcocore.billing.plans.errors import UsersInUse
from telcocore.billing.plans.model import (
    MAX_USERS,
    PlanAssignment,
    SeatChange,
    SeatQuote,
    ServicePlan,
    prorate,
    validate_users,
)
from telcocore.billing.plans.ports import PlanRepository
from telcocore.billing.plans.services.base import PlansPart, require_assignment, require_plan
from telcocore.billing.plans.services.holdings import users_in_use
from telcocore.kernel.errors import TelcoError, ValidationError
from telcocore.kernel.money import Money
from telcocore.kernel.periods import require_utc
from telcocore.kernel.validation import validate_flag, validate_text
from telcocore.platform.context import retrying_lost_races
from telcocore.platform.ports import UnitOfWork

__all__ = ["Seats"]

MAX_SEAT_KEY = 190
"""The longest idempotency key of a seat change (the ledger's key adds ``seats:``)."""


def _seat_key(value: object) -> str:
    return validate_text(
        value,
        field="idempotency_key",
        label="idempotency key",
        max_length=MAX_SEAT_KEY,
        required=True,
    )


def _charge(plan: ServicePlan, n: int, at: datetime, *, prorated: bool) -> tuple[Money, int, int]:
    """The charge for ``n`` users bought at ``at``, the days charged and the days in the month."""
    full = plan.cost_per_user * n
    if prorated:
        return prorate(full, at)
    days = prorate(full, at)[2]
    return full, days, days


def _replayed(found: SeatChange, account_id: str, change: int) -> SeatChange:
    """The change stored under the key, if it is the one asked for again."""
    if found.account_id != account_id or found.change != change:
        what = "buying" if found.change > 0 else "removing"
        difference = f"{what} {abs(found.change)} users of account {found.account_id!r}"
        raise IdempotencyConflict(found.idempotency_key, difference)
    return found


class Seats(PlansPart):
    """Quotes, buys and removes users (seats) of accounts on a plan."""

    def quote_users(
        self,
        account_id: str,
        n: int,
        *,
        at: datetime | None = None,
        prorate: bool = True,
    ) -> SeatQuote:
        """What buying ``n`` users at ``at`` (now by default) would charge, and if it fits.

        With ``prorate`` the charge covers the rest of ``at``'s UTC calendar month (see
        :func:`~telcocore.billing.plans.model.prorate`); without, a whole month. ``fits``
        says whether the account's available credit (balance + debit limit - held)
        covers it, ``shortfall`` how much is missing. Nothing is written.
        """
        account_id = validate_account_id(account_id)
        n = validate_users(n)
        when = self._ctx.clock.now() if at is None else require_utc(at, field="at")
        prorated = validate_flag(prorate, field="prorate")
        with self._ctx.uow(read_only=True) as uow:
            account = uow.get(AccountRepository).get(account_id)
            plan = require_plan(uow, require_assignment(uow, account_id).plan)
            ledger = uow.get(LedgerRepository)
            available = account.available(ledger.balance(account_id)) - ledger.held(account_id)
        charge, days_charged, days = _charge(plan, n, when, prorated=prorated)
        zero = Money.zero(plan.currency)
        return SeatQuote(
            account_id,
            n,
            plan.cost_per_user,
            plan.cost_per_user * n,
            charge,
            days_charged,
            days,
            available,
            charge <= available,
            max(charge - available, zero),
        )

    def buy_users(
        self,
        account_id: str,
        n: int,
        *,
        idempotency_key: str,
        prorate: bool = True,
        reason: str | None = None,
    ) -> SeatChange:
        """Charge ``n`` users (prorated to the end of the month, as quoted) and add them.

        Only for an active account (:class:`~telcocore.AccountNotActive`) and only if the
        charge fits its debit limit: otherwise :class:`~telcocore.DebitLimitExceeded`,
        whose ``shortfall`` is the credit missing, and nothing changes (ledger, users,
        audit). The same ``idempotency_key`` again returns the first change and charges
        nothing; with another account or number of users it is an
        :class:`~telcocore.IdempotencyConflict`. Audited (the account's assignment).
        """
        account_id = validate_account_id(account_id)
        n = validate_users(n)
        key = _seat_key(idempotency_key)
        prorated = validate_flag(prorate, field="prorate")

        def attempt() -> tuple[SeatChange, bool]:
            with self._ctx.uow() as uow:
                # Held first: a concurrent retry of the key waits, then finds the change.
                assignment = require_assignment(uow, account_id, lock=True)
                found = uow.get(PlanRepository).seat_change(key)
                if found is not None:
                    return _replayed(found, account_id, n), False
                change, alerted = self._buy(uow, assignment, n, key, prorated=prorated)
                self._audit_change(uow, change, reason)
                uow.commit()
            return change, alerted

        change, alerted = retrying_lost_races(attempt)
        self._wake_outbox(alerted)
        return change

    def _buy(
        self, uow: UnitOfWork, assignment: PlanAssignment, n: int, key: str, *, prorated: bool
    ) -> tuple[SeatChange, bool]:
        account_id = assignment.account_id
        uow.get(AccountRepository).get(account_id).require_active("buy users")
        plan = require_plan(uow, assignment.plan)
        now = self._ctx.clock.now()
        charge = _charge(plan, n, now, prorated=prorated)[0]
        users = assignment.users + n
        if users > MAX_USERS:
            msg = f"account {account_id!r} would have {users} users, more than {MAX_USERS}"
            raise ValidationError(msg, field="n", value=n)
        transaction_id, alerted = None, False
        if charge.is_positive():
            request = LedgerRequest(
                Movement.DEBIT,
                account_id,
                charge,
                f"seats:{key}",
                kind=TransactionKind.PURCHASE,
                description=f"{n} user(s) on plan {plan.name}",
            )
            (outcome,), alerted = post_in(uow, [request], self._ctx)
            if isinstance(outcome, TelcoError):
                raise outcome
            transaction_id = outcome.id
        return SeatChange(key, account_id, n, users, charge, transaction_id, now), alerted

    def remove_users(
        self, account_id: str, n: int, *, idempotency_key: str, reason: str | None = None
    ) -> SeatChange:
        """Remove ``n`` users; never below the users in use (:class:`~telcocore.UsersInUse`).

        Nothing is refunded (the month charged stays paid); the recurring run charges the
        users left from its next period. The same ``idempotency_key`` again returns the
        first change. Audited (the account's assignment).
        """
        account_id = validate_account_id(account_id)
        n = validate_users(n)
        key = _seat_key(idempotency_key)

        def attempt() -> SeatChange:
            with self._ctx.uow() as uow:
                uow.get(AccountRepository).get(account_id)
                assignment = require_assignment(uow, account_id, lock=True)
                found = uow.get(PlanRepository).seat_change(key)
                if found is not None:
                    return _replayed(found, account_id, -n)
                in_use = users_in_use(uow, account_id)
                if assignment.users - n < in_use or n > assignment.users:
                    raise UsersInUse(account_id, assignment.users, in_use, n)
                plan = require_plan(uow, assignment.plan)
                change = SeatChange(
                    key,
                    account_id,
                    -n,
                    assignment.users - n,
                    Money.zero(plan.currency),
                    None,
                    self._ctx.clock.now(),
                )
                self._audit_change(uow, change, reason)
                uow.commit()
            return change

        return retrying_lost_races(attempt)

    def _audit_change(self, uow: UnitOfWork, change: SeatChange, reason: str | None) -> None:
        """Store the change and the account's new number of users, audited."""
        plans = uow.get(PlanRepository)
        before = require_assignment(uow, change.account_id)
        after = attrs.evolve(before, users=change.users)
        plans.save_assignment(after)
        plans.add_seat_change(change)
        self._audit.record_change(uow, AuditAction.UPDATE, before, after, reason=reason)
