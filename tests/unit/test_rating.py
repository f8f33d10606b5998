"""Rating rules: billable and billed seconds, rates, decks, rounding and effective dates."""

from __future__ import annotations

import decimal
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from telcocore import (
    InvalidAmount,
    Money,
    NaiveDatetime,
    Rate,
    RatedCall,
    RateDeck,
    Tier,
    Unrated,
    ValidationError,
    billable_seconds,
    billed_seconds,
)
from telcocore.billing.rating.model.deck import MAX_CALL_SECONDS

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
AT = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def rate(prefix: str = "44", per_minute: str = "0.06", **settings: object) -> Rate:
    """A rate effective from :data:`SINCE` unless told otherwise."""
    settings.setdefault("effective_from", SINCE)
    return Rate(prefix, f"to {prefix}", Decimal(per_minute), **settings)


def deck(*rates: Rate, currency: str = "USD", **settings: object) -> RateDeck:
    """A deck of ``rates``."""
    return RateDeck("test", currency, rates, **settings)


def priced(d: RateDeck, destination: str, seconds: object, at: datetime = AT) -> RatedCall:
    """The call rated, which must be rated."""
    result = d.rate(destination, seconds, at=at)
    assert isinstance(result, RatedCall), result
    return result


class TestBillableSeconds:
    """Fractions round up; floats and negative durations are refused."""

    @pytest.mark.parametrize(
        ("duration", "expected"),
        [(0, 0), (30, 30), (Decimal("30.1"), 31), (Decimal("30.0"), 30), ("0.001", 1)],
    )
    def test_fractions_round_up(self, duration: object, expected: int) -> None:
        """30.1 s -> 31 s, whole seconds stay."""
        assert expected == billable_seconds(duration)

    def test_float_is_refused(self) -> None:
        """A float cannot hold 30.1 exactly."""
        with pytest.raises(InvalidAmount, match="float"):
            billable_seconds(30.1)

    @pytest.mark.parametrize("duration", [-1, Decimal("-0.5")])
    def test_negative_is_refused(self, duration: object) -> None:
        """A duration below zero is a ValidationError naming seconds."""
        with pytest.raises(ValidationError, match="seconds"):
            billable_seconds(duration)


class TestBilledSeconds:
    """The A/B examples of the domain rules."""

    @pytest.mark.parametrize(
        ("seconds", "a", "b", "expected"),
        [
            (10, 60, 6, 60),
            (61, 60, 6, 66),
            (67, 60, 6, 72),
            (10, 6, 6, 12),
            (30, 60, 1, 60),
            (65, 60, 1, 65),
            (70, 60, 60, 120),
            (35, 1, 1, 35),
            (0, 60, 6, 0),
            (60, 60, 6, 60),
        ],
    )
    def test_examples(self, seconds: int, a: int, b: int, expected: int) -> None:
        """``A`` if s <= A, else A + ceil((s - A) / B) * B; 0 s is 0."""
        assert expected == billed_seconds(seconds, a, b)

    def test_differs_from_a2billing_when_a_is_not_a_multiple_of_b(self) -> None:
        """30/7, 31 s: 30 + 7 = 37 (A2Billing would round 31 up to 35)."""
        assert 37 == billed_seconds(31, 30, 7)

    @pytest.mark.parametrize("bad", [{"initial": 0}, {"increment": 0}, {"seconds": -1}])
    def test_bad_arguments(self, bad: dict[str, int]) -> None:
        """Increments from 1, seconds from 0."""
        arguments = {"seconds": 10, "initial": 6, "increment": 6} | bad
        with pytest.raises(ValidationError, match=next(iter(bad))):
            billed_seconds(**arguments)


