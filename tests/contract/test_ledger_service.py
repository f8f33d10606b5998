"""The ledger's guarantees through the services, on every storage adapter."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from telcocore import TelcoCore
from telcocore.accounts.errors import AccountNotActive
from telcocore.accounts.model import AccountStatus
from telcocore.billing.ledger.errors import AlreadyReversed, DebitLimitExceeded, IdempotencyConflict
from telcocore.billing.ledger.model import SystemAccount, TransactionKind
from telcocore.kernel.money import Money
from telcocore.notifications.model.message import MessageKind
from telcocore.testing import CapturingNotifier, FixedClock


@pytest.fixture
def acme(core: TelcoCore) -> str:
    """A USD account that may owe up to 5.00, alerting below 2.00."""
    return core.accounts.open(
        "Acme", "USD", account_id="acme", debit_limit="5.00", low_balance_threshold="2.00"
    ).id


class TestIdempotency:
    """The same key posts once."""

    def test_the_same_key_returns_the_first_transaction(self, core: TelcoCore, acme: str) -> None:
        """Posting a key again returns the first transaction and moves nothing."""
        first = core.ledger.credit(acme, "10.00", idempotency_key="top-1")
        again = core.ledger.credit(acme, "10.00", idempotency_key="top-1")
        assert (first, Money("10.00", "USD")) == (again, core.ledger.balance(acme))

    def test_the_same_key_for_another_amount_is_refused(self, core: TelcoCore, acme: str) -> None:
        """Reusing a key with a different amount raises IdempotencyConflict."""
        core.ledger.credit(acme, "10.00", idempotency_key="top-1")
        with pytest.raises(IdempotencyConflict):
            core.ledger.credit(acme, "11.00", idempotency_key="top-1")
        assert Money("10.00", "USD") == core.ledger.balance(acme)

    def test_a_replay_logs_nothing(
        self, core: TelcoCore, acme: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A retried request is normal: answering it writes no warning to the logs."""
        core.ledger.credit(acme, "10.00", idempotency_key="top-1")
        with caplog.at_level(logging.WARNING):
            core.ledger.credit(acme, "10.00", idempotency_key="top-1")
        assert [] == [(r.name, r.getMessage()) for r in caplog.records]

    def test_a_refused_debit_leaves_its_key_free(self, core: TelcoCore, acme: str) -> None:
        """A debit refused by the limit stores nothing, so its key works after a top-up."""
        with pytest.raises(DebitLimitExceeded):
            core.ledger.debit(acme, "6.00", idempotency_key="buy-1")
        core.ledger.credit(acme, "1.00", idempotency_key="top-1")
        bought = core.ledger.debit(acme, "6.00", idempotency_key="buy-1")
        assert Money("-6.00", "USD") == bought.amount


class TestDebitLimit:
    """New usage only while it fits."""

    def test_a_debit_onto_the_limit_fits(self, core: TelcoCore, acme: str) -> None:
        """A debit that ends exactly at -debit_limit is accepted."""
        core.ledger.debit(acme, "5.00", idempotency_key="buy-1")
        assert Money("-5.00", "USD") == core.ledger.balance(acme)

    def test_a_debit_past_the_limit_is_refused_with_the_shortfall(
        self, core: TelcoCore, acme: str
    ) -> None:
        """A debit past the limit raises DebitLimitExceeded saying what is missing."""
        core.ledger.credit(acme, "1.00", idempotency_key="top-1")
        with pytest.raises(DebitLimitExceeded) as raised:
            core.ledger.debit(acme, "6.01", idempotency_key="buy-1")
        assert (Money("6.00", "USD"), Money("0.01", "USD")) == (
            raised.value.available,
            raised.value.shortfall,
        )
        assert Money("1.00", "USD") == core.ledger.balance(acme)

    def test_usage_is_posted_past_the_limit(self, core: TelcoCore, acme: str) -> None:
        """Consumed usage is always posted, even below -debit_limit."""
        core.ledger.charge_usage(acme, "7.25", idempotency_key="cdr-1")
        assert Money("-2.25", "USD") == core.ledger.available(acme)

    def test_an_inactive_account_cannot_buy(self, core: TelcoCore, acme: str) -> None:
        """A debit on an inactive account raises AccountNotActive."""
        core.accounts.set_status(acme, AccountStatus.INACTIVE)
        with pytest.raises(AccountNotActive):
            core.ledger.debit(acme, "1.00", idempotency_key="buy-1")


