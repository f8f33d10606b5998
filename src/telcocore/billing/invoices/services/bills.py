"""Bills: :meth:`BillsView.bills`, the customer's view of an account's issued invoices."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Final

from dateutil.relativedelta import relativedelta

from telcocore.accounts.model import validate_account_id
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.invoices.model.bill import (
    BILL_MONTHS,
    Bill,
    Bills,
    bill_status,
    bill_window,
)
from telcocore.billing.invoices.ports import InvoiceRepository
from telcocore.kernel.errors import ValidationError
from telcocore.kernel.periods import Period
from telcocore.kernel.validation import shown

if TYPE_CHECKING:
    from telcocore.platform.context import ServiceContext

__all__ = ["BillsView"]

_PAGE: Final = 500
"""How many invoices one read of the repository takes."""


_FIRST_DAY: Final = date.min + relativedelta(months=BILL_MONTHS)
"""The first day whose window starts within the calendar (three months after 1 January 1)."""
_LAST_DAY: Final = date.max - timedelta(days=1)
"""The last day whose window ends within what a datetime holds."""


def _day(value: object) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        msg = f"day must be a date, got {shown(value)}"
        raise ValidationError(msg, field="day", value=value)
    if not _FIRST_DAY <= value <= _LAST_DAY:
        msg = (
            f"day {value.isoformat()} must be from {_FIRST_DAY.isoformat()} to "
            f"{_LAST_DAY.isoformat()}: its window of {BILL_MONTHS} months must fit the calendar"
        )
        raise ValidationError(msg, field="day", value=value)
    return value


class BillsView:
    """The bills part of the invoices service."""

    _ctx: ServiceContext

    def bills(
        self, account_id: str, *, day: date | None = None, period: Period | None = None
    ) -> Bills:
        """The account's invoices issued in a window, as bills with their status now.

        By default the window is the last three calendar months up to and including
        ``day`` (default: today, UTC): for 31 May, 1 March to 31 May. ``period`` (a
        :class:`~telcocore.kernel.periods.Period`, any range) is used instead when given;
        ``day`` and ``period`` together are refused. Drafts are not bills; a voided
        invoice that was issued is shown as ``void``. Oldest first, with totals.
        """
        account_id = validate_account_id(account_id)
        now = self._ctx.clock.now()
        if period is not None:
            if not isinstance(period, Period):
                msg = f"period must be a Period, got {shown(period)}"
                raise ValidationError(msg, field="period", value=period)
            if day is not None:
                msg = "give day or period, not both"
                raise ValidationError(msg, field="period", value=period)
            window = period
        else:
            window = bill_window(now.date() if day is None else _day(day))
        found: list[Bill] = []
        with self._ctx.uow(read_only=True) as uow:
            currency = uow.get(AccountRepository).get(account_id).currency
            repository = uow.get(InvoiceRepository)
            after: str | None = None
            while True:
                # An invoice is generated after its period ends, and issued after that: one
                # issued before the window's end has a period that ended before it too.
                page = repository.search(
                    account_id=account_id,
                    status=None,
                    issuer=None,
                    start=None,
                    end=window.end,
                    after=after,
                    limit=_PAGE,
                )
                found.extend(
                    Bill(invoice, bill_status(invoice, now))
                    for invoice in page
                    if invoice.issued_at is not None and invoice.issued_at in window
                )
                if len(page) < _PAGE:
                    break
                after = page[-1].number
        found.sort(key=lambda bill: (bill.invoice.issued_at, bill.number))
        return Bills.of(account_id, currency, window, found)