class TestRateValidation:
    """A rate is checked when it is made."""

    @pytest.mark.parametrize(
        ("settings", "field"),
        [
            ({"prefix": "+44"}, "prefix"),
            ({"prefix": ""}, "prefix"),
            ({"prefix": "1" * 21}, "prefix"),
            ({"per_minute": "-0.01"}, "rate_per_minute"),
            ({"connect_fee": Decimal(-1)}, "connect_fee"),
            ({"connect_fee": 0.1}, "connect_fee"),
            ({"initial_increment": 0}, "initial_increment"),
            ({"subsequent_increment": 0}, "subsequent_increment"),
            ({"free_seconds": -1}, "free_seconds"),
            ({"minimum_charge": Decimal("-0.01")}, "minimum_charge"),
            ({"effective_from": datetime(2026, 1, 1)}, "effective_from"),  # noqa: DTZ001
            ({"effective_to": SINCE}, "effective_to"),
            ({"tiers": (Tier(60, "0.01", 6), Tier(60, "0.02", 6))}, "tiers"),
            ({"tiers": (Tier(60, "0.01", 6), Tier(30, "0.02", 6))}, "tiers"),
            ({"tiers": ("60:0.01/6",)}, "tiers"),
        ],
    )
    def test_bad_settings_name_the_field(self, settings: dict[str, object], field: str) -> None:
        """Each bad setting is a ValidationError whose field names it."""
        prefix = str(settings.pop("prefix", "44"))
        per_minute = str(settings.pop("per_minute", "0.06"))
        with pytest.raises(ValidationError) as refused:
            rate(prefix, per_minute, **settings)
        assert field == refused.value.field

    def test_naive_start_is_a_naive_datetime_error(self) -> None:
        """Instants are aware."""
        with pytest.raises(NaiveDatetime):
            rate(effective_from=datetime(2026, 1, 1))  # noqa: DTZ001

    def test_other_zones_become_utc(self) -> None:
        """An aware instant in another zone is kept in UTC."""
        start = datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
        assert SINCE == rate(effective_from=start).effective_from

    def test_tier_from_second_zero_is_refused(self) -> None:
        """A tier from second 0 would replace the base rate: use the base rate."""
        with pytest.raises(ValidationError, match="from_second"):
            Tier(0, "0.01", 1)

    def test_two_rates_of_one_prefix_and_start_are_refused(self) -> None:
        """The deck could not choose between them."""
        with pytest.raises(ValidationError, match="two rates"):
            deck(rate(), rate(per_minute="0.07"))


class TestCost:
    """Cost = connect fee + billed seconds * rate / 60, rounded once."""

    def test_a_b_and_connect_fee(self) -> None:
        """60/6 at 0.06/min with 0.10 connect: 61 s -> 66 s -> 0.10 + 0.066."""
        d = deck(rate(initial_increment=60, subsequent_increment=6, connect_fee=Decimal("0.10")))
        call = priced(d, "+447700900123", 61)
        assert (61, 66, Money("0.1660", "USD")) == (call.seconds, call.billed_seconds, call.cost)

    def test_zero_second_call_costs_nothing(self) -> None:
        """No connect fee, no minimum for an unanswered call."""
        d = deck(rate(connect_fee=Decimal("0.10"), minimum_charge=Decimal(1)))
        call = priced(d, "44", 0)
        assert (0, 0, Money("0", "USD")) == (call.seconds, call.billed_seconds, call.cost)

    def test_fractional_seconds_round_up_before_increments(self) -> None:
        """60.2 s -> 61 billable -> 66 billed on 60/6."""
        d = deck(rate(initial_increment=60, subsequent_increment=6))
        assert 66 == priced(d, "44", Decimal("60.2")).billed_seconds

    def test_float_seconds_are_refused(self) -> None:
        """The deck refuses a float duration too."""
        with pytest.raises(InvalidAmount):
            deck(rate()).rate("44", 60.5, at=AT)

    def test_rounded_once(self) -> None:
        """Three seconds at 0.01/min is 0.0005: half up to 4 places, not summed first."""
        d = deck(rate(per_minute="0.01"))
        assert Money("0.0005", "USD") == priced(d, "44", 3).cost
        assert Money("0.0002", "USD") == priced(d, "44", 1).cost  # 0.0001666...

    def test_minimum_charge_applies_to_answered_calls(self) -> None:
        """A 1 s call costs at least the minimum; a long one its own price."""
        d = deck(rate(minimum_charge=Decimal("0.05"), connect_fee=Decimal("0.01")))
        assert Money("0.05", "USD") == priced(d, "44", 1).cost
        assert Money("0.0700", "USD") == priced(d, "44", 60).cost

    def test_free_seconds_cost_nothing_but_the_connect_fee(self) -> None:
        """30 free seconds on 1/1: 20 s costs the connect fee, 90 s pays for 60 s."""
        d = deck(rate(free_seconds=30, connect_fee=Decimal("0.02")))
        assert Money("0.02", "USD") == priced(d, "44", 20).cost
        assert Money("0.0800", "USD") == priced(d, "44", 90).cost

    def test_free_seconds_do_not_shift_the_blocks(self) -> None:
        """60/6 with 10 free: 61 s bills 66 s and charges 56 of them."""
        d = deck(rate(free_seconds=10, initial_increment=60, subsequent_increment=6))
        call = priced(d, "44", 61)
        assert (66, Money("0.0560", "USD")) == (call.billed_seconds, call.cost)

    def test_tiers(self) -> None:
        """60/60 at 0.06, from 120 s 0.03 per 6 s: 200 s = 120 s at 0.06 + 84 s at 0.03."""
        d = deck(rate(initial_increment=60, subsequent_increment=60, tiers=(Tier(120, "0.03", 6),)))
        call = priced(d, "44", 200)
        assert (204, Money("0.1620", "USD")) == (call.billed_seconds, call.cost)

    def test_a_block_is_priced_by_the_tier_it_starts_in(self) -> None:
        """A 60 s block starting at 60 ends at 120 at the base rate, past a tier at 90."""
        d = deck(rate(initial_increment=60, subsequent_increment=60, tiers=(Tier(90, "0", 1),)))
        assert (120, Money("0.1200", "USD")) == (
            priced(d, "44", 100).billed_seconds,
            priced(d, "44", 100).cost,
        )
        call = priced(d, "44", 130)  # 120 s at 0.06, then 10 free-rate seconds
        assert (130, Money("0.1200", "USD")) == (call.billed_seconds, call.cost)

    def test_tiers_with_free_seconds(self) -> None:
        """Free seconds run across tiers: 100 free, tier 60 at 0.12: 130 s pays 30 s of it."""
        d = deck(rate(free_seconds=100, tiers=(Tier(60, "0.12", 1),)))
        assert Money("0.0600", "USD") == priced(d, "44", 130).cost


