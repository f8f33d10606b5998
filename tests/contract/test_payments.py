"""Payments on every storage: allocations, partial payments, pending, settled, failed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from telcocore import (
    InvoiceStateError,
    Money,
    OverPayment,
    PaymentConflict,
    PaymentNotFound,
    PaymentState,
    PaymentStateError,
    PaymentStatus,
    Period,
    TelcoCore,
    TransactionKind,
    ValidationError,
)
from telcocore.billing.invoices.services.payments import ledger_key
from telcocore.testing import FixedClock

DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 10, tzinfo=UTC)


def _invoice(
    core: TelcoCore, clock: FixedClock, day: date, amount: str, account: str = "acme"
) -> str:
    """An issued invoice of ``account`` billing a purchase of ``amount`` on ``day``."""
    clock.set(datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
    core.ledger.debit(account, amount, idempotency_key=f"buy-{account}-{day}")
    clock.set(NOW)
    number = core.invoices.generate(account, Period.day(day)).number
    return core.invoices.issue(number).number


@pytest.fixture
def acme(core: TelcoCore, clock: FixedClock) -> TelcoCore:
    """Account ``acme`` in USD, no tax, with credit to buy with."""
    core.accounts.open("Acme", "USD", account_id="acme")
    core.ledger.credit("acme", "100", idempotency_key="seed")
    clock.set(NOW)
    return core


def _state(core: TelcoCore, number: str) -> tuple[PaymentStatus, Money]:
    invoice = core.invoices.get(number)
    return invoice.payment_status, invoice.outstanding


class TestAllocation:
    """Settled payments pay invoices in parts and move the balance by their whole amount."""

    def test_unpaid_partially_paid_paid(self, acme: TelcoCore, clock: FixedClock) -> None:
        """Two payments on one invoice; one payment split over two invoices."""
        first = _invoice(acme, clock, DAY, "30.00")
        second = _invoice(acme, clock, DAY + timedelta(days=1), "20.00")
        before = acme.ledger.balance("acme")
        assert (PaymentStatus.UNPAID, Money("30.00", "USD")) == _state(acme, first)
        acme.invoices.record_payment(
            "acme", "10.00", method="card", reference="r1", allocations={first: "10.00"}
        )
        assert (PaymentStatus.PARTIALLY_PAID, Money("20.00", "USD")) == _state(acme, first)
        split = acme.invoices.record_payment(
            "acme", "40.00", method="bank_transfer", allocations={first: "20", second: "20"}
        )
        assert (PaymentStatus.PAID, Money("0.00", "USD")) == _state(acme, first)
        assert (PaymentStatus.PAID, Money("0.00", "USD")) == _state(acme, second)
        assert before + Money("50.00", "USD") == acme.ledger.balance("acme")
        credit = acme.ledger.get(split.transaction_id or "")
        assert (TransactionKind.PAYMENT, ledger_key(split.id)) == (
            credit.kind,
            credit.idempotency_key,
        )
        assert split.id == acme.invoices.get(second).payments[0].payment_id

    def test_overpayment_refused_and_nothing_changes(
        self, acme: TelcoCore, clock: FixedClock
    ) -> None:
        """An allocation over what is owed is refused: no payment, no credit, no audit entry."""
        number = _invoice(acme, clock, DAY, "30.00")
        balance = acme.ledger.balance("acme")
        entries = len(acme.audit.entries(limit=500).entries)
        with pytest.raises(OverPayment, match=r"30\.00 USD"):
            acme.invoices.record_payment(
                "acme", "30.01", method="card", allocations={number: "30.01"}
            )
        assert balance == acme.ledger.balance("acme")
        assert [] == acme.invoices.payments("acme")
        assert entries == len(acme.audit.entries(limit=500).entries)
        assert (PaymentStatus.UNPAID, Money("30.00", "USD")) == _state(acme, number)

    def test_what_is_not_allocated_is_credit(self, acme: TelcoCore, clock: FixedClock) -> None:
        """A payment over its allocations credits the balance with all of it."""
        number = _invoice(acme, clock, DAY, "30.00")
        balance = acme.ledger.balance("acme")
        received = NOW - timedelta(days=1)
        payment = acme.invoices.record_payment(
            "acme", "50.00", method="cash", allocations={number: "30.00"}, received_at=received
        )
        assert Money("20.00", "USD") == payment.unallocated
        assert (received, received) == (
            payment.settled_at,
            acme.invoices.get(number).payments[0].paid_at,
        )
        assert balance + Money("50.00", "USD") == acme.ledger.balance("acme")
        assert PaymentStatus.PAID == acme.invoices.get(number).payment_status

    def test_refused_allocations(self, acme: TelcoCore, clock: FixedClock, core: TelcoCore) -> None:
        """Over the payment, another account's invoice, a draft, an unknown number."""
        number = _invoice(acme, clock, DAY, "30.00")
        core.accounts.open("Other", "USD", account_id="other")
        core.ledger.credit("other", "100", idempotency_key="seed-other")
        theirs = _invoice(core, clock, DAY, "5.00", account="other")
        draft = acme.invoices.generate("acme", Period.day(DAY - timedelta(days=1))).number
        with pytest.raises(ValidationError, match="add up to more"):
            acme.invoices.record_payment("acme", "5", method="card", allocations={number: "6"})
        with pytest.raises(ValidationError, match="not of account"):
            acme.invoices.record_payment("acme", "5", method="card", allocations={theirs: "5"})
        with pytest.raises(InvoiceStateError, match="draft"):
            acme.invoices.record_payment("acme", "5", method="card", allocations={draft: "5"})
        with pytest.raises(ValidationError, match="status"):
            acme.invoices.record_payment("acme", "5", method="card", status="failed")
        assert [] == acme.invoices.payments("acme")

    @pytest.mark.parametrize(
        ("amount", "allocated"), [("0.001", None), ("29.995", None), ("5", "4.995")]
    )
    def test_amounts_finer_than_the_currency_are_refused(
        self, acme: TelcoCore, clock: FixedClock, amount: str, allocated: str | None
    ) -> None:
        """A payment or allocation of a fraction of a cent would leave a debt none can pay."""
        number = _invoice(acme, clock, DAY, "30.00")
        allocations = {number: allocated or amount}
        with pytest.raises(ValidationError, match=r"more decimal places than USD has \(2\)"):
            acme.invoices.record_payment("acme", amount, method="card", allocations=allocations)
        assert [] == acme.invoices.payments("acme")
        assert (PaymentStatus.UNPAID, Money("30.00", "USD")) == _state(acme, number)


