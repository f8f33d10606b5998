"""Invoices from posted calls and the ledger, on every storage: totals, claims, states, JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import jsonschema
import pytest
from tests.conftest import START

from telcocore import (
    AlreadyExists,
    ConflictError,
    Invoice,
    InvoiceStateError,
    InvoiceStatus,
    Money,
    OverPayment,
    PaymentStatus,
    Period,
    Rate,
    RateDeck,
    TelcoCore,
    TransactionKind,
    UsageAlreadyInvoiced,
    UsageKey,
    ValidationError,
)
from telcocore.billing.invoices.model import schedule as schedule_model
from telcocore.billing.invoices.model.invoice import LineKind, claim_day, invoice_schema
from telcocore.billing.invoices.ports import InvoiceRepository
from telcocore.calls.model.records import CallRecord
from telcocore.platform.sql.unit_of_work import SqlUnitOfWork
from telcocore.testing import FixedClock

MARCH = Period.month(2026, 3)
NOW = datetime(2026, 5, 1, tzinfo=UTC)
"""When the invoices are generated: after March and April are over."""
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def _open(core: TelcoCore, currency: str, rate: str, tax_rate: str = "0.2") -> str:
    """Account ``acme`` in ``currency`` with a deck pricing the UK at ``rate`` a minute."""
    core.accounts.open(
        "Acme", currency, account_id="acme", home_country="US", tax_rate=Decimal(tax_rate)
    )
    core.ledger.credit("acme", "1000000", idempotency_key="seed")
    deck = RateDeck(
        "retail",
        currency,
        [
            Rate("44", "United Kingdom", Decimal(rate), effective_from=SINCE),
            Rate("1", "North America", Decimal(rate) / 2, effective_from=SINCE),
        ],
    )
    core.rating.save_deck(deck)
    core.rating.assign("acme", "retail")
    return "acme"


def _call(
    call_id: str, start: datetime, seconds: int = 60, destination: str = "+442071234567"
) -> CallRecord:
    answer = start + timedelta(seconds=1) if seconds else None
    return CallRecord(
        call_id=call_id,
        account_id="acme",
        source="1001",
        destination=destination,
        start=start,
        answer=answer,
        end=start + timedelta(seconds=seconds + 1),
        duration=seconds + 1,
        billable=seconds,
        disposition="answered" if seconds else "no_answer",
    )


@pytest.fixture
def usd(core: TelcoCore, clock: FixedClock) -> TelcoCore:
    """An account in USD at 20 % tax, with calls on 14 and 15 March and one in April."""
    _open(core, "USD", "0.06")
    core.calls.post_many(
        [
            _call("c1", datetime(2026, 3, 14, 23, 59, 59, tzinfo=UTC), 90),
            _call("c2", datetime(2026, 3, 15, 0, 0, 0, tzinfo=UTC), 60),
            _call("c3", datetime(2026, 3, 15, 8, tzinfo=UTC), 0),
            _call("c4", datetime(2026, 3, 15, 9, tzinfo=UTC), 120, "+14155550123"),
            _call("c5", datetime(2026, 4, 1, 0, 0, 0, tzinfo=UTC), 60),
        ]
    )
    clock.set(NOW)
    return core


def _pay(core: TelcoCore, number: str, amount: str | Money, reference: str = "") -> Invoice:
    """Pay ``amount`` of the invoice (a settled payment allocated to it all); the invoice."""
    allocation = {number: amount}
    core.invoices.record_payment(
        "acme", amount, method="card", reference=reference, allocations=allocation
    )
    return core.invoices.get(number)


def _usage(invoice: Invoice) -> dict[str, tuple[int, int, Money]]:
    return {
        line.prefix or "": (line.calls, line.billed_seconds, line.amount)
        for line in invoice.lines
        if line.kind is LineKind.USAGE
    }


class TestTotals:
    """Lines by destination, subtotal, tax rounded once half-up, total; in three currencies."""

    def test_usd(self, usd: TelcoCore) -> None:
        """UK: 3 attempts, 150 s at 0.06 = 0.15; US: 120 s at 0.03 = 0.06; tax 20 %."""
        invoice = usd.invoices.generate("acme", MARCH)
        assert {
            "1": (1, 120, Money("0.06", "USD")),
            "44": (3, 150, Money("0.15", "USD")),
        } == _usage(invoice)
        assert (Money("0.21", "USD"), Money("0.04", "USD"), Money("0.25", "USD")) == (
            invoice.subtotal,
            invoice.tax,
            invoice.total,
        )
        assert Decimal("2.50") == invoice.lines[1].billed_minutes

    @pytest.mark.parametrize(
        ("currency", "rate", "tax_rate", "expected"),
        [
            # 7 minutes at 13 JPY = 91; tax 8 % = 7.28 -> 7; total 98
            ("JPY", "13", "0.08", ("91", "7", "98")),
            # 7 minutes at 0.125 KWD = 0.875; tax 15 % = 0.13125 -> 0.131; total 1.006
            ("KWD", "0.125", "0.15", ("0.875", "0.131", "1.006")),
            # 7 minutes at 0.0725 USD (charged to 4 places) = 0.5075 -> 0.51; tax 10 % =
            # 0.051 -> 0.05; total 0.56
            ("USD", "0.0725", "0.1", ("0.51", "0.05", "0.56")),
        ],
    )
    def test_each_currency_rounds_to_its_precision(  # noqa: PLR0913, PLR0917 - fixtures, cases
        self,
        core: TelcoCore,
        clock: FixedClock,
        currency: str,
        rate: str,
        tax_rate: str,
        expected: tuple[str, ...],
    ) -> None:
        """Amounts are Money in the account's currency, with its number of places."""
        _open(core, currency, rate, tax_rate)
        core.calls.post_many([_call(f"c{i}", START + timedelta(minutes=i), 60) for i in range(7)])
        clock.set(NOW)
        invoice = core.invoices.generate("acme", MARCH)
        assert tuple(Money(amount, currency) for amount in expected) == (
            invoice.subtotal,
            invoice.tax,
            invoice.total,
        )
        assert {currency} == {invoice.total.currency, invoice.currency}

    def test_ledger_charges_are_lines(self, usd: TelcoCore, clock: FixedClock) -> None:
        """Purchases, recurring charges and adjustments of the period; top-ups are not."""
        clock.set(START)
        usd.ledger.debit("acme", "5.00", idempotency_key="seats", description="5 seats")
        usd.ledger.debit("acme", "10.00", idempotency_key="plan", kind=TransactionKind.RECURRING)
        usd.ledger.credit(
            "acme", "1.00", idempotency_key="goodwill", kind=TransactionKind.ADJUSTMENT
        )
        clock.advance(timedelta(days=30))
        usd.ledger.debit("acme", "7.00", idempotency_key="april")
        invoice = usd.invoices.generate("acme", MARCH)
        charges = [(line.kind, line.description, line.amount) for line in invoice.lines[2:]]
        assert [
            (LineKind.PURCHASE, "5 seats", Money("5.00", "USD")),
            (LineKind.RECURRING, "recurring", Money("10.00", "USD")),
            (LineKind.ADJUSTMENT, "adjustment", Money("-1.00", "USD")),
        ] == charges
        assert Money("14.21", "USD") == invoice.subtotal
        assert Money("2.84", "USD") == invoice.tax  # 2.842 rounded once


