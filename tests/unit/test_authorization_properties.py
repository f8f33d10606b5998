"""Authorization over random credit and rates (hypothesis): the answer is what rating says."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import START

from telcocore import Money, Rate, RatedCall, RateDeck, Refusal, TelcoCore
from telcocore.billing.rating.model.deck import MAX_CALL_SECONDS
from telcocore.core import open_storage
from telcocore.testing import FixedClock, sequential_ids

SETTINGS = settings(
    max_examples=80,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
UK = "+442071234567"
CENTS = st.integers(min_value=0, max_value=500).map(lambda n: Decimal(n).scaleb(-2))
RATES = st.builds(
    lambda per_minute, fee, a, b: Rate(
        "44",
        "United Kingdom",
        per_minute,
        connect_fee=fee,
        initial_increment=a,
        subsequent_increment=b,
        effective_from=START - timedelta(days=1),
    ),
    st.integers(min_value=1, max_value=300).map(lambda n: Decimal(n).scaleb(-3)),
    st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("0.05")]),
    st.sampled_from([1, 6, 30, 60]),
    st.sampled_from([1, 6, 60]),
)


def _core(funds: Decimal, rate: Rate) -> TelcoCore:
    core = TelcoCore(
        storage=open_storage("memory://"), clock=FixedClock(START), ids=sequential_ids()
    )
    core.accounts.open("Acme", "USD", account_id="acme")
    if funds:
        core.ledger.credit("acme", funds, idempotency_key="seed")
    core.rating.save_deck(RateDeck("retail", "USD", [rate]))
    core.rating.assign("acme", "retail")
    return core


def _rated(core: TelcoCore, seconds: int) -> RatedCall:
    rated = core.rating.rate("acme", UK, seconds, at=START)
    assert isinstance(rated, RatedCall)
    return rated


def _cost(core: TelcoCore, seconds: int) -> Money:
    return _rated(core, seconds).cost


class TestMaxDuration:
    """``max_duration`` ends a block that is paid for; one block more is not (or passes a day)."""

    @SETTINGS
    @given(funds=CENTS, rate=RATES)
    def test_the_longest_call_the_credit_pays(self, funds: Decimal, rate: Rate) -> None:
        """Allowed iff the first block fits; then its duration fits and one block more does not."""
        core = _core(funds, rate)
        try:
            answer = core.calls.authorize("acme", "anonymous", UK)
            available = Money(funds, "USD")
            first = _cost(core, rate.initial_increment)
            assert (first <= available, first) == (answer.allowed, answer.first_block)
            if not answer.allowed:
                assert (Refusal.INSUFFICIENT_CREDIT, 0) == (answer.reason, answer.max_duration)
                return
            seconds = answer.max_duration
            assert (seconds, True) == (
                _rated(core, seconds).billed_seconds,
                _cost(core, seconds) <= available,
            )
            longer = _rated(core, seconds + 1)  # one billing block more
            assert longer.cost > available or longer.billed_seconds > MAX_CALL_SECONDS
        finally:
            core.close()
