"""Rating properties over random rates and durations (hypothesis)."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from telcocore import Money, Rate, RatedCall, RateDeck, Tier, Unrated, billed_seconds
from telcocore.billing.rating.model.deck import MAX_CALL_SECONDS
from telcocore.billing.rating.model.plan import ROUNDING_MODES

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
AT = datetime(2026, 6, 1, tzinfo=UTC)

amounts = st.decimals(min_value=0, max_value=Decimal(2), places=5)
increments = st.integers(min_value=1, max_value=120)


@st.composite
def tier_lists(draw: st.DrawFn) -> tuple[Tier, ...]:
    """Up to three tiers at increasing seconds."""
    starts = sorted(draw(st.sets(st.integers(min_value=1, max_value=600), max_size=3)))
    return tuple(Tier(s, draw(amounts), draw(increments)) for s in starts)


@st.composite
def rates(draw: st.DrawFn, prefix: str = "44") -> Rate:
    """Any valid rate for ``prefix``."""
    return Rate(
        prefix,
        "any",
        draw(amounts),
        connect_fee=draw(amounts),
        initial_increment=draw(increments),
        subsequent_increment=draw(increments),
        free_seconds=draw(st.integers(min_value=0, max_value=300)),
        minimum_charge=draw(st.none() | amounts),
        tiers=draw(tier_lists()),
        effective_from=SINCE,
    )


def priced(deck: RateDeck, seconds: int) -> RatedCall:
    """The call to 44, which is rated."""
    result = deck.rate("44", seconds, at=AT)
    assert isinstance(result, RatedCall)
    return result


def _exact_cost(rate: Rate, seconds: int) -> tuple[int, Fraction]:
    """Billed seconds and cost, block by block, second by second: the slow, plain way."""
    if seconds == 0:
        return 0, Fraction(0)
    tiers = [(0, rate.rate_per_minute, rate.subsequent_increment)] + [
        (t.from_second, t.rate_per_minute, t.increment) for t in rate.tiers
    ]

    def tier_at(second: int) -> tuple[Decimal, int]:
        per_minute, step = tiers[0][1], tiers[0][2]
        for start, r, s in tiers:
            if second >= start:
                per_minute, step = r, s
        return per_minute, step

    cost = Fraction(rate.connect_fee)
    pos, length, per_minute = 0, rate.initial_increment, rate.rate_per_minute
    while True:
        for second in range(pos, pos + length):
            if second >= rate.free_seconds:
                cost += Fraction(per_minute) / 60
        pos += length
        if pos >= seconds:
            break
        per_minute, length = tier_at(pos)
    if rate.minimum_charge is not None:
        cost = max(cost, Fraction(rate.minimum_charge))
    return pos, cost


def _quantized(value: Fraction, places: int, mode: str) -> Decimal:
    context = decimal.Context(prec=200)
    exact = context.divide(Decimal(value.numerator), Decimal(value.denominator))
    # A fraction over 60 * 10**k is never a tie beyond the digits shown, so 200 digits decide.
    return exact.quantize(Decimal(1).scaleb(-places), rounding=mode, context=context)


class TestBilledSeconds:
    """Billed seconds cover the call and grow with it."""

    @given(st.integers(min_value=1, max_value=10_000), increments, increments)
    def test_billed_covers_and_exceeds_by_less_than_a_block(self, s: int, a: int, b: int) -> None:
        """Billable <= billed < billable + max(A, B)."""
        billed = billed_seconds(s, a, b)
        assert s <= billed < s + max(a, b)

    @given(st.integers(min_value=0, max_value=5_000), increments, increments)
    def test_never_decreases(self, s: int, a: int, b: int) -> None:
        """One second more never bills less."""
        assert billed_seconds(s, a, b) <= billed_seconds(s + 1, a, b)


class TestCost:
    """The compiled integer arithmetic equals the plain computation."""

    @given(rates(), st.integers(min_value=0, max_value=1_500), st.sampled_from(ROUNDING_MODES))
    def test_equals_the_plain_computation(self, rate: Rate, s: int, mode: str) -> None:
        """Block by block with fractions, rounded by Decimal.quantize: the same cost."""
        deck = RateDeck("d", "USD", [rate], precision=4, rounding=mode)
        billed, exact = _exact_cost(rate, s)
        call = priced(deck, s)
        assert (billed, _quantized(exact, 4, mode)) == (call.billed_seconds, call.cost.amount)

    @given(rates(), st.integers(min_value=0, max_value=1_500), st.sampled_from(ROUNDING_MODES))
    def test_never_decreases_as_the_call_grows(self, rate: Rate, s: int, mode: str) -> None:
        """Billed seconds and cost are monotone in the duration."""
        deck = RateDeck("d", "USD", [rate], rounding=mode)
        shorter, longer = priced(deck, s), priced(deck, s + 1)
        assert shorter.billed_seconds <= longer.billed_seconds
        assert shorter.cost <= longer.cost

    @given(rates(), st.decimals(min_value=0, max_value=Decimal(20), places=2))
    def test_max_duration_fits_and_one_block_more_does_not(
        self, rate: Rate, credit: Decimal
    ) -> None:
        """The answer's cost fits; the next billed boundary's does not (below the cap)."""
        deck = RateDeck("d", "USD", [rate])
        money = Money(credit, "USD")
        longest = deck.max_duration("44", money, at=AT)
        assert isinstance(longest, int)
        if longest == 0:
            assert priced(deck, 1).cost > money
            return
        call = priced(deck, longest)
        assert longest == call.billed_seconds
        assert call.cost <= money
        following = priced(deck, longest + 1)
        if following.billed_seconds <= MAX_CALL_SECONDS:
            assert following.cost > money


@st.composite
def decks(draw: st.DrawFn) -> RateDeck:
    """A deck of random prefixes over digits 1-3 with a few dates each."""
    prefixes = draw(
        st.lists(st.text(alphabet="123", min_size=1, max_size=4), min_size=1, max_size=25)
    )
    found = []
    for prefix in sorted(set(prefixes)):
        days = sorted(
            draw(st.sets(st.integers(min_value=0, max_value=300), min_size=1, max_size=3))
        )
        for day in days:
            end = draw(st.none() | st.integers(min_value=1, max_value=200))
            start = SINCE + timedelta(days=day)
            found.append(
                Rate(
                    prefix,
                    f"{prefix} from {day}",
                    draw(amounts),
                    effective_from=start,
                    effective_to=None if end is None else start + timedelta(days=end),
                )
            )
    return RateDeck("d", "USD", found)


def _scan(deck: RateDeck, destination: str, at: datetime) -> Rate | None:
    """The rate by scanning every rate: longest prefix effective at ``at``, then latest."""
    digits = destination.removeprefix("+")
    candidates = [
        r
        for r in deck.rates
        if digits.startswith(r.prefix)
        and r.effective_from <= at
        and (r.effective_to is None or at < r.effective_to)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (len(r.prefix), r.effective_from))


class TestIndex:
    """The compiled index finds what a scan of the deck finds."""

    @given(
        decks(),
        st.text(alphabet="1234", min_size=1, max_size=8),
        st.integers(min_value=0, max_value=600),
        st.booleans(),
    )
    def test_index_equals_scan(
        self, deck: RateDeck, destination: str, day: int, plus: bool
    ) -> None:
        """Same rate, or unrated exactly when the scan finds nothing."""
        at = SINCE + timedelta(days=day, hours=12)
        number = f"+{destination}" if plus else destination
        expected = _scan(deck, number, at)
        result = deck.rate(number, 60, at=at)
        if expected is None:
            assert isinstance(result, Unrated)
        else:
            assert isinstance(result, RatedCall)
            assert expected == result.rate

    @given(
        decks(),
        st.lists(
            st.tuples(
                st.text(alphabet="1234", min_size=1, max_size=8),
                st.integers(min_value=0, max_value=600),
                st.booleans(),
            ),
            min_size=1,
            max_size=30,
        ),
    )
    def test_many_calls_on_one_deck_equal_the_scan(
        self, deck: RateDeck, calls: list[tuple[str, int, bool]]
    ) -> None:
        """A deck that remembers the prefixes it matched still finds what a scan finds.

        Calls of one deck come at any dates, before and after its last rate change, with
        and without ``+``, in any order.
        """
        for destination, day, plus in calls:
            at = SINCE + timedelta(days=day, hours=12)
            number = f"+{destination}" if plus else destination
            expected = _scan(deck, number, at)
            result = deck.rate(number, 60, at=at)
            if expected is None:
                assert isinstance(result, Unrated)
            else:
                assert isinstance(result, RatedCall)
                assert expected == result.rate
