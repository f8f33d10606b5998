"""Service plan use cases: plans, seats, and the recurring run.

The service is made of three parts, each in its own module: :class:`~.catalog.Plans`
(plans, their assignment to accounts, the plan view), :class:`~.seats.Seats` (quoting,
buying and removing users) and :class:`~.recurring.Recurring` (the monthly run). Every
change writes an audit entry in the unit of work that makes it; money moves through the
ledger in that same unit (:func:`~telcocore.billing.ledger.services.post_in`).
"""

from __future__ import annotations

from typing import Final

from telcocore.billing.plans.model import PlanAssignment, ServicePlan
from telcocore.billing.plans.services.catalog import Plans
from telcocore.billing.plans.services.recurring import Recurring
from telcocore.billing.plans.services.seats import Seats

__all__ = ["ASSIGNMENT_ENTITY", "PLAN_ENTITY", "PlanService"]

PLAN_ENTITY: Final = ServicePlan.ENTITY
"""The entity type of plans in the audit log (key: the plan's name)."""
ASSIGNMENT_ENTITY: Final = PlanAssignment.ENTITY
"""The entity type of an account's plan and users in the audit log (key: the account)."""


class PlanService(Plans, Seats, Recurring):
    """Service plans, the users (seats) of accounts, and the recurring run.

    Built as ``PlanService(context, audit, outbox)``; its methods come from the three parts.
    """
