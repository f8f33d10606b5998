"""What every part of the plan service shares: its context, the audit log, the look-ups."""

from __future__ import annotations

from telcocore.audit.services import AuditLog
from telcocore.billing.plans.errors import PlanNotAssigned, PlanNotFound
from telcocore.billing.plans.model import PlanAssignment, ServicePlan
from telcocore.billing.plans.ports import PlanRepository
from telcocore.notifications.services import OutboxService
from telcocore.platform.context import ServiceContext
from telcocore.platform.ports import UnitOfWork

__all__ = ["PlansPart", "require_assignment", "require_plan"]


class PlansPart:
    """The base of each part of :class:`~telcocore.billing.plans.services.PlanService`."""

    def __init__(
        self, context: ServiceContext, audit: AuditLog, outbox: OutboxService | None = None
    ) -> None:
        self._ctx = context
        self._audit = audit
        self._outbox = outbox

    def _wake_outbox(self, alerted: bool) -> None:  # noqa: FBT001 - what the ledger answered
        """Wake the delivery worker after a commit that queued a low-balance alert."""
        if alerted and self._outbox is not None:
            self._outbox.wake()


def require_plan(uow: UnitOfWork, name: str, *, lock: bool = False) -> ServicePlan:
    """The plan ``name``; :class:`~telcocore.billing.plans.errors.PlanNotFound` if none."""
    plan = uow.get(PlanRepository).plan(name, lock=lock)
    if plan is None:
        raise PlanNotFound(name)
    return plan


def require_assignment(uow: UnitOfWork, account_id: str, *, lock: bool = False) -> PlanAssignment:
    """The account's plan and users; :class:`~telcocore.billing.plans.errors.PlanNotAssigned`."""
    found = uow.get(PlanRepository).assignment(account_id, lock=lock)
    if found is None:
        raise PlanNotAssigned(account_id)
    return found
