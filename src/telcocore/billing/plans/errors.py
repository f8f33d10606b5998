"""The service plans domain's errors."""

from __future__ import annotations

from telcocore.kernel.errors import NotFoundError, RuleViolation
from telcocore.kernel.validation import some_of

__all__ = ["PlanInUse", "PlanNotAssigned", "PlanNotFound", "UsersInUse"]


class PlanNotFound(NotFoundError):
    """No service plan has this name."""

    entity = "service plan"


class PlanNotAssigned(NotFoundError):
    """The account has no service plan assigned."""

    entity = "service plan of account"


class PlanInUse(RuleViolation):
    """A plan still assigned to accounts cannot be deleted; ``accounts`` names some."""

    def __init__(self, name: str, accounts: list[str]) -> None:
        super().__init__(
            f"service plan {name!r} is assigned to accounts {some_of(accounts)}; "
            "assign them another first"
        )
        self.name = name
        self.accounts = accounts


class UsersInUse(RuleViolation):
    """Removing users would leave fewer users than the account's registered extensions."""

    def __init__(self, account_id: str, users: int, in_use: int, removing: int) -> None:
        super().__init__(
            f"account {account_id!r} has {users} users and {in_use} in use (registered "
            f"extensions): {removing} cannot be removed, at most {max(users - in_use, 0)}"
        )
        self.account_id = account_id
        self.users = users
        self.in_use = in_use
        self.removing = removing
