"""Rendering: :meth:`Rendering.render_text` and :meth:`Rendering.render_html` of an invoice."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from telcocore.accounts.model import validate_locale
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.invoices.errors import InvoiceNotFound
from telcocore.billing.invoices.model.bill import BillStatus, bill_status
from telcocore.billing.invoices.model.invoice import Invoice, InvoiceStatus
from telcocore.billing.invoices.model.render import InvoiceView, render_text
from telcocore.billing.invoices.model.render_html import render_html
from telcocore.billing.invoices.ports import InvoiceRepository, UsageSource
from telcocore.billing.invoices.services.common import checked_number
from telcocore.kernel.money import Money, Rounding

if TYPE_CHECKING:
    from telcocore.platform.context import ServiceContext
    from telcocore.platform.ports import UnitOfWork

__all__ = ["Rendering"]


class Rendering:
    """The rendering part of the invoices service."""

    _ctx: ServiceContext
    _usage: UsageSource

    def render_text(self, number: str, *, locale: str | None = None) -> str:
        """The invoice as plain text, in ``locale`` (default: the account's locale).

        Its issuer and customer, period, issue and due dates, status now, lines, tax,
        totals and the usage charge of each day, formatted by babel (see
        :mod:`~telcocore.billing.invoices.model.render`).
        """
        return render_text(self._view(number, locale))

    def render_html(self, number: str, *, locale: str | None = None) -> str:
        """The invoice as a self-contained HTML page, in ``locale`` (default: the account's).

        The same content as :meth:`render_text`, with the daily usage charges as an inline
        SVG bar chart; nothing is loaded from elsewhere (see
        :mod:`~telcocore.billing.invoices.model.render_html`).
        """
        return render_html(self._view(number, locale))

    def _view(self, number: str, locale: str | None) -> InvoiceView:
        number = checked_number(number)
        wanted = None if locale is None else validate_locale(locale)
        now = self._ctx.clock.now()
        with self._ctx.uow(read_only=True) as uow:
            invoice = uow.get(InvoiceRepository).by_number(number)
            if invoice is None:
                raise InvoiceNotFound(number)
            account = uow.get(AccountRepository).get(invoice.account_id)
            daily = self._daily(uow, invoice)
        status = (
            BillStatus.UNPAID
            if invoice.status is InvoiceStatus.DRAFT
            else bill_status(invoice, now)
        )
        return InvoiceView(
            invoice, account.name, account.locale if wanted is None else wanted, status, daily
        )

    def _daily(self, uow: UnitOfWork, invoice: Invoice) -> tuple[tuple[date, Money], ...]:
        """The usage charge of each day of the usage rows the invoice bills, by day."""
        period = invoice.period
        rows = self._usage.daily(uow, invoice.account_id, period.start, period.end)
        held = uow.get(InvoiceRepository).claimed([row.key.claim for row in rows])
        days: dict[date, Money] = {}
        for row in rows:
            if held.get(row.key.claim) == invoice.number:
                days[row.key.day] = days.get(row.key.day, Money.zero(invoice.currency)) + row.charge
        return tuple((day, days[day].round(Rounding.HALF_UP)) for day in sorted(days))
