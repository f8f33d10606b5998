"""Plans: stored, replaced, deleted, assigned to accounts, and an account's plan view."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.audit.model.entry import AuditAction
from telcocore.billing.plans.errors import PlanInUse
from telcocore.billing.plans.model import (
    PlanAssignment,
    PlanView,
    ServicePlan,
    validate_plan_name,
)
from telcocore.billing.plans.ports import PlanRepository
from telcocore.billing.plans.services.base import PlansPart, require_assignment, require_plan
from telcocore.billing.plans.services.holdings import plan_view
from telcocore.kernel.errors import CurrencyMismatch

__all__ = ["Plans"]


class Plans(PlansPart):
    """Stores service plans and assigns them to accounts."""

    def save_plan(  # noqa: PLR0913 - a plan's parts and the reason
        self,
        name: str,
        currency: str,
        cost_per_user: object,
        *,
        did_monthly: Mapping[object, object] | None = None,
        did_setup: Mapping[object, object] | None = None,
        reason: str | None = None,
    ) -> ServicePlan:
        """Create the plan ``name``, or replace the stored one whole; its version goes up.

        ``cost_per_user`` is the monthly price of one user; ``did_monthly`` and
        ``did_setup`` map DID classes (:class:`~telcocore.numbering.model.dids.DidClass`
        or their values, such as ``"local"``) to the monthly and the one-time setup charge
        of a DID of that class; a class not named is free. Amounts are in ``currency``,
        not negative, at its precision. A plan assigned to accounts keeps its currency
        (:class:`~telcocore.CurrencyMismatch`). Audited.
        """
        with self._ctx.uow() as uow:
            plans = uow.get(PlanRepository)
            before = plans.plan(validate_plan_name(name), lock=True)
            version = 1 if before is None else before.version + 1
            after = ServicePlan.build(
                name, currency, cost_per_user, did_monthly, did_setup, version
            )
            if (
                before is not None
                and before.currency != after.currency
                and plans.accounts_on(after.name)
            ):
                msg = (
                    f"service plan {after.name!r} is assigned to accounts in "
                    f"{before.currency}; it cannot change to {after.currency}"
                )
                raise CurrencyMismatch(
                    before.currency, after.currency, operation="use", message=msg
                )
            plans.save_plan(after, updated_at=self._ctx.clock.now())
            action = AuditAction.CREATE if before is None else AuditAction.UPDATE
            self._audit.record_change(uow, action, before, after, reason=reason)
            uow.commit()
        return after

    def plan(self, name: str) -> ServicePlan:
        """The plan ``name``; :class:`~telcocore.PlanNotFound` if there is none."""
        name = validate_plan_name(name)
        with self._ctx.uow(read_only=True) as uow:
            return require_plan(uow, name)

    def plans(self) -> list[ServicePlan]:
        """Every plan, by name."""
        with self._ctx.uow(read_only=True) as uow:
            return uow.get(PlanRepository).plans()

    def delete_plan(self, name: str, *, reason: str | None = None) -> None:
        """Delete a plan; :class:`~telcocore.PlanInUse` while accounts are on it. Audited."""
        name = validate_plan_name(name)
        with self._ctx.uow() as uow:
            before = require_plan(uow, name, lock=True)
            plans = uow.get(PlanRepository)
            users = plans.accounts_on(name)
            if users:
                raise PlanInUse(name, users)
            plans.delete_plan(name)
            self._audit.record_change(uow, AuditAction.DELETE, before, None, reason=reason)
            uow.commit()

    def assign_plan(
        self, account_id: str, plan: str, *, reason: str | None = None
    ) -> PlanAssignment:
        """Put the account on ``plan``; it keeps the users it has (none at first).

        The plan must be in the account's currency (:class:`~telcocore.CurrencyMismatch`).
        Audited; assigning the plan the account is on changes nothing.
        """
        account_id = validate_account_id(account_id)
        name = validate_plan_name(plan, "plan")
        with self._ctx.uow() as uow:
            account = uow.get(AccountRepository).get(account_id)
            found = require_plan(uow, name, lock=True)
            if found.currency != account.currency:
                msg = (
                    f"service plan {name!r} is in {found.currency}, "
                    f"account {account_id!r} in {account.currency}"
                )
                raise CurrencyMismatch(
                    account.currency, found.currency, operation="use", message=msg, field="plan"
                )
            plans = uow.get(PlanRepository)
            before = plans.assignment(account_id, lock=True)
            after = (
                PlanAssignment(account_id, name)
                if before is None
                else attrs.evolve(before, plan=name)
            )
            if before == after:
                return after
            plans.save_assignment(after)
            action = AuditAction.CREATE if before is None else AuditAction.UPDATE
            self._audit.record_change(uow, action, before, after, reason=reason)
            uow.commit()
        return after

    def assignment(self, account_id: str) -> PlanAssignment:
        """The account's plan and users; :class:`~telcocore.PlanNotAssigned` if none."""
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            return require_assignment(uow, account_id)

    def plan_view(self, account_id: str) -> PlanView:
        """The account's plan as the customer sees it.

        Users, users in use (registered extensions and SIP usernames), cost per user, the
        monthly charge of all users, the active DIDs with their monthly and setup charges,
        and the total per month.
        """
        account_id = validate_account_id(account_id)
        with self._ctx.uow(read_only=True) as uow:
            assignment = require_assignment(uow, account_id)
            return plan_view(uow, require_plan(uow, assignment.plan), assignment)
