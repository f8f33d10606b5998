"""The invoices model: the tax rule, numbers, usage keys and schedule periods."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telcocore import InvoiceSchedule, Money, Period, UsageKey, ValidationError
from telcocore.billing.invoices.model.invoice import (
    InvoiceLine,
    LineKind,
    invoice_number,
    totals,
    validate_number_format,
)
from telcocore.kernel.money import currency_precision


class TestTaxRule:
    """Lines rounded half-up, tax on the subtotal rounded once half-up, total the sum."""

    @given(
        amounts=st.lists(
            st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False), max_size=8
        ),
        rate=st.decimals(min_value=0, max_value=1, places=4, allow_nan=False),
        currency=st.sampled_from(["USD", "JPY", "KWD"]),
    )
    def test_the_rule(self, amounts: list[Decimal], rate: Decimal, currency: str) -> None:
        """Whatever the lines, the totals follow the documented rule exactly."""
        lines = [InvoiceLine(LineKind.ADJUSTMENT, "x", Money(a, currency)) for a in amounts]
        subtotal, tax, total = totals(lines, rate, currency)
        step = Decimal(1).scaleb(-currency_precision(currency))
        rounded = [a.quantize(step, rounding=ROUND_HALF_UP) for a in amounts]
        assert Money(sum(rounded, Decimal(0)), currency) == subtotal
        assert (subtotal.amount * rate).quantize(step, rounding=ROUND_HALF_UP) == tax.amount
        assert subtotal + tax == total

    def test_half_up_once(self) -> None:
        """0.125 at 20 % is 0.025: 0.03 in USD, never 0.02."""
        lines = [InvoiceLine(LineKind.USAGE, "x", Money("0.125", "USD"))]
        assert (Money("0.13", "USD"), Money("0.03", "USD"), Money("0.16", "USD")) == totals(
            lines, Decimal("0.2"), "USD"
        )


class TestNumbers:
    """Formats with ``{seq}`` and the known fields only."""

    def test_default(self) -> None:
        """The default format pads the sequence to six digits."""
        number = invoice_number("INV-{year}-{seq:06d}", issuer="x", seq=123, year=2026, month=4)
        assert "INV-2026-000123" == number

    @pytest.mark.parametrize(
        "bad", ["INV", "{year}", "{seq}{nope}", "{seq.real}", "{0}{seq}", "{seq:>99}", "{"]
    )
    def test_refused(self, bad: str) -> None:
        """No sequence, an unknown field, an attribute, a position, too long, broken."""
        with pytest.raises(ValidationError):
            validate_number_format(bad)

    @pytest.mark.parametrize(
        "bad",
        ["{seq:.1e}", "{seq:g}", "{seq:c}", "{seq:0<3}", "{seq:1>3}", "{seq:<06}", "{seq!s:0<3}"],
    )
    def test_formats_writing_two_sequences_alike_are_refused(self, bad: str) -> None:
        """``.1e`` writes 110 and 111 alike, ``0<3`` 1 and 100, ``c`` a control character."""
        with pytest.raises(ValidationError, match="seq") as caught:
            validate_number_format(bad)
        assert caught.value.field == "number_format"

    @pytest.mark.parametrize(
        "good",
        ["{seq}", "{seq:06d}", "{seq:0>6}", "{seq:=06}", "{seq:,}", "{seq:*<8d}", "{seq:<6}"],
    )
    def test_formats_keeping_sequences_apart_are_kept(self, good: str) -> None:
        """Padded with zeros on the left, or with anything but a digit, grouped: all apart."""
        assert good == validate_number_format(good)
        written = {
            invoice_number(good, issuer="x", seq=seq, year=2026, month=1) for seq in range(1, 2001)
        }
        assert 2000 == len(written)


class TestUsageKeys:
    """A usage key is checked when built."""

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("day", datetime(2026, 3, 1, tzinfo=UTC)),
            ("day", "2026-03-01"),
            ("prefix", ""),
            ("account_id", "a b"),
        ],
    )
    def test_refused(self, field: str, value: object) -> None:
        """A datetime is not a day; a blank prefix or a bad account id is refused."""
        parts: dict[str, object] = {
            "account_id": "acme",
            "day": date(2026, 3, 1),
            "prefix": "44",
            "classification": "domestic",
        }
        with pytest.raises(ValidationError):
            UsageKey(**(parts | {field: value}))

    def test_claims_are_unambiguous(self) -> None:
        """Parts holding the separator do not make two keys claim alike."""
        one = UsageKey("acme", date(2026, 3, 1), "4|4", "x")
        other = UsageKey("acme", date(2026, 3, 1), "4", "4|x")
        assert one.claim != other.claim


class TestSchedulePeriods:
    """Periods run from one occurrence to the next, due once they ended."""

    def test_weekly_from_monday(self) -> None:
        """Start on a Thursday: the first period starts on the next Monday."""
        schedule = InvoiceSchedule("acme", "FREQ=WEEKLY;BYDAY=MO", datetime(2026, 3, 5, tzinfo=UTC))
        due = schedule.due_periods(datetime(2026, 3, 23, tzinfo=UTC))
        assert [
            Period.days(date(2026, 3, 9), date(2026, 3, 15)),
            Period.days(date(2026, 3, 16), date(2026, 3, 22)),
        ] == due

    def test_month_ends(self) -> None:
        """Monthly on the 1st: calendar months, February's 28 days included."""
        schedule = InvoiceSchedule(
            "acme", "FREQ=MONTHLY;BYMONTHDAY=1", datetime(2026, 1, 1, tzinfo=UTC)
        )
        due = schedule.due_periods(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
        assert [Period.month(2026, 1), Period.month(2026, 2)] == due

    def test_start_at_midnight(self) -> None:
        """A start at noon is refused."""
        with pytest.raises(ValidationError, match="midnight"):
            InvoiceSchedule("acme", "FREQ=DAILY", datetime(2026, 1, 1, 12, tzinfo=UTC))

    @pytest.mark.parametrize(
        "rule", ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31"]
    )
    def test_a_rule_no_day_matches_is_refused(self, rule: str) -> None:
        """It would never make a period (and dateutil would search to the year 9999)."""
        with pytest.raises(ValidationError, match="matches no day"):
            InvoiceSchedule("acme", rule, datetime(2026, 1, 1, tzinfo=UTC))

    def test_rare_rules_are_kept(self) -> None:
        """29 February and Friday the 13th of February are days some years have."""
        for rule in (
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=13;BYDAY=FR",
        ):
            InvoiceSchedule("acme", rule, datetime(2026, 1, 1, tzinfo=UTC))

    def test_done_periods_are_skipped(self) -> None:
        """``done`` names the starts already invoiced."""
        schedule = InvoiceSchedule("acme", "FREQ=DAILY", datetime(2026, 1, 1, tzinfo=UTC))
        due = schedule.due_periods(
            datetime(2026, 1, 4, tzinfo=UTC), done={datetime(2026, 1, 2, tzinfo=UTC)}
        )
        assert [Period.day(date(2026, 1, 1)), Period.day(date(2026, 1, 3))] == due
