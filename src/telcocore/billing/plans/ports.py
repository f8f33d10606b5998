"""What the service plans domain needs from storage."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from telcocore.billing.plans.model import PlanAssignment, SeatChange, ServicePlan

__all__ = ["PlanRepository"]


class PlanRepository(Protocol):
    """Stores plans, the plan and users of each account, seat changes and DID setups."""

    def plan(self, name: str, *, lock: bool = False) -> ServicePlan | None:
        """The plan, or ``None``; ``lock`` holds its row to the end of the unit."""
        ...

    def plans(self) -> list[ServicePlan]:
        """Every plan, by name."""
        ...

    def save_plan(self, plan: ServicePlan, *, updated_at: datetime) -> None:
        """Store ``plan`` (as ``plan.version``), replacing the one of its name."""
        ...

    def delete_plan(self, name: str) -> None:
        """Delete the plan."""
        ...

    def accounts_on(self, name: str) -> list[str]:
        """The ids of the accounts on the plan, ordered."""
        ...

    def assignment(self, account_id: str, *, lock: bool = False) -> PlanAssignment | None:
        """The account's plan and users, or ``None``; ``lock`` holds its row."""
        ...

    def assignments(self) -> list[PlanAssignment]:
        """Every account's plan and users, by account."""
        ...

    def save_assignment(self, assignment: PlanAssignment) -> None:
        """Store the account's plan and users, replacing earlier ones."""
        ...

    def seat_change(self, idempotency_key: str) -> SeatChange | None:
        """The seat change made under this key, or ``None``."""
        ...

    def add_seat_change(self, change: SeatChange) -> None:
        """Store a seat change; :class:`~telcocore.AlreadyExists` if its key is taken."""
        ...

    def users_bought(self, account_id: str, start: datetime, end: datetime) -> int:
        """The users the account bought from ``start`` (included) to ``end`` (excluded)."""
        ...

    def setups_charged(self, account_id: str) -> set[str]:
        """The numbers of the account's DIDs whose setup charge was charged."""
        ...

    def add_setups(self, account_id: str, numbers: Iterable[str], transaction_id: str) -> None:
        """Record that the setup of these DIDs of the account was charged."""
        ...
