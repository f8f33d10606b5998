"""Calls rated per second against a deck of 20,000 prefixes.

*Ours*: ``RateDeck.rate(destination, seconds, at=...)`` on a deck of 20,000 rates (prefixes
of 2 to 7 digits, 60/6, 1/1 and 30/6 increments, connect fees on some), built with
:class:`telcocore.RateDeck`; each call returns a ``RatedCall`` with its ``Money`` cost.

*Baseline*: the same rates in a plain dict from prefix to ``(rate, connect fee, A, B,
effective from)``, with the same checks: the destination must be ASCII digits after an
optional ``+``, and the rate must be in effect at the call. It probes from the longest
prefix length down, then does the same arithmetic with ``Decimal``: ``connect + billed *
rate / 60`` quantized to 4 places, half up, and returns a tuple. Each of its prefixes has
one rate with no end date, so its date check is one comparison; ours checks the end too
and builds a ``RatedCall`` with ``Money``.
"""

from __future__ import annotations

import contextlib
import decimal
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from benchmarks.harness import Benchmark, Case
from telcocore import Rate, RateDeck

__all__ = ["BENCHMARKS"]

PREFIXES = 20_000
CALLS = 10_000
"""Distinct calls, rated round and round."""
SINCE = datetime(2025, 1, 1, tzinfo=UTC)
AT = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
INCREMENTS = ((60, 6), (1, 1), (30, 6))


def _rates(seed: int = 7) -> list[Rate]:
    """20,000 distinct prefixes of 2-7 digits with their prices, the same every run."""
    pick = random.Random(seed)
    prefixes: set[str] = set()
    while len(prefixes) < PREFIXES:
        prefixes.add(
            str(pick.randint(1, 9)) + "".join(pick.choices("0123456789", k=pick.randint(1, 6)))
        )
    rates = []
    for prefix in sorted(prefixes):
        a, b = pick.choice(INCREMENTS)
        rates.append(
            Rate(
                prefix,
                f"destination {prefix}",
                Decimal(pick.randint(1, 50_000)).scaleb(-5),
                connect_fee=Decimal(pick.choice((0, 0, 1, 5))).scaleb(-2),
                initial_increment=a,
                subsequent_increment=b,
                effective_from=SINCE,
            )
        )
    return rates


def _calls(rates: list[Rate], seed: int = 11) -> list[tuple[str, int]]:
    """Destinations under the deck's prefixes (a few under none) and durations."""
    pick = random.Random(seed)
    calls = []
    for _ in range(CALLS):
        prefix = pick.choice(rates).prefix
        number = prefix + "".join(pick.choices("0123456789", k=12 - len(prefix)))
        calls.append(("+" + number, pick.choice((0, pick.randint(1, 3_600)))))
    return calls


@contextlib.contextmanager
def _deck_20k() -> Iterator[Case]:  # noqa: C901 - both sides, written out
    rates = _rates()
    calls = _calls(rates)
    deck = RateDeck("bench", "USD", rates, precision=4, rounding=decimal.ROUND_HALF_UP)

    def ours(n: int) -> None:
        rate = deck.rate
        for i in range(n):
            destination, seconds = calls[i % CALLS]
            rate(destination, seconds, at=AT)

    table = {
        r.prefix: (
            r.rate_per_minute,
            r.connect_fee,
            r.initial_increment,
            r.subsequent_increment,
            r.effective_from,
        )
        for r in rates
    }
    lengths = sorted({len(p) for p in table}, reverse=True)
    places = Decimal("0.0001")
    zero = Decimal(0)
    sixty = Decimal(60)

    def rate_by_hand(
        destination: str, seconds: int, at: datetime
    ) -> tuple[str, int, Decimal] | None:
        digits = destination.removeprefix("+")
        if not (digits.isdigit() and digits.isascii()):
            return None
        for length in lengths:
            prefix = digits[:length]
            found = table.get(prefix)
            if found is not None:
                per_minute, connect, a, b, since = found
                if at < since:
                    return None
                if seconds == 0:
                    return prefix, 0, zero
                billed = a if seconds <= a else a + -(-(seconds - a) // b) * b
                cost = (connect + billed * per_minute / sixty).quantize(
                    places, rounding=decimal.ROUND_HALF_UP
                )
                return prefix, billed, cost
        return None

    def baseline(n: int) -> None:
        for i in range(n):
            destination, seconds = calls[i % CALLS]
            rate_by_hand(destination, seconds, AT)

    yield Case(
        ours=ours,
        baseline=baseline,
        note=(
            f"{PREFIXES:,} prefixes of 2-7 digits, {CALLS:,} distinct calls, half of them "
            "unanswered; ours returns RatedCall with Money"
        ),
    )


BENCHMARKS: list[Benchmark] = [
    Benchmark(
        name="rating.deck_20k",
        measures="RateDeck.rate over a 20,000-prefix deck",
        baseline="dict longest-prefix probe and Decimal A/B arithmetic, quantize half up",
        setup=_deck_20k,
        ops=200_000,
        quick_ops=20_000,
        repeats=5,
        target=1.0,
        unit="calls/s",
    ),
]
