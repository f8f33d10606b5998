"""The accounts' errors."""

from __future__ import annotations

from telcocore.kernel.errors import (
    NotFoundError,
    RuleViolation,
)

__all__ = ["AccountNotActive", "AccountNotFound", "InvalidStatusTransition"]


class AccountNotFound(NotFoundError):
    """No account has this id."""

    entity = "account"


class AccountNotActive(RuleViolation):
    """Only an active account may start calls or buy anything."""

    def __init__(self, account_id: str, status: str, *, action: str) -> None:
        super().__init__(f"account {account_id!r} is {status}; only an active account may {action}")
        self.account_id = account_id
        self.status = status


class InvalidStatusTransition(RuleViolation):
    """The account status cannot move from ``current`` to ``requested``."""

    def __init__(self, account_id: str, current: str, requested: str) -> None:
        super().__init__(
            f"account {account_id!r} cannot go from status {current!r} to {requested!r}"
        )
        self.account_id = account_id
        self.current = current
        self.requested = requested
