"""A customer's payment: received for an account, allocated to invoices, settled or failed.

A payment is recorded ``pending`` (money announced, not yet received), or ``settled`` at
once; a pending one is later settled or failed. Only settling moves money: the account's
balance is credited the whole amount (a ledger ``payment``), and each allocation is
recorded on its invoice. An allocation never exceeds what its invoice still owes; the part
of a payment not allocated stays on the account's balance as credit.

>>> from datetime import UTC, datetime
>>> payment = Payment(
...     id="p1",
...     account_id="acme",
...     method="card",
...     reference="",
...     amount=Money("30", "USD"),
...     allocations=(Allocation("INV-1", Money("25", "USD")),),
...     received_at=datetime(2026, 5, 1, tzinfo=UTC),
... )
>>> payment.unallocated
Money('5.00', 'USD')
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar, Final

import attrs

from telcocore.kernel.errors import ValidationError
from telcocore.kernel.money import Money
from telcocore.kernel.validation import validate_text

__all__ = [
    "MAX_ALLOCATIONS",
    "MAX_METHOD_LENGTH",
    "Allocation",
    "Payment",
    "PaymentState",
    "validate_method",
]

MAX_METHOD_LENGTH: Final = 64
"""The longest payment method name."""
MAX_ALLOCATIONS: Final = 500
"""The most invoices one payment is allocated to."""


class PaymentState(enum.StrEnum):
    """Where a payment is: pending → settled or failed; only a settled one moves money."""

    PENDING = "pending"
    SETTLED = "settled"
    FAILED = "failed"


def validate_method(value: object) -> str:
    """How the customer paid: non-blank text (``card``, ``bank_transfer``, ``cash``)."""
    method = validate_text(value, field="method", max_length=MAX_METHOD_LENGTH, required=True)
    if not method.strip():
        msg = "method must not be blank"
        raise ValidationError(msg, field="method", value=value)
    return method


@attrs.frozen
class Allocation:
    """The part of a payment that pays one invoice, by its number."""

    number: str
    amount: Money


@attrs.frozen
class Payment:
    """A payment of an account: its method, reference, amount, state and allocations.

    ``settled_at`` or ``failed_at`` is set when it leaves ``pending``. ``transaction_id``
    is the ledger credit its settlement posted.
    """

    ENTITY: ClassVar[str] = "payment"
    """Its name in the audit log and in storage errors (its key: its id)."""

    id: str
    account_id: str
    method: str
    reference: str
    amount: Money
    received_at: datetime
    allocations: tuple[Allocation, ...] = ()
    status: PaymentState = PaymentState.PENDING
    settled_at: datetime | None = None
    failed_at: datetime | None = None
    transaction_id: str | None = None
    version: int = 1

    @property
    def entity_key(self) -> str:
        """The key of its audit entries: its id."""
        return self.id

    @property
    def allocated(self) -> Money:
        """The sum of its allocations."""
        return sum((a.amount for a in self.allocations), Money.zero(self.amount.currency))

    @property
    def unallocated(self) -> Money:
        """The part allocated to no invoice: credit on the account once settled."""
        return self.amount - self.allocated

    def settled(
        self, at: datetime, allocations: tuple[Allocation, ...], transaction: str
    ) -> Payment:
        """The payment settled at ``at``: what its invoices took, and its ledger credit."""
        return attrs.evolve(
            self,
            status=PaymentState.SETTLED,
            settled_at=at,
            allocations=allocations,
            transaction_id=transaction,
            version=self.version + 1,
        )

    def failed(self, at: datetime) -> Payment:
        """The payment failed at ``at``: it never moves money."""
        return attrs.evolve(
            self, status=PaymentState.FAILED, failed_at=at, version=self.version + 1
        )