class TestClaims:
    """A usage row or charge is on at most one invoice that is not void."""

    def test_a_second_invoice_over_the_same_usage_is_refused(self, usd: TelcoCore) -> None:
        """The error names the first invoice's number; nothing is written."""
        first = usd.invoices.generate("acme", Period.days(date(2026, 3, 14), date(2026, 3, 14)))
        assert {"44": (1, 90, Money("0.09", "USD"))} == _usage(first)  # 23:59:59 is the 14th
        before = usd.audit.entries(limit=500).entries
        with pytest.raises(UsageAlreadyInvoiced) as refused:
            usd.invoices.generate("acme", MARCH)
        assert first.number == refused.value.number
        assert first.number in str(refused.value)
        assert before == usd.audit.entries(limit=500).entries
        assert [first.number] == [i.number for i in usd.invoices.search().invoices]
        # the numbers stay gapless: the refused one took none
        assert "INV-2026-000002" == usd.invoices.generate("acme", Period.month(2026, 4)).number

    def test_selected_rows_then_the_period(self, usd: TelcoCore) -> None:
        """An invoice of selected rows claims those; the period's is refused on them."""
        key = UsageKey("acme", date(2026, 3, 15), "1", "domestic")
        invoice = usd.invoices.generate_from_usage("acme", [key])
        assert Period.day(date(2026, 3, 15)) == invoice.period
        assert {"1": (1, 120, Money("0.06", "USD"))} == _usage(invoice)
        with pytest.raises(UsageAlreadyInvoiced, match=invoice.number):
            usd.invoices.generate("acme", MARCH)
        with pytest.raises(ValidationError, match="no usage"):
            usd.invoices.generate_from_usage(
                "acme", [UsageKey("acme", date(2026, 3, 16), "1", "domestic")]
            )

    def test_voiding_frees_the_usage(self, usd: TelcoCore) -> None:
        """After a void, a new invoice bills the same usage; the void one keeps its number."""
        first = usd.invoices.generate("acme", MARCH)
        usd.invoices.void(first.number, reason="wrong tax")
        second = usd.invoices.generate("acme", MARCH)
        assert (first.total, "INV-2026-000002") == (second.total, second.number)
        assert InvoiceStatus.VOID is usd.invoices.get(first.number).status

    def test_each_claim_keeps_what_was_billed_exactly(
        self, usd: TelcoCore, clock: FixedClock
    ) -> None:
        """A usage row's charge as it was, to the last digit; a ledger charge's line amount."""
        usd.calls.post_many([_call("c6", datetime(2026, 3, 16, tzinfo=UTC), 10, "+14155550123")])
        clock.set(START)
        usd.ledger.debit("acme", "5.00", idempotency_key="seats", description="5 seats")
        clock.set(NOW)
        invoice = usd.invoices.generate("acme", MARCH)
        with usd.storage.unit_of_work() as uow:
            billed = uow.get(InvoiceRepository).billed(invoice.id)
        assert [
            ("2026-03-14", Decimal("0.09")),
            ("2026-03-15", Decimal("0.06")),
            ("2026-03-15", Decimal("0.06")),
            ("2026-03-16", Decimal("0.005")),  # 10 s at 0.03 a minute, not rounded
            ("None", Decimal("5.00")),  # the purchase: no day
        ] == sorted((str(claim_day(claim)), amount) for claim, amount in billed.items())
        assert Money("0.07", "USD") == _usage(invoice)["1"][2]  # the line rounds 0.065

    def test_a_period_must_be_whole_days(self, usd: TelcoCore) -> None:
        """Usage rows are daily: a period from noon is refused."""
        with pytest.raises(ValidationError, match="midnight"):
            usd.invoices.generate("acme", Period(START, START + timedelta(days=1)))

    def test_a_period_must_be_over(self, usd: TelcoCore, clock: FixedClock) -> None:
        """A day's row grows until the day is over: today, or a row of today, is refused."""
        clock.set(datetime(2026, 3, 15, 12, tzinfo=UTC))
        with pytest.raises(ValidationError, match="over"):
            usd.invoices.generate("acme", MARCH)
        today = UsageKey("acme", date(2026, 3, 15), "44", "international")
        with pytest.raises(ValidationError, match="over"):
            usd.invoices.generate_from_usage("acme", [today])
        assert [] == usd.invoices.search().invoices


