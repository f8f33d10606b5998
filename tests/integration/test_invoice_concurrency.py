"""Several OS processes generating invoices in one SQLite file or PostgreSQL schema."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tests.integration import invoice_workers
from tests.integration.storage_workers import run_at_once

import telcocore
from telcocore import PaymentStatus, Period, Rate, RateDeck
from telcocore.calls.model.records import CallRecord
from telcocore.testing import FixedClock

pytestmark = pytest.mark.slow

PROCESSES = 8
INVOICES = 10
PAYMENTS = 5
"""Payments of 0.01 each process makes to each of two invoices."""


def _seeded(url: str) -> None:
    """Account ``acme`` with one call a day, 1 to 10 March."""
    with telcocore.connect(url) as core:
        core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
        core.ledger.credit("acme", "100", idempotency_key="seed")
        since = datetime(2026, 1, 1, tzinfo=UTC)
        core.rating.save_deck(
            RateDeck("retail", "USD", [Rate("44", "UK", Decimal("0.06"), effective_from=since)])
        )
        core.rating.assign("acme", "retail")
        calls = []
        for day in range(10):
            start = datetime(2026, 3, 1 + day, 12, tzinfo=UTC)
            calls.append(
                CallRecord(
                    call_id=f"c{day}",
                    account_id="acme",
                    source="1001",
                    destination="+442071234567",
                    start=start,
                    answer=start,
                    end=start + timedelta(seconds=60),
                    duration=60,
                    billable=60,
                    disposition="answered",
                )
            )
        core.calls.post_many(calls)


class TestNumbersUnderContention:
    """Eight processes generating at once: numbers without a gap, each once."""

    def test_no_duplicate_and_no_gap(self, durable_url: str) -> None:
        """80 invoices numbered INV-2026-000001 to INV-2026-000080."""
        _seeded(durable_url)
        reports = run_at_once(
            invoice_workers.generate_days,
            [(durable_url, worker, INVOICES) for worker in range(PROCESSES)],
        )
        numbers = [number for found, _ in reports for number in found]
        assert [] == [error for _, errs in reports for error in errs]
        expected = [f"INV-2026-{seq:06d}" for seq in range(1, PROCESSES * INVOICES + 1)]
        assert expected == sorted(numbers)
        with telcocore.connect(durable_url) as core:
            stored = core.invoices.search(limit=500).invoices
            assert expected == sorted(i.number for i in stored)
            assert core.audit.verify_chain() is None

    def test_the_same_usage_is_invoiced_once(self, durable_url: str) -> None:
        """Eight processes invoice March at once: one invoice, seven refusals naming it."""
        _seeded(durable_url)
        reports = run_at_once(invoice_workers.generate_march, [(durable_url,)] * PROCESSES)
        made = [number for number, _, _ in reports if number is not None]
        named = Counter(first for _, first, _ in reports if first is not None)
        assert ([], 1) == ([error for _, _, error in reports if error], len(made))
        assert {made[0]: PROCESSES - 1} == dict(named)
        with telcocore.connect(durable_url) as core:
            assert [made[0]] == [i.number for i in core.invoices.search().invoices]
            assert "INV-2026-000001" == made[0]  # the refused ones took no number


class TestSchedulesUnderContention:
    """Two processes running the schedules at once invoice each period once."""

    def test_each_period_once(self, durable_url: str) -> None:
        """Daily from 1 March: 31 periods by 1 April, made once between the two runs."""
        _seeded(durable_url)
        with telcocore.connect(durable_url) as core:
            core.invoices.set_schedule("acme", "FREQ=DAILY", start=datetime(2026, 3, 1, tzinfo=UTC))
        reports = run_at_once(invoice_workers.run_due, [(durable_url,)] * 2)
        numbers = [n for made, _, _ in reports for n in made]
        assert ([], []) == (
            [error for _, _, error in reports if error],
            [refusal for _, refused, _ in reports for refusal in refused],
        )
        assert 31 == len(numbers) == len(set(numbers))
        with telcocore.connect(durable_url) as core:
            stored = core.invoices.search(limit=500).invoices
            assert 31 == len({i.period for i in stored}) == len(stored)
            assert Decimal("0.60") == sum(i.subtotal.amount for i in stored)
            again = core.invoices.run_due(datetime(2026, 4, 1, tzinfo=UTC))
            assert ([], []) == (again.generated, again.refused)


def _issued_march(url: str) -> tuple[str, Decimal]:
    """The March invoice of the seeded account, issued (0.60 USD); and the balance then."""
    _seeded(url)
    with telcocore.connect(url) as core:
        number = core.invoices.generate("acme", Period.month(2026, 3)).number
        core.invoices.issue(number)
        return number, core.ledger.balance("acme").amount


class TestPaymentsUnderContention:
    """Four processes settling, or allocating to one invoice, at once."""

    def test_settled_once(self, durable_url: str) -> None:
        """One ledger credit, one payment on the invoice, the same result in each process."""
        number, balance = _issued_march(durable_url)
        with telcocore.connect(durable_url) as core:
            pending = core.invoices.record_payment(
                "acme", "0.60", method="sepa", status="pending", allocations={number: "0.60"}
            )
        reports = run_at_once(invoice_workers.settle, [(durable_url, pending.id)] * 4)
        assert [] == [error for _, error in reports if error]
        assert 1 == len({credit for credit, _ in reports})
        with telcocore.connect(durable_url) as core:
            assert balance + Decimal("0.60") == core.ledger.balance("acme").amount
            invoice = core.invoices.get(number)
            assert (1, PaymentStatus.PAID) == (len(invoice.payments), invoice.payment_status)
            assert core.audit.verify_chain() is None

    def test_allocations_never_exceed_what_is_owed(self, durable_url: str) -> None:
        """Each process allocates 0.36 of the 0.60 owed: one is recorded, three refused."""
        number, _ = _issued_march(durable_url)
        reports = run_at_once(invoice_workers.pay_part, [(durable_url, number, "0.36")] * 4)
        assert ["recorded", "refused", "refused", "refused"] == sorted(reports)

    def test_payments_to_the_same_invoices_in_any_order_never_deadlock(
        self, durable_url: str
    ) -> None:
        """Four processes pay two invoices, half naming them the other way round: all paid."""
        _seeded(durable_url)
        clock = FixedClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
        with telcocore.connect(durable_url, clock=clock) as core:
            for day in (1, 2):  # a purchase of 10.00 a day: more than all the payments
                clock.set(datetime(2026, 3, day, 12, tzinfo=UTC))
                core.ledger.debit("acme", "10", idempotency_key=f"buy-{day}")
            clock.set(datetime(2026, 4, 1, tzinfo=UTC))
            first, second = (
                core.invoices.generate("acme", Period.day(date(2026, 3, day)), issue=True).number
                for day in (1, 2)
            )
        orders = [(first, second), (second, first)] * 2
        reports = run_at_once(
            invoice_workers.pay_two, [(durable_url, a, b, PAYMENTS) for a, b in orders]
        )
        assert [] == [error for errors in reports for error in errors]
        with telcocore.connect(durable_url) as core:
            paid = [len(core.invoices.get(number).payments) for number in (first, second)]
            assert [4 * PAYMENTS, 4 * PAYMENTS] == paid
