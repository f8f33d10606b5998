"""The ledger's errors."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telcocore.kernel.errors import (
    ConflictError,
    NotFoundError,
    RuleViolation,
)

if TYPE_CHECKING:
    from telcocore.kernel.money import Money

__all__ = [
    "AlreadyReversed",
    "DebitLimitExceeded",
    "HoldConflict",
    "IdempotencyConflict",
    "TransactionNotFound",
]


class TransactionNotFound(NotFoundError):
    """No ledger transaction has this id."""

    entity = "transaction"


class IdempotencyConflict(ConflictError):
    """An idempotency key was used before for a different request."""

    def __init__(self, key: str, difference: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used for {difference}")
        self.key = key
        self.difference = difference


class HoldConflict(ConflictError):
    """A hold id was used before for a hold on another account or of another amount."""

    def __init__(self, hold_id: str, difference: str) -> None:
        super().__init__(f"hold {hold_id!r} is already placed, for {difference}")
        self.hold_id = hold_id
        self.difference = difference


class AlreadyReversed(ConflictError):
    """The transaction already has a reversal (or is itself one)."""

    def __init__(self, transaction_id: str, detail: str) -> None:
        super().__init__(f"transaction {transaction_id!r} cannot be reversed: {detail}")
        self.transaction_id = transaction_id


class DebitLimitExceeded(RuleViolation):
    """A charge does not fit: ``balance - requested`` would go below ``-debit_limit``.

    ``available`` is what the account may still spend, ``shortfall`` how much is missing.
    """

    def __init__(self, account_id: str, requested: Money, available: Money) -> None:
        shortfall = requested - available
        super().__init__(
            f"account {account_id!r} cannot be charged {requested}: "
            f"only {available} is available before the debit limit, {shortfall} is missing"
        )
        self.account_id = account_id
        self.requested = requested
        self.available = available
        self.shortfall = shortfall