class TestStates:
    """Draft -> issued -> paid, or void; payments; due date and overdue; the audit log."""

    def test_issue_pay_in_parts(self, usd: TelcoCore) -> None:
        """Partially paid, then paid; overdue only after the due date while something is owed."""
        usd.invoices.set_issuer(payment_terms_days=14)
        draft = usd.invoices.generate("acme", MARCH)
        issued = usd.invoices.issue(draft.number)
        assert (InvoiceStatus.ISSUED, NOW + timedelta(days=14)) == (
            issued.status,
            issued.due_at,
        )
        assert not issued.overdue(NOW + timedelta(days=13))
        assert issued.overdue(NOW + timedelta(days=14))
        part = _pay(usd, draft.number, "0.20", "wire 1")
        assert (PaymentStatus.PARTIALLY_PAID, Money("0.05", "USD")) == (
            part.payment_status,
            part.outstanding,
        )
        with pytest.raises(OverPayment, match=r"0\.05 USD"):
            _pay(usd, draft.number, "0.06")
        paid = _pay(usd, draft.number, Money("0.05", "USD"))
        assert (InvoiceStatus.PAID, PaymentStatus.PAID) == (paid.status, paid.payment_status)
        assert not paid.overdue(NOW + timedelta(days=100))
        with pytest.raises(InvoiceStateError, match="paid"):
            usd.invoices.void(draft.number)
        actions = [
            e.action.value for e in usd.audit.entries(entity_type="invoice", limit=50).entries
        ]
        assert ["GENERATE", "ISSUE", "PAY", "PAY"] == sorted(actions)
        assert usd.audit.verify_chain() is None

    def test_generated_and_issued_in_one_transaction(self, usd: TelcoCore) -> None:
        """``issue=True``: stored issued, due from now, audited GENERATE then ISSUE."""
        usd.invoices.set_issuer(payment_terms_days=14)
        issued = usd.invoices.generate("acme", MARCH, issue=True, reason="month end")
        assert (InvoiceStatus.ISSUED, NOW + timedelta(days=14)) == (
            issued.status,
            issued.due_at,
        )
        assert issued == usd.invoices.get(issued.number)
        entries = usd.audit.entries(entity_type="invoice", limit=50).entries
        assert [("GENERATE", "month end"), ("ISSUE", "month end")] == sorted(
            (e.action.value, e.reason) for e in entries
        )
        assert InvoiceStatus.DRAFT == usd.invoices.generate("acme", Period.month(2026, 4)).status

    def test_an_invoice_paid_without_a_payment_can_be_voided(self, usd: TelcoCore) -> None:
        """Nothing to pay: paid when issued; it can be voided, and its day invoiced again."""
        empty = usd.invoices.issue(
            usd.invoices.generate("acme", Period.day(date(2026, 3, 20))).number
        )
        assert (InvoiceStatus.PAID, ()) == (empty.status, empty.payments)
        assert InvoiceStatus.VOID == usd.invoices.void(empty.number).status
        again = usd.invoices.generate("acme", Period.day(date(2026, 3, 20)))
        assert empty.lines == again.lines

    def test_transitions_refused(self, usd: TelcoCore) -> None:
        """A draft takes no payment; a void invoice cannot be issued or voided again."""
        draft = usd.invoices.generate("acme", MARCH)
        with pytest.raises(InvoiceStateError, match="draft"):
            _pay(usd, draft.number, "0.01")
        usd.invoices.void(draft.number)
        with pytest.raises(InvoiceStateError):
            usd.invoices.issue(draft.number)
        with pytest.raises(InvoiceStateError):
            usd.invoices.void(draft.number)


