"""The ledger's requests: which way money moves, what a request says, a batch's outcomes."""

from __future__ import annotations

import enum

import attrs

from telcocore.billing.ledger.model import Transaction, TransactionKind, validate_idempotency_key
from telcocore.kernel.errors import TelcoError, ValidationError
from telcocore.kernel.money import AmountLike
from telcocore.kernel.validation import coerce_enum, validate_items

__all__ = [
    "CREDIT_KINDS",
    "DEBIT_KINDS",
    "BatchResult",
    "LedgerRequest",
    "Movement",
]


class Movement(enum.StrEnum):
    """Which way a :class:`LedgerRequest` moves money."""

    CREDIT = "credit"
    """As :meth:`.LedgerService.credit`: always allowed."""
    DEBIT = "debit"
    """As :meth:`.LedgerService.debit`: new usage, within the debit limit."""
    USAGE = "usage"
    """As :meth:`.LedgerService.charge_usage`: consumed usage, always posted."""


@attrs.frozen
class LedgerRequest:
    """One money movement, as the arguments of credit, debit or charge_usage."""

    movement: Movement
    account_id: str
    amount: AmountLike
    idempotency_key: str
    kind: TransactionKind | None = None
    """The kind; ``None`` for the movement's default (top_up, purchase, usage)."""
    description: str = ""
    release_hold: str | None = None
    """A hold (a call's) to release in the same transaction when this request posts."""


@attrs.frozen
class BatchResult:
    """What :meth:`.LedgerService.post_many` did with each request, in order.

    Each outcome is the transaction posted (or found, for a reused key), or the error
    that refused the request.
    """

    outcomes: tuple[Transaction | TelcoError, ...]

    @property
    def posted(self) -> list[Transaction]:
        """The transactions, without the refusals."""
        return [o for o in self.outcomes if isinstance(o, Transaction)]

    @property
    def refused(self) -> list[tuple[int, TelcoError]]:
        """The position of each refused request, with its error."""
        return [(i, o) for i, o in enumerate(self.outcomes) if isinstance(o, TelcoError)]


CREDIT_KINDS = frozenset(
    {
        TransactionKind.TOP_UP,
        TransactionKind.PAYMENT,
        TransactionKind.REFUND,
        TransactionKind.ADJUSTMENT,
    }
)
"""Kinds that :meth:`.LedgerService.credit` accepts."""

DEBIT_KINDS = frozenset(
    {TransactionKind.PURCHASE, TransactionKind.RECURRING, TransactionKind.ADJUSTMENT}
)
"""Kinds that :meth:`.LedgerService.debit` accepts."""

_MOVEMENTS: dict[Movement, tuple[TransactionKind, frozenset[TransactionKind], int, bool]] = {
    Movement.CREDIT: (TransactionKind.TOP_UP, CREDIT_KINDS, 1, False),
    Movement.DEBIT: (TransactionKind.PURCHASE, DEBIT_KINDS, -1, True),
    Movement.USAGE: (TransactionKind.USAGE, frozenset({TransactionKind.USAGE}), -1, False),
}
"""Per movement: default kind, allowed kinds, sign, and whether it is new usage."""


def checked_requests(value: object) -> list[LedgerRequest]:
    """``value`` as a list of requests; anything else raises :class:`~telcocore.ValidationError`."""
    return validate_items(value, LedgerRequest, field="requests")


def checked_request(request: LedgerRequest) -> tuple[TransactionKind, int, bool, str]:
    """What a request says before its account is read: kind, sign, new usage, key.

    A malformed request (movement, kind or key) raises: it refuses a whole batch.
    """
    movement = coerce_enum(Movement, request.movement, field="movement")
    default, allowed, sign, new_usage = _MOVEMENTS[movement]
    kind = _kind(default if request.kind is None else request.kind, allowed, movement.value)
    return kind, sign, new_usage, validate_idempotency_key(request.idempotency_key)


def _kind(
    kind: TransactionKind, allowed: frozenset[TransactionKind], method: str
) -> TransactionKind:
    value = coerce_enum(TransactionKind, kind, field="kind")
    if value not in allowed:
        choices = ", ".join(sorted(k.value for k in allowed))
        msg = f"kind {kind!r} cannot be used with {method}; use one of {choices}"
        raise ValidationError(msg, field="kind", value=kind)
    return value
