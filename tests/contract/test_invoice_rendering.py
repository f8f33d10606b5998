"""Invoices rendered as text and HTML on every storage, in four locales, escaped."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency

from telcocore import InvoiceNotFound, Money, Period, Rate, RateDeck, TelcoCore, ValidationError
from telcocore.calls.model.records import CallRecord
from telcocore.testing import FixedClock

MARCH = Period.month(2026, 3)
NOW = datetime(2026, 4, 2, tzinfo=UTC)
LOCALES = {"en_US": "USD", "de_DE": "EUR", "fr_FR": "EUR", "ja_JP": "JPY"}


def answered_call(call_id: str, start: datetime, seconds: int) -> CallRecord:
    """An answered call of ``acme`` to London, ``seconds`` long."""
    return CallRecord(
        call_id=call_id,
        account_id="acme",
        source="1001",
        destination="+442071234567",
        start=start,
        answer=start,
        end=start + timedelta(seconds=seconds),
        duration=seconds,
        billable=seconds,
        disposition="answered",
    )


def make_invoice(core: TelcoCore, clock: FixedClock, locale: str, name: str = "Acme") -> str:
    """An issued invoice of ``acme`` (in ``locale``'s currency): calls on three March days."""
    currency = LOCALES.get(locale, "USD")
    rate = Decimal(120) if currency == "JPY" else Decimal("1.5")
    core.accounts.open(name, currency, account_id="acme", locale=locale, tax_rate="0.19")
    core.ledger.credit("acme", "1000000", idempotency_key="seed")
    since = datetime(2026, 1, 1, tzinfo=UTC)
    deck = RateDeck("retail", currency, [Rate("44", "United Kingdom", rate, effective_from=since)])
    core.rating.save_deck(deck)
    core.rating.assign("acme", "retail")
    core.calls.post_many(
        [
            answered_call("c1", datetime(2026, 3, 3, 9, tzinfo=UTC), 600),
            answered_call("c2", datetime(2026, 3, 3, 10, tzinfo=UTC), 60),
            answered_call("c3", datetime(2026, 3, 9, 9, tzinfo=UTC), 1200),
            answered_call("c4", datetime(2026, 3, 27, 9, tzinfo=UTC), 180),
        ]
    )
    clock.set(NOW)
    number = core.invoices.generate("acme", MARCH).number
    return core.invoices.issue(number).number


def chart(page: str) -> str:
    """The inline SVG chart of a rendered HTML invoice."""
    return page.split("<svg")[1].split("</svg>", 1)[0]


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_amounts_and_dates_as_babel_formats_them(
    core: TelcoCore, clock: FixedClock, locale: str
) -> None:
    """Totals, tax, due date and period in the account's locale, in text and in HTML."""
    number = make_invoice(core, clock, locale)
    invoice = core.invoices.get(number)
    text = core.invoices.render_text(number)
    page = core.invoices.render_html(number)
    assert invoice.due_at is not None
    expected = [
        *(
            format_currency(money.amount, money.currency, locale=locale)
            for money in (invoice.subtotal, invoice.tax, invoice.total)
        ),
        format_date(invoice.due_at.date(), format="medium", locale=locale),
        format_date(date(2026, 3, 1), format="medium", locale=locale),
        format_date(date(2026, 3, 31), format="medium", locale=locale),
    ]
    for shown in expected:
        assert shown in text
        assert html.escape(shown) in page
    assert f'lang="{locale.replace("_", "-")}"' in page


def test_text_and_html_show_the_same_totals(core: TelcoCore, clock: FixedClock) -> None:
    """Each total line of the text is in the HTML's totals, in the same order."""
    number = make_invoice(core, clock, "de_DE")
    text = core.invoices.render_text(number)
    page = core.invoices.render_html(number)
    lines = text.split("-" * 72 + "\n")[-1].split("\n\n")[0].splitlines()
    from_text = [(line[:53].strip(), line[54:].strip()) for line in lines]
    foot = page.split("<tfoot>")[1].split("</tfoot>")[0]
    from_html = [
        tuple(
            html.unescape(cell.split("</td>")[0]) for cell in row.split(">", 1)[1].split("<td")[1:]
        )
        for row in foot.split("<tr")[1:]
    ]
    from_html = [(label.split(">", 1)[1], value.split(">", 1)[1]) for label, value in from_html]
    assert ["Subtotal", "Tax (19\xa0%)", "Total", "Paid", "Amount due"] == [
        label for label, _ in from_text
    ]
    assert from_text == from_html


def test_chart_has_a_bar_per_day_of_usage(core: TelcoCore, clock: FixedClock) -> None:
    """Three days of calls: three bars; the tallest is the day with the most charged."""
    number = make_invoice(core, clock, "en_US")
    page = core.invoices.render_html(number)
    svg = chart(page)
    assert 3 == svg.count("<rect")
    assert 'y="0.0"' in svg.split("<rect")[2]  # 9 March: 20 minutes, the most
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_everything_is_escaped(core: TelcoCore, clock: FixedClock) -> None:
    """A customer name with markup shows as text."""
    number = make_invoice(core, clock, "en_US", name='<script>alert("x")</script> & Co')
    page = core.invoices.render_html(number)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert '<script>alert("x")</script> & Co' in core.invoices.render_text(number)


def test_locale_argument_and_refusals(core: TelcoCore, clock: FixedClock) -> None:
    """``locale=`` overrides the account's; unknown locales and numbers are refused."""
    number = make_invoice(core, clock, "en_US")
    total = core.invoices.get(number).total
    shown = format_currency(total.amount, total.currency, locale="fr_FR")
    assert shown in core.invoices.render_text(number, locale="fr-FR")
    with pytest.raises(ValidationError, match="locale"):
        core.invoices.render_html(number, locale="xx_XX")
    with pytest.raises(InvoiceNotFound):
        core.invoices.render_text("INV-0000-000000")


def chart_bars(page: str) -> list[str]:
    """The title of each bar of the HTML's chart, unescaped: its day and amount."""
    bars = chart(page).split("<rect")[1:]
    return [html.unescape(bar.split("<title>")[1].split("</title>", 1)[0]) for bar in bars]


def test_a_call_posted_late_leaves_the_days_as_billed(core: TelcoCore, clock: FixedClock) -> None:
    """A call posted for a day the invoice billed: its text and chart show what it billed."""
    number = make_invoice(core, clock, "en_US")
    text, page = core.invoices.render_text(number), core.invoices.render_html(number)
    billed = ["Mar 3, 2026: $16.50", "Mar 9, 2026: $30.00", "Mar 27, 2026: $4.50"]
    assert billed == chart_bars(page)
    core.calls.post_many([answered_call("late", datetime(2026, 3, 9, 18, tzinfo=UTC), 3600)])
    ninth = core.summaries.daily("acme", datetime(2026, 3, 9, tzinfo=UTC), MARCH.end)[0]
    assert Money("120.00", "USD") == ninth.charge  # the row grew: 30 + 90
    assert billed == chart_bars(core.invoices.render_html(number))
    assert page == core.invoices.render_html(number)
    assert text == core.invoices.render_text(number)
    assert "$30.00" in text.split("Usage by day")[1]
