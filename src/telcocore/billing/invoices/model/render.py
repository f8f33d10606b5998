"""An invoice as the customer reads it: what it shows, formatted for a locale, as text.

:class:`InvoiceView` holds what a rendered invoice shows: the invoice, the customer, the
locale, its status at a moment and the usage charges of each day. Amounts are formatted by
babel (:meth:`Money.format <telcocore.Money.format>`), dates by
``babel.dates.format_date`` (medium format) and numbers by ``babel.numbers.format_decimal``,
all in the view's locale; the labels are in English.
:func:`render_text` writes it as plain text;
:mod:`~telcocore.billing.invoices.model.render_html` as an HTML page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

import attrs
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from telcocore.billing.invoices.model.bill import BillStatus
from telcocore.billing.invoices.model.invoice import Invoice, InvoiceLine
from telcocore.kernel.money import Money

__all__ = ["STATUS_LABELS", "InvoiceView", "Row", "render_text"]

STATUS_LABELS: Final = {
    BillStatus.PAID: "Paid",
    BillStatus.PARTIALLY_PAID: "Partially paid",
    BillStatus.UNPAID: "Unpaid",
    BillStatus.VOID: "Void",
    BillStatus.OVERDUE: "Overdue",
}
"""How each status is shown."""
_WIDTH: Final = 72


@attrs.frozen
class Row:
    """One line of the invoice as shown: description, calls, minutes and amount."""

    description: str
    calls: str
    minutes: str
    amount: str


@attrs.frozen
class InvoiceView:
    """What a rendered invoice shows, and how each part is formatted in ``locale``.

    ``daily`` is the usage charge of each day the invoice billed, by day; ``status`` the
    invoice's status when it is rendered (an issued invoice past its due date is overdue;
    a draft is unpaid).
    """

    invoice: Invoice
    customer: str
    locale: str
    status: BillStatus
    daily: tuple[tuple[date, Money], ...] = ()

    def money(self, amount: Money) -> str:
        """``amount`` in the locale (``$1,234.50``, ``1.234,50 $``)."""
        return amount.format(self.locale)

    def day(self, value: date | datetime) -> str:
        """A date in the locale's medium format (``May 1, 2026``, ``01.05.2026``)."""
        return str(format_date(value, format="medium", locale=self.locale))

    def number(self, value: int | Decimal) -> str:
        """A number in the locale (``1,234.5``, ``1.234,5``)."""
        return str(format_decimal(value, locale=self.locale))

    @property
    def period(self) -> tuple[str, str]:
        """The first and last day of the invoice's period."""
        period = self.invoice.period
        return self.day(period.start), self.day(period.end - timedelta(days=1))

    @property
    def tax_rate(self) -> str:
        """The tax rate as a percentage in the locale (``20%``, ``20 %``)."""
        return str(
            format_percent(self.invoice.tax_rate, locale=self.locale, decimal_quantization=False)
        )

    @property
    def rows(self) -> list[Row]:
        """The invoice's lines as shown (calls and minutes only on usage lines)."""
        return [self._row(line) for line in self.invoice.lines]

    def _row(self, line: InvoiceLine) -> Row:
        usage = line.prefix is not None
        return Row(
            line.description,
            self.number(line.calls) if usage else "",
            self.number(line.billed_minutes) if usage else "",
            self.money(line.amount),
        )

    @property
    def totals(self) -> list[tuple[str, str]]:
        """Subtotal, tax, total, paid and still owed, each with its label."""
        invoice = self.invoice
        return [
            ("Subtotal", self.money(invoice.subtotal)),
            (f"Tax ({self.tax_rate})", self.money(invoice.tax)),
            ("Total", self.money(invoice.total)),
            ("Paid", self.money(invoice.paid)),
            ("Amount due", self.money(invoice.outstanding)),
        ]

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The invoice's header: issuer, customer, period, dates, status."""
        invoice = self.invoice
        first, last = self.period
        return [
            ("Issuer", invoice.issuer),
            ("Customer", f"{self.customer} ({invoice.account_id})"),
            ("Period", f"{first} \N{EN DASH} {last}"),
            ("Issued", "—" if invoice.issued_at is None else self.day(invoice.issued_at)),
            ("Due", "—" if invoice.due_at is None else self.day(invoice.due_at)),
            ("Status", STATUS_LABELS[self.status]),
        ]


def render_text(view: InvoiceView) -> str:
    """The invoice as plain text: its header, lines, totals and daily usage charges."""
    out = [f"INVOICE {view.invoice.number}", "=" * _WIDTH]
    width = max(len(label) for label, _ in view.facts)
    out.extend(f"{label + ':':<{width + 1}} {value}" for label, value in view.facts)
    out += ["", f"{'Description':<34} {'Calls':>8} {'Minutes':>10} {'Amount':>17}", "-" * _WIDTH]
    out.extend(
        f"{row.description[:34]:<34} {row.calls:>8} {row.minutes:>10} {row.amount:>17}"
        for row in view.rows
    )
    out.append("-" * _WIDTH)
    out.extend(f"{label:>53} {value:>18}" for label, value in view.totals)
    if view.daily:
        out += ["", "Usage by day"]
        out.extend(f"  {view.day(day):<20} {view.money(amount):>16}" for day, amount in view.daily)
    return "\n".join(out) + "\n"