class TestCurrencies:
    """Precision is the deck's; zero- and three-decimal currencies round the same way."""

    def test_jpy_deck_rounds_to_whole_yen(self) -> None:
        """JPY, precision 0: 61 s at 5 yen/min is 5.0833 -> 5 yen."""
        d = deck(rate(per_minute="5"), currency="JPY", precision=0)
        assert Money("5", "JPY") == priced(d, "44", 61).cost
        assert "5 JPY" == str(priced(d, "44", 61).cost)

    def test_kwd_deck_rounds_to_fils(self) -> None:
        """KWD, precision 3: 61 s at 0.0125/min is 0.01270833 -> 0.013."""
        d = deck(rate(per_minute="0.0125"), currency="KWD", precision=3)
        assert Money("0.013", "KWD") == priced(d, "44", 61).cost


# Each mode on values just below, at and above a half, and on 0.05 ties for 05UP.
ROUNDINGS = [
    (decimal.ROUND_UP, ["0.0002", "0.0002", "0.0002"]),
    (decimal.ROUND_CEILING, ["0.0002", "0.0002", "0.0002"]),
    (decimal.ROUND_DOWN, ["0.0001", "0.0001", "0.0001"]),
    (decimal.ROUND_FLOOR, ["0.0001", "0.0001", "0.0001"]),
    (decimal.ROUND_HALF_UP, ["0.0001", "0.0002", "0.0002"]),
    (decimal.ROUND_HALF_DOWN, ["0.0001", "0.0001", "0.0002"]),
    (decimal.ROUND_HALF_EVEN, ["0.0001", "0.0002", "0.0002"]),
    (decimal.ROUND_05UP, ["0.0001", "0.0001", "0.0001"]),
]


class TestRounding:
    """Every decimal rounding mode, exactly as Decimal.quantize would round the exact cost."""

    @pytest.mark.parametrize(("mode", "expected"), ROUNDINGS, ids=[m for m, _ in ROUNDINGS])
    def test_mode(self, mode: str, expected: list[str]) -> None:
        """Costs of 0.000140, 0.000150 and 0.000160 (connect fee, 0 rate) in ``mode``."""
        costs = [
            priced(deck(rate(per_minute="0", connect_fee=Decimal(fee)), rounding=mode), "44", 1)
            for fee in ("0.000140", "0.000150", "0.000160")
        ]
        assert [Money(e, "USD") for e in expected] == [c.cost for c in costs]

    def test_05up_rounds_away_after_a_zero_or_five(self) -> None:
        """0.00051 -> 0.0006 (last kept digit 5); 0.00031 -> 0.0003."""
        d05 = deck(rate(per_minute="0", connect_fee=Decimal("0.00051")), rounding="ROUND_05UP")
        d03 = deck(rate(per_minute="0", connect_fee=Decimal("0.00031")), rounding="ROUND_05UP")
        assert Money("0.0006", "USD") == priced(d05, "44", 1).cost
        assert Money("0.0003", "USD") == priced(d03, "44", 1).cost

    def test_unknown_mode_is_refused(self) -> None:
        """Only decimal's ROUND_* constants."""
        with pytest.raises(ValidationError, match="rounding"):
            deck(rate(), rounding="half_up")