class TestQueries:
    """By account, number, period, status and issuer, paged; JSON that fits the schema."""

    def test_pages_and_filters(self, usd: TelcoCore) -> None:
        """Every invoice once across pages, in generation order; filters narrow them."""
        numbers = [
            usd.invoices.generate("acme", Period.day(date(2026, 3, day))).number
            for day in range(1, 8)
        ]
        usd.invoices.issue(numbers[2])
        seen: list[str] = []
        after = None
        while True:
            page = usd.invoices.search(account_id="acme", limit=3, after=after)
            seen += [i.number for i in page.invoices]
            after = page.next_after
            if after is None:
                break
        assert numbers == seen
        paid = usd.invoices.search(status="paid").invoices  # nothing to pay: paid when issued
        assert [numbers[2]] == [i.number for i in paid]
        inside = usd.invoices.search(period=Period.days(date(2026, 3, 2), date(2026, 3, 3)))
        assert numbers[1:3] == [i.number for i in inside.invoices]
        assert [] == usd.invoices.search(issuer="other").invoices

    def test_a_cursor_naming_no_invoice_is_refused(self, usd: TelcoCore) -> None:
        """An ``after`` that is no invoice's number is an error, not an empty last page."""
        usd.invoices.generate("acme", MARCH)
        with pytest.raises(ValidationError, match="INV-2026-999999") as caught:
            usd.invoices.search(after="INV-2026-999999")
        assert "after" == caught.value.field

    def test_every_invoice_fits_the_schema(self, usd: TelcoCore) -> None:
        """Drafts, issued, paid and void invoices, with and without ``overdue``."""
        usd.ledger.debit("acme", "1.00", idempotency_key="p")
        shown = [usd.invoices.generate("acme", MARCH)]
        shown.append(usd.invoices.issue(shown[0].number))
        shown.append(_pay(usd, shown[0].number, "0.10", "r"))
        shown.append(usd.invoices.generate("acme", Period.month(2026, 4)))
        shown.append(usd.invoices.void(shown[-1].number))
        validator = jsonschema.Draft202012Validator(invoice_schema())
        for invoice in shown:
            for document in (invoice.to_json(), invoice.to_json(START)):
                validator.validate(document)
        assert shown[2] == usd.invoices.get(shown[0].number)

    def test_the_schema_refuses_what_it_must(self, usd: TelcoCore) -> None:
        """A generated invoice fits; with a float amount or an unknown status it does not."""
        validator = jsonschema.Draft202012Validator(invoice_schema())
        document = usd.invoices.generate("acme", MARCH).to_json()
        validator.validate(document)
        assert not validator.is_valid({**document, "status": "bogus"})
        assert not validator.is_valid({**document, "total": {**document["total"], "amount": 1.5}})
        assert not validator.is_valid({k: v for k, v in document.items() if k != "number"})