class TestPending:
    """Pending payments move nothing until settled; failing one never moves anything."""

    def test_settle(self, acme: TelcoCore, clock: FixedClock) -> None:
        """Pending: invoice and balance unchanged; settled: both move, once."""
        number = _invoice(acme, clock, DAY, "30.00")
        balance = acme.ledger.balance("acme")
        pending = acme.invoices.record_payment(
            "acme", "30.00", method="sepa", allocations={number: "30.00"}, status="pending"
        )
        assert (PaymentState.PENDING, balance) == (pending.status, acme.ledger.balance("acme"))
        assert PaymentStatus.UNPAID == acme.invoices.get(number).payment_status
        with pytest.raises(OverPayment, match=r"0\.00 USD"):  # the pending one takes it all
            acme.invoices.record_payment(
                "acme", "1", method="card", allocations={number: "1"}, status="pending"
            )
        settled = acme.invoices.settle_payment(pending.id)
        assert PaymentState.SETTLED == settled.status
        assert settled == acme.invoices.settle_payment(pending.id)  # again: unchanged
        assert balance + Money("30.00", "USD") == acme.ledger.balance("acme")
        assert PaymentStatus.PAID == acme.invoices.get(number).payment_status
        with pytest.raises(PaymentStateError, match="settled"):
            acme.invoices.fail_payment(pending.id)
        actions = [
            e.action.value for e in acme.audit.entries(entity_type="payment", limit=50).entries
        ]
        assert ["CREATE", "PAY"] == sorted(actions)

    def test_fail(self, acme: TelcoCore, clock: FixedClock) -> None:
        """A failed payment frees what it was allocated and cannot be settled."""
        number = _invoice(acme, clock, DAY, "30.00")
        balance = acme.ledger.balance("acme")
        pending = acme.invoices.record_payment(
            "acme", "30.00", method="sepa", allocations={number: "30.00"}, status="pending"
        )
        failed = acme.invoices.fail_payment(pending.id, reason="bounced")
        assert (PaymentState.FAILED, balance) == (failed.status, acme.ledger.balance("acme"))
        with pytest.raises(PaymentStateError, match="failed"):
            acme.invoices.settle_payment(pending.id)
        acme.invoices.record_payment("acme", "30", method="card", allocations={number: "30"})
        assert PaymentStatus.PAID == acme.invoices.get(number).payment_status
        assert [failed.id] == [p.id for p in acme.invoices.payments("acme", status="failed")]

    def test_settled_after_the_invoice_was_voided(self, acme: TelcoCore, clock: FixedClock) -> None:
        """The voided invoice takes nothing: the whole payment is credit."""
        number = _invoice(acme, clock, DAY, "30.00")
        pending = acme.invoices.record_payment(
            "acme", "30.00", method="sepa", allocations={number: "30.00"}, status="pending"
        )
        acme.invoices.void(number)
        settled = acme.invoices.settle_payment(pending.id)
        assert ((), Money("30.00", "USD")) == (settled.allocations, settled.unallocated)


