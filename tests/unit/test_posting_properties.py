"""Posting properties over random batches of calls (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

import telcocore
from telcocore import Money, Rate, RateDeck
from telcocore.calls.model.records import CallRecord

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
START = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)

DECK = RateDeck(
    "odd",
    "USD",
    [
        Rate("1", "North America", Decimal("0.0133"), effective_from=SINCE),
        Rate(
            "44",
            "United Kingdom",
            Decimal("0.0777"),
            connect_fee=Decimal("0.003"),
            initial_increment=30,
            subsequent_increment=6,
            effective_from=SINCE,
        ),
    ],
    precision=3,
)

calls = st.lists(
    st.tuples(
        st.sampled_from(["+14155550123", "+442071234567"]),
        st.decimals(min_value=0, max_value=3600, places=1),
    ),
    min_size=1,
    max_size=30,
)


def _record(n: int, destination: str, seconds: Decimal) -> CallRecord:
    return CallRecord(
        call_id=f"c{n}",
        account_id="acme",
        source="1001",
        destination=destination,
        start=START,
        answer=START,
        end=START + timedelta(seconds=int(seconds) + 1),
        duration=int(seconds) + 1,
        billable=seconds,
        disposition="answered" if seconds else "no_answer",
    )


class TestBatchCharges:
    """A batch charges the sum of its calls' individually rounded costs, whatever the split."""

    @settings(max_examples=40, deadline=None)
    @given(calls, st.integers(min_value=1, max_value=30))
    def test_the_ledger_sums_the_rounded_costs(
        self, batch: list[tuple[str, Decimal]], split: int
    ) -> None:
        """Posted in pieces of ``split``, twice over: the balance is minus the sum, once."""
        records = [_record(n, d, s) for n, (d, s) in enumerate(batch)]
        expected = sum(
            (
                DECK.rate(r.destination, r.billable, at=r.start).cost.amount  # type: ignore[union-attr]
                for r in records
            ),
            Decimal(0),
        )
        with telcocore.connect("memory://") as core:
            core.accounts.open("Acme", "USD", account_id="acme", home_country="US")
            core.rating.save_deck(DECK)
            core.rating.assign("acme", "odd")
            for _ in range(2):
                for start in range(0, len(records), split):
                    core.calls.post_many(records[start : start + split])
            assert Money(-expected, "USD") == core.ledger.balance("acme")
