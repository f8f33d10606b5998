"""The recurring run: each account on a plan charged its plan once per calendar month.

Each account is charged in a unit of work of its own, holding its assignment row, with one
``recurring`` ledger debit under the key ``plans:recurring:<account>:<YYYY-MM>``
(:func:`~telcocore.billing.plans.model.recurring_key`): the users, the monthly charge of
its active DIDs, and the setup charge of active DIDs no earlier run charged (recorded in
the same unit). Users bought during the period paid for it when bought, and users bought
after it (a run made late) were not there: the run charges the others. A run that finds
the key posted reports the account as already charged and changes nothing, so re-runs,
retries and runs in several processes at once charge each account once. A charge the
ledger refuses (an inactive account, or one over its debit limit) is reported and leaves
nothing written: a later run of the same period charges it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import attrs

from telcocore.billing.ledger.model import TransactionKind
from telcocore.billing.ledger.ports import LedgerRepository
from telcocore.billing.ledger.services import LedgerRequest, Movement, post_in
from telcocore.billing.plans.model import (
    ChargeStatus,
    RecurringCharge,
    RecurringRun,
    month_of,
    recurring_key,
)
from telcocore.billing.plans.ports import PlanRepository
from telcocore.billing.plans.services.base import PlansPart, require_plan
from telcocore.billing.plans.services.holdings import plan_view
from telcocore.kernel.errors import TelcoError, ValidationError
from telcocore.kernel.money import Money
from telcocore.kernel.periods import Period
from telcocore.kernel.validation import validate_flag
from telcocore.platform.context import retrying_lost_races

__all__ = ["Recurring"]

_TICK: Final = timedelta(microseconds=1)
"""The smallest step of a time: what makes ``now`` part of a half-open range."""


class Recurring(PlansPart):
    """Charges every account on a plan its plan for a month, once."""

    def run_recurring(self, period: Period, *, dry_run: bool = False) -> RecurringRun:
        """Charge each account on a plan for ``period`` (a :meth:`Period.month`), once.

        Returns what each account was charged (or, ``dry_run``, would be charged: nothing
        is written then), by account. An account charged for the period before is reported
        ``already_charged`` with its transaction and total.

        A month is charged once it has begun: a run before would charge the users there
        now, and a user bought between the run and the month's start, who pays only for
        the days before it, would have that month free. A dry run may look ahead.
        """
        month = month_of(period)
        dry = validate_flag(dry_run, field="dry_run")
        now = self._ctx.clock.now()
        if not dry and period.start > now:
            msg = (
                f"the month {month} begins at {period.start.isoformat()}, after now "
                f"({now.isoformat()}): a month is charged once it has begun"
            )
            raise ValidationError(msg, field="period", value=period)
        with self._ctx.uow(read_only=True) as uow:
            accounts = [a.account_id for a in uow.get(PlanRepository).assignments()]
        charges = []
        for account_id in accounts:
            charge = self._charge_once(account_id, period, dry=dry)
            if charge is not None:
                charges.append(charge)
        return RecurringRun(period, dry, tuple(charges))

    def _charge_once(self, account_id: str, period: Period, *, dry: bool) -> RecurringCharge | None:
        return retrying_lost_races(lambda: self._charge(account_id, period, dry=dry))

    def _charge(self, account_id: str, period: Period, *, dry: bool) -> RecurringCharge | None:
        key = recurring_key(account_id, period)
        alerted = False
        with self._ctx.uow(read_only=dry) as uow:
            plans = uow.get(PlanRepository)
            assignment = plans.assignment(account_id, lock=not dry)
            if assignment is None:  # pragma: no cover - a plan is never unassigned
                return None
            plan = require_plan(uow, assignment.plan)
            existing = uow.get(LedgerRepository).by_idempotency_key(key)
            if existing is not None:
                zero = Money.zero(plan.currency)
                return RecurringCharge(
                    account_id,
                    plan.name,
                    ChargeStatus.ALREADY_CHARGED,
                    0,
                    zero,
                    (),
                    (),
                    -existing.amount,
                    existing.id,
                )
            due = RecurringCharge.due(
                plan_view(uow, plan, assignment),
                plans.setups_charged(account_id),
                # Bought since the period began, up to now included: a late run (of a refused
                # period, say) does not charge users bought after it, which were not in it.
                plans.users_bought(
                    account_id, period.start, max(period.end, self._ctx.clock.now() + _TICK)
                ),
            )
            if dry or due.status is ChargeStatus.NOTHING_TO_CHARGE:
                return due
            request = LedgerRequest(
                Movement.DEBIT,
                account_id,
                due.total,
                key,
                kind=TransactionKind.RECURRING,
                description=f"plan {plan.name}, {month_of(period)}",
            )
            (outcome,), alerted = post_in(uow, [request], self._ctx)
            if isinstance(outcome, TelcoError):
                return attrs.evolve(due, status=ChargeStatus.REFUSED, refusal=str(outcome))
            plans.add_setups(account_id, (line.number for line in due.setups), outcome.id)
            uow.commit()
        self._wake_outbox(alerted)
        return attrs.evolve(due, status=ChargeStatus.CHARGED, transaction_id=outcome.id)