class TestHistory:
    """The history shows every posting in order with its running balance."""

    def test_history_runs_in_posting_order(
        self, core: TelcoCore, acme: str, clock: FixedClock
    ) -> None:
        """Entries come in posting order, each with the balance after it."""
        core.ledger.credit(acme, "10.00", idempotency_key="a")
        clock.advance(timedelta(minutes=1))
        core.ledger.charge_usage(acme, "0.042", idempotency_key="b")
        clock.advance(timedelta(minutes=1))
        core.ledger.debit(acme, "3.00", idempotency_key="c")
        actual = [
            (e.kind, e.amount.amount, e.balance.amount) for e in core.ledger.history(acme).entries
        ]
        expected = [
            (TransactionKind.TOP_UP, Decimal("10.00"), Decimal("10.00")),
            (TransactionKind.USAGE, Decimal("-0.042"), Decimal("9.958")),
            (TransactionKind.PURCHASE, Decimal("-3.00"), Decimal("6.958")),
        ]
        assert expected == actual

    def test_history_selects_a_period(self, core: TelcoCore, acme: str, clock: FixedClock) -> None:
        """history(start, end) shows what was posted in [start, end)."""
        start = clock.now()
        for minute in range(4):
            clock.set(start + timedelta(minutes=minute))
            core.ledger.credit(acme, "1", idempotency_key=f"k{minute}")
        entries = core.ledger.history(
            acme, start=start + timedelta(minutes=1), end=start + timedelta(minutes=3)
        ).entries
        assert [2, 3] == [e.seq for e in entries]


class TestReversal:
    """A transaction is corrected by one reversal."""

    def test_a_reversal_restores_the_balance_once(self, core: TelcoCore, acme: str) -> None:
        """Reversing undoes the posting; reversing again raises AlreadyReversed."""
        charge = core.ledger.charge_usage(acme, "4.00", idempotency_key="cdr-1")
        reversal = core.ledger.reverse(charge.id, idempotency_key="rev-1")
        with pytest.raises(AlreadyReversed):
            core.ledger.reverse(charge.id, idempotency_key="rev-2")
        assert (Money("0.00", "USD"), charge.id) == (core.ledger.balance(acme), reversal.reverses)

    def test_a_retried_reversal_returns_the_first(self, core: TelcoCore, acme: str) -> None:
        """The same reversal key again returns the same reversal."""
        charge = core.ledger.charge_usage(acme, "4.00", idempotency_key="cdr-1")
        first = core.ledger.reverse(charge.id, idempotency_key="rev-1")
        assert first == core.ledger.reverse(charge.id, idempotency_key="rev-1")


class TestTotals:
    """Double entry: the sum of all balances is zero."""

    def test_totals_stay_zero(self, core: TelcoCore, acme: str) -> None:
        """After credits, usage, purchases and reversals every currency sums to zero."""
        core.accounts.open("Yen", "JPY", account_id="yen")
        core.ledger.credit(acme, "20.00", idempotency_key="a")
        usage = core.ledger.charge_usage(acme, "1.2345", idempotency_key="b")
        core.ledger.debit(acme, "3.00", idempotency_key="c")
        core.ledger.reverse(usage.id, idempotency_key="d")
        core.ledger.credit("yen", "1000", idempotency_key="e")
        assert {"USD": Decimal(0), "JPY": Decimal(0)} == core.ledger.totals()
        assert Money("-3.00", "USD") == -core.ledger.system_balance(SystemAccount.REVENUE, "USD")


class TestLowBalanceAlert:
    """One alert per downward crossing, delivered after commit."""

    def test_crossing_the_threshold_sends_one_alert(
        self, core: TelcoCore, acme: str, notifier: CapturingNotifier
    ) -> None:
        """Going below the threshold twice in a row alerts once."""
        core.ledger.credit(acme, "3.00", idempotency_key="a")
        core.ledger.charge_usage(acme, "1.50", idempotency_key="b")
        core.ledger.charge_usage(acme, "0.50", idempotency_key="c")
        core.outbox.deliver_pending()
        alerts = notifier.of_kind(MessageKind.LOW_BALANCE)
        assert ["1.50"] == [m.data["balance"] for m in alerts]
