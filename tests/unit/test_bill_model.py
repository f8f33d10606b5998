"""Bills, payments and the rendered invoice as pure rules: statuses, windows, escaping."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from telcocore import Allocation, BillStatus, Invoice, Money, Payment, Period
from telcocore.billing.invoices.model.bill import bill_status, bill_window
from telcocore.billing.invoices.model.invoice import InvoiceLine, InvoicePayment, LineKind, totals
from telcocore.billing.invoices.model.render import InvoiceView, render_text
from telcocore.billing.invoices.model.render_html import render_html, usage_chart

ISSUED = datetime(2026, 4, 2, tzinfo=UTC)


def _invoice(description: str = "United Kingdom", amount: str = "10.00") -> Invoice:
    lines = (InvoiceLine(LineKind.ADJUSTMENT, description, Money(amount, "USD")),)
    subtotal, tax, total = totals(lines, Decimal("0.1"), "USD")
    draft = Invoice(
        id="i1",
        number="INV-1",
        issuer="default",
        seq=1,
        account_id="acme",
        currency="USD",
        period=Period.month(2026, 3),
        lines=lines,
        tax_rate=Decimal("0.1"),
        subtotal=subtotal,
        tax=tax,
        total=total,
        generated_at=ISSUED,
    )
    return draft.issued(ISSUED)


class TestBillStatus:
    """Void, paid, overdue, partially paid, unpaid: in that order."""

    def test_each(self) -> None:
        """One invoice through its statuses."""
        invoice = _invoice()
        due = ISSUED + timedelta(days=30)
        assert BillStatus.UNPAID == bill_status(invoice, ISSUED)
        assert BillStatus.OVERDUE == bill_status(invoice, due)
        part = invoice.with_payment(InvoicePayment(Money("5", "USD"), ISSUED, "r", "p1"))
        assert BillStatus.PARTIALLY_PAID == bill_status(part, ISSUED)
        assert BillStatus.OVERDUE == bill_status(part, due)
        paid = part.with_payment(InvoicePayment(Money("6", "USD"), ISSUED, "r", "p2"))
        assert BillStatus.PAID == bill_status(paid, due)
        assert BillStatus.VOID == bill_status(invoice.voided(ISSUED), due)

    @given(day=st.dates(min_value=date(1900, 4, 1), max_value=date(2999, 12, 31)))
    def test_window_is_three_calendar_months(self, day: date) -> None:
        """The window ends with ``day`` and starts the day after the same day 3 months back."""
        window = bill_window(day)
        before = window.start.date() - timedelta(days=1)  # the day three months back
        year, month = divmod(day.year * 12 + day.month - 1 - 3, 12)
        last = calendar.monthrange(year, month + 1)[1]
        assert date(year, month + 1, min(day.day, last)) == before
        assert day + timedelta(days=1) == window.end.date()


class TestPayment:
    """What a payment allocates and what it leaves as credit."""

    def test_unallocated(self) -> None:
        """30 paid, 25 allocated: 5 of credit."""
        payment = Payment(
            "p1",
            "acme",
            "card",
            "",
            Money("30", "USD"),
            ISSUED,
            (Allocation("INV-1", Money("20", "USD")), Allocation("INV-2", Money("5", "USD"))),
        )
        assert (Money("25", "USD"), Money("5", "USD")) == (payment.allocated, payment.unallocated)


class TestRendering:
    """Escaped HTML, a note instead of an empty chart, the same totals in text and HTML."""

    def test_descriptions_are_escaped(self) -> None:
        """Markup in a line's description shows as text."""
        view = InvoiceView(_invoice('<img src="x">'), "A & B", "en_US", BillStatus.UNPAID)
        page = render_html(view)
        assert "<img" not in page
        assert "&lt;img src=&quot;x&quot;&gt;" in page
        assert "A &amp; B (acme)" in page

    def test_no_usage_no_chart(self) -> None:
        """Without daily usage the page says so and draws no SVG."""
        view = InvoiceView(_invoice(), "Acme", "en_US", BillStatus.UNPAID)
        assert "<svg" not in usage_chart(view)
        assert "No usage in this period." in render_html(view)

    def test_bars_scale_to_the_largest_day(self) -> None:
        """The largest day's bar is full height; a day of half as much is half as tall."""
        days = ((date(2026, 3, 1), Money("2", "USD")), (date(2026, 3, 2), Money("1", "USD")))
        view = InvoiceView(_invoice(), "Acme", "en_US", BillStatus.UNPAID, days)
        chart = usage_chart(view)
        assert 'height="170.0"' in chart
        assert 'height="85.0"' in chart
        assert "Mar 2, 2026: $1.00" in chart

    def test_totals_in_text(self) -> None:
        """Subtotal, tax and total in the locale's format."""
        text = render_text(InvoiceView(_invoice(), "Acme", "de_DE", BillStatus.UNPAID))
        assert all(amount in text for amount in ("10,00\xa0$", "1,00\xa0$", "11,00\xa0$"))
