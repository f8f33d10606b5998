"""The service plans repository in SQL: plans, assignments, seat changes, DID setups.

A plan is one ``plans_plans`` row, its DID prices as JSON; ``plans_assignments`` holds each
account's plan and users; ``plans_seat_changes`` each purchase or removal of users by its
idempotency key; ``plans_did_setups`` the DIDs whose setup charge was charged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from telcocore.billing.plans.model import DidPrice, PlanAssignment, SeatChange, ServicePlan
from telcocore.billing.plans.ports import PlanRepository
from telcocore.kernel.errors import AlreadyExists
from telcocore.kernel.money import Money
from telcocore.numbering.model.dids import DidClass
from telcocore.platform.sql.dialect import Row, Session
from telcocore.platform.sql.unit_of_work import SqlDomain

__all__ = ["STORAGE", "SqlPlanRepository"]

_PLAN_COLUMNS: Final = "name, currency, cost_per_user, did_prices, version"
_ASSIGNMENT_COLUMNS: Final = "account_id, plan, users"
_LOCK_PLAN: Final = "UPDATE plans_plans SET version = version WHERE name = ? "
_LOCK_ASSIGNMENT: Final = "UPDATE plans_assignments SET users = users WHERE account_id = ? "
_INSERT_SETUP: Final = (
    "INSERT INTO plans_did_setups (account_id, number, transaction_id) VALUES (?, ?, ?)"
)


class SqlPlanRepository:
    """Plans, assignments, seat changes and DID setups in one session."""

    def __init__(self, session: Session[Any]) -> None:
        self._s = session

    def _plan(self, row: Row) -> ServicePlan:
        d = self._s.dialect
        name, currency, cost, prices, version = row
        return ServicePlan(
            name,
            currency,
            Money(d.decimal_from_db(cost), currency),
            tuple(
                DidPrice(DidClass(c), Money(monthly, currency), Money(setup, currency))
                for c, monthly, setup in d.json_from_db(prices)
            ),
            int(version),
        )

    def plan(self, name: str, *, lock: bool = False) -> ServicePlan | None:
        """The plan, or ``None``; ``lock`` holds the row to the end."""
        if lock:  # an update takes the row lock on PostgreSQL; SQLite holds the write lock
            row = self._s.one(
                f"{_LOCK_PLAN}RETURNING {_PLAN_COLUMNS}",
                (name,),
            )
        else:
            row = self._s.one(f"SELECT {_PLAN_COLUMNS} FROM plans_plans WHERE name = ?", (name,))  # noqa: S608 - constant
        return None if row is None else self._plan(row)

    def plans(self) -> list[ServicePlan]:
        """Every plan, by name."""
        rows = self._s.all(f"SELECT {_PLAN_COLUMNS} FROM plans_plans ORDER BY name")  # noqa: S608 - constant
        return [self._plan(row) for row in rows]

    def save_plan(self, plan: ServicePlan, *, updated_at: datetime) -> None:
        """Store ``plan``, replacing the one of its name."""
        d = self._s.dialect
        prices = [
            [p.did_class.value, str(p.monthly.amount), str(p.setup.amount)] for p in plan.did_prices
        ]
        self._s.run(
            "INSERT INTO plans_plans (name, currency, cost_per_user, did_prices, version, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE "
            "SET currency = excluded.currency, cost_per_user = excluded.cost_per_user, "
            "did_prices = excluded.did_prices, version = excluded.version, "
            "updated_at = excluded.updated_at",
            (
                plan.name,
                plan.currency,
                d.decimal_to_db(plan.cost_per_user.amount),
                d.json_to_db(prices),
                plan.version,
                d.time_to_db(updated_at),
            ),
        )

    def delete_plan(self, name: str) -> None:
        """Delete the plan."""
        self._s.run("DELETE FROM plans_plans WHERE name = ?", (name,))

    def accounts_on(self, name: str) -> list[str]:
        """The ids of the accounts on the plan, ordered."""
        rows = self._s.all(
            "SELECT account_id FROM plans_assignments WHERE plan = ? ORDER BY account_id", (name,)
        )
        return [row[0] for row in rows]

    def assignment(self, account_id: str, *, lock: bool = False) -> PlanAssignment | None:
        """The account's plan and users, or ``None``; ``lock`` holds the row."""
        if lock:
            row = self._s.one(
                f"{_LOCK_ASSIGNMENT}RETURNING {_ASSIGNMENT_COLUMNS}",
                (account_id,),
            )
        else:
            row = self._s.one(
                f"SELECT {_ASSIGNMENT_COLUMNS} FROM plans_assignments WHERE account_id = ?",  # noqa: S608 - constant
                (account_id,),
            )
        return None if row is None else PlanAssignment(row[0], row[1], int(row[2]))

    def assignments(self) -> list[PlanAssignment]:
        """Every account's plan and users, by account."""
        rows = self._s.all(
            f"SELECT {_ASSIGNMENT_COLUMNS} FROM plans_assignments ORDER BY account_id"  # noqa: S608 - constant
        )
        return [PlanAssignment(row[0], row[1], int(row[2])) for row in rows]

    def save_assignment(self, assignment: PlanAssignment) -> None:
        """Store the account's plan and users, replacing earlier ones."""
        self._s.run(
            "INSERT INTO plans_assignments (account_id, plan, users) VALUES (?, ?, ?) "
            "ON CONFLICT (account_id) DO UPDATE SET plan = excluded.plan, users = excluded.users",
            (assignment.account_id, assignment.plan, assignment.users),
        )

    def seat_change(self, idempotency_key: str) -> SeatChange | None:
        """The seat change made under this key, or ``None``."""
        d = self._s.dialect
        row = self._s.one(
            "SELECT idempotency_key, account_id, change, users, charge, currency, "
            "transaction_id, created_at FROM plans_seat_changes WHERE idempotency_key = ?",
            (idempotency_key,),
        )
        if row is None:
            return None
        key, account_id, change, users, charge, currency, transaction_id, created_at = row
        return SeatChange(
            key,
            account_id,
            int(change),
            int(users),
            Money(d.decimal_from_db(charge), currency),
            transaction_id,
            d.time_from_db(created_at),
        )

    def add_seat_change(self, change: SeatChange) -> None:
        """Store a seat change; :class:`~telcocore.AlreadyExists` if its key is taken."""
        d = self._s.dialect
        inserted = self._s.run(
            "INSERT INTO plans_seat_changes (idempotency_key, account_id, change, users, "
            "charge, currency, transaction_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (
                change.idempotency_key,
                change.account_id,
                change.change,
                change.users,
                d.decimal_to_db(change.charge.amount),
                change.charge.currency,
                change.transaction_id,
                d.time_to_db(change.created_at),
            ),
        )
        if not inserted:
            raise AlreadyExists(SeatChange.ENTITY, change.idempotency_key)

    def users_bought(self, account_id: str, start: datetime, end: datetime) -> int:
        """The users the account bought from ``start`` (included) to ``end`` (excluded)."""
        d = self._s.dialect
        row = self._s.one(
            "SELECT COALESCE(SUM(change), 0) FROM plans_seat_changes WHERE account_id = ? "
            "AND change > 0 AND created_at >= ? AND created_at < ?",
            (account_id, d.time_to_db(start), d.time_to_db(end)),
        )
        return 0 if row is None else int(row[0])

    def setups_charged(self, account_id: str) -> set[str]:
        """The numbers of the account's DIDs whose setup charge was charged."""
        rows = self._s.all(
            "SELECT number FROM plans_did_setups WHERE account_id = ?", (account_id,)
        )
        return {row[0] for row in rows}

    def add_setups(self, account_id: str, numbers: Iterable[str], transaction_id: str) -> None:
        """Record that the setup of these DIDs of the account was charged."""
        rows = [(account_id, number, transaction_id) for number in numbers]
        if rows:
            self._s.run_batches(
                [
                    (
                        _INSERT_SETUP,
                        rows,
                    )
                ]
            )


STORAGE = SqlDomain("billing.plans", {PlanRepository: SqlPlanRepository}, after=("accounts",))
"""What this domain stores in a SQL database (found by :mod:`telcocore.domains`)."""
