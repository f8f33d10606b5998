"""Bills: the customer's view of an account's invoices in a window of days.

A bill is an issued invoice (drafts are not shown to the customer) with its status at a
moment: ``void``, ``paid``, ``overdue`` (issued, something owed, past its due date),
``partially_paid`` or ``unpaid``, in that order of precedence. The default window is the
last three calendar months up to a day: the days after
:func:`~telcocore.kernel.periods.months_before` ``(day, 3)`` up to and including ``day``
(31 May: 1 March to 31 May; 29 February 2028: 30 November 2027 to 29 February 2028).

>>> bill_window(date(2026, 5, 31))
Period(start=datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.timezone.utc), \
end=datetime.datetime(2026, 6, 1, 0, 0, tzinfo=datetime.timezone.utc))
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Final

import attrs

from telcocore.billing.invoices.model.invoice import Invoice, InvoiceStatus, PaymentStatus
from telcocore.kernel.money import Money
from telcocore.kernel.periods import Period, months_before

__all__ = ["BILL_MONTHS", "Bill", "BillStatus", "Bills", "bill_status", "bill_window"]

BILL_MONTHS: Final = 3
"""How many calendar months the default window of bills covers."""


class BillStatus(enum.StrEnum):
    """A bill's status as the customer sees it."""

    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    UNPAID = "unpaid"
    VOID = "void"
    OVERDUE = "overdue"


def bill_status(invoice: Invoice, now: datetime) -> BillStatus:
    """The status of an issued invoice at ``now`` (see the module for the precedence)."""
    if invoice.status is InvoiceStatus.VOID:
        return BillStatus.VOID
    if invoice.payment_status is PaymentStatus.PAID:
        return BillStatus.PAID
    if invoice.overdue(now):
        return BillStatus.OVERDUE
    if invoice.payment_status is PaymentStatus.PARTIALLY_PAID:
        return BillStatus.PARTIALLY_PAID
    return BillStatus.UNPAID


def bill_window(day: date, months: int = BILL_MONTHS) -> Period:
    """The days after ``months_before(day, months)`` up to and including ``day``."""
    return Period.days(months_before(day, months) + timedelta(days=1), day)


@attrs.frozen
class Bill:
    """One issued invoice as the customer sees it, with its status at a moment."""

    invoice: Invoice
    status: BillStatus

    @property
    def number(self) -> str:
        """The invoice's number."""
        return self.invoice.number


@attrs.frozen
class Bills:
    """An account's bills issued in ``window``, oldest first, with their totals.

    The totals leave void bills out: ``total`` billed, ``paid`` and ``outstanding``.
    """

    account_id: str
    window: Period
    bills: tuple[Bill, ...]
    total: Money
    paid: Money
    outstanding: Money

    @classmethod
    def of(cls, account_id: str, currency: str, window: Period, bills: list[Bill]) -> Bills:
        """The bills with their totals (void ones not counted)."""
        counted = [bill.invoice for bill in bills if bill.status is not BillStatus.VOID]
        zero = Money.zero(currency)
        return cls(
            account_id,
            window,
            tuple(bills),
            sum((i.total for i in counted), zero),
            sum((i.paid for i in counted), zero),
            sum((i.outstanding for i in counted), zero),
        )