class TestMatching:
    """Longest prefix wins; among equal prefixes the latest effective rate."""

    def test_longest_prefix_wins(self) -> None:
        """44 7 beats 44."""
        d = deck(rate("44"), rate("447", "0.12"))
        assert "447" == priced(d, "+447700900123", 60).prefix
        assert "44" == priced(d, "+442071234567", 60).prefix

    def test_latest_effective_rate_of_a_prefix_wins(self) -> None:
        """From March on the new rate; before it, the old one."""
        march = datetime(2026, 3, 1, tzinfo=UTC)
        d = deck(rate(per_minute="0.06"), rate(per_minute="0.05", effective_from=march))
        assert Money("0.0500", "USD") == priced(d, "44", 60, at=march).cost
        assert Money("0.0600", "USD") == priced(d, "44", 60, at=march - timedelta(1)).cost

    def test_an_expired_rate_is_skipped_for_a_shorter_prefix(self) -> None:
        """447 ended in February: its calls fall back to 44."""
        ended = datetime(2026, 2, 1, tzinfo=UTC)
        d = deck(rate("44"), rate("447", "0.12", effective_to=ended))
        assert "447" == priced(d, "447", 60, at=ended - timedelta(seconds=1)).prefix
        assert "44" == priced(d, "447", 60, at=ended).prefix

    def test_not_yet_effective_is_unrated(self) -> None:
        """Before any rate of a matching prefix is in effect: unrated, never free."""
        result = deck(rate()).rate("44", 60, at=SINCE - timedelta(seconds=1))
        assert isinstance(result, Unrated)
        assert "no rate in effect" in result.reason

    @pytest.mark.parametrize(
        "destination", ["33123", "", "+", "44a", "44 20", "++44", "٤٤", "4" * 33, None, 44]
    )
    def test_odd_destinations_are_unrated(self, destination: object) -> None:
        """No match, not digits, too long, not text: Unrated with a reason, no exception."""
        result = deck(rate()).rate(destination, 60, at=AT)  # type: ignore[arg-type]
        assert isinstance(result, Unrated)
        assert result.reason

    def test_naive_at_is_refused(self) -> None:
        """The instant of a call is aware."""
        with pytest.raises(NaiveDatetime):
            deck(rate()).rate("44", 60, at=datetime(2026, 3, 1))  # noqa: DTZ001