class TestIdempotency:
    """A payment id recorded again returns the first payment; another payment is refused."""

    def test_retry(self, acme: TelcoCore, clock: FixedClock) -> None:
        """The same id twice credits once; the id with another amount is a conflict."""
        number = _invoice(acme, clock, DAY, "30.00")
        balance = acme.ledger.balance("acme")
        kwargs = {"method": "card", "allocations": {number: "10"}, "payment_id": "pay-1"}
        first = acme.invoices.record_payment("acme", "10", **kwargs)  # type: ignore[arg-type]
        again = acme.invoices.record_payment("acme", "10", **kwargs)  # type: ignore[arg-type]
        assert first == again
        assert balance + Money("10", "USD") == acme.ledger.balance("acme")
        with pytest.raises(PaymentConflict, match="pay-1"):
            acme.invoices.record_payment("acme", "11", **kwargs)  # type: ignore[arg-type]
        assert first == acme.invoices.payment("pay-1")
        with pytest.raises(PaymentNotFound):
            acme.invoices.payment("pay-2")

    def test_a_retry_with_other_allocations_is_a_conflict(
        self, acme: TelcoCore, clock: FixedClock
    ) -> None:
        """Allocated otherwise, it is another payment: refused; in another order, the same."""
        first_invoice = _invoice(acme, clock, DAY, "30.00")
        second_invoice = _invoice(acme, clock, date(2026, 3, 3), "30.00")
        both = {first_invoice: "10", second_invoice: "5"}
        first = acme.invoices.record_payment(
            "acme", "20", method="card", allocations=both, payment_id="pay-1"
        )
        again = acme.invoices.record_payment(
            "acme",
            "20",
            method="card",
            allocations=dict(reversed(both.items())),
            payment_id="pay-1",
        )
        for other in ({first_invoice: "15"}, {first_invoice: "10", second_invoice: "4"}, None):
            with pytest.raises(PaymentConflict, match="pay-1"):
                acme.invoices.record_payment(
                    "acme", "20", method="card", allocations=other, payment_id="pay-1"
                )
        owed = [acme.invoices.get(n).outstanding for n in (first_invoice, second_invoice)]
        assert (first, [Money("20.00", "USD"), Money("25.00", "USD")]) == (again, owed)

    def test_a_retry_after_settling_took_less_than_asked(
        self, acme: TelcoCore, clock: FixedClock
    ) -> None:
        """Settled after its invoice was voided, a pending payment is the same when retried.

        It kept what its invoices took (nothing from the voided one); the retry asks what
        the first recording asked, so it returns the payment. Asking more of an invoice
        that is still owed is another payment.
        """
        voided = _invoice(acme, clock, DAY, "30.00")
        owed = _invoice(acme, clock, date(2026, 3, 3), "30.00")
        asked = {voided: "30.00", owed: "10.00"}
        kwargs = {"method": "sepa", "status": "pending", "payment_id": "pay-1"}
        acme.invoices.record_payment("acme", "45", allocations=asked, **kwargs)  # type: ignore[arg-type]
        acme.invoices.void(voided)
        settled = acme.invoices.settle_payment("pay-1")
        again = acme.invoices.record_payment("acme", "45", allocations=asked, **kwargs)  # type: ignore[arg-type]
        assert (settled, ((owed, Money("10.00", "USD")),)) == (
            again,
            tuple((part.number, part.amount) for part in again.allocations),
        )
        for other in ({voided: "30.00", owed: "11.00"}, {owed: "10.00", "INV-9": "1"}):
            with pytest.raises(PaymentConflict, match="pay-1"):
                acme.invoices.record_payment("acme", "45", allocations=other, **kwargs)  # type: ignore[arg-type]