class TestIssuers:
    """Numbers follow the issuer's format; each issuer counts on its own."""

    def test_formats_and_sequences(self, usd: TelcoCore) -> None:
        """Two issuers, each from 1."""
        usd.invoices.set_issuer("eu", number_format="EU/{year}{month:02d}/{seq}")
        a = usd.invoices.generate("acme", Period.day(date(2026, 3, 1)))
        b = usd.invoices.generate("acme", Period.day(date(2026, 3, 2)), issuer="eu")
        c = usd.invoices.generate("acme", Period.day(date(2026, 3, 3)), issuer="eu")
        assert ["INV-2026-000001", "EU/202605/1", "EU/202605/2"] == [
            a.number,
            b.number,
            c.number,
        ]

    def test_issuers_left_at_their_defaults_never_share_numbers(self, usd: TelcoCore) -> None:
        """An issuer other than ``default`` writes its name into its numbers."""
        a = usd.invoices.generate("acme", Period.day(date(2026, 3, 1)))
        b = usd.invoices.generate("acme", Period.day(date(2026, 3, 2)), issuer="eu")
        assert ("INV-2026-000001", "INV-eu-2026-000001") == (a.number, b.number)

    def test_a_number_another_issuer_wrote_is_a_clear_conflict(self, usd: TelcoCore) -> None:
        """Two issuers given the same format: the second's invoice is refused, naming both."""
        usd.invoices.set_issuer("eu", number_format="INV-{year}-{seq:06d}")
        usd.invoices.generate("acme", Period.day(date(2026, 3, 1)))
        with pytest.raises(ConflictError, match="taken by issuer 'default'") as refused:
            usd.invoices.generate("acme", Period.day(date(2026, 3, 2)), issuer="eu")
        assert not isinstance(refused.value, AlreadyExists)
        assert 1 == len(usd.invoices.search().invoices)

    def test_a_format_an_earlier_release_stored_still_numbers(self, usd: TelcoCore) -> None:
        """``{seq:g}``, refused when set now (it writes 1e+06), is read and used as stored."""
        usd.invoices.set_issuer("old", number_format="OLD-{seq}")
        unit = usd.storage.unit_of_work()
        assert isinstance(unit, SqlUnitOfWork)
        with unit:  # as an earlier release, which took the format, stored it
            unit._session.run(
                "UPDATE invoice_issuers SET number_format = 'OLD-{seq:g}' WHERE name = 'old'"
            )
            unit.commit()
        made = usd.invoices.generate("acme", Period.day(date(2026, 3, 1)), issuer="old")
        assert "OLD-1" == made.number
        with pytest.raises(ValidationError, match="two sequence numbers alike"):
            usd.invoices.set_issuer("old", number_format="OLD-{seq:g}")

    @pytest.mark.parametrize("bad", ["INV-{year}", "INV-{seq}-{day}", "INV-{seq:q}", "{seq!z}"])
    def test_bad_formats_are_refused(self, core: TelcoCore, bad: str) -> None:
        """A format without ``{seq}``, with unknown fields or specs."""
        with pytest.raises(ValidationError):
            core.invoices.set_issuer("x", number_format=bad)