class TestRememberedMatches:
    """After its last rate change a deck keeps each destination prefix's match."""

    def test_repeated_calls_give_the_same_answers(self) -> None:
        """The second call of a prefix, with or without ``+``, matches like the first."""
        d = deck(rate("44"), rate("4477", "0.12"), rate("1"))
        for _ in range(2):
            for number, prefix in [
                ("+447700900123", "4477"),
                ("447700900123", "4477"),
                ("+4470", "44"),
                ("447", "44"),
                ("1", "1"),
            ]:
                assert prefix == priced(d, number, 60).prefix
            assert isinstance(d.rate("+33123", 60, at=AT), Unrated)

    def test_a_remembered_prefix_still_checks_the_whole_number(self) -> None:
        """Digits after the remembered prefix are still checked, and the length too."""
        d = deck(rate("44"))
        assert "44" == priced(d, "+4420712345", 60).prefix
        assert "44" == priced(d, "4420712345", 60).prefix
        odd_numbers = ["+4420712345x", "+44207 12345", "+4420712345٤", "+442" + "0" * 31]
        for odd in [*odd_numbers, "+44+20", "4420+", "442" + "0" * 30]:
            result = d.rate(odd, 60, at=AT)
            assert isinstance(result, Unrated), odd
        assert "44" == priced(d, "+442" + "0" * 29, 60).prefix

    def test_before_the_last_change_dates_still_decide(self) -> None:
        """Calls before, after and again before a rate change each get their own rate."""
        march = datetime(2026, 3, 1, tzinfo=UTC)
        d = deck(rate("44"), rate("447", "0.12", effective_from=march))
        before, after = march - timedelta(seconds=1), march
        for _ in range(2):
            assert "44" == priced(d, "+4477", 60, at=before).prefix
            assert "447" == priced(d, "+4477", 60, at=after).prefix

    def test_an_ended_rate_is_not_remembered_past_its_end(self) -> None:
        """447 ended: after its end the shorter prefix prices the call, every time."""
        ended = datetime(2026, 2, 1, tzinfo=UTC)
        d = deck(rate("44"), rate("447", "0.12", effective_to=ended))
        for _ in range(2):
            assert "447" == priced(d, "4471", 60, at=ended - timedelta(seconds=1)).prefix
            assert "44" == priced(d, "4471", 60, at=ended).prefix

    def test_the_memory_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Past its bound the deck forgets and starts over; answers stay right."""
        monkeypatch.setattr("telcocore.billing.rating.model.deck._KEPT_MATCHES", 3)
        d = deck(rate("4"), rate("44", "0.12"))
        for _ in range(2):
            for n in range(10):
                expected = "44" if n == 4 else "4"
                assert expected == priced(d, f"+4{n}{n}", 60).prefix
        assert len(d._matches) <= 3


class TestFirstBlockAndMaxDuration:
    """What a call start must pay, and how long the credit lasts."""

    def test_first_block(self) -> None:
        """60/6 at 0.06 with 0.10 connect: 0.10 + 0.06."""
        d = deck(rate(initial_increment=60, subsequent_increment=6, connect_fee=Decimal("0.10")))
        assert Money("0.1600", "USD") == d.first_block("44", at=AT)

    def test_max_duration_steps_over_blocks(self) -> None:
        """0.20 credit, 0.10 connect, 0.06/min, 60/6: 60 s + 6 blocks of 6 = 96 s (0.196)."""
        d = deck(rate(initial_increment=60, subsequent_increment=6, connect_fee=Decimal("0.10")))
        assert 96 == d.max_duration("44", Money("0.20", "USD"), at=AT)

    def test_not_even_the_first_block(self) -> None:
        """0 when the first block does not fit."""
        d = deck(rate(connect_fee=Decimal("0.10")))
        assert 0 == d.max_duration("44", Money("0.09", "USD"), at=AT)

    def test_free_rate_is_capped(self) -> None:
        """A rate of 0 lasts the cap, a day."""
        d = deck(rate(per_minute="0"))
        assert MAX_CALL_SECONDS == d.max_duration("44", Money("0", "USD"), at=AT)

    def test_with_tiers(self) -> None:
        """60/60 at 0.06, from 120 s 0.03/6: 0.15 pays 120 s + 60 s more."""
        d = deck(rate(initial_increment=60, subsequent_increment=60, tiers=(Tier(120, "0.03", 6),)))
        assert 180 == d.max_duration("44", Money("0.15", "USD"), at=AT)

    def test_credit_in_another_currency_is_refused(self) -> None:
        """The credit is in the deck's currency."""
        with pytest.raises(ValidationError, match="currency"):
            deck(rate()).max_duration("44", Money("1", "EUR"), at=AT)

    def test_unrated(self) -> None:
        """An unknown destination is unrated here too."""
        assert isinstance(deck(rate()).first_block("33", at=AT), Unrated)
        assert isinstance(deck(rate()).max_duration("33", Money("1", "USD"), at=AT), Unrated)


class TestAmbientContext:
    """Rating rounds under its own context: the caller's decimal context changes nothing."""

    def test_a_low_precision_context_does_not_round_a_rate(self) -> None:
        """123.456789 a minute for 60 s is 123.4568 whatever getcontext().prec says."""
        rate = Rate("1", "long rate", Decimal("123.456789"), effective_from=SINCE)
        with decimal.localcontext() as context:
            context.prec = 5
            rated = RateDeck("ctx", "USD", [rate]).rate("1555", 60, at=AT)
        assert isinstance(rated, RatedCall)
        assert Money("123.4568", "USD") == rated.cost
