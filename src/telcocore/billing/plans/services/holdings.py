"""What an account holds in numbering that its plan prices: extensions (users in use), DIDs.

The one module of this domain that reads numbering's repositories.
"""

from __future__ import annotations

from telcocore.billing.plans.model import PlanAssignment, PlanView, ServicePlan
from telcocore.numbering.ports import DidRepository, ExtensionRepository
from telcocore.platform.ports import UnitOfWork

__all__ = ["plan_view", "users_in_use"]


def users_in_use(uow: UnitOfWork, account_id: str) -> int:
    """The account's registered extensions and SIP usernames."""
    return len(uow.get(ExtensionRepository).extensions(account_id))


def plan_view(uow: UnitOfWork, plan: ServicePlan, assignment: PlanAssignment) -> PlanView:
    """The account's plan view: users, users in use, its active DIDs, the monthly charge."""
    account_id = assignment.account_id
    dids = uow.get(DidRepository).dids(account_id)
    return PlanView.of(plan, assignment, users_in_use(uow, account_id), dids)
