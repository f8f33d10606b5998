"""Rendering: :meth:`Rendering.render_text` and :meth:`Rendering.render_html` of an invoice."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from telcocore.accounts.model import validate_locale
from telcocore.accounts.ports import AccountRepository
from telcocore.billing.invoices.errors import InvoiceNotFound
from telcocore.billing.invoices.model.bill import BillStatus, bill_status
from telcocore.billing.invoices.model.invoice import Invoice, InvoiceStatus, claim_day
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
        totals and the usage charge of each day as the invoice billed it (calls posted for
        a day after the invoice was generated are not in it), formatted by babel (see
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
        """The usage charge of each day the invoice bills, as it billed it, by day.

        Each usage claim keeps what the invoice billed for its row when it was generated,
        whatever calls were posted for that day since. A claim made before the amounts
        were kept has none: its row is read as it is now instead.
        """
        charges: list[tuple[date, Money]] = []
        unknown: set[str] = set()
        for claim, amount in uow.get(InvoiceRepository).billed(invoice.id).items():
            if amount is None:
                unknown.add(claim)
                continue
            day = claim_day(claim)
            if day is not None:  # a usage row's claim, not a ledger transaction's
                charges.append((day, Money(amount, invoice.currency)))
        if unknown:
            period = invoice.period
            rows = self._usage.daily(uow, invoice.account_id, period.start, period.end)
            charges += [(row.key.day, row.charge) for row in rows if row.key.claim in unknown]
        days: dict[date, Money] = {}
        for day, charge in charges:
            days[day] = days.get(day, Money.zero(invoice.currency)) + charge
        return tuple((day, days[day].round(Rounding.HALF_UP)) for day in sorted(days))
