"""Holds and channels over random sequences of operations (hypothesis), against a model."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from tests.conftest import START

from telcocore import ChannelLimitReached, DebitLimitExceeded, Money, TelcoCore
from telcocore.core import open_storage
from telcocore.testing import FixedClock, sequential_ids

SETTINGS = settings(
    max_examples=60,
    stateful_step_count=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
LIMIT = Decimal("2.00")
CHANNELS = 3
AMOUNTS = st.sampled_from(["0.01", "0.50", "1.00", "1.99", "3.00"])
CALLS = st.sampled_from([f"c{n}" for n in range(6)])


class HoldMachine(RuleBasedStateMachine):
    """A postpaid account (limit 2.00, 3 channels) under starts, ends, debits and usage."""

    def __init__(self) -> None:
        super().__init__()
        self.core = TelcoCore(
            storage=open_storage("memory://"), clock=FixedClock(START), ids=sequential_ids()
        )
        self.core.accounts.open(
            "Acme", "USD", account_id="acme", debit_limit=LIMIT, channel_limit=CHANNELS
        )
        self.balance = Decimal(0)
        self.calls: dict[str, Decimal] = {}
        self.keys = 0

    def _key(self) -> str:
        self.keys += 1
        return f"k{self.keys}"

    def _available(self) -> Decimal:
        return self.balance + LIMIT - sum(self.calls.values(), Decimal(0))

    @rule(call_id=CALLS, amount=AMOUNTS)
    def start(self, call_id: str, amount: str) -> None:
        """A start fits exactly when the model says so; a call in progress counts once."""
        fits = Decimal(amount) <= self._available() and len(self.calls) < CHANNELS
        if call_id in self.calls:
            if self.calls[call_id] == Decimal(amount):
                assert not self.core.calls.start_call(call_id, "acme", hold=amount).started
            return
        try:
            self.core.calls.start_call(call_id, "acme", hold=amount)
        except (ChannelLimitReached, DebitLimitExceeded):
            assert not fits
        else:
            assert fits
            self.calls[call_id] = Decimal(amount)

    @rule(call_id=CALLS)
    def end(self, call_id: str) -> None:
        """Ending releases the call's hold, once."""
        ended = self.core.calls.end_call(call_id)
        assert (call_id in self.calls) == (ended is not None)
        self.calls.pop(call_id, None)

    @rule(amount=AMOUNTS)
    def debit(self, amount: str) -> None:
        """A debit must leave the holds."""
        try:
            self.core.ledger.debit("acme", amount, idempotency_key=self._key())
        except DebitLimitExceeded:
            assert Decimal(amount) > self._available()
        else:
            assert Decimal(amount) <= self._available()
            self.balance -= Decimal(amount)

    @rule(amount=AMOUNTS)
    def usage(self, amount: str) -> None:
        """Consumed usage always posts."""
        self.core.ledger.charge_usage("acme", amount, idempotency_key=self._key())
        self.balance -= Decimal(amount)

    @rule(amount=AMOUNTS)
    def top_up(self, amount: str) -> None:
        """A credit always posts."""
        self.core.ledger.credit("acme", amount, idempotency_key=self._key())
        self.balance += Decimal(amount)

    @invariant()
    def agrees_with_the_model(self) -> None:
        """Balance, held, available and channels are the model's; the ledger sums to zero."""
        overview = self.core.calls.overview("acme")
        held = sum(self.calls.values(), Decimal(0))
        assert (
            Money(self.balance, "USD"),
            Money(held, "USD"),
            Money(self._available(), "USD"),
            len(self.calls),
            {"USD": Decimal(0)},
        ) == (
            overview.balance,
            overview.held,
            overview.available,
            overview.channels_in_use,
            self.core.ledger.totals(),
        )

    def teardown(self) -> None:
        """Close the storage."""
        self.core.close()


def test_holds_and_channels_follow_the_model() -> None:
    """Random starts, ends, debits, usage and top-ups keep storage and model in step."""
    run_state_machine_as_test(HoldMachine, settings=SETTINGS)
