"""The invoices domain's errors."""

from __future__ import annotations

from telcocore.kernel.errors import ConflictError, NotFoundError, RuleViolation

__all__ = [
    "InvoiceNotFound",
    "InvoiceScheduleNotFound",
    "InvoiceStateError",
    "OverPayment",
    "PaymentConflict",
    "PaymentNotFound",
    "PaymentStateError",
    "UsageAlreadyInvoiced",
]


class InvoiceNotFound(NotFoundError):
    """No invoice has this number."""

    entity = "invoice"


class InvoiceScheduleNotFound(NotFoundError):
    """The account has no invoice schedule."""

    entity = "invoice schedule of account"


class PaymentNotFound(NotFoundError):
    """No payment has this id."""

    entity = "payment"


class PaymentConflict(ConflictError):
    """A payment id recorded already, for another payment (``payment_id`` names it)."""

    def __init__(self, payment_id: str) -> None:
        super().__init__(
            f"payment {payment_id!r} was recorded already with another account, amount, "
            "method, reference or allocations"
        )
        self.payment_id = payment_id


class PaymentStateError(RuleViolation):
    """The payment's state does not allow the request (settling a failed payment, say)."""

    def __init__(self, payment_id: str, status: str, action: str) -> None:
        super().__init__(f"payment {payment_id!r} is {status}: it cannot be {action}")
        self.payment_id = payment_id
        self.status = status
        self.action = action


class UsageAlreadyInvoiced(ConflictError):
    """Usage (or a ledger charge) is on an invoice that is not void already.

    ``number`` is that first invoice's number and ``what`` the usage row or transaction
    asked for again. Void the first invoice to free its usage.
    """

    def __init__(self, what: str, number: str) -> None:
        super().__init__(
            f"{what} is already on invoice {number!r}; void that invoice first to invoice it again"
        )
        self.what = what
        self.number = number


class InvoiceStateError(RuleViolation):
    """The invoice's status does not allow the request (issuing a void invoice, say)."""

    def __init__(self, number: str, status: str, action: str) -> None:
        super().__init__(f"invoice {number!r} is {status}: it cannot be {action}")
        self.number = number
        self.status = status
        self.action = action


class OverPayment(RuleViolation):
    """An allocation larger than what the invoice still owes; ``outstanding`` says that.

    (What other pending payments are allocated to the invoice already is not owed any more.)
    """

    def __init__(self, number: str, amount: object, outstanding: object) -> None:
        super().__init__(
            f"a payment of {amount} on invoice {number!r} exceeds the {outstanding} still owed"
        )
        self.number = number
        self.amount = amount
        self.outstanding = outstanding