class TestSchedules:
    """``run_due`` generates every due and missing period, once."""

    def test_monthly_then_again(self, usd: TelcoCore) -> None:
        """February and March are due on 2 April; a second run makes nothing."""
        usd.invoices.set_schedule(
            "acme", "FREQ=MONTHLY;BYMONTHDAY=1", start=datetime(2026, 2, 1, tzinfo=UTC)
        )
        now = datetime(2026, 4, 2, tzinfo=UTC)
        report = usd.invoices.run_due(now)
        assert [Period.month(2026, 2), MARCH] == [i.period for i in report.generated]
        assert Money("0.25", "USD") == report.generated[1].total
        again = usd.invoices.run_due(now)
        assert ([], []) == (again.generated, again.refused)
        assert 2 == len(usd.invoices.search().invoices)

    def test_a_run_never_invoices_a_period_still_running(
        self, usd: TelcoCore, clock: FixedClock
    ) -> None:
        """With the clock on 15 March, a run for 2 April invoices February only."""
        usd.invoices.set_schedule(
            "acme", "FREQ=MONTHLY;BYMONTHDAY=1", start=datetime(2026, 2, 1, tzinfo=UTC)
        )
        clock.set(datetime(2026, 3, 15, tzinfo=UTC))
        report = usd.invoices.run_due(datetime(2026, 4, 2, tzinfo=UTC))
        assert [Period.month(2026, 2)] == [i.period for i in report.generated]

    def test_a_long_schedule_goes_on_after_its_first_runs(
        self, usd: TelcoCore, clock: FixedClock
    ) -> None:
        """Each run makes at most ``MAX_DUE_PERIODS`` invoices; the next goes on from there."""
        usd.invoices.set_schedule("acme", "FREQ=DAILY", start=datetime(2026, 1, 1, tzinfo=UTC))
        clock.set(datetime(2026, 1, 6, tzinfo=UTC))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(schedule_model, "MAX_DUE_PERIODS", 2)
            runs = [usd.invoices.run_due() for _ in range(3)]
        assert [2, 2, 1] == [len(run.generated) for run in runs]
        starts = [i.period.start.day for run in runs for i in run.generated]
        assert [1, 2, 3, 4, 5] == starts

    def test_weekly_issued_and_refused_periods(self, usd: TelcoCore) -> None:
        """Weeks from Monday, issued at once; a week whose usage is invoiced is refused."""
        taken = usd.invoices.generate("acme", Period.day(date(2026, 3, 15)))
        usd.invoices.set_schedule(
            "acme",
            "FREQ=WEEKLY;BYDAY=MO",
            start=datetime(2026, 3, 2, tzinfo=UTC),
            issue=True,
        )
        report = usd.invoices.run_due(datetime(2026, 3, 23, tzinfo=UTC))
        assert [datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)] == [
            i.period.start for i in report.generated
        ]
        assert {InvoiceStatus.PAID} == {i.status for i in report.generated}  # nothing to pay
        assert [("acme", Period.days(date(2026, 3, 9), date(2026, 3, 15)))] == [
            (account, period) for account, period, _ in report.refused
        ]
        assert taken.number in str(report.refused[0][2])
        usd.invoices.void(taken.number)
        retried = usd.invoices.run_due(datetime(2026, 3, 23, tzinfo=UTC))
        assert [Money("0.25", "USD")] == [i.total for i in retried.generated]

    @pytest.mark.parametrize(
        "rule", ["FREQ=HOURLY", "FREQ=DAILY;BYHOUR=3", "bogus", "FREQ=DAILY;UNTIL=20260101"]
    )
    def test_rules_of_whole_days_only(self, usd: TelcoCore, rule: str) -> None:
        """Periods are whole UTC days."""
        with pytest.raises(ValidationError):
            usd.invoices.set_schedule("acme", rule, start=SINCE)


def test_the_usage_source_is_swappable(usd: TelcoCore) -> None:
    """The service reads usage through its source only: another one bills other rows."""
    from telcocore.billing.invoices.model.invoice import UsageRow  # noqa: PLC0415
    from telcocore.billing.invoices.services import InvoiceService  # noqa: PLC0415

    key = UsageKey("acme", date(2026, 3, 1), "99", "domestic")
    fixed = UsageRow(key, "Elsewhere", 2, 30, Money("1.00", "USD"))

    class Fixed:
        def daily(self, *_args: object) -> list[UsageRow]:
            return [fixed]

        def rows(self, *_args: object) -> list[UsageRow]:
            return [fixed]

    service = InvoiceService(usd.context, usd.audit, Fixed())
    invoice = service.generate("acme", MARCH)
    assert {"99": (2, 30, Money("1.00", "USD"))} == _usage(invoice)
